"""The published figures of every edition (2013, 2014, 2015) and data/raw/datapackage.json: valid, complete,
sourced and consistent; an edition without an optional table loads cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from villenum.paths import ROOT, published_dir
from villenum.errors import InputError
from villenum.published import NAMES, REQUIRED, has_published, load_claims, load_published, load_tables, present
from villenum.published import OPTIONAL as OPTIONAL_TABLES

RAW = ROOT / "data" / "raw"
DATAPACKAGE = RAW / "datapackage.json"
WAVE = "2013"
WAVES = ("2013", "2014", "2015")
WAVE_TABLES = [(w, n) for w in WAVES for n in present(w)]
# Produced separately (reference data issue); only these may be absent, and then only their resources are skipped.
OPTIONAL = ("reference/communes.csv", "reference/epcis.csv")
DOMAIN_CODES = ("loisirs_culture", "transport", "e_citoyennete", "education", "batiment", "energie",
                "sante_social", "securite", "dev_economique")
REQUIRED_CLAIMS = (
    "panel_size_24", "panel_size_25", "panel_kinds_5_13_6", "panel_over_100k_14", "objectives_top_two",
    "objectives_order", "objectives_fluctuating", "objectives_qualite_most_cited", "domains_share_table",
    "domains_most_projects", "domains_fewest_projects", "domains_seven_each", "projects_mean_47",
    "energie_rank_6", "realisation_small_domains_higher", "realisation_loisirs_ecitoyen_good",
    "flagship_etude_smart_grids_open_data", "flagship_wanted", "flagship_widely_undertaken",
    "flagship_loisirs_examples",
)


def _descriptor() -> dict:
    return json.loads(DATAPACKAGE.read_text(encoding="utf-8"))


def _errors(report: frictionless.Report) -> str:
    lines = [e.message for e in report.errors]
    lines += [f"{task.name}: {e.message}" for task in report.tasks for e in task.errors]
    return "\n".join(lines[:50])


def undocumented_csvs(raw: Path, descriptor: dict) -> list[str]:
    """CSV files under `raw` that no resource of `descriptor` lists."""
    listed = {r["path"] for r in descriptor["resources"]}
    return sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*.csv") if p.relative_to(raw).as_posix() not in listed)


def source_problems(frame: pd.DataFrame, sources: pd.DataFrame) -> list[str]:
    """Rows whose source keys are missing or unknown, or whose URLs differ from sources.csv for those keys."""
    url_of = dict(zip(sources["source_key"], sources["url"]))
    problems = []
    for i, row in frame.iterrows():
        keys = [k for k in str(row["sources"]).split(";") if k.strip()]
        urls = [u for u in str(row["source_urls"]).split(" ; ") if u.strip()]
        if not keys:
            problems.append(f"row {i}: no source key")
        unknown = [k for k in keys if k not in url_of]
        if unknown:
            problems.append(f"row {i}: unknown source keys {unknown}")
        elif urls != [url_of[k] for k in keys]:
            problems.append(f"row {i}: source_urls {urls} do not match keys {keys}")
    return problems


# --- the data package -----------------------------------------------------------------------------------------


def test_datapackage_validates():
    descriptor = _descriptor()
    missing = [r["path"] for r in descriptor["resources"] if not (RAW / r["path"]).is_file()]
    assert set(missing) <= set(OPTIONAL), f"resource files missing: {sorted(set(missing) - set(OPTIONAL))}"
    if not missing:
        report = frictionless.validate(str(DATAPACKAGE))
    else:  # leave out only the reference resources not produced yet (and foreign keys into them)
        gone = {r["name"] for r in descriptor["resources"] if r["path"] in missing}
        descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] not in gone]
        for r in descriptor["resources"]:
            fks = r["schema"].get("foreignKeys", [])
            r["schema"]["foreignKeys"] = [fk for fk in fks if fk["reference"].get("resource") not in gone]
        report = frictionless.Package(descriptor, basepath=str(RAW)).validate()
    assert report.valid, _errors(report)


@pytest.mark.parametrize("path", OPTIONAL)
def test_reference_file_present(path):
    if not (RAW / path).is_file():
        pytest.skip(f"data/raw/{path} not produced yet (reference data issue): its resource is left out of validation")
    assert path in {r["path"] for r in _descriptor()["resources"]}


def test_every_csv_under_raw_is_described():
    assert undocumented_csvs(RAW, _descriptor()) == []


def test_undocumented_csv_is_caught(tmp_path):
    (tmp_path / "published" / WAVE).mkdir(parents=True)
    (tmp_path / "published" / WAVE / "panel.csv").write_text("a\n1\n")
    (tmp_path / "published" / WAVE / "extra.csv").write_text("a\n1\n")
    descriptor = {"resources": [{"path": f"published/{WAVE}/panel.csv"}]}
    assert undocumented_csvs(tmp_path, descriptor) == [f"published/{WAVE}/extra.csv"]


def test_package_and_resources_carry_sources_and_licenses():
    descriptor = _descriptor()
    assert descriptor["sources"] and descriptor["licenses"]
    for r in descriptor["resources"]:
        assert r.get("sources") and r.get("licenses"), r["name"]
        assert r["schema"].get("primaryKey"), r["name"]


# --- the published files --------------------------------------------------------------------------------------


def test_published_dir():
    assert published_dir(WAVE) == RAW / "published" / WAVE
    assert has_published(WAVE)
    assert not has_published("1900") and published_dir("1900").name == "1900"


@pytest.mark.parametrize("wave, name", WAVE_TABLES)
def test_files_are_utf8_with_lf(wave, name):
    raw = (published_dir(wave) / f"{name}.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    raw.decode("utf-8")


@pytest.mark.parametrize("wave, name", [(w, n) for w, n in WAVE_TABLES if n != "sources"])
def test_every_row_is_sourced(wave, name):
    assert source_problems(load_published(name, wave), load_published("sources", wave)) == []


@pytest.mark.parametrize("wave", WAVES)
def test_every_edition_has_the_required_tables_and_each_of_its_csvs_is_a_known_table(wave):
    assert set(REQUIRED) <= set(present(wave))
    assert sorted(p.stem for p in published_dir(wave).glob("*.csv")) == sorted(present(wave))
    assert (published_dir(wave) / "README.md").is_file()


def test_a_missing_optional_table_is_absent_and_a_missing_required_one_is_named(tmp_path):
    assert "participants" in OPTIONAL_TABLES and "domain_shares" in OPTIONAL_TABLES
    tables = load_tables("2014")
    assert "participants" not in tables and "domain_shares" not in tables and "domain_counts" in tables
    assert list(load_tables("2013")) == [n for n in NAMES if n not in ("domain_counts", "objectives_cited")]
    with pytest.raises(FileNotFoundError, match="no published table 'participants' for wave 2014"):
        load_published("participants", "2014")
    for name in ("sources", "panel"):  # figures and claims missing too: both named at once
        (tmp_path / f"{name}.csv").write_bytes((published_dir("2014") / f"{name}.csv").read_bytes())
    with pytest.raises(InputError) as err:
        load_tables("x", tmp_path)
    assert [Path(p.file).name for p in err.value.problems] == ["figures.csv", "claims.csv"]
    assert has_published("x", tmp_path)


def test_bad_sources_are_caught():
    sources = load_published("sources", WAVE)
    url = dict(zip(sources["source_key"], sources["url"]))
    bad = pd.DataFrame({
        "sources": ["", "XX", "FD;LMI", "FD"],
        "source_urls": ["", "http://x", f"{url['LMI']} ; {url['FD']}", url["FD"]],
    })
    assert len(source_problems(bad, sources)) == 3


def test_loaders_types():
    assert load_published("panel.csv", WAVE)["value"].dtype == float
    assert load_published("participants", WAVE)["confirmed"].dtype == bool
    assert load_published("objectives", WAVE)["fluctuating"].dtype == bool
    assert load_published("domain_shares", WAVE)["share"].dtype == float
    with pytest.raises(KeyError):
        load_published("nonsense", WAVE)


def test_domain_shares_sum_to_100():
    shares = load_published("domain_shares", WAVE)
    assert shares["share"].sum() == pytest.approx(100)
    figures = load_published("figures", WAVE).set_index("figure_id")["value"]
    assert figures["share_sum"] == pytest.approx(shares["share"].sum())


def test_domain_codes_are_the_nine():
    domains = load_published("domain_shares", WAVE)["domain"]
    assert set(domains) <= set(DOMAIN_CODES), set(domains) - set(DOMAIN_CODES)
    assert sorted(domains) == sorted(DOMAIN_CODES)


def test_share_printed_matches_share():
    shares = load_published("domain_shares", WAVE)
    assert (shares["share_printed"] == shares["share"].map(lambda v: f"{v:g} %")).all()


def test_both_panel_sizes_are_kept():
    panel = load_published("panel", WAVE).set_index("figure_id")
    assert panel.loc["panel_size", "value"] == 24 and panel.loc["panel_size", "basis"] == "stated"
    assert panel.loc["panel_size_conflicting", "value"] == 25
    assert panel.loc["panel_size_conflicting", "sources"] == "RI"


def test_panel_kinds_add_up_to_24():
    value = load_published("panel", WAVE).set_index("figure_id")["value"]
    kinds = value["intercommunalites"] + value["communes"] + value["joint_participations"]
    assert (value["intercommunalites"], value["communes"], value["joint_participations"]) == (5, 13, 6)
    assert kinds == 24 == value["panel_size"] == value["panel_size_by_kind_sum"]
    assert value["over_100k"] <= value["panel_size"]


def test_claim_ids_unique_and_complete():
    claims = load_claims(WAVE)
    duplicated = claims.loc[claims["claim_id"].duplicated(), "claim_id"].tolist()
    assert duplicated == []
    assert set(REQUIRED_CLAIMS) <= set(claims["claim_id"]), set(REQUIRED_CLAIMS) - set(claims["claim_id"])
    assert (claims["claim_fr"].str.len() > 0).all() and (claims["gloss_en"].str.len() > 0).all()


def test_objectives_order_and_fluctuating():
    objectives = load_published("objectives", WAVE).sort_values("rank_published")
    assert list(objectives["objective"]) == ["qualite_service", "bonne_gestion", "attractivite", "developpement_durable"]
    assert set(objectives.loc[objectives["fluctuating"], "objective"]) == {"attractivite", "developpement_durable"}


def test_caen_is_not_confirmed():
    participants = load_published("participants", WAVE).set_index("participant_id")
    assert not participants.loc["caen", "confirmed"]
    assert participants["confirmed"].sum() == 12


def test_shares_that_do_not_add_up_are_rejected_naming_file_and_column(tmp_path):
    from villenum.errors import InputError

    src = published_dir(WAVE) / "domain_shares.csv"
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    frame.loc[0, "share"] = "26"  # 110 in all: beyond rounding
    frame.to_csv(tmp_path / "domain_shares.csv", index=False)
    with pytest.raises(InputError) as err:
        load_published("domain_shares", directory=tmp_path)
    (p,) = err.value.problems
    assert (p.file, p.column, p.value) == ("domain_shares.csv", "share", 110.0)


# --- 2014 and 2015: where sources disagree, both values are kept ----------------------------------------------


def _values(wave: str, name: str) -> pd.Series:
    return load_published(name, wave).set_index("figure_id")["value"]


def test_2014_keeps_38_and_37_and_the_22_of_the_previous_edition():
    panel = load_published("panel", "2014").set_index("figure_id")
    assert panel.loc["panel_size", "value"] == 38 and panel.loc["panel_size_excl_paris", "value"] == 37
    assert panel.loc["previous_panel_size", "value"] == 22 != _values("2013", "panel")["panel_size"]
    assert panel.loc["panel_size_excl_paris", "sources"] == "SI"


def test_2014_keeps_the_printed_47_percent_and_the_computed_45_8():
    figures = load_published("figures", "2014").set_index("figure_id")
    printed, computed = figures.loc["top_three_share_printed"], figures.loc["top_three_share_computed"]
    assert (printed["value"], printed["basis"]) == (47, "stated")
    assert (computed["value"], computed["basis"]) == (45.8, "inferred")
    assert round(100 * figures.loc["top_three_projects", "value"] / figures.loc["total_projects", "value"], 1) == 45.8


def test_2014_domain_counts_add_up_to_the_published_371():
    counts = load_published("domain_counts", "2014").set_index("domain")
    assert counts["n_projects"].sum() == _values("2014", "figures")["top_three_projects"] == 371
    assert counts.loc["e_citoyennete", "basis"] == "inferred" and counts.loc["transport", "basis"] == "stated"
    assert list(counts.sort_values("rank_published").index) == ["transport", "education", "e_citoyennete"]
    assert (counts["share"] - 100 * counts["n_projects"] / 810).abs().max() < 0.05


def test_2014_objectives_five_the_fourth_unnamed_and_2015_percentages():
    objectives = load_published("objectives", "2014").sort_values("rank_published")
    assert list(objectives["objective"]) == ["qualite_service", "attractivite", "bonne_gestion",
                                             "objectif_4_non_nomme", "developpement_durable"]
    assert objectives.set_index("objective").loc["objectif_4_non_nomme", "basis"] == "inferred"
    cited = load_published("objectives_cited", "2015").set_index("objective")["share"]
    assert cited.to_dict() == {"attractivite": 91, "qualite_service": 82, "bonne_gestion": 55}


@pytest.mark.parametrize("wave", ("2014", "2015"))
def test_published_codes_are_codes_of_the_editions_questionnaire(wave):
    from villenum.questionnaire import load_questionnaire

    q = load_questionnaire(wave)
    tables = load_tables(wave)
    assert set(tables["objectives"]["objective"]) <= set(q.codes("objective"))
    for name, field in (("domain_counts", "domain"), ("objectives_cited", "objective")):
        if name in tables:
            assert set(tables[name][tables[name].columns[0]]) <= set(q.codes(field)), name


def test_a_notebook_asking_for_a_table_its_edition_did_not_publish_gets_none():
    from villenum.context import Context

    ctx = Context(wave="2014", survey_dir=Path("."), published_dir=published_dir("2014"), output_dir=Path("."),
                  figure_dir=Path("."), survey=None)
    assert ctx.published("domain_shares") is None and len(ctx.published("domain_counts")) == 3
    assert set(ctx.published_tables()) == set(present("2014"))
    with pytest.raises(KeyError, match="unknown published table 'nope'"):
        ctx.published("nope")
