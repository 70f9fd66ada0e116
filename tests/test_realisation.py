"""Status counts, realisation ratios and association tests against hand computations."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from villenum import realisation as rl
from villenum.questionnaire import load_questionnaire
from villenum.stats import DegenerateDataWarning

Q = load_questionnaire("2013")


def make(counts: dict) -> pd.DataFrame:
    """Projects table from {(domain, status): n}; status None = unknown."""
    rows = [(d, s) for (d, s), n in counts.items() for _ in range(n)]
    return pd.DataFrame({"project_id": [f"p{i}" for i in range(len(rows))], "collectivite_id": "c",
                         "label": "x", "domain": [r[0] for r in rows], "status": [r[1] for r in rows]}).astype("string")


SMALL = make({("energie", "realise"): 2, ("energie", "en_cours"): 1, ("energie", None): 1,
              ("securite", "a_l_etude"): 1})


def test_status_counts_every_combination_and_unknown():
    s = rl.status_counts(SMALL, Q)
    assert list(s.columns) == ["domain", "status", "n"] and len(s) == 9 * 4
    n = s.set_index(["domain", "status"])["n"]
    assert n[("energie", "realise")] == 2 and n[("energie", "unknown")] == 1 and n[("batiment", "realise")] == 0
    assert n.sum() == len(SMALL)


def test_ratios_with_zero_domains_no_division_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        r = rl.realisation_ratios(SMALL, Q).set_index("domain")
    assert r.loc["energie", ["n_projects", "n_status_known", "n_realise"]].tolist() == [4, 3, 2]
    # Wilson k=2, n=3: centre 3.920730 / 6.841459 = 0.57308, half 0.36542 -> 0.2077, 0.9385
    assert r.loc["energie", ["ratio", "ci_low", "ci_high"]].tolist() == pytest.approx([2 / 3, 0.2077, 0.9385], abs=1e-4)
    assert r.loc["securite", "ratio"] == 0
    assert r.loc["batiment", ["ratio", "ci_low", "ci_high"]].isna().all() and r.loc["batiment", "n_projects"] == 0


def test_chi_square_2x2_by_hand():
    # energie 10 realise / 20 en cours, transport 20 / 10: every expected count 15,
    # chi2 = 4 * 5^2 / 15 = 6.667 (no Yates), dof 1, p = erfc(sqrt(chi2 / 2)), V = sqrt(6.667 / 60) = 1/3
    p = make({("energie", "realise"): 10, ("energie", "en_cours"): 20, ("transport", "realise"): 20,
              ("transport", "en_cours"): 10, ("transport", None): 3})
    t = rl.independence_test(p, Q).iloc[0]
    assert t["chi2"] == pytest.approx(20 / 3) and t["dof"] == 1
    assert t["p_value"] == pytest.approx(math.erfc(math.sqrt(10 / 3)))
    assert t["cramers_v"] == pytest.approx(1 / 3) and t["min_expected"] == pytest.approx(15)
    assert t["n"] == 60 and t["warning"] == ""
    assert "a_l_etude" in t["dropped"] and "batiment" in t["dropped"]


def test_chi_square_small_expected_and_degenerate_warn():
    with pytest.warns(DegenerateDataWarning, match="expected counts < 5"):
        t = rl.independence_test(SMALL, Q).iloc[0]
    assert "expected counts < 5" in t["warning"]
    with pytest.warns(DegenerateDataWarning):
        t = rl.independence_test(make({("energie", "realise"): 3}), Q).iloc[0]
    assert np.isnan(t["chi2"])


def test_spearman_hand_value():
    # n_projects ranks 1,2,3 vs ratio ranks 1,3,2: sum d^2 = 2, rho = 1 - 6*2 / (3*8) = 0.5;
    # t = 0.5 * sqrt(1 / 0.75) = 1/sqrt(3) with 1 dof (Cauchy): p = 2 * (0.5 - atan(t) / pi) = 2/3
    ratios = pd.DataFrame({"domain": ["a", "b", "c", "d"], "n_projects": [1, 2, 3, 0],
                           "ratio": [0.1, 0.3, 0.2, np.nan]})
    s = rl.volume_ratio_association(ratios).iloc[0]
    assert s["spearman_rho"] == pytest.approx(0.5) and s["p_value"] == pytest.approx(2 / 3)
    assert s["n_domains"] == 3
    with pytest.warns(DegenerateDataWarning):
        s = rl.volume_ratio_association(ratios.iloc[:2]).iloc[0]
    assert np.isnan(s["spearman_rho"]) and s["n_domains"] == 2


def test_domain_groups_compare_fisher_by_hand():
    p = make({("dev_economique", "realise"): 3, ("dev_economique", "en_cours"): 1, ("securite", "realise"): 1,
              ("securite", "a_l_etude"): 1, ("energie", "realise"): 1, ("energie", "en_cours"): 3})
    row = rl.domain_groups_compare(rl.realisation_ratios(p, Q), ["dev_economique", "securite"]).iloc[0]
    assert (row["n_realise_group"], row["n_known_group"], row["n_realise_rest"], row["n_known_rest"]) == (4, 6, 1, 4)
    assert row["difference"] == pytest.approx(4 / 6 - 1 / 4)
    # table [[4, 2], [1, 3]]: OR = 12 / 2 = 6; hypergeometric P(x) for x = 1..5 is (6, 60, 120, 60, 6) / 252,
    # two-sided p = (6 + 60 + 60 + 6) / 252
    assert row["odds_ratio"] == pytest.approx(6) and row["p_value"] == pytest.approx(132 / 252)
    with pytest.raises(ValueError):
        rl.domain_groups_compare(rl.realisation_ratios(p, Q), ["nope"])


def test_groups_one_sided_fisher_and_newcombe_against_references():
    # group 6/8 realised vs rest 3/10: one-sided p = P(X >= 6) under the hypergeometric (18, 9 realised, 8 drawn)
    p = make({("dev_economique", "realise"): 6, ("dev_economique", "en_cours"): 2,
              ("energie", "realise"): 3, ("energie", "a_l_etude"): 7})
    row = rl.domain_groups_compare(rl.realisation_ratios(p, Q), ["dev_economique"]).iloc[0]
    want = sum(math.comb(9, x) * math.comb(9, 8 - x) for x in range(6, 9)) / math.comb(18, 8)
    assert row["p_value_greater"] == pytest.approx(want)
    assert row["difference"] == pytest.approx(0.75 - 0.3)
    sm = pytest.importorskip("statsmodels.stats.proportion")
    low, high = sm.confint_proportions_2indep(6, 8, 3, 10, method="newcomb", compare="diff")
    assert (row["difference_ci_low"], row["difference_ci_high"]) == pytest.approx((low, high), abs=1e-9)


def test_each_against_rest_excludes_the_domain_itself():
    # e_citoyennete is the median of three domains (2/4, 1/4, 3/4): against the two others pooled (4/8) it is not
    # better, whereas « >= median » would have called it good with zero margin
    p = make({("e_citoyennete", "realise"): 2, ("e_citoyennete", "en_cours"): 2,
              ("energie", "realise"): 1, ("energie", "en_cours"): 3,
              ("loisirs_culture", "realise"): 3, ("loisirs_culture", "en_cours"): 1})
    out = rl.each_against_rest(rl.realisation_ratios(p, Q), ["e_citoyennete", "loisirs_culture"]).set_index("group")
    assert out.loc["e_citoyennete", ["n_realise_rest", "n_known_rest"]].tolist() == [4, 8]
    assert out.loc["e_citoyennete", "difference"] == 0.0
    assert out.loc["loisirs_culture", ["n_realise_rest", "n_known_rest"]].tolist() == [3, 8]
    assert out.loc["loisirs_culture", "difference"] == pytest.approx(0.75 - 3 / 8)
    assert (out["p_value_greater"] > 0.05).all()  # four projects a domain prove nothing
