"""Classification of project labels into catalogue types, and status / reach per type."""

from importlib.resources import files

import pandas as pd
import pytest

from villenum import flagship as fl
from villenum.questionnaire import load_questionnaire

Q = load_questionnaire("2013")

CATALOGUE = pd.DataFrame({
    "project_type": ["videoprotection", "portail", "appli_mobile"],
    "domain": ["securite", "e_citoyennete", ""],
    "keywords": [r"video ?protection|camera", r"portail|guichet", r"appli(cation)? mobile"],
}).astype("string")


def projects(labels, domains, statuses=None, colls=None) -> pd.DataFrame:
    n = len(labels)
    return pd.DataFrame({"project_id": [f"p{i}" for i in range(n)], "collectivite_id": colls or ["c"] * n,
                         "label": labels, "domain": domains, "status": statuses or ["realise"] * n}).astype("string")


LABELS = projects(["Vidéo-protection du centre", "Portail citoyen – Application mobile", "Caméras piétons",
                   "Éclairage public", "Appli mobile stationnement"],
                  ["securite", "e_citoyennete", "transport", "energie", "transport"])


def test_classify_first_match_unmatched_and_ambiguous():
    out = fl.classify_projects(LABELS, CATALOGUE)
    # accents and hyphens folded; portail wins over appli_mobile by catalogue order;
    # "Caméras" is in transport, not the securite type's domain -> autre
    assert out["project_type_classified"].tolist() == ["videoprotection", "portail", "autre", "autre", "appli_mobile"]
    assert out["n_type_matches"].tolist() == [1, 2, 0, 0, 1]
    assert out.attrs == {"n_unmatched": 2, "n_ambiguous": 1}
    loose = fl.classify_projects(LABELS, CATALOGUE, match_domain=False)
    assert loose["project_type_classified"].tolist()[2] == "videoprotection"


def test_classify_bad_regex_names_the_type():
    bad = CATALOGUE.assign(keywords=["(", "portail", "x"])
    with pytest.raises(ValueError, match="videoprotection"):
        fl.classify_projects(LABELS, bad)


# type A: realise, a_l_etude x2, unknown (collectivités x, y); B: a_l_etude x2 (x); C: en_cours (z)
TYPED = projects(["l"] * 7, ["energie"] * 7,
                 ["realise", "a_l_etude", "a_l_etude", None, "a_l_etude", "a_l_etude", "en_cours"],
                 ["x", "y", "y", "y", "x", "x", "z"]).assign(project_type=["A", "A", "A", "A", "B", "B", "C"])
COLLS = pd.DataFrame({"collectivite_id": ["x", "y", "z", "w"]})


def test_status_by_type_hand_counts():
    s = fl.status_by_type(TYPED, Q, "project_type").set_index("project_type")
    assert s.loc["A", ["n_projects", "n_status_known", "n_a_l_etude", "n_realise", "n_en_cours",
                       "n_collectivites"]].tolist() == [4, 3, 2, 1, 0, 2]
    assert s["share_a_l_etude"].tolist() == pytest.approx([200 / 3, 100, 0])


def test_leading_under_study_tie():
    lead = fl.leading_under_study(fl.status_by_type(TYPED, Q, "project_type"), k=1)
    assert lead["project_type"].tolist() == ["A"] and lead["tie_at_cutoff"].tolist() == [True]


def test_widely_undertaken_shares_of_all_collectivites():
    w = fl.widely_undertaken(TYPED, "project_type", COLLS, Q)
    assert w["project_type"].tolist() == ["A", "C", "B"]
    assert w["n_collectivites_undertaking"].tolist() == [1, 1, 0]
    assert w["share_of_collectivites"].tolist() == pytest.approx([25, 25, 0])


def test_load_catalogue_columns():
    if not files("villenum.data").joinpath(fl.CATALOGUE_FILE).is_file():
        pytest.skip("project_types.csv not written yet")
    cat = fl.load_catalogue()
    assert {"project_type", "domain", "label_fr", "keywords", "flagship"} <= set(cat.columns)
    fl.classify_projects(LABELS, cat)  # every keywords regex compiles
