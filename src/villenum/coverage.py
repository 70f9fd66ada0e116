"""Coverage of the interval methods used, by simulation at the size of the 2013 panel (n = 24 collectivités).

Rankings come from a Plackett-Luce model (each collectivité picks objectives in turn with probability
proportional to their weights) truncated at a random depth (some collectivités rank only their first one or two
objectives), so the true value of every score is known exactly: it is the score of the model's 72 possible
answers weighted by their probabilities. Binomial intervals (Wilson, Newcombe) have exactly computable coverage,
from the binomial distribution, on a grid of true proportions. docs/statistics.md reports the figures;
tests/test_coverage.py checks them. Run `python -m villenum.coverage` for the long version.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats as st

from villenum import objectives as ob
from villenum import rank_intervals as ri
from villenum.stats import newcombe_interval, wilson_interval

WEIGHTS = (4.0, 2.0, 1.3, 1.0)  # objectives in the published order: clear leader, close followers
DEPTHS = {4: 0.4, 2: 0.3, 1: 0.3}  # ranking depth -> probability (2013: 15 of 24 incomplete)


def _codes(m: int) -> list[str]:
    """Names of the simulated objectives (o1 = the leader): a simulation needs no wave's categories."""
    return [f"o{i + 1}" for i in range(m)]


def ranking_model(weights: tuple[float, ...] = WEIGHTS, depths: dict[int, float] = DEPTHS
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Every possible answer (rank matrix row, NaN = unranked) of the truncated Plackett-Luce model, and its probability."""
    w = np.asarray(weights, dtype=float)
    rows, probs = [], []
    for order in itertools.permutations(range(len(w))):
        left = w[list(order)][::-1].cumsum()[::-1]  # weight still available before each pick
        p_order = np.prod(w[list(order)] / left)
        for depth, p_depth in depths.items():
            ranks = np.full(len(w), np.nan)
            ranks[list(order[:depth])] = np.arange(1, depth + 1)
            rows.append(ranks)
            probs.append(p_order * p_depth)
    return np.array(rows), np.array(probs)


def true_scores(model: tuple[np.ndarray, np.ndarray]) -> pd.Series:
    """Score of each (method, objective) in the population the model describes (the estimators' limits)."""
    ranks, probs = model
    table = ob._score_table(ranks, probs[None, :], _codes(ranks.shape[1]))
    return table.iloc[0].rename("truth")


def _sample(model: tuple[np.ndarray, np.ndarray], n: int, rng: np.random.Generator) -> pd.DataFrame:
    """An objectives table of n collectivités drawn from the model."""
    ranks, probs = model
    drawn = ranks[rng.choice(len(probs), size=n, p=probs)]
    codes = _codes(ranks.shape[1])
    return pd.DataFrame({"collectivite_id": np.repeat([f"c{i:03d}" for i in range(n)], len(codes)),
                         "objective": np.tile(codes, n),
                         "rank": pd.array(drawn.ravel(), dtype="Float64").astype("Int64")})


def rank_score_coverage(n_sim: int = 300, n: int = 24, n_boot: int = 500, seed: int = 0,
                        bootstrap_method: str = "BCa", confidence: float = 0.95) -> pd.DataFrame:
    """Share of simulated panels whose interval covers the true score, per (method, objective).

    Columns: method, objective, truth, coverage (0..1; an interval that could not be computed counts as not
    covering), n_sim, mean_width; Copeland (no interval) left out. Same arguments, same table.
    """
    model = ranking_model()
    truth = true_scores(model)
    rng = np.random.default_rng(seed)
    hits, widths = [], []
    for i in range(n_sim):
        out = ri.score_intervals(_sample(model, n, rng), n_boot=n_boot, seed=seed + i + 1, confidence=confidence,
                                 bootstrap_method=bootstrap_method).set_index(["method", "objective"])
        t = truth.reindex(out.index)
        hits.append(((out["ci_low"] <= t + 1e-12) & (t - 1e-12 <= out["ci_high"])).to_numpy())
        widths.append((out["ci_high"] - out["ci_low"]).to_numpy())
    out = truth.reindex(out.index).reset_index().assign(coverage=np.mean(hits, axis=0), n_sim=n_sim)
    with warnings.catch_warnings():  # Copeland has no interval: its width is NaN in every panel
        warnings.simplefilter("ignore", RuntimeWarning)
        out["mean_width"] = np.nanmean(widths, axis=0)
    return out[out["method"] != "copeland"].reset_index(drop=True)


def wilson_coverage(n: int, p: np.ndarray, confidence: float = 0.95) -> np.ndarray:
    """Exact coverage of the Wilson interval for k ~ Binomial(n, p), for each true proportion in `p`."""
    k = np.arange(n + 1)
    low, high = wilson_interval(k, np.full(n + 1, n), confidence)
    p = np.asarray(p, dtype=float)
    covers = (low[None, :] <= p[:, None]) & (p[:, None] <= high[None, :])
    return (st.binom.pmf(k[None, :], n, p[:, None]) * covers).sum(axis=1)


def newcombe_coverage(n1: int, n2: int, p1: float, p2: float, confidence: float = 0.95) -> float:
    """Exact coverage of Newcombe's interval of p1 - p2 for independent binomial counts of sizes n1, n2."""
    k1, k2 = np.meshgrid(np.arange(n1 + 1), np.arange(n2 + 1), indexing="ij")
    low, high = newcombe_interval(k1, np.full(k1.shape, n1), k2, np.full(k2.shape, n2), confidence)
    covers = (low <= p1 - p2) & (p1 - p2 <= high)
    weight = st.binom.pmf(k1, n1, p1) * st.binom.pmf(k2, n2, p2)
    return float((weight * covers).sum())


if __name__ == "__main__":  # the long run quoted in docs/statistics.md
    pd.set_option("display.width", 160)
    for method in ("studentized", "BCa", "percentile"):
        table = rank_score_coverage(n_sim=2000, seed=1, bootstrap_method=method)
        print(method, table.to_string(), sep="\n", flush=True)
    grid = np.linspace(0.05, 0.95, 91)
    for n in (24, 80, 180):
        cover = wilson_coverage(n, grid)
        print(f"Wilson n = {n}: mean {cover.mean():.4f}, min {cover.min():.4f} over p in 0.05..0.95")
