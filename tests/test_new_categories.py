"""A wave with other categories (five ranked objectives, a tenth domain), typed as in a spreadsheet, runs end to end
with changes made only inside its own folder; and rankings that cannot be scored are refused."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from villenum import paths
from villenum.errors import InputError
from villenum.questionnaire import load_questionnaire
from villenum.survey import load_survey

EXAMPLE = paths.ROOT / "examples" / "wave-new-categories"


def test_the_example_is_typed_as_a_spreadsheet_exports_it():
    raw = (EXAMPLE / "objectives.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = raw.decode("cp1252").splitlines()[0]
    assert header == "Collectivité;Objectif;Rang;Cité"


def test_the_example_loads_with_its_own_questionnaire():
    survey = load_survey(EXAMPLE)
    q = survey.questionnaire
    assert q.rank_scale == 5 and len(q.codes("objective")) == 5 and "environnement" in q.codes("domain")
    assert set(survey.objectives["objective"]) == set(q.codes("objective"))
    assert survey.objectives["rank"].max() == 5
    assert (survey.projects["domain"] == "environnement").sum() == 8


def test_another_wave_s_questionnaire_never_changes_2013():
    q13 = load_questionnaire("2013")
    assert "environnement" not in q13.codes("domain") and q13.rank_scale == 4
    assert set(load_survey(paths.survey_dir("2013")).objectives["objective"]) == set(q13.codes("objective"))


@pytest.fixture(scope="module")
def run_example(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("newcat")
    cmd = [sys.executable, "-m", "villenum", "reproduce", "--quiet", "--force", "--wave", "new",
           "--survey-dir", str(EXAMPLE), "--output-dir", str(tmp / "processed"), "--report-dir", str(tmp / "reports"),
           "-p", "n_boot=100", "-p", "support_boot=40"]  # what is checked does not depend on the number of resamples
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=paths.ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp


def test_every_notebook_figure_and_the_scorecard_cover_the_new_categories(run_example):
    out = run_example / "processed"
    scores = pd.read_csv(out / "objectives_scores.csv")
    assert scores.groupby("method")["objective"].nunique().eq(5).all()
    agreement = pd.read_csv(out / "objectives_agreement.csv").set_index(["test", "convention"])
    assert agreement.loc[("kendall_w", "complete"), "dof"] == 4 and agreement["p_value"].notna().all()
    domains = pd.read_csv(out / "domains_counts.csv").set_index("domain")
    assert len(domains) == 10 and domains.loc["environnement", "label_fr"] == "Environnement"
    assert len(pd.read_csv(out / "realisation_ratios.csv")) == 10
    figures = {p.stem for p in (run_example / "reports" / "figures").glob("*.png")}
    assert {"objectives_scores", "objectives_ranks", "domains_shares", "realisation", "flagship_types",
            "panel_map"} <= figures
    card = pd.read_csv(out / "scorecard.csv")
    assert len(card) == len(pd.read_csv(paths.published_dir("2013") / "claims.csv"))
    assert (run_example / "reports" / "index.html").is_file()


def _copy(tmp_path: Path, objectives: str) -> Path:
    folder = tmp_path / "wave"
    shutil.copytree(EXAMPLE, folder)
    (folder / "objectives.csv").write_text(objectives, encoding="utf-8")
    return folder


def test_a_rank_with_a_gap_below_it_is_refused_naming_the_row(tmp_path):
    folder = _copy(tmp_path, "collectivite_id,objective,rank\nlyon,attractivité,3\nlyon,bonne gestion,1\n"
                             "nice,attractivité,1\n")
    with pytest.raises(InputError) as err:
        load_survey(folder)
    (p,) = err.value.problems
    assert (p.file, p.row, p.column, p.value) == ("objectives.csv", 2, "rank", "3")
    assert "without a gap" in p.message


def test_the_rank_scale_follows_the_questionnaire(tmp_path):
    folder = _copy(tmp_path, "collectivite_id,objective,rank\nlyon,attractivité,6\nlyon,bonne gestion,1\n")
    with pytest.raises(InputError) as err:
        load_survey(folder)
    assert [(p.row, p.value, p.allowed) for p in err.value.problems] == [(2, "6", "a whole number >= 1 and <= 5")]
    toml = (folder / "questionnaire.toml").read_text(encoding="utf-8").replace("rank_scale = 5", "rank_scale = 0")
    (folder / "questionnaire.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(InputError, match="no rank scale"):
        load_survey(folder)
