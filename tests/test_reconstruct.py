"""The 2013 reconstruction: deterministic, faithful to every published figure, honest about the rest.

Everything is generated into pytest's tmp_path (never into data/). The published figures are written
out as literals on purpose: if the generator or its inputs drift from the study, these tests fail.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib

import numpy as np
import pandas as pd
import pytest

from villenum import paths, reference, taxonomy
from villenum.codebook import COLLECTIVITES, OBJECTIVES, PROJECTS
from villenum.flagship import load_catalogue
from villenum.published import load_published
from villenum.reconstruct import (
    ReconstructionError, allocate_domain_counts, default_assumptions_path, largest_remainder, load_assumptions,
    main_generate, reconstruct,
)
from villenum.questionnaire import load_questionnaire
from villenum.survey import load_survey

Q = load_questionnaire("2013")

# Published figures of the 2013 wave (published-figures-2013.md / data/raw/published/2013).
PANEL_SIZE, BY_KIND, OVER_100K = 24, {"intercommunalite": 5, "commune": 13, "joint": 6}, 14
MEAN_PROJECTS, TOTAL_PROJECTS = 47, 1128
SHARES = {"loisirs_culture": 16, "transport": 15, "e_citoyennete": 15, "education": 12, "batiment": 11,
          "energie": 9, "sante_social": 8, "securite": 7, "dev_economique": 7}
OBJECTIVE_ORDER = ["qualite_service", "bonne_gestion", "attractivite", "developpement_durable"]
FLUCTUATING = ["attractivite", "developpement_durable"]
WANTED = {"smart_grids", "open_data", "ent", "batiments_energie_positive", "telepaiement_stationnement",
          "tiers_lieux", "enjeux_environnementaux"}
WIDELY_UNDERTAKEN = {"tic_administration", "communication_citoyens", "promotion_patrimoine",
                     "attraction_entreprises_innovantes"}
LOISIRS_EXAMPLES = {"billetterie_musees_evenements", "reseau_bibliotheques", "espaces_publics_numeriques",
                    "tourisme_numerique"}
FILES = [t.file for t in (COLLECTIVITES, OBJECTIVES, PROJECTS)] + ["MANIFEST.json"]


def _read(directory) -> dict[str, pd.DataFrame]:
    """The three generated tables as written, cells as strings."""
    return {t.name: pd.read_csv(directory / t.file, dtype=str, keep_default_na=False) for t in
            (COLLECTIVITES, OBJECTIVES, PROJECTS)}


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    """The reconstruction with the default seed, written once for the module."""
    directory = tmp_path_factory.mktemp("survey")
    main_generate(None, default_assumptions_path(), directory)
    return directory


@pytest.fixture(scope="module")
def tables(out_dir):
    return _read(out_dir)


@pytest.fixture(scope="module")
def survey(out_dir):
    return load_survey(out_dir)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def communes():
    return reference.load_communes()


@pytest.fixture(scope="module")
def epcis():
    return reference.load_epcis()


def _matches(labels: pd.Series, catalogue: pd.DataFrame) -> pd.DataFrame:
    """label x type: the type's keywords found in the normalised label (written here, not imported)."""
    norm = taxonomy.normalise_text(labels.astype("string")).tolist()
    return pd.DataFrame({t: [re.search(k, s) is not None for s in norm]
                         for t, k in zip(catalogue["project_type"], catalogue["keywords"])}, index=labels.index)


def _modified_toml(tmp_path, old: str, new: str):
    """A copy of the default assumptions with one line changed (the old text must be there)."""
    text = default_assumptions_path().read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in the assumptions file"
    path = tmp_path / "modified.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ determinism
def test_same_seed_gives_byte_identical_files(out_dir, tmp_path):
    again = tmp_path / "again"
    main_generate(None, default_assumptions_path(), again)
    for name in FILES:
        assert (again / name).read_bytes() == (out_dir / name).read_bytes(), name


def test_another_seed_gives_other_files(out_dir, tmp_path):
    other = tmp_path / "other"
    main_generate(1, default_assumptions_path(), other)
    for name in FILES:
        assert (other / name).read_bytes() != (out_dir / name).read_bytes(), name


def test_default_seed_comes_from_the_assumptions(out_dir, tmp_path):
    seed = load_assumptions()["seed"]
    explicit = tmp_path / "explicit"
    main_generate(seed, default_assumptions_path(), explicit)
    assert (explicit / "projects.csv").read_bytes() == (out_dir / "projects.csv").read_bytes()


def test_manifest(out_dir, tables):
    manifest = json.loads((out_dir / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == load_assumptions()["seed"]
    assert manifest["assumptions"]["sha256"] == hashlib.sha256(default_assumptions_path().read_bytes()).hexdigest()
    assert manifest["rows"] == {"collectivites": PANEL_SIZE, "objectives": 4 * PANEL_SIZE, "projects": TOTAL_PROJECTS}
    inputs = {i["file"]: i["sha256"] for i in manifest["inputs"]}
    for name in ("panel", "participants", "objectives", "domain_shares", "figures", "claims"):
        path = paths.published_dir("2013") / f"{name}.csv"
        assert inputs[path.relative_to(paths.ROOT).as_posix()] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert any(f.endswith("communes.csv") for f in inputs) and any(f.endswith("epcis.csv") for f in inputs)
    assert any(f.endswith("project_types.csv") for f in inputs)
    for entry in manifest["files"]:
        assert entry["sha256"] == hashlib.sha256((out_dir / entry["file"]).read_bytes()).hexdigest()
    text = json.dumps(manifest).lower()
    assert "time" not in text and "date" not in text and str(out_dir) not in json.dumps(manifest)


# ---------------------------------------------------------------------------------------- validity
def test_output_passes_the_codebook(survey, tables):
    assert survey.is_reconstruction
    assert len(survey.collectivites) == PANEL_SIZE
    for table in (COLLECTIVITES, OBJECTIVES, PROJECTS):
        assert list(tables[table.name].columns) == table.column_names
        assert set(tables[table.name]["reconstructed"]) == {"true"}
    assert set(tables["collectivites"]["origin"]) == {"named", "drawn"}
    for field, column, table in (("kind", "kind", "collectivites"), ("domain", "domain", "projects"),
                                 ("status", "status", "projects"), ("objective", "objective", "objectives")):
        assert set(tables[table][column]) <= set(Q.codes(field)), column


def test_ids_are_unique_stable_slugs(tables):
    coll, proj = tables["collectivites"], tables["projects"]
    assert coll["collectivite_id"].is_unique and coll["collectivite_id"].str.fullmatch(r"[a-z0-9_]+").all()
    assert proj["project_id"].is_unique
    seq = proj.groupby("collectivite_id").cumcount() + 1
    assert (proj["project_id"] == proj["collectivite_id"] + "-P" + seq.map("{:03d}".format)).all()


# ------------------------------------------------------------------------------------------- panel
def test_panel_counts(survey):
    coll = survey.collectivites
    assert len(coll) == PANEL_SIZE
    assert coll["kind"].value_counts().to_dict() == BY_KIND


def test_over_100k_with_insee_populations(survey, communes, epcis):
    coll = survey.collectivites
    com = communes.set_index("insee_code")["population"]
    epc = epcis.set_index("epci_siren")["population"]
    expected = np.where(coll["kind"] == "commune", coll["insee_code"].map(com), coll["epci_siren"].map(epc))
    assert (coll["population"].to_numpy(dtype=float) == expected.astype(float)).all()
    assert int((coll["population"] > 100_000).sum()) == OVER_100K


def test_codes_exist_in_the_reference(survey, communes, epcis):
    coll = survey.collectivites
    needs_insee = coll["kind"].isin(["commune", "joint"])
    needs_epci = coll["kind"].isin(["intercommunalite", "joint"])
    assert coll.loc[needs_insee, "insee_code"].isin(communes["insee_code"]).all()
    assert coll.loc[needs_epci, "epci_siren"].isin(epcis["epci_siren"]).all()
    assert coll.loc[~needs_insee, "insee_code"].isna().all() and coll.loc[~needs_epci, "epci_siren"].isna().all()
    joint = coll[coll["kind"] == "joint"]
    ref_epci = joint["insee_code"].map(communes.set_index("insee_code")["epci_siren"])
    assert (ref_epci == joint["epci_siren"]).all(), "a joint commune must belong to its EPCI"


def test_named_confirmed_participants_present(survey):
    coll = survey.collectivites.set_index("collectivite_id")
    participants = load_published("participants", "2013")
    confirmed = participants[participants["confirmed"]]
    assert len(confirmed) == 12
    for pid, printed in zip(confirmed["participant_id"], confirmed["name_printed"]):
        assert pid in coll.index, printed
        assert coll.loc[pid, "origin"] == "named"
        assert coll.loc[pid, "name"].startswith(printed)
    assert int((coll["origin"] == "named").sum()) == 12
    assert coll.loc["brest_metropole_oceane", "kind"] == "intercommunalite"  # stated by the sources
    codes = {"brest_metropole_oceane": "242900314", "lille_metropole": "200093201",
             "nice_cote_d_azur": "200030195", "pau_pyrenees": "200067254"}
    for pid, siren in codes.items():
        assert coll.loc[pid, "epci_siren"] == siren


def test_caen_is_left_out(survey):
    coll = survey.collectivites
    assert not coll["insee_code"].eq("14118").any()
    assert not coll["epci_siren"].eq("200065597").any()
    assert not coll["name"].str.contains("Caen").any()


def test_drawn_collectivites_come_from_the_frame(survey, communes):
    coll = survey.collectivites
    drawn = coll[coll["origin"] == "drawn"]
    frame = reference.frame_communes(communes, 50_000)
    with_commune = drawn[drawn["kind"] != "intercommunalite"]
    assert with_commune["insee_code"].isin(frame["insee_code"]).all()
    assert drawn.loc[drawn["kind"] == "intercommunalite", "epci_siren"].isin(frame["epci_siren"]).all()
    assert coll["insee_code"].dropna().is_unique
    territory = coll["epci_siren"].where(coll["kind"] != "commune")
    assert territory.dropna().is_unique
    member_epci = coll.loc[coll["kind"] == "commune", "insee_code"].map(communes.set_index("insee_code")["epci_siren"])
    assert not member_epci.isin(territory.dropna()).any(), "a commune inside a participating EPCI"
    assert "75056" not in set(coll["insee_code"].dropna())


# ----------------------------------------------------------------------------------------- projects
def test_total_mean_and_domain_shares(survey):
    proj, coll = survey.projects, survey.collectivites
    assert len(proj) == TOTAL_PROJECTS
    assert round(len(proj) / len(coll)) == MEAN_PROJECTS
    share = 100 * proj["domain"].value_counts() / len(proj)
    rounded = np.floor(share + 0.5).astype(int).to_dict()
    assert rounded == SHARES
    assert proj["domain"].value_counts().rank(ascending=False, method="min")["energie"] == 6
    assert proj.groupby("collectivite_id").size().min() >= load_assumptions()["projects"]["minimum"]


def test_every_label_classifies_to_its_own_type_only(tables, catalogue):
    proj = tables["projects"]
    hits = _matches(proj["label"], catalogue)
    assert (hits.sum(axis=1) == 1).all(), proj.loc[hits.sum(axis=1) != 1, "label"].head().tolist()
    assert (hits.idxmax(axis=1) == proj["project_type"]).all()
    domain_of = catalogue.set_index("project_type")["domain"]
    assert (proj["project_type"].map(domain_of) == proj["domain"]).all()


def test_every_label_variant_classifies_for_every_name(tables, catalogue):
    variants = load_assumptions()["labels"]["variants"]
    names = list(tables["collectivites"]["name"]) + ["Saint-Étienne", "Villeneuve-d'Ascq", "Le Blanc-Mesnil"]
    rows = [(t, v.replace("{name}", n)) for t, lab in zip(catalogue["project_type"], catalogue["label_fr"])
            for v in [lab, *variants.get(t, [])] for n in names]
    frame = pd.DataFrame(rows, columns=["type", "label"])
    hits = _matches(frame["label"], catalogue)
    bad = frame[(hits.sum(axis=1) != 1) | (hits.idxmax(axis=1) != frame["type"])]
    assert bad.empty, bad.drop_duplicates().head(10).to_string()


def test_statuses_illustrate_the_published_statements(survey):
    proj = survey.projects
    assert proj["status"].notna().all()
    realised = proj["status"].eq("realise").groupby(proj["domain"]).mean()
    overall = proj["status"].eq("realise").mean()
    for domain in ("dev_economique", "securite", "sante_social", "loisirs_culture", "e_citoyennete"):
        assert realised[domain] > overall, domain
    for domain in ("dev_economique", "securite", "sante_social"):
        assert realised[domain] > max(realised[d] for d in ("transport", "e_citoyennete", "loisirs_culture"))
    studied = proj.loc[proj["status"] == "a_l_etude", "project_type"].value_counts()
    assert list(studied.index[:2]) == ["smart_grids", "open_data"]
    assert studied.iloc[0] > studied.iloc[1] > studied.iloc[2]


def test_status_shares_come_from_the_assumptions(survey):
    proj = survey.projects
    shares = load_assumptions()["status"]
    for domain, rows in proj.groupby("domain"):
        for status in ("realise", "en_cours", "a_l_etude"):
            assert abs(int((rows["status"] == status).sum()) - shares[domain][status] * len(rows)) < 1


# --------------------------------------------------------------------------------------- objectives
def test_objectives_order_dispersion_and_citations(survey):
    obj = survey.objectives
    assert len(obj) == 4 * PANEL_SIZE
    assert (obj["rank"].notna() == obj["cited"].astype(bool)).all(), "an objective is ranked iff cited"
    ranks = obj.assign(rank=obj["rank"].astype(float)).groupby("objective")["rank"]
    assert list(ranks.mean().sort_values().index) == OBJECTIVE_ORDER
    sd = ranks.std()
    assert sd[FLUCTUATING].min() > sd[["qualite_service", "bonne_gestion"]].max()
    cited = obj.groupby("objective")["cited"].sum()
    assert cited["qualite_service"] > cited.drop("qualite_service").max()
    ranked = obj.dropna(subset=["rank"])
    per = ranked.groupby("collectivite_id")["rank"].agg(["min", "max", "count"])
    assert (per["min"] == 1).all() and (per["max"] == per["count"]).all(), "ranks 1..k within a collectivité"


# ---------------------------------------------------------------------------------------- catalogue
def test_catalogue_is_well_formed(catalogue):
    assert list(catalogue.columns) == ["project_type", "domain", "label_fr", "gloss_en", "keywords", "flagship", "source"]
    assert catalogue["project_type"].is_unique
    assert catalogue["project_type"].str.fullmatch(r"[a-z][a-z0-9_]*").all()
    sizes = catalogue["domain"].value_counts()
    assert set(sizes.index) == set(Q.codes("domain")) and sizes.between(4, 8).all()
    assert set(catalogue["flagship"]) <= {"wanted", "widely_undertaken", "loisirs_example", "none"}
    assert set(catalogue.loc[catalogue["flagship"] == "wanted", "project_type"]) == WANTED
    assert set(catalogue.loc[catalogue["flagship"] == "widely_undertaken", "project_type"]) == WIDELY_UNDERTAKEN
    assert set(catalogue.loc[catalogue["flagship"] == "loisirs_example", "project_type"]) == LOISIRS_EXAMPLES
    keys = {"IR", "FD", "LMI", "FW", "RI", "CN", "SN", "ES"}
    for src, flag in zip(catalogue["source"], catalogue["flagship"]):
        assert (src == "catalogue") == (flag == "none")
        assert src == "catalogue" or set(src.split(";")) <= keys
    for pattern in catalogue["keywords"]:
        re.compile(pattern)
    hits = _matches(catalogue["label_fr"], catalogue)
    assert (hits.sum(axis=1) == 1).all() and (hits.idxmax(axis=1) == catalogue["project_type"]).all()
    assert _matches(pd.Series(["Smart grids", "open-data", "ENT des collèges", "Environnement numérique de travail (ENT)"]),
                    catalogue).idxmax(axis=1).tolist() == ["smart_grids", "open_data", "ent", "ent"]


# ------------------------------------------------------------------------------ changed assumptions
def test_changing_a_status_share_changes_the_output_accordingly(tmp_path, out_dir):
    path = _modified_toml(tmp_path, "securite = { realise = 0.65, en_cours = 0.25, a_l_etude = 0.10 }",
                          "securite = { realise = 0.30, en_cours = 0.40, a_l_etude = 0.30 }")
    directory = tmp_path / "modified"
    main_generate(None, path, directory)
    proj = load_survey(directory).projects
    sec = proj[proj["domain"] == "securite"]
    assert abs(int((sec["status"] == "realise").sum()) - 0.30 * len(sec)) < 1
    assert abs(int((sec["status"] == "a_l_etude").sum()) - 0.30 * len(sec)) < 1
    assert (directory / "projects.csv").read_bytes() != (out_dir / "projects.csv").read_bytes()
    for name in ("collectivites.csv", "objectives.csv"):  # independent random streams: untouched
        assert (directory / name).read_bytes() == (out_dir / name).read_bytes()
    manifest = json.loads((directory / "MANIFEST.json").read_text())
    assert manifest["assumptions"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_changing_the_minimum_changes_the_spread(tmp_path):
    path = _modified_toml(tmp_path, "minimum = 15\n", "minimum = 40\n")
    tables = reconstruct(None, path)
    assert tables["projects"].groupby("collectivite_id").size().min() >= 40
    assert len(tables["projects"]) == TOTAL_PROJECTS


def test_changing_the_seed_in_the_assumptions_changes_the_draw(tmp_path):
    default = reconstruct()
    path = _modified_toml(tmp_path, "seed = 20130619\n", "seed = 7\n")
    changed = reconstruct(None, path)
    assert not changed["projects"].equals(default["projects"])
    assert changed.manifest["seed"] == 7


@pytest.mark.parametrize("old, new", [
    ('[participants.brest_metropole_oceane]\nkind = "intercommunalite"', '[participants.brest_metropole_oceane]\nkind = "commune"'),
    ("smart_grids = 3.0, ", ""),
    ('epci_siren = "242900314"', 'epci_siren = "242900315"'),
    ("securite = { realise = 0.65, en_cours = 0.25, a_l_etude = 0.10 }",
     "securite = { realise = 0.65, en_cours = 0.25, a_l_etude = 0.20 }"),
    ("energie = { realise = 0.20, en_cours = 0.30, a_l_etude = 0.50 }",
     "energie = { realise = 0.90, en_cours = 0.10, a_l_etude = 0.00 }"),
])
def test_inconsistent_assumptions_are_refused(tmp_path, old, new):
    with pytest.raises(ReconstructionError):
        reconstruct(None, _modified_toml(tmp_path, old, new))


# -------------------------------------------------------------------------------------- arithmetic
def test_largest_remainder_and_domain_counts():
    assert largest_remainder(10, [1, 1, 1]).tolist() == [4, 3, 3]
    shares = pd.Series(SHARES, dtype=float)
    for total in range(1000, 1300):
        counts = allocate_domain_counts(total, shares)
        assert counts.sum() == total
        assert (np.floor(100 * counts / total + 0.5).astype(int) == shares.astype(int)).all()
    assert allocate_domain_counts(TOTAL_PROJECTS, shares).to_dict() == {
        "loisirs_culture": 181, "transport": 169, "e_citoyennete": 169, "education": 135, "batiment": 124,
        "energie": 102, "sante_social": 90, "securite": 79, "dev_economique": 79}
    with pytest.raises(ReconstructionError):
        allocate_domain_counts(20, shares)  # too few projects to print every share


def test_assumptions_file_is_documented():
    text = default_assumptions_path().read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for pid, entry in data["participants"].items():
        if isinstance(entry, dict):
            assert entry.get("reason"), pid
    assert "ASSUMPTIONS" in text and "comes from THIS TABLE, not from data" in text


def test_committed_reconstruction_is_what_the_generator_writes(out_dir, reference):
    """data/processed/2013/survey/ is reproducible from code: regenerate and compare byte for byte."""
    diff = reference.differences(out_dir, reference.survey("2013"), pattern="*")
    assert not diff["removed"] and not diff["changed"] and set(FILES) <= {p.name for p in out_dir.iterdir()}, \
        f"{diff}: run `make reconstruct` and commit data/processed/2013/survey if the change is intended"
