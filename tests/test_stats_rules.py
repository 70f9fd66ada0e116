"""The one rounding rule, positions with ties, strict orders, precision kept, Newcombe against statsmodels."""

import numpy as np
import pandas as pd
import pytest

from villenum.stats import (keep_precision, matches_published, newcombe_interval, order_holds, positions,
                            round_half_up)


def test_round_half_up_as_printed_not_to_even():
    assert round_half_up(12.5) == 13 and round_half_up(11.5) == 12 and round_half_up(46.5) == 47
    assert np.round(12.5) == 12  # numpy's rule, which the sources do not follow
    assert round_half_up(2.85, 1) == 2.9  # 2.85 is stored as 2.8499999999999996
    assert round_half_up(-2.5) == -3  # halves away from zero
    out = round_half_up([0.5, 1.49, np.nan])
    assert out[:2].tolist() == [1, 1] and np.isnan(out[2])


def test_matches_published_is_the_one_comparison():
    assert matches_published(12.5, 13) and not matches_published(12.5, 12)
    assert matches_published(46.5, 47) and not matches_published(46.49, 47)
    assert matches_published([20.35, np.nan], [20.4, 20.4], decimals=1).tolist() == [True, False]


def test_positions_share_ties_from_rounded_scores():
    assert positions([0.1 + 0.2, 0.3, 0.1]).tolist() == [1, 1, 3]  # float noise is not an order
    assert positions([1.0, 2.0, 2.0], lower_is_better=True).tolist() == [1, 2, 2]
    assert np.isnan(positions([1.0, np.nan])[1])


def test_order_holds_never_on_a_tie():
    scores = pd.Series({"a": 3.0, "b": 2.0, "c": 2.0, "d": 1.0})
    assert order_holds(scores, ["a", "b", "d"])
    assert not order_holds(scores, ["a", "b", "c", "d"]) and not order_holds(scores, ["a", "c", "b", "d"])
    assert not order_holds(scores, ["d", "a"]) and order_holds(scores, ["d", "b", "a"], lower_is_better=True)
    assert not order_holds(pd.Series({"a": 0.1 + 0.2, "b": 0.3}), ["a", "b"])
    assert not order_holds(scores, ["a", "zz"])  # a missing score cannot hold an order


def test_keep_precision_keeps_small_p_values():
    out = keep_precision([5.6e-16, 2.75004917e-05, 2.16666666666666, 0.0, np.nan, 123456.123456789012])
    assert out[0] == 5.6e-16 and out[1] == 2.75004917e-05 and out[2] == 2.1666666667
    assert out[3] == 0.0 and np.isnan(out[4]) and out[5] == 123456.1234567890
    assert keep_precision([1 / 3 * 1e-7])[0] == 3.333333333e-08


def test_newcombe_against_statsmodels_and_hand_value():
    # Newcombe (1998) table II, example (a): 56/70 vs 48/80 -> 0.0524 to 0.3339
    assert newcombe_interval(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    sm = pytest.importorskip("statsmodels.stats.proportion")
    for k1, n1, k2, n2 in [(152, 248, 354, 880), (0, 10, 3, 12), (9, 10, 1, 12)]:
        want = sm.confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
        assert newcombe_interval(k1, n1, k2, n2) == pytest.approx(want, abs=1e-9)
    low, high = newcombe_interval(np.array([5, 0]), np.array([10, 0]), np.array([2, 2]), np.array([10, 10]))
    assert np.isnan(low[1]) and np.isnan(high[1]) and low[0] < 0.3 < high[0]


def test_ratio_bootstrap_t_standard_error_and_interval():
    from scipy import stats as st

    from villenum.stats import _ratio_and_se, cluster_weights, ratio_bootstrap_t

    rng = np.random.default_rng(2)
    y = rng.integers(1, 5, size=(24, 1)).astype(float)
    ones = np.ones_like(y)
    # a plain mean (r = 1): the linearisation se is the usual s / sqrt(n)
    est, se = _ratio_and_se(np.ones((1, 24)), y, ones)
    assert est[0, 0] == pytest.approx(y.mean()) and se[0, 0] == pytest.approx(st.sem(y[:, 0]))
    # a ratio: mean of y over the clusters with r = 1 only
    r = (rng.random((24, 1)) < 0.6).astype(float)
    est, _ = _ratio_and_se(np.ones((1, 24)), y * r, r)
    assert est[0, 0] == pytest.approx(y[r == 1].mean())
    w = cluster_weights(24, 2000, 3).astype(float)
    point, low, high = ratio_bootstrap_t(y, ones, w)
    t_low, t_high = st.t.interval(0.95, 23, loc=y.mean(), scale=st.sem(y[:, 0]))
    assert low[0] < point[0] < high[0]
    assert (low[0], high[0]) == pytest.approx((t_low, t_high), abs=0.15)  # close to Student's t for a mean


def test_ratio_bootstrap_t_stays_bounded_when_resamples_are_constant():
    from villenum.stats import cluster_weights, ratio_bootstrap_t

    # 19 clusters give 2, one gives 3: about a third of resamples miss the 3 and have se* = 0
    y = np.array([[2.0]] * 19 + [[3.0]] + [[0.0]] * 4)
    r = np.array([[1.0]] * 20 + [[0.0]] * 4)
    point, low, high = ratio_bootstrap_t(y, r, cluster_weights(24, 1000, 1).astype(float))
    assert point[0] == 2.05 and np.isfinite(low[0]) and np.isfinite(high[0]) and low[0] < 2.05 < high[0] < 2.5
    constant = ratio_bootstrap_t(np.full((5, 1), 2.0), np.ones((5, 1)), cluster_weights(5, 100, 1).astype(float))
    assert np.isnan(constant[1][0]) and np.isnan(constant[2][0])  # no variation: no interval


def test_wilson_against_statsmodels():
    from villenum.stats import wilson_interval

    sm = pytest.importorskip("statsmodels.stats.proportion")
    k, n = np.array([0, 3, 12, 24, 100]), np.array([24, 24, 24, 24, 181])
    for conf in (0.9, 0.95):
        want = sm.proportion_confint(k, n, alpha=1 - conf, method="wilson")
        got = wilson_interval(k, n, conf)
        assert np.allclose(got, want, atol=1e-12)
