"""Wilson intervals, cluster resampling weights and top-k, against hand-computed values."""

import warnings

import numpy as np
import pandas as pd
import pytest

from villenum.stats import cluster_draws, cluster_weights, safe_divide, top_k, wilson_interval


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


def test_cluster_weights_two_clusters_hand_frequencies():
    # two clusters: a resample is {a,a}, {a,b} or {b,b} with p = 1/4, 1/2, 1/4; every row sums to 2
    w = cluster_weights(2, 4000, seed=1)
    assert w.shape == (4000, 2) and (w.sum(axis=1) == 2).all()
    freq = np.bincount(w[:, 0], minlength=3) / 4000  # times a is drawn: 0, 1, 2
    assert freq == pytest.approx([0.25, 0.5, 0.25], abs=0.03)  # binomial sd <= 0.008


def test_cluster_weights_match_the_draws_and_the_seed():
    draws = cluster_draws(5, 30, seed=7)
    w = cluster_weights(5, 30, seed=7)
    assert (w == np.stack([np.bincount(d, minlength=5) for d in draws])).all()
    assert (w == cluster_weights(5, 30, seed=7)).all() and not (w == cluster_weights(5, 30, seed=8)).all()


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
