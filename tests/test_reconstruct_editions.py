"""The 2014 and 2015 reconstructions: the same generator as 2013, each edition driven by its published figures and
its own assumptions file, accepted only when the scorecard's own evaluators find every claim of its built_to_match.

Everything is generated into pytest's tmp_path (never into data/)."""

from __future__ import annotations

import json
import tomllib

import pandas as pd
import pytest

from villenum import paths
from villenum.codebook import COLLECTIVITES, OBJECTIVES, PROJECTS
from villenum.generate import ReconstructionError, main_generate
from villenum.generate.acceptance import Judge, result_tables
from villenum.questionnaire import load_questionnaire
from villenum.realisation import GROUP_COLUMNS, each_against_rest
from villenum.survey import load_survey

WAVES = ("2014", "2015")
FILES = [t.file for t in (COLLECTIVITES, OBJECTIVES, PROJECTS)] + ["MANIFEST.json"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, object]:
    """Each edition regenerated with its default seed, once for the module."""
    out = {}
    for wave in WAVES:
        directory = tmp_path_factory.mktemp(f"survey{wave}")
        main_generate(None, paths.assumptions_file(wave), directory)
        out[wave] = directory
    return out


def _modified(tmp_path, wave: str, old: str, new: str):
    """A copy of the edition's assumptions with one text changed (it must be there once)."""
    text = paths.assumptions_file(wave).read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in reconstruction-{wave}.toml"
    path = tmp_path / f"reconstruction-{wave}.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("wave", WAVES)
def test_committed_reconstruction_is_what_the_generator_writes(generated, wave):
    """data/processed/<wave>/survey/ is reproducible from code: same seed, same bytes."""
    for name in FILES:
        assert (generated[wave] / name).read_bytes() == (paths.survey_dir(wave) / name).read_bytes(), \
            f"{name}: run `python -m villenum generate --wave {wave}` and commit data/processed/{wave}/survey"


@pytest.mark.parametrize("wave", WAVES)
def test_every_built_to_match_claim_is_found_by_the_scorecard_evaluators(wave):
    survey = load_survey(paths.survey_dir(wave), load_questionnaire(wave))
    assert survey.is_reconstruction
    listed = tomllib.loads(paths.assumptions_file(wave).read_text(encoding="utf-8"))["built_to_match"]
    manifest = json.loads((paths.survey_dir(wave) / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["built_to_match"] == sorted(listed) and manifest["generator"] == "villenum.reconstruct"
    verdicts = Judge(listed, wave, survey.questionnaire)(result_tables(survey))
    assert {c: v[0] for c, v in verdicts.items()} == dict.fromkeys(listed, True)
    assert {v[1] for v in verdicts.values()} == {"data"}  # judged on the records, not on the published figures


def test_2014_meets_the_press_figures():
    survey = load_survey(paths.survey_dir("2014"), load_questionnaire("2014"))
    counts = survey.projects["domain"].value_counts()
    assert len(survey.collectivites) == 38 and len(survey.projects) == 810
    assert counts[["transport", "education", "e_citoyennete"]].tolist() == [131, 125, 115]
    assert "energie" not in counts and counts.iloc[3] < 115
    assert set(counts.nsmallest(3).index) == {"sante_social", "securite", "environnement"}
    per = survey.projects[survey.projects["domain"] == "transport"].groupby("collectivite_id").size()
    assert len(per) == 38 and per.between(1, 17).all()
    assert survey.objectives["rank"].max() == 5 and (survey.collectivites["origin"] == "drawn").all()


def test_2015_answers_come_from_44_of_47_communes():
    survey = load_survey(paths.survey_dir("2015"), load_questionnaire("2015"))
    assert len(survey.collectivites) == 47 and set(survey.collectivites["kind"]) == {"commune"}
    answers = survey.objectives
    assert answers["collectivite_id"].nunique() == 44
    cited = answers[answers["cited"].astype(bool)].groupby("objective").size()
    assert cited[["attractivite", "qualite_service", "bonne_gestion"]].tolist() == [40, 36, 24]


def test_changing_one_assumption_changes_only_what_depends_on_it(generated, tmp_path):
    path = _modified(tmp_path, "2014", "loisirs_culture = 100, batiment = 96", "loisirs_culture = 96, batiment = 100")
    out = tmp_path / "modified"
    main_generate(None, path, out)
    counts = load_survey(out, load_questionnaire("2014")).projects["domain"].value_counts()
    assert (counts["loisirs_culture"], counts["batiment"]) == (96, 100)
    assert (out / "projects.csv").read_bytes() != (generated["2014"] / "projects.csv").read_bytes()
    for name in ("collectivites.csv", "objectives.csv"):  # independent random streams: untouched
        assert (out / name).read_bytes() == (generated["2014"] / name).read_bytes()


NO_CONDITIONING = ('claims = ["objectives_order"]\nmax_attempts = 2000', "claims = []\nmax_attempts = 1")


@pytest.mark.parametrize("changes, claim", [
    # an assumed domain above e-citoyenneté's published 115: « les trois domaines les plus représentés » fails
    ([("loisirs_culture = 100, batiment = 96, dev_economique = 90, sante_social = 55",
       "loisirs_culture = 130, batiment = 96, dev_economique = 70, sante_social = 45")], "domains_top_three"),
    # the objectives drawn around the reverse order, the draw not conditioned
    ([("location_by_published_rank = [4.0, 3.0, 2.0, 1.0, 0.0]", "location_by_published_rank = [0.0, 1.0, 2.0, 3.0, 4.0]"),
      NO_CONDITIONING], "objectives_order"),
])
def test_acceptance_fails_naming_the_claim_not_found(tmp_path, changes, claim):
    text = paths.assumptions_file("2014").read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "reconstruction-2014.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReconstructionError, match=claim):
        main_generate(None, path, tmp_path / "out")
    assert not (tmp_path / "out" / "MANIFEST.json").exists()  # nothing written


def test_a_built_to_match_claim_that_does_not_exist_is_refused(tmp_path):
    path = _modified(tmp_path, "2014", '"panel_size_38", ', '"panel_size_38", "panel_size_39", ')
    with pytest.raises(ReconstructionError, match="panel_size_39"):
        main_generate(None, path, tmp_path / "out")


def test_each_against_rest_without_a_domain_is_an_empty_table():
    ratios = pd.DataFrame({"domain": ["a", "b"], "n_realise": [1, 2], "n_status_known": [3, 4]})
    assert each_against_rest(ratios, []).columns.tolist() == list(GROUP_COLUMNS)
    assert each_against_rest(ratios, []).empty and len(each_against_rest(ratios, ["a"])) == 1
