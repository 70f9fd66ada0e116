"""Shared statistics: safe division, Wilson intervals, a vectorised cluster bootstrap, top-k with ties."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats as st


class DegenerateDataWarning(UserWarning):
    """The data are too thin or too uniform for a statistic, which is returned as NaN instead of failing."""


def degenerate(message: str) -> None:
    """Emit a DegenerateDataWarning pointing at the caller of the public function."""
    warnings.warn(message, DegenerateDataWarning, stacklevel=3)


def safe_divide(num: object, den: object) -> np.ndarray:
    """Elementwise num / den as floats, NaN where den == 0, without RuntimeWarning."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile of a confidence level (0.95 -> 1.96)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return float(st.norm.ppf(0.5 + confidence / 2))


def wilson_interval(k: object, n: object, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of k successes out of n, as proportions 0..1 (NaN where n == 0)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    if np.any((k < 0) | (k > n)):
        raise ValueError("wilson_interval needs 0 <= k <= n")
    z2 = z_value(confidence) ** 2
    centre = (k + z2 / 2) / (n + z2)
    half = np.sqrt(z2) / (n + z2) * np.sqrt(safe_divide(k * (n - k), n) + z2 / 4)
    low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return (float(low), float(high)) if low.ndim == 0 else (low, high)


Statistic = Callable[[pd.DataFrame, np.ndarray], pd.DataFrame]


def bootstrap(frame: pd.DataFrame, group_col: str, statistic: Statistic, n_boot: int = 1000,
              seed: int = 0, confidence: float = 0.95) -> pd.DataFrame:
    """Percentile intervals of `statistic` from resampling the clusters of `group_col` with replacement.

    `statistic(frame, weights)` gets the unchanged frame and a (replicates x rows) array of weights, each
    row's weight being the number of times its cluster was drawn, and returns one row per replicate whose
    columns (plain or MultiIndex, preferably named) are the statistics. Resampling clusters with replacement
    is the same as weighting them by these multinomial counts, so a statistic written as weighted sums
    (matrix products) runs all replicates at once. Output: one row per statistic with the column levels,
    estimate (weights all 1), ci_low and ci_high; replicates where a statistic is NaN are ignored.
    """
    codes, clusters = pd.factorize(frame[group_col])
    if (codes < 0).any():
        raise ValueError(f"bootstrap: column {group_col!r} has missing cluster ids")
    point = statistic(frame, np.ones((1, len(frame))))
    columns = point.columns.copy()
    columns.names = [name or "statistic" for name in columns.names]
    out = columns.to_frame(index=False).assign(estimate=point.to_numpy(dtype=float)[0])
    n_clusters = len(clusters)
    if n_clusters < 2:
        degenerate(f"bootstrap needs at least 2 clusters ({group_col}), got {n_clusters}: intervals are NaN")
        return out.assign(ci_low=np.nan, ci_high=np.nan)
    draws = np.random.default_rng(seed).integers(0, n_clusters, size=(n_boot, n_clusters))
    draws += np.arange(n_boot)[:, None] * n_clusters
    counts = np.bincount(draws.ravel(), minlength=n_boot * n_clusters).reshape(n_boot, n_clusters)
    replicates = statistic(frame, counts[:, codes].astype(float)).to_numpy(dtype=float)
    alpha = (1 - confidence) / 2
    with warnings.catch_warnings():  # a statistic NaN in every replicate gives NaN bounds, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(replicates, [alpha, 1 - alpha], axis=0)
    return out.assign(ci_low=low, ci_high=high)


def top_k(frame: pd.DataFrame, by: str, k: int, ascending: bool = False) -> pd.DataFrame:
    """The k first rows by `by` (ties kept in input order), with competition rank and tie flags.

    `tied` marks a value shared with another row of `frame`; `tie_at_cutoff` marks a selected row tied with
    the first row left out, i.e. the cut of k rows went through a tie and the choice was by input order.
    """
    ordered = frame.sort_values(by, ascending=ascending, kind="stable", na_position="last")
    values = ordered[by]
    cut_value = values.iloc[k] if len(values) > k else np.nan
    return ordered.assign(
        rank=values.rank(method="min", ascending=ascending).astype("Int64"),
        tied=values.duplicated(keep=False) & values.notna(),
        tie_at_cutoff=values.eq(cut_value),
    ).head(k).reset_index(drop=True)



def round_half_up(values: np.ndarray | pd.Series | float, decimals: int = 0) -> np.ndarray | pd.Series | float:
    """Round half up, as the sources print (12.5 -> 13, where Python's round gives 12); scalars, arrays or Series.

    The one rounding rule of every comparison with a published figure. The 1e-9 absorbs binary noise
    (0.145 * 100 = 14.499999...).
    """
    scale = 10.0**decimals
    return np.floor(values * scale + 0.5 + 1e-9) / scale
