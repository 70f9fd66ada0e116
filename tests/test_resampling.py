"""Cluster resamples of a whole survey, and the support of a claim across them."""

import numpy as np
import pandas as pd
import pytest

from villenum import paths
from villenum.realisation import realisation_ratios
from villenum.stats import ROBUST_SUPPORT, cluster_draws, cluster_resamples, robustness, support
from villenum.questionnaire import load_questionnaire
from villenum.survey import Survey, load_survey

DEMO = paths.ROOT / "examples" / "wave-demo"


def tiny() -> Survey:
    """Collectivité a with one project, b with three."""
    coll = pd.DataFrame({"collectivite_id": ["a", "b"], "name": ["A", "B"]}).astype("string")
    obj = pd.DataFrame({"collectivite_id": ["a", "b"], "objective": ["bonne_gestion"] * 2,
                        "rank": pd.array([1, 2], dtype="Int64")}).astype({"collectivite_id": "string"})
    proj = pd.DataFrame({"project_id": ["p1", "p2", "p3", "p4"], "collectivite_id": ["a", "b", "b", "b"],
                         "domain": ["energie"] * 4, "status": ["realise"] * 4}).astype("string")
    return Survey(coll, obj, proj, load_questionnaire("2013"), source="tiny")


def test_resamples_carry_objectives_and_projects_with_fresh_ids():
    survey = load_survey(DEMO)
    n_proj = survey.projects.groupby("collectivite_id").size()
    ids = survey.collectivites["collectivite_id"].to_numpy()
    for draw, resample in zip(cluster_draws(len(ids), 5, 7), cluster_resamples(survey, 5, seed=7)):
        assert len(resample.collectivites) == len(ids)
        assert resample.collectivites["collectivite_id"].is_unique and resample.projects["project_id"].is_unique
        assert len(resample.projects) == n_proj.reindex(ids[draw], fill_value=0).sum()
        assert set(resample.projects["collectivite_id"]) <= set(resample.collectivites["collectivite_id"])
        origin = resample.collectivites["collectivite_id"].str.rsplit("@", n=1).str[0]
        assert sorted(origin) == sorted(ids[draw])
        assert list(resample.projects.columns) == list(survey.projects.columns)
        assert resample.projects.dtypes.equals(survey.projects.dtypes)
        realisation_ratios(resample.projects, resample.questionnaire)  # every analysis runs unchanged


def test_resamples_are_deterministic_by_seed():
    survey = load_survey(DEMO)
    a = [r.projects for r in cluster_resamples(survey, 3, seed=1)]
    b = [r.projects for r in cluster_resamples(survey, 3, seed=1)]
    c = [r.projects for r in cluster_resamples(survey, 3, seed=2)]
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
    assert not all(x.equals(z) for x, z in zip(a, c))


def test_support_hand_value():
    # two collectivités drawn with replacement: {a,a} has 2 projects, {a,b} or {b,a} 4, {b,b} 6;
    # "at least 4 projects" holds with probability 3/4 (binomial sd over 400 resamples: 0.022, 3 sd = 0.065)
    share = support(tiny(), lambda s: len(s.projects), lambda n: n >= 4, n_boot=400, seed=5)
    assert share == pytest.approx(0.75, abs=0.065)
    assert share == support(tiny(), lambda s: len(s.projects), lambda n: n >= 4, n_boot=400, seed=5)
    assert support(tiny(), lambda s: len(s.projects), lambda n: None, n_boot=10, seed=5) == 0.0  # cannot say


def test_robustness_threshold():
    assert ROBUST_SUPPORT == 0.95
    assert robustness(0.95) == "robust" and robustness(0.949) == "fragile" and robustness(np.nan) == "unknown"
    with pytest.raises(ValueError):
        support(tiny(), len, bool, n_boot=0)


def test_direction_support_equals_generic_support_on_same_resamples():
    from villenum import realisation as rl

    survey = load_survey(DEMO)
    group = ["transport"]
    fast = rl.direction_support(survey.collectivites, survey.projects, {"t": group}, survey.questionnaire, n_boot=40, seed=9).iloc[0]
    slow = support(survey, lambda s: rl.domain_groups_compare(rl.realisation_ratios(s.projects, s.questionnaire), group),
                   lambda t: bool(t["difference"].iloc[0] > 0), n_boot=40, seed=9)
    assert fast["support"] == slow
    point = rl.domain_groups_compare(rl.realisation_ratios(survey.projects, survey.questionnaire), group).iloc[0]
    assert fast["difference"] == pytest.approx(point["difference"])


def test_support_of_an_order_claim_with_the_scorecard_helpers():
    # how the scorecard judges « qualité de service, then bonne gestion, then attractivité, then développement
    # durable » on record-level data: the Borda order must hold strictly in each resample
    from villenum.objectives import score_objectives
    from villenum.stats import order_holds

    order = ["qualite_service", "bonne_gestion", "attractivite", "developpement_durable"]
    survey = load_survey(DEMO)
    borda = lambda s: score_objectives(s.objectives).query("method == 'borda'").set_index("objective")["score"]  # noqa: E731
    share = support(survey, borda, lambda b: order_holds(b, order), n_boot=30, seed=4)
    assert 0.0 <= share <= 1.0
    assert share == support(survey, borda, lambda b: order_holds(b, order), n_boot=30, seed=4)
    tied = support(survey, borda, lambda b: order_holds(b.clip(upper=0), order), n_boot=5, seed=4)
    assert tied == 0.0  # every score tied at 0: a strict order never holds


def test_a_count_of_the_surveyed_records_is_judged_exactly_not_resampled():
    """« N projets ont été étudiés » describes the surveyed records: its support over resamples of collectivités
    (a total that changes with every resample) is not measured, the verdict is the exact count's, and the sentence
    says so. The same claim without `resample=no` gets a support, and fails in most resamples."""
    from villenum.claims import check_claims
    from villenum.domains import domain_counts, projects_per_collectivite
    from villenum.errors import InputError
    from villenum.scorecard import build_scorecard

    survey = load_survey(DEMO)
    q = survey.questionnaire
    total = len(survey.projects)
    params = f"table=domains_per_collectivite; column=n_projects; agg=sum; op===; target={total}; what=projets"
    claims = pd.DataFrame({"claim_id": ["counted", "resampled"], "finding": ["domains"] * 2,
                           "claim_fr": [f"{total} projets."] * 2, "sources": ["X"] * 2, "kind": ["value"] * 2,
                           "params": [params + "; resample=no", params]})
    results = {"domains_counts": domain_counts(survey.projects, q),
               "domains_per_collectivite": projects_per_collectivite(survey.projects, survey.collectivites, q)}
    card = build_scorecard(claims, results, {"figures": pd.DataFrame()}, False, q, survey=survey, n_boot=30,
                           seed=3).set_index("claim_id")
    assert card["holds"].astype(bool).all()
    assert np.isnan(card.at["counted", "support"]) and card.at["counted", "verdict"] == "reproduced"
    assert "décompte des réponses" in card.at["counted", "explanation"]
    assert card.at["resampled", "support"] < ROBUST_SUPPORT and card.at["resampled", "verdict"] == "inconclusive"
    with pytest.raises(InputError, match="resample"):
        check_claims(claims.assign(params=params + "; resample=maybe"))


def test_no_claim_to_resample_gives_no_support():
    from villenum.claims import Inputs
    from villenum.scorecard import claim_support

    empty = pd.DataFrame(columns=["claim_id", "finding", "kind", "params"])
    assert claim_support(empty, Inputs({}, {}, {}, load_questionnaire("2013")), tiny(), n_boot=3, seed=0) == {}


def test_projects_classified_once_give_the_flagship_tables_of_each_resample():
    """claim_support classifies the projects once and resamples them with their type: the same tables as
    classifying every resample (a project's type depends on its own label and domain only)."""
    from villenum.findings import compute, with_classified_projects

    survey = load_survey(DEMO)
    pairs = zip(cluster_resamples(survey, 4, seed=3), cluster_resamples(with_classified_projects(survey), 4, seed=3))
    for plain, classified in pairs:
        for name, table in compute(plain, "flagship").items():
            pd.testing.assert_frame_equal(compute(classified, "flagship")[name], table, check_exact=True)


def test_the_catalogue_is_handed_out_as_a_copy():
    from villenum.flagship import load_catalogue

    first = load_catalogue()
    kept = first.copy()
    first.loc[0, "project_type"] = "changed by a caller"
    pd.testing.assert_frame_equal(load_catalogue(), kept)
