"""Realisation by domain: status counts, share of projects completed, and tests of association.

Projects with an unknown status are counted (status "unknown") but set aside from ratios and tests.
Projects are clustered within collectivités: the Wilson and Newcombe intervals, chi-square and Fisher p-values
treat them as independent and are therefore optimistic; `stats.support` over cluster resamples of collectivités
says how often a claim holds when whole collectivités are resampled.
Directional claims (« ont plus de projets réalisés », « un bon ratio ») are tested one-sided: the named domain(s)
against the OTHER domains pooled, with the Newcombe interval of the difference of ratios.
Ratios and differences are proportions (0..1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st

from villenum.questionnaire import Questionnaire
from villenum.stats import cluster_weights, degenerate, newcombe_interval, safe_divide, wilson_interval

UNKNOWN = "unknown"
GROUP_COLUMNS = ["group", "n_realise_group", "n_known_group", "ratio_group", "ci_low_group", "ci_high_group",
                 "n_realise_rest", "n_known_rest", "ratio_rest", "ci_low_rest", "ci_high_rest", "difference",
                 "difference_ci_low", "difference_ci_high", "odds_ratio", "p_value", "p_value_greater"]


def status_counts(projects: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Projects per domain x status of the questionnaire, every combination (zeros included).

    Columns: domain, status (code, or 'unknown' for a missing status), n (projects).
    """
    statuses = [*q.codes("status"), UNKNOWN]
    full = pd.MultiIndex.from_product([q.codes("domain"), statuses], names=["domain", "status"])
    status = projects["status"].astype("string").fillna(UNKNOWN)
    n = projects.groupby([projects["domain"], status]).size()
    return n.reindex(full, fill_value=0).rename("n").reset_index()


def _wide(projects: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """status_counts as a domain x status table."""
    counts = status_counts(projects, q)
    return counts.pivot(index="domain", columns="status", values="n").reindex(
        index=q.codes("domain"), columns=[*q.codes("status"), UNKNOWN])


def _counts(projects: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """The counts of `_wide` (index `domain`, columns `status`, int64), counted with numpy instead of groupby
    and pivot: the scorecard recomputes them on every cluster resample. Only integer sums may be taken of it (its
    memory layout differs from `_wide`'s, which a floating-point reduction such as a chi-square could see)."""
    domains, statuses = q.codes("domain"), [*q.codes("status"), UNKNOWN]
    row = pd.Index(domains).get_indexer(projects["domain"].astype("string"))  # a missing domain: -1, left out
    col = pd.Index(statuses).get_indexer(projects["status"].astype("string").fillna(UNKNOWN))
    known = (row >= 0) & (col >= 0)
    n = np.bincount(row[known] * len(statuses) + col[known], minlength=len(domains) * len(statuses))
    return pd.DataFrame(n.reshape(len(domains), len(statuses)).astype(np.int64),
                        index=pd.Index(domains, name="domain"), columns=pd.Index(statuses, name="status"))


def realised_status(q: Questionnaire) -> str:
    """The status code with role 'realised' in the questionnaire (ValueError if it has none)."""
    code = q.status("realised")
    if code is None:
        raise ValueError(f"{q.path.name}: no [[status]] has role = \"realised\": realisation cannot be measured")
    return code


def realisation_ratios(projects: pd.DataFrame, q: Questionnaire, confidence: float = 0.95) -> pd.DataFrame:
    """Per domain: share of projects of known status that are realised, with Wilson CI.

    Columns: domain, n_projects, n_status_known, n_realise, ratio (proportion 0-1), ci_low, ci_high (0-1).
    """
    wide = _counts(projects, q)
    n_projects = wide.sum(axis=1).to_numpy()
    known = n_projects - wide[UNKNOWN].to_numpy()
    realised = wide[realised_status(q)].to_numpy()
    low, high = wilson_interval(realised, known, confidence)
    return pd.DataFrame({"domain": wide.index, "n_projects": n_projects, "n_status_known": known,
                         "n_realise": realised, "ratio": safe_divide(realised, known), "ci_low": low, "ci_high": high})


def independence_test(projects: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Pearson chi-square (no Yates correction) of domain x known status, empty rows/columns dropped; Cramér's V."""
    wide = _wide(projects, q).drop(columns=UNKNOWN)
    rows, cols = wide.sum(axis=1) > 0, wide.sum(axis=0) > 0
    table = wide.loc[rows, cols]
    dropped = "; ".join(f"{what}: {', '.join(names)}" for what, names in
                        (("empty domains dropped", wide.index[~rows]), ("empty statuses dropped", wide.columns[~cols]))
                        if len(names))
    row = {"chi2": np.nan, "dof": np.nan, "p_value": np.nan, "cramers_v": np.nan, "min_expected": np.nan,
           "n": int(table.to_numpy().sum()), "dropped": dropped, "warning": ""}
    if min(table.shape) < 2:
        row["warning"] = f"table is {table.shape[0]} x {table.shape[1]} after dropping empty rows/columns: no test"
        degenerate(row["warning"])
        return pd.DataFrame([row])
    res = st.chi2_contingency(table.to_numpy(), correction=False)
    expected = res.expected_freq
    row.update(chi2=res.statistic, dof=res.dof, p_value=res.pvalue, min_expected=expected.min(),
               cramers_v=np.sqrt(res.statistic / (row["n"] * (min(table.shape) - 1))))
    if (small := int((expected < 5).sum())):
        row["warning"] = (f"{small} of {expected.size} expected counts < 5 (min {expected.min():.2f}): "
                          "chi-square approximation unreliable")
        degenerate(row["warning"])
    return pd.DataFrame([row])


def volume_ratio_association(ratios: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation, across domains with a ratio, between number of projects and realisation ratio."""
    used = ratios[ratios["ratio"].notna()]
    row = {"spearman_rho": np.nan, "p_value": np.nan, "n_domains": len(used)}
    if len(used) < 3 or used["ratio"].nunique() < 2 or used["n_projects"].nunique() < 2:
        degenerate(f"Spearman needs 3+ domains with varying counts and ratios (got {len(used)}): NaN")
    else:
        row["spearman_rho"], row["p_value"] = st.spearmanr(used["n_projects"], used["ratio"])
    return pd.DataFrame([row])


def domain_groups_compare(ratios: pd.DataFrame, group: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Pooled realisation ratio of a group of domains against the other domains pooled.

    One row: group; for the group and the rest, n_realise, n_known, ratio (0..1) and its Wilson interval;
    difference (group - rest, -1..1) with its Newcombe interval (difference_ci_low, difference_ci_high);
    odds_ratio; p_value (Fisher exact, two-sided) and p_value_greater (one-sided: the group realises more).
    """
    unknown = sorted(set(group) - set(ratios["domain"]))
    if unknown:
        raise ValueError(f"unknown domain(s) {unknown}; known: {', '.join(ratios['domain'])}")
    inside = ratios["domain"].isin(group).to_numpy()
    k = np.array([ratios.loc[inside, "n_realise"].sum(), ratios.loc[~inside, "n_realise"].sum()])
    n = np.array([ratios.loc[inside, "n_status_known"].sum(), ratios.loc[~inside, "n_status_known"].sum()])
    low, high = wilson_interval(k, n, confidence)
    ratio = safe_divide(k, n)
    d_low, d_high = newcombe_interval(k[0], n[0], k[1], n[1], confidence)
    row = {"group": ", ".join(group), "n_realise_group": k[0], "n_known_group": n[0], "ratio_group": ratio[0],
           "ci_low_group": low[0], "ci_high_group": high[0], "n_realise_rest": k[1], "n_known_rest": n[1],
           "ratio_rest": ratio[1], "ci_low_rest": low[1], "ci_high_rest": high[1],
           "difference": ratio[0] - ratio[1], "difference_ci_low": d_low, "difference_ci_high": d_high,
           "odds_ratio": np.nan, "p_value": np.nan, "p_value_greater": np.nan}
    if (n == 0).any():
        degenerate("a side of the comparison has no project of known status: no test")
    else:
        table = np.column_stack([k, n - k])
        res = st.fisher_exact(table)
        row["odds_ratio"], row["p_value"] = res.statistic, res.pvalue
        row["p_value_greater"] = st.fisher_exact(table, alternative="greater").pvalue
    return pd.DataFrame([row])


def group_comparisons(ratios: pd.DataFrame, groups: list[list[str]], confidence: float = 0.95) -> pd.DataFrame:
    """`domain_groups_compare` for each group (e.g. the sets named by a wave's claims), one row per group.

    Columns as domain_groups_compare; no group gives an empty table with those columns.
    """
    rows = [domain_groups_compare(ratios, group, confidence) for group in groups]
    if rows:
        return pd.concat(rows, ignore_index=True)
    return pd.DataFrame(columns=GROUP_COLUMNS)
def each_against_rest(ratios: pd.DataFrame, domains: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """`domain_groups_compare` of each named domain alone against all the other domains pooled (X excluded).

    One row per domain, in the order given, with the columns of `domain_groups_compare` (group = the domain).
    This is the test of « X a un bon ratio »: X is compared with the others, never with a median including X.
    No domain (an edition without such a claim, e.g. 2014) gives an empty table with those columns.
    """
    return group_comparisons(ratios, [[d] for d in domains], confidence)


def direction_support(collectivites: pd.DataFrame, projects: pd.DataFrame, groups: dict[str, list[str]],
                      q: Questionnaire, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """How often each named group of domains realises more than the other domains pooled, over cluster resamples.

    Collectivités are drawn with replacement with all their projects (`stats.cluster_weights`, the same resamples
    as `stats.cluster_resamples` with this seed). One row per group: claim (its key in `groups`), group (domains),
    difference (pooled ratio of the group minus that of the rest, 0..1 scale, on the data), support (share 0..1
    of resamples where the difference is > 0; a resample where a side has no project of known status counts
    against), n_boot.
    """
    ids = pd.Index(collectivites["collectivite_id"].astype("string"))
    codes = ids.get_indexer(projects["collectivite_id"].astype("string"))
    if (codes < 0).any():
        raise ValueError("projects name collectivités absent from the collectivités table")
    known = projects["status"].notna().to_numpy(dtype=bool)
    realised = projects["status"].eq(realised_status(q)).fillna(False).to_numpy(dtype=bool)
    weights = np.vstack([np.ones(len(ids)), cluster_weights(len(ids), n_boot, seed)])  # row 0: the data
    rows = []
    for claim, group in groups.items():
        inside = projects["domain"].isin(group).to_numpy(dtype=bool)
        ratios = []
        for side in (inside, ~inside):
            k = weights @ np.bincount(codes, weights=realised & side, minlength=len(ids))
            n = weights @ np.bincount(codes, weights=known & side, minlength=len(ids))
            ratios.append(safe_divide(k, n))
        diff = ratios[0] - ratios[1]
        rows.append({"claim": claim, "group": ", ".join(group), "difference": diff[0],
                     "support": float(np.mean(diff[1:] > 0)), "n_boot": n_boot})
    return pd.DataFrame(rows, columns=["claim", "group", "difference", "support", "n_boot"])
