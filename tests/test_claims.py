"""Claims as data: the params format, the checks of claims.csv, every kind's evaluator on the 2013 result tables
(verdicts as committed) and on tables changed so that each claim must flip, and bugs that are never verdicts."""

from __future__ import annotations

import pandas as pd
import pytest

from villenum import paths
from villenum.claims import KINDS, CannotCompute, Inputs, check_claims, fr_number, parse_params
from villenum.context import load_results
from villenum.errors import InputError
from villenum.published import load_claims, load_published, load_tables
from villenum.questionnaire import load_questionnaire
from villenum.scorecard import ClaimError, build_scorecard, evaluate

Q = load_questionnaire("2013")
CLAIMS = load_claims("2013")
PUBLISHED = load_tables("2013")
RESULTS = load_results(paths.reference_results("2013"))
BUILT = frozenset(["panel_size_24", "domains_share_table"])


def card(results=RESULTS, published=PUBLISHED, claims=CLAIMS) -> pd.DataFrame:
    return build_scorecard(claims, results, published, False, Q).set_index("claim_id")


def test_params_pairs_and_lists():
    assert parse_params("a=1; b = x|y ;c=p:q:r; op===") == {"a": "1", "b": ["x", "y"], "c": "p:q:r", "op": "=="}
    with pytest.raises(ValueError, match="not key=value"):
        parse_params("a=1; oops")


def test_every_2013_claim_has_a_known_kind_and_the_committed_verdict_on_survey_semantics():
    committed = pd.read_csv(paths.reference_results("2013") / "scorecard.csv").set_index("claim_id")
    got = card()
    assert set(CLAIMS["kind"]) <= set(KINDS)
    assert got["holds"].astype(str).to_dict() == committed["holds"].astype(str).to_dict()


def test_a_bad_claims_file_lists_every_problem():
    bad = CLAIMS.head(2).assign(kind=["nope", "value"], params=["a=1", "oops"])
    with pytest.raises(InputError) as err:
        check_claims(bad)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "kind"), (3, "params")]


def _changed(name: str, **columns) -> dict[str, pd.DataFrame]:
    return {**RESULTS, name: RESULTS[name].assign(**columns)}


@pytest.mark.parametrize("claim_id, table, change", [
    ("panel_size_24", "panel_counts", {"value": lambda t: t["value"] + 1}),
    ("panel_population_over_50k", "panel_frame", {"panel": lambda t: t["panel"] - 1000}),
    ("objectives_four", "objectives_scores", {"objective": "x"}),
    ("domains_share_table", "domains_counts", {"share": lambda t: t["share"] + 0.6}),
    ("domains_seven_each", "domains_per_collectivite", {"mean_per_collectivite": 9.0}),
    ("projects_mean_47", "domains_per_collectivite", {"n_collectivites": 30}),
    ("objectives_fluctuating", "objectives_dispersion", {"sd_rank": lambda t: -t["sd_rank"]}),
    ("flagship_widely_undertaken", "flagship_undertaken", {"share_of_collectivites": 10.0}),
])
def test_a_wrong_computation_flips_the_claim(claim_id, table, change):
    one = CLAIMS[CLAIMS["claim_id"] == claim_id]
    assert bool(card(claims=one).loc[claim_id, "holds"]) is True
    assert bool(card(_changed(table, **change), claims=one).loc[claim_id, "holds"]) is False


def test_order_claims_flip_when_positions_change():
    scores = RESULTS["objectives_scores"]
    swapped = scores.assign(position=scores["position"].where(scores["position"] > 2, 3 - scores["position"]))
    got = card({**RESULTS, "objectives_scores": swapped})
    assert not got.loc["objectives_order", "holds"] and got.loc["objectives_top_two", "holds"]


def test_published_basis_and_the_data_basis():
    with_pub, without = card(), card(published={})
    assert with_pub.loc["domains_fewest_projects", "holds"] == False  # noqa: E712 - the published table: Social < Énergie
    assert "publié" in with_pub.loc["domains_most_projects", "computed"]
    assert "données" in without.loc["domains_most_projects", "computed"]


def test_a_degenerate_condition_is_not_testable_and_a_bug_fails_naming_the_claim():
    empty = {**RESULTS, "realisation_ratios": RESULTS["realisation_ratios"].iloc[:0]}
    got = card(empty)
    assert pd.isna(got.loc["realisation_loisirs_ecitoyen_good", "holds"])
    assert got.loc["realisation_loisirs_ecitoyen_good", "note"].startswith("cannot compute")
    broken = CLAIMS[CLAIMS["claim_id"] == "domains_nine"].assign(params="table=domains_counts; column=nope; "
                                                                         "agg=nunique; op===; target=9")
    with pytest.raises(ClaimError, match="domains_nine"):
        build_scorecard(broken, RESULTS, PUBLISHED, False, Q)
    claim = CLAIMS.iloc[0]
    with pytest.raises(CannotCompute):
        KINDS["value"]({"table": "panel_frame", "column": "panel", "where": "item == 'none'"},
                       Inputs(RESULTS, PUBLISHED, PUBLISHED, Q))
    assert evaluate(claim, Inputs(RESULTS, PUBLISHED, PUBLISHED, Q))[0].holds is True


def test_built_to_match_claims_check_the_pipeline_and_others_are_illustrations():
    got = build_scorecard(CLAIMS, RESULTS, PUBLISHED, True, Q, built_to_match=BUILT).set_index("claim_id")
    assert got.loc["panel_size_24", "verdict"] == "reproduced"
    assert got.loc["projects_mean_47", "verdict"] == "not testable"
    assert got.loc["panel_size_25", "verdict"] == "contradicted"  # the published aggregates settle it


def test_french_numbers():
    assert fr_number(50396) == "50\u202f396" and fr_number(7.0412, 2) == "7,04" and fr_number(-0.42, 2) == "-0,42"


# --- kinds across editions (edition_kinds.py) and the small extensions they needed -------------------------------


def _editions(**ranks) -> dict[str, dict[str, pd.DataFrame]]:
    """Three editions whose `objectives` tables give category x the ranks `ranks` (others fill the rest)."""
    out = {}
    for wave, rank in ranks.items():
        others = [r for r in (1, 2, 3) if r != rank]
        out[wave] = {"objectives": pd.DataFrame({"objective": ["x", "y", "z"], "rank_published": [rank, *others]})}
    return out


def _judge(kind: str, params: dict, editions: dict | None = None, results: dict | None = None):
    return KINDS[kind](params, Inputs(results or {}, {}, {}, Q, editions or {}))


@pytest.mark.parametrize("condition, holds_for, fails_for", [
    ({"ranks": ["3", "2", "1"]}, (3, 2, 1), (3, 1, 1)),
    ({"trend": "improving"}, (3, 2, 1), (3, 3, 1)),
    ({"trend": "worsening"}, (1, 2, 3), (1, 2, 2)),
    ({"shift": "1"}, (1, 1, 2), (1, 1, 1)),
])
def test_ranks_across_editions_flip_when_a_rank_changes(condition, holds_for, fails_for):
    specs = [f"{w}:objectives:rank_published:smallest" for w in ("a", "b", "c")]
    params = {"category": "x", "editions": specs, **condition}
    assert _judge("ranks_across_editions", params, _editions(a=holds_for[0], b=holds_for[1], c=holds_for[2])).holds
    ev = _judge("ranks_across_editions", params, _editions(a=fails_for[0], b=fails_for[1], c=fails_for[2]))
    assert ev.holds is False and ev.basis == "published"


def test_ranks_across_editions_rank_values_largest_first_and_ties_share_the_best_rank():
    tables = {"e": {"t": pd.DataFrame({"k": ["x", "y", "z"], "v": [15.0, 16.0, 15.0]})}}
    ev = _judge("ranks_across_editions", {"category": "x", "editions": ["e:t:v"], "ranks": "2"}, tables)
    assert ev.holds and "rang 2 sur 3 publiés" in ev.computed
    with pytest.raises(CannotCompute, match="no published value of w"):
        _judge("ranks_across_editions", {"category": "w", "editions": ["e:t:v"], "ranks": "1"}, tables)


def test_published_compare_flips_when_a_published_figure_changes():
    editions = {w: {"panel": load_published("panel", w)} for w in ("2013", "2014")}
    params = {"figure": "2014:panel:previous_panel_size", "op": "==", "other": "2013:panel:panel_size"}
    assert _judge("published_compare", params, editions).holds is False  # 22 against 24
    fixed = editions["2014"]["panel"].copy()
    fixed.loc[fixed["figure_id"] == "previous_panel_size", "value"] = 24.0
    assert _judge("published_compare", params, {**editions, "2014": {"panel": fixed}}).holds is True
    shares = {"2013": {"domain_shares": load_published("domain_shares", "2013")}}
    ev = _judge("published_compare", {"figure": "2013:domain_shares:loisirs_culture:share", "op": ">",
                                      "other": "2013:domain_shares:transport:share"}, shares)
    assert ev.holds and ev.computed == "publié — 16 (2013) > 15 (2013)"
    named = _judge("published_compare", {"figure": "2013:domain_shares:loisirs_culture:share", "op": ">", "what": "part",
                                         "other": "2013:domain_shares:transport:share", "names": ["loisirs", "transports"]},
                   shares)
    assert named.computed == "publié — part : 16 (loisirs) > 15 (transports)"


def test_value_about_and_rank_of_with_an_operator():
    table = {"t": pd.DataFrame({"k": ["a", "b", "c"], "n": [300.0, 150.0, 40.0]})}
    about = {"table": "t", "column": "n", "agg": "sum", "op": "about", "tolerance": "25", "target": "500"}
    assert _judge("value", about, results=table).holds  # 490, within 25 of 500
    assert not _judge("value", {**about, "tolerance": "5"}, results=table).holds
    rank = {"table": "t", "key": "k", "column": "n", "category": "c", "op": ">", "target": "2"}
    assert _judge("rank_of", rank, results=table).holds  # c is 3rd
    assert not _judge("rank_of", {**rank, "category": "a"}, results=table).holds
    with pytest.raises(CannotCompute, match="no value for d"):
        _judge("rank_of", {**rank, "category": "d"}, results=table)


def test_a_result_table_not_computed_is_not_testable_not_a_bug():
    with pytest.raises(CannotCompute, match="no result table domains_counts"):
        _judge("leaders", {"table": "domains_counts", "key": "domain", "column": "n_projects", "set": "x"})
