"""Objective scores on small hand-computed rankings (ties, half-filled questionnaires, degenerate panels)."""

import math
import time

import numpy as np
import pandas as pd
import pytest

from villenum import objectives as ob
from villenum import rank_intervals as ri
from villenum.stats import DegenerateDataWarning

CODES = ["qualite_service", "bonne_gestion", "attractivite", "developpement_durable"]
QS, BG, AT, DD = CODES


def make(ranks: dict, cited: dict | None = None) -> pd.DataFrame:
    """Objectives table from {collectivite: [rank of qs, bg, at, dd]} (None = not ranked)."""
    rows = [(c, o, r) for c, rs in ranks.items() for o, r in zip(CODES, rs)]
    out = pd.DataFrame(rows, columns=["collectivite_id", "objective", "rank"]).astype(
        {"collectivite_id": "string", "objective": "string", "rank": "Int64"})
    if cited is not None:
        out["cited"] = pd.array([cited.get((c, o)) for c, o, _ in rows], dtype="boolean")
    return out


# c3 half-filled (ranks 1 and 2 only), c4 answered nothing
PARTIAL = make({"c1": [1, 2, 3, 4], "c2": [2, 1, 4, 3], "c3": [1, 2, None, None], "c4": [None] * 4})
# 3 x 4 case: rank sums qs 4, bg 6, at 8, dd 12; c4 incomplete (excluded from W and Friedman)
THREE = make({"c1": [1, 2, 3, 4], "c2": [1, 3, 2, 4], "c3": [2, 1, 3, 4], "c4": [1, None, None, None]})


def _score(table, method):
    return table.query("method == @method").set_index("objective")


def test_rank_matrix_shape_and_nan():
    m = ob.rank_matrix(PARTIAL)
    assert m.shape == (4, 4) and list(m.columns) == CODES and m.dtypes.eq(float).all()
    assert np.isnan(m.loc["c3", AT]) and m.loc["c2", AT] == 4.0


def test_scores_hand_values_with_ties():
    s = ob.score_objectives(PARTIAL)
    # first: answered = c1, c2, c3; rank 1 given to qs by c1, c3 and to bg by c2
    first = _score(s, "first_share")
    assert first["score"].tolist() == pytest.approx([200 / 3, 100 / 3, 0, 0])
    assert first["position"].tolist() == [1, 2, 3, 3]
    # mean rank: qs (1+2+1)/3, bg (2+1+2)/3, at (3+4)/2, dd (4+3)/2 -> at and dd tied
    mean = _score(s, "mean_rank")
    assert mean["score"].tolist() == pytest.approx([4 / 3, 5 / 3, 3.5, 3.5])
    assert mean["position"].tolist() == [1, 2, 3, 3]
    # Borda 3/2/1/0; c3 gave 3 + 2, the remaining 1 point is split 0.5 / 0.5 between at and dd; c4 left out
    borda = _score(s, "borda")
    assert borda["score"].tolist() == pytest.approx([8 / 3, 7 / 3, 0.5, 0.5])
    pd.testing.assert_frame_equal(ob.borda_scores(PARTIAL).set_index("objective"), borda.drop(columns="method"))
    # Copeland: qs beats all (3), bg beats at, dd and loses to qs (1), at vs dd 1-1 tie (-2 each)
    cope = _score(s, "copeland")
    assert cope["score"].tolist() == [3, 1, -2, -2] and cope["position"].tolist() == [1, 2, 3, 3]


def test_pairwise_hand_counts():
    p = ob.pairwise_preferences(PARTIAL).set_index(["objective_a", "objective_b"])
    assert len(p) == 12
    assert p.loc[(QS, BG), ["n_a_before_b", "n_compared"]].tolist() == [2, 3]
    assert p.loc[(BG, QS), "n_a_before_b"] == 1
    assert p.loc[(QS, AT), "n_a_before_b"] == 3  # c3 ranked qs, left at unranked
    # at vs dd: c1 at first, c2 dd first, c3 ranked neither (not compared)
    assert p.loc[(AT, DD)].tolist() == [1, 2, 50.0]


def test_mean_rank_spread():
    m = ob.mean_rank(PARTIAL).set_index("objective")
    # qs ranks [1, 2, 1]: sd = sqrt((1/9 + 4/9 + 1/9) / 2) = 0.57735; linear quartiles 1 and 1.5
    assert m.loc[QS, ["mean_rank", "sd_rank", "q1_rank", "q3_rank", "iqr_rank", "n"]].tolist() == pytest.approx(
        [4 / 3, 0.57735, 1.0, 1.5, 0.5, 3], abs=1e-5)
    # at ranks [3, 4]: sd = sqrt(0.5) = 0.70711, quartiles 3.25 and 3.75
    at = m.loc[AT, ["sd_rank", "q1_rank", "q3_rank", "n"]].tolist()
    assert at == pytest.approx([0.70711, 3.25, 3.75, 2], abs=1e-5)


def test_rank_dispersion_entropy_and_modal_share():
    d = ob.rank_dispersion(PARTIAL).set_index("objective")
    assert list(d.columns) == ["mean_rank", "sd_rank", "iqr_rank", "entropy", "modal_share", "n"]
    # qs: ranks 1, 1, 2 -> p = (2/3, 1/3): H = 0.636514 nats / ln 4 = 0.459148
    assert d.loc[QS, "entropy"] == pytest.approx(0.459148, abs=1e-6)
    assert d.loc[QS, "modal_share"] == pytest.approx(200 / 3)
    assert d.loc[AT, ["entropy", "modal_share"]].tolist() == pytest.approx([0.5, 50.0])  # ranks 3 and 4


def test_share_ranked_first_with_wilson():
    f = ob.share_ranked_first(PARTIAL).set_index("objective")
    assert f["n_first"].tolist() == [2, 1, 0, 0] and (f["n_answered"] == 3).all()
    # k = 0, n = 3: upper = z2 / (n + z2) = 3.841459 / 6.841459 = 0.5615
    assert f.loc[AT, ["ci_low", "ci_high"]].tolist() == pytest.approx([0.0, 56.15], abs=0.01)


def test_cited_shares_with_and_without_cited_column():
    plain = ob.cited_shares(PARTIAL).set_index("objective")
    assert plain["n_cited"].tolist() == [3, 3, 2, 2] and (plain["n_collectivites"] == 4).all()
    assert plain["share"].tolist() == pytest.approx([75, 75, 50, 50])
    # c4 cited dd without ranking it; c3 said at was not cited; unknown (<NA>) elsewhere
    ranks = {"c1": [1, 2, 3, 4], "c2": [2, 1, 4, 3], "c3": [1, 2, None, None], "c4": [None] * 4}
    cited = ob.cited_shares(make(ranks, {("c4", DD): True, ("c3", AT): False}))
    assert cited.set_index("objective")["n_cited"].tolist() == [3, 3, 2, 3]


def test_kendall_w_hand_3x4():
    # S = sum (R_j - 7.5)^2 = 12.25 + 2.25 + 0.25 + 20.25 = 35; W = 12 S / (m^2 (n^3 - n)) = 420 / 540
    k = ob.kendall_w(THREE).iloc[0]
    assert k["w"] == pytest.approx(7 / 9)
    assert k["chi2"] == pytest.approx(7.0)  # m (n - 1) W = 3 * 3 * 7/9
    # chi-square sf with 3 dof in closed form: erfc(sqrt(x/2)) + sqrt(2x/pi) exp(-x/2)
    assert k["p_value"] == pytest.approx(math.erfc(math.sqrt(3.5)) + math.sqrt(14 / math.pi) * math.exp(-3.5))
    assert (k["dof"], k["n_raters"], k["n_items"], k["n_excluded"]) == (3, 3, 4, 1)


def test_kendall_w_identical_rankings_is_one():
    k = ob.kendall_w(make({c: [2, 1, 4, 3] for c in ("a", "b", "c")})).iloc[0]
    assert k["w"] == pytest.approx(1.0) and k["chi2"] == pytest.approx(9.0)


def test_kendall_w_tie_correction():
    # unvalidated ties: c1 ranks [1, 1, 3, 4] -> averaged [1.5, 1.5, 3, 4]; c2 [1, 2, 3, 4]
    # R = [2.5, 3.5, 6, 8], S = 6.25 + 2.25 + 1 + 9 = 18.5; T = 2^3 - 2 = 6
    # W = 12 * 18.5 / (4 * 60 - 2 * 6) = 222 / 228
    k = ob.kendall_w(make({"c1": [1, 1, 3, 4], "c2": [1, 2, 3, 4]})).iloc[0]
    assert k["w"] == pytest.approx(222 / 228)


def test_friedman_hand_statistic():
    # 12 / (n k (k+1)) * sum R_j^2 - 3 n (k+1) = 12/60 * (16 + 36 + 64 + 144) - 45 = 7
    f = ob.friedman_test(THREE).iloc[0]
    assert f["statistic"] == pytest.approx(7.0) and (f["n"], f["n_excluded"]) == (3, 1)
    # with ties (see above): (12/40 * 118.5 - 30) / (1 - 6 / (4 * 15 * 2)) = 5.55 / 0.95
    tied = ob.friedman_test(make({"c1": [1, 1, 3, 4], "c2": [1, 2, 3, 4]})).iloc[0]
    assert tied["statistic"] == pytest.approx(5.55 / 0.95)


def test_single_collectivite_warns_and_gives_nan():
    one = make({"c1": [1, 2, 3, 4]})
    with pytest.warns(DegenerateDataWarning):
        scores = ob.score_objectives(one)
    assert _score(scores, "borda")["score"].tolist() == [3, 2, 1, 0]
    with pytest.warns(DegenerateDataWarning):
        boot = ri.score_intervals(one, n_boot=50, seed=0)
    assert boot.query("method != 'first_share'")[["ci_low", "ci_high"]].isna().all(axis=None)
    with pytest.warns(DegenerateDataWarning):
        assert np.isnan(ob.kendall_w(one).loc[0, "w"])
    with pytest.warns(DegenerateDataWarning):
        assert np.isnan(ob.friedman_test(one).loc[0, "statistic"])


def test_all_ties_and_unranked_objective_warn():
    with pytest.warns(DegenerateDataWarning):
        assert np.isnan(ob.kendall_w(make({"a": [1, 1, 1, 1], "b": [2, 2, 2, 2]})).loc[0, "w"])
    with pytest.warns(DegenerateDataWarning):
        assert np.isnan(ob.friedman_test(make({"a": [1, 1, 1, 1], "b": [2, 2, 2, 2]})).loc[0, "statistic"])
    nobody_dd = make({"a": [1, 2, 3, None], "b": [3, 1, 2, None]})
    with pytest.warns(DegenerateDataWarning, match="developpement_durable"):
        m = ob.mean_rank(nobody_dd).set_index("objective")
    assert np.isnan(m.loc[DD, "mean_rank"]) and m.loc[DD, "n"] == 0


def test_score_intervals_determinism_speed_and_methods():
    rng = np.random.default_rng(5)
    panel = make({f"c{i}": list(rng.permutation(4) + 1) for i in range(24)})
    start = time.perf_counter()
    a = ri.score_intervals(panel, n_boot=1000, seed=11)
    assert time.perf_counter() - start < 1.0
    b = ri.score_intervals(panel, n_boot=1000, seed=11)
    c = ri.score_intervals(panel, n_boot=1000, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a[["ci_low", "ci_high"]].equals(c[["ci_low", "ci_high"]])
    assert list(a.columns) == ["method", "objective", "score", "position", "ci_low", "ci_high", "interval",
                               "position_stability"]
    point = ob.score_objectives(panel)
    assert np.allclose(a["score"], point["score"]) and a["position"].equals(point["position"])
    assert a.groupby("method")["interval"].first().to_dict() == {
        "borda": "studentized", "copeland": "none", "first_share": "wilson", "mean_rank": "studentized"}
    boot = a[a["interval"] == "studentized"]
    assert (boot["ci_low"] <= boot["score"] + 1e-9).all() and (boot["score"] <= boot["ci_high"] + 1e-9).all()
    assert a.query("method == 'copeland'")[["ci_low", "ci_high"]].isna().all(axis=None)
    assert a["position_stability"].between(0, 1).all()


def test_first_share_interval_is_wilson_not_zero_width():
    # everyone ranks qs first: the bootstrap interval would be [100, 100]; Wilson at n = 24 is [86.2, 100]
    panel = make({f"c{i}": [1, 2 + i % 2, 3 - i % 2, 4] for i in range(24)})
    out = ri.score_intervals(panel, n_boot=200, seed=1).set_index(["method", "objective"])
    assert out.loc[("first_share", QS), ["ci_low", "ci_high"]].tolist() == pytest.approx([86.2, 100], abs=0.05)
    # qs has rank 1 in every resample: no interval for its mean rank, said so, and its position never moves
    assert np.isnan(out.loc[("mean_rank", QS), "ci_low"])
    assert out.loc[("mean_rank", QS), "interval"].startswith("none")
    assert out.loc[("copeland", QS), "position_stability"] == 1.0 and out.loc[("copeland", DD), "position"] == 4


def test_bca_matches_scipy_on_a_plain_mean():
    # complete rankings: the mean rank of qs is a plain mean over collectivités, so scipy's BCa of np.mean
    # with the same generator must give the same interval
    from scipy import stats as st

    rng = np.random.default_rng(3)
    panel = make({f"c{i}": list(rng.permutation(4) + 1) for i in range(24)})
    out = ri.score_intervals(panel, n_boot=500, seed=4, bootstrap_method="BCa").set_index(["method", "objective"])
    qs = ob.rank_matrix(panel)[QS].to_numpy()
    want = st.bootstrap((qs,), np.mean, n_resamples=500, method="BCa", rng=np.random.default_rng(4))
    got = out.loc[("mean_rank", QS), ["ci_low", "ci_high"]].tolist()
    assert got == pytest.approx(list(want.confidence_interval), abs=1e-12)


def test_positions_of_exact_ties_are_shared():
    # two collectivités, at and dd swap places: equal mean ranks, equal Borda, equal Copeland
    s = ob.score_objectives(make({"a": [1, 2, 3, 4], "b": [1, 2, 4, 3]}))
    assert (s.query("objective in @AT or objective in @DD").groupby("method")["position"].nunique() == 1).all()


def test_bottom_tied_conventions_hand_values():
    # PARTIAL: c3 gave ranks 1 and 2 -> at and dd get 3.5; c4 ranked nothing and is dropped
    m = ob.mean_rank_conventions(PARTIAL).set_index("objective")
    assert m["mean_rank"].tolist() == pytest.approx([4 / 3, 5 / 3, 3.5, 3.5])
    assert m["n_ranked"].tolist() == [3, 3, 2, 2] and (m["n_answered"] == 3).all()
    # at: (3 + 4 + 3.5) / 3 = 3.5; dd: (4 + 3 + 3.5) / 3 = 3.5; qs (1 + 2 + 1) / 3
    assert m["mean_rank_bottom"].tolist() == pytest.approx([4 / 3, 5 / 3, 3.5, 3.5])
    borda = ob.score_objectives(PARTIAL).query("method == 'borda'")["score"].to_numpy()
    assert m["borda"].to_numpy() == pytest.approx(borda)  # Borda = 4 - mean_rank_bottom
    # a gap: ranks 1 and 3 given -> the unranked share positions 2 and 4 (3.0 each)
    gap = ob.bottom_tied(ob.rank_matrix(make({"a": [1, None, 3, None]})))
    assert gap.loc["a"].tolist() == [1, 3, 3, 3]


def test_kendall_w_bottom_convention_uses_every_answer():
    # THREE with c4 = [1, -, -, -] -> c4 ranks [1, 3, 3, 3]: R = [5, 9, 11, 15], S = 52; T = 3^3 - 3 = 24
    # W = 12 * 52 / (16 * 60 - 4 * 24) = 624 / 864
    k = ob.kendall_w(THREE, convention="bottom").iloc[0]
    assert k["w"] == pytest.approx(624 / 864) and (k["n_raters"], k["n_excluded"]) == (4, 0)
    # with the same tie correction, Kendall's chi-square is Friedman's statistic (scipy)
    assert k["chi2"] == pytest.approx(ob.friedman_test(THREE, convention="bottom").loc[0, "statistic"])
    tests = ob.agreement_tests(THREE)
    assert tests[["test", "convention"]].values.tolist() == [["kendall_w", "complete"], ["friedman", "complete"],
                                                            ["kendall_w", "bottom"], ["friedman", "bottom"]]
    with pytest.raises(ValueError, match="allowed: complete, bottom"):
        ob.kendall_w(THREE, convention="ranked")
