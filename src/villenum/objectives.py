"""Scores of the four objectives ranked by each collectivité: shares, mean ranks, Borda, Copeland, agreement.

Rules for partial rankings (half-filled questionnaires, rank <NA>), one convention per method
(docs/statistics.md):
- a collectivité "answered" if it ranked at least one objective; every score uses only those;
- first_share: share of answering collectivités ranking the objective first (Wilson interval);
- mean_rank: mean of the ranks given to the objective, over the collectivités that ranked it (unranked: left out);
  its variant mean_rank_bottom puts the objectives a collectivité left unranked tied at the bottom, sharing the
  positions it did not give (ranks 1 and 2 given -> 3.5 each), over every answering collectivité;
- Borda: rank r earns (4 - r) points (3, 2, 1, 0); the objectives a collectivité left unranked share equally the
  points it did not give, i.e. Borda = 4 - mean_rank_bottom exactly; the score is the mean per answering one (0..3);
- pairwise: a is before b if a is ranked and b is unranked or ranked lower; two unranked objectives are not compared;
- Copeland: pairwise wins minus pairwise losses (a wins against b if more collectivités put a before b), -3..3;
- Kendall's W and Friedman: convention "complete" uses only collectivités that ranked all four objectives
  (`n_excluded` says how many not); convention "bottom" uses every answering collectivité, unranked tied at the
  bottom (tie-corrected).
Positions: 1 is the best; scores equal to 9 decimals share a position (stats.positions).
Intervals and the stability of positions: villenum.rank_intervals.
Every column named share* is a percentage (0..100).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st
from scipy.special import xlogy

from villenum.stats import degenerate, positions, safe_divide, wilson_interval

METHODS = ("first_share", "mean_rank", "borda", "copeland")
LOWER_IS_BETTER = ("mean_rank",)
CONVENTIONS = ("complete", "bottom")


def objective_codes(objectives: pd.DataFrame) -> list[str]:
    """The objectives of an answers table, in the order they first appear (a survey lists them in questionnaire
    order: `survey.load_survey` sorts the answers by it); every objective asked has a row, ranked or not."""
    return list(pd.unique(objectives["objective"].dropna()))


def rank_matrix(objectives: pd.DataFrame) -> pd.DataFrame:
    """Collectivité x objective matrix of ranks (float, NaN = not ranked), objectives as in `objective_codes`."""
    ranks = objectives.assign(rank=objectives["rank"].astype("Float64").to_numpy(dtype=float, na_value=np.nan))
    matrix = ranks.pivot(index="collectivite_id", columns="objective", values="rank")
    return matrix.reindex(columns=pd.Index(objective_codes(objectives), name="objective")).astype(float)


def _ranks(objectives: pd.DataFrame) -> pd.DataFrame:
    """rank_matrix, warning when fewer than two collectivités ranked or an objective was never ranked."""
    matrix = rank_matrix(objectives)
    missing = np.isnan(matrix.to_numpy())  # numpy, not DataFrame.isna: checked on every resample of the scorecard
    n_answered = int((~missing).any(axis=1).sum())
    if n_answered < 2:
        degenerate(f"only {n_answered} collectivité(s) ranked objectives: spreads and tests are NaN")
    never = matrix.columns[missing.all(axis=0)].tolist()
    if never and n_answered:
        degenerate(f"objective(s) ranked by nobody: {', '.join(never)}: their rank scores are NaN")
    return matrix


def _pairwise_counts(ranks: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted counts (replicates x a x b) of collectivités putting a before b, and comparing a with b."""
    n, m = ranks.shape
    ranked = ~np.isnan(ranks)
    before = ranked[:, :, None] & (~ranked[:, None, :] | (ranks[:, :, None] < ranks[:, None, :]))
    compared = ranked[:, :, None] | ranked[:, None, :]
    count = (weights @ before.reshape(n, m * m)).reshape(-1, m, m)
    return count, (weights @ compared.reshape(n, m * m)).reshape(-1, m, m)


def _ratio_parts(ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per collectivité, numerators y and denominators r of mean_rank then Borda: each is sum(w y) / sum(w r).

    mean_rank: y = rank given (0 if unranked), r = 1 if ranked; Borda: y = points (unranked share the points left),
    r = 1 if the collectivité answered. Both are (collectivités x 2 objectives-blocks) arrays.
    """
    m = ranks.shape[1]
    ranked = ~np.isnan(ranks)
    answered = ranked.any(axis=1)
    points = m - ranks
    left = safe_divide(m * (m - 1) / 2 - np.nansum(points, axis=1), (~ranked).sum(axis=1))
    points = np.where(ranked, points, left[:, None]) * answered[:, None]
    y = np.hstack([np.nan_to_num(ranks), np.nan_to_num(points)])
    r = np.hstack([ranked, np.repeat(answered[:, None], m, axis=1)]).astype(float)
    return y, r


def _score_table(ranks: np.ndarray, weights: np.ndarray, objectives: list[str]) -> pd.DataFrame:
    """All four scores for each row of weights: replicates x (method, objective) columns."""
    answered = (~np.isnan(ranks)).any(axis=1)
    first = 100 * safe_divide(weights @ (ranks == 1), (weights @ answered)[:, None])
    y, r = _ratio_parts(ranks)
    mean_borda = safe_divide(weights @ y, weights @ r)
    count, _ = _pairwise_counts(ranks, weights)
    copeland = np.sign(count - count.transpose(0, 2, 1)).sum(axis=2)
    columns = pd.MultiIndex.from_product([METHODS, objectives], names=["method", "objective"])
    return pd.DataFrame(np.hstack([first, mean_borda, copeland]), columns=columns)


def share_ranked_first(objectives: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Percent of answering collectivités ranking each objective first, with Wilson intervals."""
    return _first_shares(_ranks(objectives), confidence)


def _first_shares(matrix: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """`share_ranked_first` of a rank matrix: objective, n_first, n_answered, share, ci_low, ci_high (percent)."""
    n_first = matrix.eq(1).sum().to_numpy()
    n_answered = int(matrix.notna().any(axis=1).sum())
    low, high = wilson_interval(n_first, n_answered, confidence)
    return pd.DataFrame({"objective": matrix.columns, "n_first": n_first, "n_answered": n_answered,
                         "share": 100 * safe_divide(n_first, n_answered), "ci_low": 100 * low, "ci_high": 100 * high})


def mean_rank(objectives: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation (n-1), quartiles, IQR and number of ranks given to each objective."""
    return _rank_summary(_ranks(objectives))


def _rank_summary(matrix: pd.DataFrame) -> pd.DataFrame:
    """`mean_rank` of a rank matrix."""
    q1, q3 = matrix.quantile(0.25), matrix.quantile(0.75)
    return pd.DataFrame({"objective": matrix.columns, "mean_rank": matrix.mean().to_numpy(),
                         "sd_rank": matrix.std().to_numpy(), "q1_rank": q1.to_numpy(), "q3_rank": q3.to_numpy(),
                         "iqr_rank": (q3 - q1).to_numpy(), "n": matrix.count().to_numpy()})


def borda_scores(objectives: pd.DataFrame) -> pd.DataFrame:
    """Mean Borda points per answering collectivité (0..3; unranked objectives share the points left)."""
    return score_objectives(objectives).query("method == 'borda'").drop(columns="method").reset_index(drop=True)


def pairwise_preferences(objectives: pd.DataFrame) -> pd.DataFrame:
    """For each ordered pair of objectives: collectivités putting a before b, comparing them, and the percent."""
    matrix = _ranks(objectives)
    count, compared = (c[0] for c in _pairwise_counts(matrix.to_numpy(), np.ones((1, len(matrix)))))
    codes = matrix.columns.to_numpy()
    a, b = np.nonzero(~np.eye(len(codes), dtype=bool))
    return pd.DataFrame({"objective_a": codes[a], "objective_b": codes[b], "n_a_before_b": count[a, b].astype(int),
                         "n_compared": compared[a, b].astype(int),
                         "share": 100 * safe_divide(count[a, b], compared[a, b])})


def score_objectives(objectives: pd.DataFrame) -> pd.DataFrame:
    """Long table of scores by method (first_share, mean_rank, borda, copeland) with each objective's position.

    position 1 is the best (highest score, lowest mean rank); ties share the best position (1, 1, 3, ...).
    """
    return _scores(_ranks(objectives))


def scores_and_dispersion(objectives: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(score_objectives, rank_dispersion) of an answers table, its rank matrix built once for both."""
    matrix = _ranks(objectives)
    return _scores(matrix), _dispersion(matrix)


def _scores(matrix: pd.DataFrame) -> pd.DataFrame:
    """`score_objectives` of a rank matrix."""
    table = _score_table(matrix.to_numpy(), np.ones((1, len(matrix))), list(matrix.columns))
    out = table.iloc[0].rename("score").reset_index()
    direction = np.where(out["method"].isin(LOWER_IS_BETTER), 1.0, -1.0)
    signed, method = (out["score"] * direction).to_numpy(dtype=float), out["method"].to_numpy()
    position = np.full(len(out), np.nan)
    for m in dict.fromkeys(method):  # groupby(method).transform(positions), without its cost on every resample
        position[method == m] = positions(signed[method == m], lower_is_better=True)
    return out.assign(position=pd.Series(position, index=out.index).astype("Int64"))


def bottom_tied(matrix: pd.DataFrame) -> pd.DataFrame:
    """Rank matrix of answering collectivités, unranked objectives tied at the positions left (mid-rank).

    Ranks 1 and 2 given -> the two unranked objectives get 3.5 each; collectivités that ranked nothing are dropped.
    """
    answered = matrix[matrix.notna().any(axis=1)]
    m = matrix.shape[1]
    left = safe_divide(m * (m + 1) / 2 - answered.sum(axis=1), answered.isna().sum(axis=1))
    values = answered.to_numpy()
    return pd.DataFrame(np.where(np.isnan(values), left[:, None], values),
                        index=answered.index, columns=answered.columns)


def _rankings(objectives: pd.DataFrame, convention: str) -> tuple[np.ndarray, int]:
    """Within-collectivité ranks (ties averaged) used by W and Friedman under `convention`; number excluded."""
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; allowed: {', '.join(CONVENTIONS)}")
    matrix = _ranks(objectives)
    used = matrix[matrix.notna().all(axis=1)] if convention == "complete" else bottom_tied(matrix)
    return st.rankdata(used.to_numpy(), axis=1), len(matrix) - len(used)


def mean_rank_conventions(objectives: pd.DataFrame) -> pd.DataFrame:
    """Mean rank of each objective under both conventions for unranked objectives, side by side.

    Columns: objective; mean_rank (ranks 1..4, over the collectivités that ranked it) and n_ranked;
    mean_rank_bottom (unranked tied at the bottom, over every answering collectivité) and n_answered;
    borda (points 0..3, = 4 - mean_rank_bottom).
    """
    matrix = _ranks(objectives)
    bottom = bottom_tied(matrix)
    return pd.DataFrame({"objective": matrix.columns, "mean_rank": matrix.mean().to_numpy(),
                         "n_ranked": matrix.count().to_numpy(), "mean_rank_bottom": bottom.mean().to_numpy(),
                         "n_answered": len(bottom), "borda": matrix.shape[1] - bottom.mean().to_numpy()})


def kendall_w(objectives: pd.DataFrame, convention: str = "complete") -> pd.DataFrame:
    """Kendall's coefficient of concordance W (tie-corrected) with its chi-square test.

    convention "complete": collectivités that ranked every objective; "bottom": every answering one, unranked
    tied at the bottom. One row: w (0..1), chi2, dof, p_value, n_raters, n_items, n_excluded.
    """
    ranks, n_excluded = _rankings(objectives, convention)
    m, n = ranks.shape
    ties = ((ranks[:, :, None] == ranks[:, None, :]).sum(axis=2) ** 2 - 1).sum()  # sum over groups of t^3 - t
    denominator = m**2 * (n**3 - n) - m * ties
    row = {"w": np.nan, "chi2": np.nan, "dof": n - 1, "p_value": np.nan, "n_raters": m, "n_items": n,
           "n_excluded": n_excluded}
    if m < 2 or denominator <= 0:
        degenerate(f"Kendall's W needs 2+ {convention}, not all-tied rankings (got {m}): NaN")
    else:
        totals = ranks.sum(axis=0)
        row["w"] = 12 * ((totals - totals.mean()) ** 2).sum() / denominator
        row["chi2"] = m * (n - 1) * row["w"]
        row["p_value"] = st.chi2.sf(row["chi2"], n - 1)
    return pd.DataFrame([row])


def friedman_test(objectives: pd.DataFrame, convention: str = "complete") -> pd.DataFrame:
    """Friedman test (scipy, tie-corrected) that the objectives are ranked alike: [statistic, p_value, n, n_excluded]."""
    ranks, n_excluded = _rankings(objectives, convention)
    row = {"statistic": np.nan, "p_value": np.nan, "n": ranks.shape[0], "n_excluded": n_excluded}
    if ranks.shape[0] < 2 or (ranks == ranks[:, :1]).all():
        degenerate(f"Friedman test needs 2+ {convention}, not all-tied rankings (got {ranks.shape[0]}): NaN")
    else:
        row["statistic"], row["p_value"] = st.friedmanchisquare(*ranks.T)
    return pd.DataFrame([row])


def rank_dispersion(objectives: pd.DataFrame) -> pd.DataFrame:
    """How much each objective's rank fluctuates: mean, sd, IQR, normalised entropy (0..1) and modal share.

    entropy is the Shannon entropy of the distribution of ranks 1..4 given to the objective divided by log(4):
    0 when every collectivité gives it the same rank, 1 when the four ranks are equally frequent.
    """
    return _dispersion(_ranks(objectives))


def _dispersion(matrix: pd.DataFrame) -> pd.DataFrame:
    """`rank_dispersion` of a rank matrix."""
    stats = _rank_summary(matrix)
    m = matrix.shape[1]
    values = matrix.to_numpy()  # numpy, not DataFrame.eq per rank: the same counts, recomputed on every resample
    counts = np.stack([(values == r).sum(axis=0) for r in range(1, m + 1)])  # rank x objective
    p = safe_divide(counts, counts.sum(axis=0))
    return stats.assign(entropy=-xlogy(p, p).sum(axis=0) / np.log(m),
                        modal_share=100 * p.max(axis=0))[
        ["objective", "mean_rank", "sd_rank", "iqr_rank", "entropy", "modal_share", "n"]]


def cited_shares(objectives: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Percent of the collectivités of the table citing each objective (ranked, or cited == true), Wilson CI."""
    cited = objectives["rank"].notna()
    if "cited" in objectives:
        cited |= objectives["cited"].fillna(False).astype(bool)
    codes = objective_codes(objectives)
    at = pd.Index(codes).get_indexer(objectives["objective"])  # a missing objective: -1, left out as groupby did
    n_cited = np.bincount(at[cited.to_numpy(dtype=bool) & (at >= 0)], minlength=len(codes))  # no groupby per resample
    n = objectives["collectivite_id"].nunique()
    low, high = wilson_interval(n_cited, n, confidence)
    return pd.DataFrame({"objective": codes, "n_cited": n_cited, "n_collectivites": n,
                         "share": 100 * safe_divide(n_cited, n), "ci_low": 100 * low, "ci_high": 100 * high})


def agreement_tests(objectives: pd.DataFrame) -> pd.DataFrame:
    """Kendall's W and Friedman under both conventions for unranked objectives (complete rankings; bottom-tied).

    Long table, one row per (test, convention): statistic (chi-square), dof, p_value, w (Kendall only, 0..1),
    n (collectivités used), n_excluded.
    """
    rows = []
    for convention in CONVENTIONS:
        kw = kendall_w(objectives, convention).iloc[0]
        fr = friedman_test(objectives, convention).iloc[0]
        rows += [{"test": "kendall_w", "convention": convention, "statistic": kw["chi2"], "dof": kw["dof"],
                  "p_value": kw["p_value"], "w": kw["w"], "n": kw["n_raters"], "n_excluded": kw["n_excluded"]},
                 {"test": "friedman", "convention": convention, "statistic": fr["statistic"], "dof": kw["dof"],
                  "p_value": fr["p_value"], "w": np.nan, "n": fr["n"], "n_excluded": fr["n_excluded"]}]
    return pd.DataFrame(rows)
