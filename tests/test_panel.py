"""Panel counts, comparison with the frame of large communes, and map points."""

import numpy as np
import pandas as pd
import pytest

from villenum import panel as pn

COLLS = pd.DataFrame({
    "collectivite_id": ["c1", "c2", "c3", "c4", "c5"],
    "name": ["Lyon", "Grenoble-Alpes", "Bordeaux", "Nowhere", "Paris"],
    "kind": ["commune", "intercommunalite", "joint", "commune", "commune"],
    "insee_code": ["69123", None, "33063", "99999", "75056"],
    "epci_siren": [None, "200000001", "200000002", None, None],
    "population": pd.array([500_000, 300_000, 250_000, 100_000, None], dtype="Int64"),
}).astype({c: "string" for c in ("collectivite_id", "name", "kind", "insee_code", "epci_siren")})

COMMUNES = pd.DataFrame({
    "insee_code": ["69123", "38185", "38100", "38421", "33063", "75056", "59350"],
    "name": ["Lyon", "Grenoble", "Tie", "Saint-Martin", "Bordeaux", "Paris", "Lille"],
    "population": [500_000, 150_000, 150_000, 40_000, 250_000, 2_100_000, 230_000],
    "region_name": ["ARA", "ARA", "ARA", "ARA", "NAQ", "IDF", "HDF"],
    "epci_siren": ["200000003", "200000001", "200000001", "200000001", "200000002", "200054781", "200093201"],
    "longitude": [4.8, 5.7, 9.0, 5.75, -0.6, 2.35, 3.06],
    "latitude": [45.7, 45.2, 9.0, 45.17, 44.8, 48.85, 50.6],
})


def test_panel_counts():
    c = pn.panel_counts(COLLS).set_index("figure_id")["value"]
    # over_100k is strict: c4 has exactly 100 000, c5 an unknown population
    assert c.to_dict() == {"panel_size": 5, "intercommunalites": 1, "communes": 3, "joint_participations": 1,
                           "over_100k": 3}
    assert pn.panel_counts(COLLS, threshold=99_999).set_index("figure_id").loc["over_100k", "value"] == 4


def test_panel_points_epci_at_most_populous_member():
    p = pn.panel_points(COLLS, COMMUNES).set_index("collectivite_id")
    assert list(p.columns) == ["name", "kind", "longitude", "latitude"]
    assert p.loc["c1", ["longitude", "latitude"]].tolist() == [4.8, 45.7]
    # 38185 and 38100 tie at 150 000 in EPCI 200000001: the lower INSEE code (38100) is the seat
    assert p.loc["c2", ["longitude", "latitude"]].tolist() == [9.0, 9.0]
    assert p.loc["c3", "longitude"] == -0.6  # joint participation placed at its commune
    assert np.isnan(p.loc["c4", "longitude"])  # commune absent from the table


def test_compare_with_frame_quartiles_and_regions():
    out = pn.compare_with_frame(COLLS, COMMUNES, COMMUNES).set_index(["section", "item"])
    pop = out.loc["population"]
    # frame (>= 50 000): 150k, 150k, 230k, 250k, 500k, 2.1M; linear quartiles at positions 1.25, 2.5, 3.75
    assert pop["frame"].tolist() == pytest.approx([6, 150_000, 170_000, 240_000, 437_500, 2_100_000])
    # panel communes + joint with a population: 100k, 250k, 500k -> quartiles 175k, 250k, 375k
    assert pop["panel"].tolist() == pytest.approx([3, 100_000, 175_000, 250_000, 375_000, 500_000])
    reg = out.loc["region"]
    assert reg["panel"].to_dict() == {"ARA": 2, "HDF": 0, "IDF": 1, "NAQ": 1, "inconnue": 1}
    assert reg["frame"].to_dict() == {"ARA": 3, "HDF": 1, "IDF": 1, "NAQ": 1, "inconnue": 0}
