"""Domain counts, shares, per-collectivité means, top/bottom with ties, comparison with published shares."""

import warnings

import numpy as np
import pandas as pd
import pytest

from villenum import domains as dm
from villenum.questionnaire import load_questionnaire

Q = load_questionnaire("2013")
codes = Q.codes


def make(domains_by_coll: dict) -> pd.DataFrame:
    """Projects table from {collectivite: [domain, ...]}."""
    rows = [(c, d) for c, ds in domains_by_coll.items() for d in ds]
    return pd.DataFrame({"project_id": [f"p{i}" for i in range(len(rows))], "collectivite_id": [r[0] for r in rows],
                         "label": "x", "domain": [r[1] for r in rows], "status": "realise"}).astype("string")


# energie 2, transport 2 (tied), securite 1, six domains with no project; collectivité c has none
PROJECTS = make({"a": ["energie", "energie", "transport"], "b": ["transport", "securite"]})
COLLS = pd.DataFrame({"collectivite_id": pd.array(["a", "b", "c"], dtype="string")})


def test_domain_counts_all_nine_with_wilson():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        c = dm.domain_counts(PROJECTS, Q).set_index("domain")
    assert list(c.index) == codes("domain") and len(c) == 9
    assert c.loc["energie", "label_fr"] == "Énergie"
    assert c["n_projects"].sum() == 5 and c.loc["batiment", "n_projects"] == 0
    assert c.loc[["energie", "securite", "batiment"], "share"].tolist() == pytest.approx([40, 20, 0])
    # Wilson k=2, n=5: centre (2 + 1.920730) / 8.841459 = 0.44344, half 0.32583 -> 11.76 %, 76.93 %
    assert c.loc["energie", ["ci_low", "ci_high"]].tolist() == pytest.approx([11.76, 76.93], abs=0.01)
    # k=0, n=5: upper z2 / (n + z2) = 3.841459 / 8.841459 = 43.45 %
    assert c.loc["batiment", ["ci_low", "ci_high"]].tolist() == pytest.approx([0, 43.45], abs=0.01)


def test_projects_per_collectivite_counts_zero_collectivites():
    p = dm.projects_per_collectivite(PROJECTS, COLLS, Q).set_index("domain")
    assert (p["n_collectivites"] == 3).all()
    # energie per collectivité: a 2, b 0, c 0 -> mean 2/3, sd sqrt((16/9 + 4/9 + 4/9) / 2) = 1.1547, median 0
    assert p.loc["energie", ["mean_per_collectivite", "sd_per_collectivite", "median_per_collectivite"]].tolist() \
        == pytest.approx([2 / 3, 1.1547, 0], abs=1e-4)
    assert p.loc["transport", ["n_collectivites_with_any", "share_with_any"]].tolist() == pytest.approx([2, 200 / 3])
    assert p.loc["batiment", "mean_per_collectivite"] == 0


def test_top_and_bottom_with_ties():
    c = dm.domain_counts(PROJECTS, Q)
    top1 = dm.top_domains(c, 1)
    assert top1["domain"].tolist() == ["energie"] and top1["tie_at_cutoff"].tolist() == [True]
    top2 = dm.top_domains(c, 2)
    assert top2["domain"].tolist() == ["energie", "transport"] and top2["rank"].tolist() == [1, 1]
    assert top2["tied"].all() and not top2["tie_at_cutoff"].any()
    bottom = dm.bottom_domains(c, 2)  # six domains tied at 0: taxonomy order decides
    assert bottom["domain"].tolist() == ["batiment", "sante_social"] and bottom["tie_at_cutoff"].all()


def test_compare_shares_rounds_half_up_and_maps_labels():
    counts = pd.DataFrame({"domain": ["energie", "transport", "securite"], "share": [12.5, 40.0, 20.4]})
    published = pd.DataFrame({"domain": ["Énergie", "transport/mobilité"], "share": [13, 41]})
    out = dm.compare_shares(counts, published, Q).set_index("domain")
    assert out["published_share"].tolist()[:2] == [13, 41] and np.isnan(out.loc["securite", "published_share"])
    assert out["difference"].tolist()[:2] == pytest.approx([-0.5, -1.0])
    assert out["rounded_match"].tolist() == [True, False, pd.NA]
    one_decimal = dm.compare_shares(counts, pd.DataFrame({"domain": ["securite"], "share": [20.4]}), Q, decimals=1)
    assert one_decimal.set_index("domain").loc["securite", "rounded_match"]
