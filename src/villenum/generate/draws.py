"""Arithmetic and random primitives every step of the reconstruction shares: the error it raises, printed
rounding, exact integer splits, weighted draws without replacement, stable identifiers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from villenum import taxonomy
from villenum.stats import round_half_up as round_printed


class ReconstructionError(ValueError):
    """The assumptions, the published figures and the reference cannot all be met."""


def round_half_up(values: np.ndarray | float) -> np.ndarray:
    """Nearest integers (int array), halves up as printed percentages are: the one rule, stats.round_half_up."""
    return np.asarray(round_printed(values)).astype(int)


def largest_remainder(total: int, weights: np.ndarray | pd.Series | list[float]) -> np.ndarray:
    """Integers proportional to `weights` summing to `total` (Hamilton: floors, then largest remainders)."""
    w = np.asarray(weights, dtype=float)
    if total < 0 or (w < 0).any() or w.sum() <= 0:
        raise ReconstructionError(f"cannot split {total} by weights {w.tolist()}")
    quota = total * w / w.sum()
    counts = np.floor(quota).astype(int)
    left = total - counts.sum()
    order = np.lexsort((np.arange(len(w)), -(quota - counts)))  # largest remainder first, ties by position
    counts[order[:left]] += 1
    return counts


def allocate_domain_counts(total: int, shares: pd.Series) -> pd.Series:
    """Projects per domain summing to `total`, each rounding (whole percent) to its published share exactly."""
    counts = pd.Series(largest_remainder(total, shares.to_numpy()), index=shares.index, name="n_projects")
    printed = round_half_up(100 * counts.to_numpy() / total)
    bad = printed != round_half_up(shares.to_numpy())
    if bad.any():
        raise ReconstructionError(f"no split of {total} projects meets the shares of {list(shares.index[bad])}")
    return counts


def es_keys(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Efraimidis-Spirakis keys: taking the largest k samples k items without replacement, prob. ~ weight."""
    u = 1.0 - rng.random(len(weights))  # in (0, 1]
    with np.errstate(divide="ignore"):
        return np.where(weights > 0, np.log(u) / np.where(weights > 0, weights, 1.0), -np.inf)


def slugify(values: pd.Series) -> pd.Series:
    """Stable ASCII identifiers: normalised text with every run of other characters turned into '_'."""
    return taxonomy.normalise_text(values).str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")
