"""Wilson intervals, cluster bootstrap and top-k, against hand-computed values."""

import warnings

import numpy as np
import pandas as pd
import pytest

from villenum.stats import DegenerateDataWarning, bootstrap, safe_divide, top_k, wilson_interval


def test_wilson_hand_values():
    # z = 1.959964, z2 = 3.841459; k=5, n=10: centre 0.5, half = z/(n+z2) * sqrt(k(n-k)/n + z2/4) = 0.2634
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    # k=0: lower 0, upper z2/(n+z2) = 3.841459/13.841459 = 0.2775
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    # 90%: z = 1.644854, z2 = 2.705543: centre 0.5, half = 1.644854/12.705543 * sqrt(2.5 + 0.676386) = 0.2307
    assert wilson_interval(5, 10, confidence=0.90) == pytest.approx((0.2693, 0.7307), abs=1e-4)


def test_wilson_vectorised_and_zero_n_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        low, high = wilson_interval(pd.Series([5, 0, 0]), pd.Series([10, 10, 0]))
    assert low[0] == pytest.approx(0.2366, abs=1e-4) and high[1] == pytest.approx(0.2775, abs=1e-4)
    assert np.isnan(low[2]) and np.isnan(high[2])
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_safe_divide_gives_nan_on_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert np.allclose(safe_divide([1, 0, 3], [2, 0, 0]), [0.5, np.nan, np.nan], equal_nan=True)


def _mean_of_x(frame, weights):
    """Weighted mean of column x, one row per replicate."""
    x = frame["x"].to_numpy(dtype=float)
    return pd.DataFrame({"mean": weights @ x / weights.sum(axis=1)})


def test_bootstrap_two_clusters_hand_interval():
    # clusters a (x=0) and b (x=1): a resample is {a,a}, {a,b} or {b,b} with p = 1/4, 1/2, 1/4,
    # so the mean is 0, 0.5 or 1 and the 2.5% / 97.5% percentiles of 1000 replicates are 0 and 1.
    frame = pd.DataFrame({"c": ["a", "b"], "x": [0.0, 1.0]})
    out = bootstrap(frame, "c", _mean_of_x, n_boot=1000, seed=1)
    assert list(out.columns) == ["statistic", "estimate", "ci_low", "ci_high"]
    assert out.loc[0, ["estimate", "ci_low", "ci_high"]].tolist() == [0.5, 0.0, 1.0]


def test_bootstrap_resamples_whole_clusters():
    # cluster a has two rows, b one: every replicate weights the rows of a cluster alike, and the
    # cluster weights of a replicate sum to the number of clusters (2).
    frame = pd.DataFrame({"c": ["a", "a", "b"], "x": [0.0, 0.0, 1.0]})
    seen = []

    def stat(f, w):
        seen.append(w)
        return _mean_of_x(f, w)

    out = bootstrap(frame, "c", stat, n_boot=200, seed=3)
    w = seen[-1]
    assert w.shape == (200, 3) and (w[:, 0] == w[:, 1]).all() and (w[:, 1] + w[:, 2] == 2).all()
    assert out.loc[0, "estimate"] == pytest.approx(1 / 3)


def test_bootstrap_determinism():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"c": np.repeat(np.arange(12), 2), "x": rng.normal(size=24)})
    a = bootstrap(frame, "c", _mean_of_x, n_boot=300, seed=7)
    b = bootstrap(frame, "c", _mean_of_x, n_boot=300, seed=7)
    c = bootstrap(frame, "c", _mean_of_x, n_boot=300, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a[["ci_low", "ci_high"]].equals(c[["ci_low", "ci_high"]])


def test_bootstrap_single_cluster_warns_nan():
    frame = pd.DataFrame({"c": ["a", "a"], "x": [1.0, 3.0]})
    with pytest.warns(DegenerateDataWarning):
        out = bootstrap(frame, "c", _mean_of_x, n_boot=100, seed=0)
    assert out.loc[0, "estimate"] == 2.0
    assert out[["ci_low", "ci_high"]].isna().all(axis=None)


def test_top_k_ties_reported():
    frame = pd.DataFrame({"item": list("wxyz"), "n": [5, 3, 3, 1]})
    top = top_k(frame, "n", 2)
    assert top["item"].tolist() == ["w", "x"]  # x before y: input order breaks the tie
    assert top["rank"].tolist() == [1, 2]
    assert top["tied"].tolist() == [False, True]
    assert top["tie_at_cutoff"].tolist() == [False, True]
    top3 = top_k(frame, "n", 3)
    assert top3["rank"].tolist() == [1, 2, 2] and not top3["tie_at_cutoff"].any()
    bottom = top_k(frame, "n", 1, ascending=True)
    assert bottom["item"].tolist() == ["z"] and not bottom["tie_at_cutoff"].any()
