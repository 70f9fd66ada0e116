"""Shared statistics: safe division, rounding as printed, Wilson and Newcombe intervals, a vectorised cluster
bootstrap (weights, studentized intervals of ratios), resampled surveys and the support of a claim across them,
positions with ties, top-k with ties.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats as st

if TYPE_CHECKING:
    from villenum.survey import Survey

NOISE_DECIMALS = 9  # scores equal to 9 decimals are equal: differences below come from float arithmetic
ROBUST_SUPPORT = 0.95  # a claim holding in at least 95 % of cluster resamples is robust, below it is fragile


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


def round_half_up(values: object, decimals: int = 0) -> np.ndarray | float:
    """`values` rounded to `decimals` places with halves away from zero, as printed figures are (12.5 -> 13).

    Returns floats (a float for a scalar), NaN kept. Float noise is removed first (values are snapped to
    NOISE_DECIMALS places after scaling), so 2.85, stored as 2.8499999999999996, rounds to 2.9 as printed.
    """
    # By hand: numpy and round() go half to even (12.5 -> 12) and decimal.ROUND_HALF_UP is scalar and slow.
    scale = 10.0**decimals
    x = np.round(np.asarray(values, dtype=float) * scale, NOISE_DECIMALS)
    out = np.sign(x) * np.floor(np.abs(x) + 0.5) / scale
    return float(out) if out.ndim == 0 else out


def matches_published(computed: object, published: object, decimals: int = 0) -> np.ndarray | bool:
    """True where `computed` rounded half up to `decimals` places is the printed `published` figure.

    The one comparison of a computed number with a published one: 12.5 matches 13 (not 12), 46.5 matches 47.
    Returns booleans (a bool for scalars); False where either side is NaN.
    """
    rounded = np.asarray(round_half_up(computed, decimals))
    out = np.abs(rounded - np.asarray(published, dtype=float)) < 0.5 * 10.0**-decimals * 1e-6
    return bool(out) if out.ndim == 0 else out


def positions(scores: object, lower_is_better: bool = False) -> np.ndarray:
    """Competition positions (1 = best; ties share the best: 1, 1, 3) of scores equal to NOISE_DECIMALS places.

    Returns floats, NaN for a NaN score. Scores that differ by float noise only (0.1 + 0.2 vs 0.3) are tied.
    """
    x = np.round(np.asarray(scores, dtype=float), NOISE_DECIMALS)
    return pd.Series(x).rank(method="min", ascending=lower_is_better).to_numpy()


def order_holds(scores: pd.Series, expected_order: Sequence[str], lower_is_better: bool = False) -> bool:
    """True if the scores (indexed by item) put `expected_order` strictly in that order, best first.

    A tie (equal to NOISE_DECIMALS places) between two consecutive items, or a missing score, gives False:
    a tie never reproduces a strict order.
    """
    x = np.round(scores.reindex(list(expected_order)).to_numpy(dtype=float), NOISE_DECIMALS)
    steps = np.diff(x) if lower_is_better else -np.diff(x)
    return bool(not np.isnan(x).any() and (steps > 0).all())


def keep_precision(values: object, decimals: int = 10, significant: int = 10) -> np.ndarray:
    """Floats rounded to `decimals` places, or to `significant` figures where that keeps more (small numbers).

    Returns a float array: 2.16666666667 -> 2.1666666667, and a p-value of 5.6e-16 stays 5.6e-16 (not 0.0).
    """
    x = np.round(np.asarray(values, dtype=float), decimals)
    small = np.isfinite(x) & (np.abs(np.asarray(values, dtype=float)) < 10.0 ** (significant - decimals - 1))
    small &= np.asarray(values, dtype=float) != 0
    # By hand, value by value: np.round(x, 25) leaves float noise (5.565867342000001e-16); formatting to
    # `significant` figures gives the nearest float, printed short. Only the few small numbers go this way.
    x[small] = [float(f"{v:.{significant}g}") for v in np.asarray(values, dtype=float)[small]]
    return x


def newcombe_interval(k1: object, n1: object, k2: object, n2: object,
                      confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval (method 10) of p1 - p2, from the two Wilson intervals, as proportions.

    Returns (low, high) in -1..1, NaN where n1 or n2 is 0 (floats for scalar input).
    """
    p1, p2 = safe_divide(k1, n1), safe_divide(k2, n2)
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (float(low), float(high)) if np.ndim(low) == 0 else (low, high)


def cluster_draws(n_clusters: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot x n_clusters) positions of clusters drawn with replacement, one row per resample."""
    return np.random.default_rng(seed).integers(0, n_clusters, size=(n_boot, n_clusters))


def _ratio_and_se(weights: np.ndarray, y: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ratio of weighted cluster sums sum(w y) / sum(w r) per row of weights, and its linearisation standard error."""
    wy, wr = weights @ y, weights @ r
    ratio = safe_divide(wy, wr)
    squares = weights @ (y * y) - 2 * ratio * (weights @ (y * r)) + ratio**2 * (weights @ (r * r))
    n = weights.sum(axis=1, keepdims=True)
    return ratio, np.sqrt(np.clip(safe_divide(n * squares, (n - 1) * wr**2), 0, None))


def ratio_bootstrap_t(y: np.ndarray, r: np.ndarray, weights: np.ndarray,
                      confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Studentized (bootstrap-t) interval of ratios of cluster sums, e.g. a mean over the clusters that answered.

    y and r are (clusters x statistics): statistic j is sum(y[:, j]) / sum(r[:, j]); `weights` (resamples x
    clusters) are cluster counts (`cluster_weights`). Each resample's t = (ratio* - ratio) / se*, with the
    linearisation standard error of a ratio (the sample's se where a resample's is 0); interval
    [ratio - q_hi se, ratio - q_lo se]. Returns (estimate, low, high), NaN where the statistic does not vary
    in the sample (se = 0) or cannot be computed.
    """
    # By hand: scipy.stats.bootstrap offers percentile, basic and BCa, which under-cover at n = 24 here
    # (docs/statistics.md); a studentized interval needs the standard error of each resample.
    estimate, se = (a[0] for a in _ratio_and_se(np.ones((1, len(y))), y, r))
    boot, boot_se = _ratio_and_se(weights, y, r)
    # A resample whose clusters all give the same value has se* = 0: its t would be infinite and one such
    # resample in 40 makes the interval unbounded, so it is studentized with the sample's se instead.
    boot_se = np.where(boot_se > 0, boot_se, se)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (boot - estimate) / boot_se
    alpha = (1 - confidence) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q_lo, q_hi = np.nanquantile(np.where(np.isnan(boot), np.nan, t), [alpha, 1 - alpha], axis=0)
    ok = se > 0
    return estimate, np.where(ok, estimate - q_hi * se, np.nan), np.where(ok, estimate - q_lo * se, np.nan)


def cluster_weights(n_clusters: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot x n_clusters) number of times each cluster is drawn in each resample of `cluster_draws`.

    Weighting clusters by these counts is resampling them: the same seed gives the same resamples as
    `cluster_resamples`, so a statistic written as weighted sums gets the same support, all resamples at once.
    """
    draws = cluster_draws(n_clusters, n_boot, seed) + np.arange(n_boot)[:, None] * n_clusters
    return np.bincount(draws.ravel(), minlength=n_boot * n_clusters).reshape(n_boot, n_clusters)


def _cluster_rows(keys: pd.Series, ids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of a table grouped by cluster: (row positions sorted by cluster, first position, count) per id."""
    codes = ids.get_indexer(keys.astype("string"))
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes[codes >= 0], minlength=len(ids))
    return order[codes[order] >= 0], np.concatenate([[0], np.cumsum(counts)[:-1]]), counts


def _resampled(survey: Survey, groups: dict, draw: np.ndarray, label: str) -> Survey:
    """The survey made of the collectivités at positions `draw`, each copy with fresh ids ('<id>@<copy>')."""
    from villenum.survey import set_aside_counts

    ids = survey.collectivites["collectivite_id"].astype("string").to_numpy()
    new_ids = np.array([f"{i}@{c}" for c, i in enumerate(ids[draw])], dtype=object)
    tables = {}
    for name, (order, first, counts) in groups.items():
        table, n = getattr(survey, name), counts[draw]
        copy = np.repeat(np.arange(len(draw)), n)  # the copy each output row belongs to
        rows = order[np.repeat(first[draw], n) + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)]
        out = table.iloc[rows].reset_index(drop=True)
        out["collectivite_id"] = pd.array(new_ids[copy], dtype="string").astype(table["collectivite_id"].dtype)
        if "project_id" in out:
            suffix = np.array([f"@{c}" for c in range(len(draw))], dtype=object)[copy]
            out["project_id"] = pd.array(out["project_id"].astype("string").to_numpy(dtype=object) + suffix,
                                         dtype="string").astype(table["project_id"].dtype)
        tables[name] = out
    return dataclasses.replace(survey, **tables, source=f"{survey.source} ({label})",
                               set_aside=set_aside_counts(tables), warnings=list(survey.warnings))


def cluster_resamples(survey: Survey, n_boot: int, seed: int) -> Iterator[Survey]:
    """`n_boot` surveys of as many collectivités drawn with replacement, with their objectives and projects.

    A collectivité drawn twice appears twice, as '<id>@<copy>' (projects as '<project_id>@<copy>'), so every
    id stays unique and every analysis runs unchanged. Same survey, n_boot and seed: same resamples.
    """
    n = len(survey.collectivites)
    if n < 2:
        degenerate(f"cluster resampling needs at least 2 collectivités, got {n}")
    ids = pd.Index(survey.collectivites["collectivite_id"].astype("string"))
    groups = {name: _cluster_rows(getattr(survey, name)["collectivite_id"], ids)
              for name in ("collectivites", "objectives", "projects")}
    for b, draw in enumerate(cluster_draws(n, n_boot, seed)):
        yield _resampled(survey, groups, draw, f"cluster resample {b + 1} of {n_boot}, seed {seed}")


def support(survey: Survey, compute_tables: Callable[[Survey], object], holds: Callable[[object], bool | None],
            n_boot: int = 1000, seed: int = 0) -> float:
    """Share (0..1) of cluster resamples of `survey` in which `holds(compute_tables(resample))` is True.

    A resample where `holds` returns None or False (cannot say, or does not hold) counts against the claim.
    A claim is robust when its support is at least ROBUST_SUPPORT (see `robustness`).
    """
    if n_boot < 1:
        raise ValueError(f"support needs n_boot >= 1, got {n_boot}")
    hits = sum(holds(compute_tables(s)) is True for s in cluster_resamples(survey, n_boot, seed))
    return hits / n_boot


def robustness(share: float) -> str:
    """'robust' if a support share reaches ROBUST_SUPPORT, 'fragile' if not, 'unknown' if NaN."""
    if np.isnan(share):
        return "unknown"
    return "robust" if share >= ROBUST_SUPPORT else "fragile"


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
