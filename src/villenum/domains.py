"""Projects per domain: counts, percent shares with per-domain Wilson intervals, per-collectivité means, rankings."""

from __future__ import annotations

import pandas as pd

from villenum.questionnaire import Questionnaire
from villenum.stats import matches_published, safe_divide, top_k, wilson_interval


def domain_counts(projects: pd.DataFrame, q: Questionnaire, confidence: float = 0.95) -> pd.DataFrame:
    """Projects per domain of the questionnaire (zeros included): one row per domain, in questionnaire order.

    Columns: domain (code), label_fr, n_projects, share (percent 0-100 of all projects), ci_low, ci_high
    (per-domain, not simultaneous, Wilson interval of the share, percent).
    """
    codes = q.codes("domain")
    n = projects["domain"].value_counts().reindex(codes, fill_value=0).to_numpy()
    low, high = wilson_interval(n, n.sum(), confidence)
    return pd.DataFrame({"domain": codes, "label_fr": [q.labels_fr("domain")[c] for c in codes],
                         "n_projects": n, "share": 100 * safe_divide(n, n.sum()),
                         "ci_low": 100 * low, "ci_high": 100 * high})


def projects_per_collectivite(projects: pd.DataFrame, collectivites: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Projects per collectivité and domain (collectivités without any count as 0): mean, sd, median, reach."""
    codes = q.codes("domain")
    ids = pd.Index(collectivites["collectivite_id"].dropna().unique())
    ids = ids.union(projects["collectivite_id"].dropna().unique())
    matrix = (projects.groupby(["collectivite_id", "domain"]).size().unstack(fill_value=0)
              .reindex(index=ids, columns=codes, fill_value=0))
    reach = (matrix > 0).sum()
    return pd.DataFrame({"domain": codes, "n_projects": matrix.sum().to_numpy(), "n_collectivites": len(ids),
                         "mean_per_collectivite": matrix.mean().to_numpy(),
                         "sd_per_collectivite": matrix.std().to_numpy(),
                         "median_per_collectivite": matrix.median().to_numpy(),
                         "n_collectivites_with_any": reach.to_numpy(),
                         "share_with_any": 100 * safe_divide(reach, len(ids))})


def top_domains(counts: pd.DataFrame, k: int = 3, by: str = "n_projects") -> pd.DataFrame:
    """The k domains with most projects; ties broken by input (taxonomy) order and flagged (stats.top_k)."""
    return top_k(counts, by, k, ascending=False)


def bottom_domains(counts: pd.DataFrame, k: int = 3, by: str = "n_projects") -> pd.DataFrame:
    """The k domains with fewest projects; ties broken by input (taxonomy) order and flagged (stats.top_k)."""
    return top_k(counts, by, k, ascending=True)


def compare_shares(counts: pd.DataFrame, published: pd.DataFrame, q: Questionnaire, decimals: int = 0) -> pd.DataFrame:
    """Our percent shares against published ones: [domain, share, published_share, difference, rounded_match].

    share, published_share and difference are percentage points; rounded_match (boolean, <NA> when a side is
    missing) is `stats.matches_published`: ours rounded half up to `decimals` places is the printed figure.
    """
    theirs = pd.DataFrame({"domain": q.to_code(published["domain"].astype("string"), "domain"),
                           "published_share": pd.to_numeric(published["share"]).astype(float)})
    out = counts[["domain", "share"]].merge(theirs, on="domain", how="left")
    match = pd.array(matches_published(out["share"], out["published_share"], decimals), dtype="boolean")
    match[out["published_share"].isna().to_numpy() | out["share"].isna().to_numpy()] = pd.NA
    return out.assign(difference=out["share"] - out["published_share"], rounded_match=match)
