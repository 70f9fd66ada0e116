"""Intervals of the objectives' scores, each fitting its statistic, and how stable each objective's position is.

Interval of each method: first_share is a binomial share (Wilson); mean_rank and Borda are ratios of sums over
collectivités whose percentile and BCa bootstrap intervals under-cover at n = 24, hence a studentized cluster
bootstrap (coverage in docs/statistics.md, checked by tests/test_coverage.py); Copeland takes a few integer
values, so its bootstrap interval is mostly of zero width: position_stability replaces it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as st

from villenum.objectives import LOWER_IS_BETTER, METHODS, _first_shares, _ranks, _ratio_parts, _score_table, _scores
from villenum.stats import cluster_weights, degenerate, ratio_bootstrap_t

INTERVALS = {"first_share": "wilson", "mean_rank": "boot", "borda": "boot", "copeland": "none"}
BOOTSTRAP_METHODS = ("studentized", "BCa", "percentile")


def _replicates(matrix: pd.DataFrame, n_boot: int, seed: int, confidence: float, method: str):
    """scipy.stats.bootstrap of every score over collectivités (rows of the rank matrix) drawn with replacement.

    Returns scipy's BootstrapResult: confidence_interval (low, high) and bootstrap_distribution, one row per
    (method, objective) column of `_score_table`. Resampling row indices is the cluster bootstrap of collectivités.
    """
    ranks, codes, n = matrix.to_numpy(), list(matrix.columns), len(matrix)

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        flat = np.asarray(idx, dtype=int).reshape(-1, np.shape(idx)[-1])
        counts = np.zeros((len(flat), n))
        np.add.at(counts, (np.arange(len(flat))[:, None], flat), 1.0)
        table = _score_table(ranks, counts, codes).to_numpy().T
        return table.reshape(table.shape[0], *np.shape(idx)[:-1])

    with warnings.catch_warnings():  # constant scores (everyone ranks an objective first) are handled by the caller
        warnings.simplefilter("ignore", st.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return st.bootstrap((np.arange(n),), statistic, n_resamples=n_boot, confidence_level=confidence,
                            method=method, rng=np.random.default_rng(seed), vectorized=True, axis=-1)


def _position_stability(replicates: np.ndarray, point: pd.DataFrame) -> np.ndarray:
    """Share (0..1) of replicates in which each (method, objective) keeps the position it has in `point`."""
    m = len(METHODS)
    reps = replicates.reshape(m, -1, replicates.shape[-1])  # method x objective x replicate
    kept = []
    for i, method in enumerate(METHODS):
        signed = reps[i].T * (1.0 if method in LOWER_IS_BETTER else -1.0)
        pos = pd.DataFrame(np.round(signed, 9)).rank(axis=1, method="min").to_numpy()
        kept.append((pos == point["position"].to_numpy()[i * reps.shape[1]:(i + 1) * reps.shape[1]]).mean(axis=0))
    return np.concatenate(kept)


def _bootstrap(matrix: pd.DataFrame, n_boot: int, seed: int, confidence: float,
               method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, replicates) of every (method, objective) score: one value each, replicates score x resample.

    "studentized": stats.ratio_bootstrap_t for mean rank and Borda (NaN bounds elsewhere), resamples of
    stats.cluster_weights; "BCa" or "percentile": scipy.stats.bootstrap (for the coverage comparison).
    """
    if method not in BOOTSTRAP_METHODS:
        raise ValueError(f"unknown bootstrap method {method!r}; allowed: {', '.join(BOOTSTRAP_METHODS)}")
    if method != "studentized":
        res = _replicates(matrix, n_boot, seed, confidence, method)
        low, high = (np.asarray(b, dtype=float) for b in res.confidence_interval)
        return low, high, res.bootstrap_distribution
    ranks, m = matrix.to_numpy(), matrix.shape[1]
    weights = cluster_weights(len(matrix), n_boot, seed).astype(float)
    replicates = _score_table(ranks, weights, list(matrix.columns)).to_numpy().T
    low, high = np.full(len(replicates), np.nan), np.full(len(replicates), np.nan)
    _, low[m:3 * m], high[m:3 * m] = ratio_bootstrap_t(*_ratio_parts(ranks), weights, confidence)
    return low, high, replicates


def score_intervals(objectives: pd.DataFrame, n_boot: int = 1000, seed: int = 0, confidence: float = 0.95,
                    bootstrap_method: str = "studentized") -> pd.DataFrame:
    """score_objectives with an interval fitting each method and how stable each position is.

    One row per (method, objective): score, position (1 = best, ties shared), ci_low / ci_high (scale of the
    score: percent for first_share, ranks 1..4 for mean_rank, points 0..3 for Borda; NaN for Copeland and where
    every resample gives the same value), interval (wilson; studentized, bca or percentile bootstrap; none...),
    and position_stability, the share (0..1) of cluster resamples of collectivités in which the objective keeps
    its position. `bootstrap_method` other than "studentized" is for the coverage study. Same seed, same table.
    """
    matrix = _ranks(objectives)
    out = _scores(matrix)
    boot = out["method"].map(INTERVALS).eq("boot").to_numpy()
    out["interval"] = out["method"].map(INTERVALS).replace("boot", bootstrap_method.lower())
    out["ci_low"], out["ci_high"], out["position_stability"] = np.nan, np.nan, np.nan
    if len(matrix) > 1:
        low, high, dist = _bootstrap(matrix, n_boot, seed, confidence, bootstrap_method)
        constant = np.nanmax(dist, axis=1) - np.nanmin(dist, axis=1) < 1e-12
        out.loc[boot, "ci_low"], out.loc[boot, "ci_high"] = low[boot], high[boot]
        out.loc[boot & constant, "interval"] = "none: same value in every resample"
        out["position_stability"] = _position_stability(dist, out)
    else:
        degenerate(f"intervals need at least 2 collectivités, got {len(matrix)}: NaN")
    first = _first_shares(matrix, confidence).set_index("objective")
    wilson = out["method"].eq("first_share").to_numpy()
    out.loc[wilson, "ci_low"] = first.loc[out.loc[wilson, "objective"], "ci_low"].to_numpy()
    out.loc[wilson, "ci_high"] = first.loc[out.loc[wilson, "objective"], "ci_high"].to_numpy()
    return out[["method", "objective", "score", "position", "ci_low", "ci_high", "interval", "position_stability"]]
