"""`new-finding` / `remove-finding`, in a temporary copy of the repository (never in the repository itself).

These tests write files only; tests/test_scaffold_run.py runs a scaffolded finding, its test and its notebook
(real kernels: slow).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from villenum import cli, lab, paths, scaffold
from villenum.claims import check_claims
from villenum.pipeline.notebooks import read_notebook
from villenum.scorecard import NO_CLAIM, build_scorecard, to_markdown


def copy_repository(dest: Path) -> Path:
    """The repository's tracked and new (not ignored) files, as in the working tree, copied to `dest` and
    committed there, so that `git status` shows what a test changed."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=paths.ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = paths.ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "copy"]):
        subprocess.run([*git, *args], cwd=dest, check=True, capture_output=True)
    return dest


def git_status(repo: Path) -> str:
    """`git status --porcelain` of the copy ('' when clean)."""
    return subprocess.run(["git", "status", "--porcelain"], cwd=repo, check=True, capture_output=True, text=True).stdout


def claims_of(repo: Path, finding: str) -> list[dict]:
    """The 2013 claim rows of a finding."""
    with (repo / scaffold.CLAIMS).open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["finding"] == finding]


def finding_enum(repo: Path) -> list[str]:
    """The `finding` enum of 2013's claims resource in the copy's datapackage.json."""
    package = json.loads((repo / scaffold.DATAPACKAGE).read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["path"] == "published/2013/claims.csv")
    return next(f for f in resource["schema"]["fields"] if f["name"] == "finding")["constraints"]["enum"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return copy_repository(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def repo(pristine, tmp_path) -> Path:
    dest = tmp_path / "repo"
    shutil.copytree(pristine, dest, symlinks=True)
    return dest


def test_new_finding_writes_module_test_notebook_claim_and_enum(repo):
    written = scaffold.new_finding(repo, "08", "kinds")
    rel = sorted(str(p.relative_to(repo)) for p in written)
    assert rel == ["data/raw/datapackage.json", "data/raw/published/2013/claims.csv", "notebooks/08_kinds.ipynb",
                   "src/villenum/kinds.py", "tests/test_kinds.py"]
    nb = read_notebook(repo / "notebooks" / "08_kinds.ipynb")
    assert (nb.findings, nb.stage, nb.exploratory, nb.parameter_error) == (["kinds"], 1, False, "")
    assert set(nb.parameters) >= {"wave", "survey_dir", "published_dir", "output_dir", "figure_dir"}
    text = (repo / "notebooks" / "08_kinds.ipynb").read_text(encoding="utf-8")
    for call in ('notebook=\\"08_kinds\\"', "ctx.save_table(table, \\\"kinds_counts\\\")", "ctx.save_figure(",
                 "ctx.scorecard("):
        assert call in text
    assert lab.strip_files([repo / "notebooks" / "08_kinds.ipynb"]) == [], "stored stripped, as `make strip` does"
    [claim] = claims_of(repo, "kinds")
    assert claim["claim_id"] == "kinds_template" and claim["kind"] == "value" and "table=kinds_counts" in claim["params"]
    import pandas as pd
    check_claims(pd.DataFrame([claim]))
    assert finding_enum(repo)[-1] == "kinds"
    assert "TEMPLATE" in (repo / "src" / "villenum" / "kinds.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("exploratory", [False, True])
def test_the_scaffolded_notebook_follows_the_notebook_rules(repo, exploratory):
    import test_notebooks as rules  # the rules every stored notebook follows (tests/test_notebooks.py)

    scaffold.new_finding(repo, "08", "kinds", exploratory=exploratory)
    path = repo / "notebooks" / "08_kinds.ipynb"
    rules.test_stored_without_outputs_with_one_parameters_cell(path)
    rules.test_notebooks_only_call_the_library(path)
    numbers = [int(p.name[:2]) for p in sorted((repo / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    assert numbers == list(range(1, len(numbers) + 1))


def test_the_datapackage_with_the_new_claim_validates(repo):
    frictionless = pytest.importorskip("frictionless")
    scaffold.new_finding(repo, "08", "kinds")
    package = frictionless.Package(str(repo / scaffold.DATAPACKAGE))
    report = next(r for r in package.resources if r.path == "published/2013/claims.csv").validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "note"])


def test_exploratory_has_no_claim_and_says_so(repo):
    scaffold.new_finding(repo, "08", "extra", exploratory=True)
    assert claims_of(repo, "extra") == [] and "extra" not in finding_enum(repo)
    nb = read_notebook(repo / "notebooks" / "08_extra.ipynb")
    assert nb.exploratory and nb.findings == ["extra"]
    assert "Exploratoire" in (repo / "notebooks" / "08_extra.ipynb").read_text(encoding="utf-8")


def test_a_finding_without_claims_closes_with_the_exploratory_sentence():
    import pandas as pd
    from villenum.questionnaire import load_questionnaire

    claims = pd.DataFrame(columns=["claim_id", "finding", "claim_fr", "sources", "kind", "params"])
    card = build_scorecard(claims, {}, None, True, load_questionnaire("2013"), finding="extra")
    assert card.empty and to_markdown(card) == NO_CLAIM


def test_the_report_lists_exploratory_findings_in_french_with_links():
    from villenum.report import exploratory_html

    assert exploratory_html([], {}, {}) == ""
    text = exploratory_html(["08_extra"], {"08_extra": Path("/r/08_extra.html")}, {"08_extra": "08 — extra"})
    assert 'id="exploratory"' in text and 'lang="fr"' in text and 'href="08_extra.html"' in text
    assert "sans énoncé publié" in text


@pytest.mark.parametrize("number, name, why", [
    ("02", "kinds", "number 02 is already used"),
    ("08", "domains", "finding 'domains' already exists"),
    ("08", "stats", "src/villenum/stats.py already exists"),
    ("08", "pipeline", "src/villenum/pipeline already exists"),
    ("10", "kinds", "the next one is 08"),
    ("7", "kinds", "two digits"),
    ("00", "kinds", "two digits"),
    ("08", "Kinds", "lower-case"),
    ("08", "my_kinds", "no underscore"),
    ("08", "class", "not a Python keyword"),
])
def test_refuses_a_used_or_malformed_number_or_name(pristine, capsys, number, name, why):
    assert cli.main(["new-finding", number, name, "--root", str(pristine)]) == 2
    assert why in capsys.readouterr().err
    assert git_status(pristine) == "", "a refused request writes nothing"


def test_remove_deletes_what_was_written_and_every_output(repo):
    scaffold.new_finding(repo, "08", "kinds")
    outputs = ["data/processed/2013/kinds_counts.csv", "reports/2013/08_kinds.ipynb", "reports/2013/08_kinds.html",
               "reports/2013/figures/kinds_counts.png", "reports/2013/figures/kinds_counts.alt.txt",
               "reports/2013/.cache/08_kinds.json", "reports/2013/.08_kinds.partial.ipynb",
               "data/processed/2013/experiments/abc/kinds_counts.csv", "reports/demo/08_kinds.failed.ipynb",
               "src/villenum/__pycache__/kinds.cpython-311.pyc", "tests/__pycache__/test_kinds.cpython-311-pytest-8.pyc"]
    others = ["data/processed/2013/domains_counts.csv", "reports/2013/figures/domains_shares.png",
              "reports/2013/.cache/03_domains.json", "data/processed/2013/survey/kinds_notes.csv"]
    for rel in outputs + others:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("x")
    assert cli.main(["remove-finding", "08", "kinds", "--root", str(repo)]) == 0
    assert [rel for rel in outputs if (repo / rel).exists()] == []
    assert all((repo / rel).exists() for rel in others), "another finding's outputs are kept"
    assert git_status(repo) == "?? data/processed/2013/survey/kinds_notes.csv\n", \
        "claims.csv and datapackage.json back to their bytes; a survey file is an input, not an output: kept"


def test_remove_of_an_exploratory_finding_and_of_nothing(repo, capsys):
    scaffold.new_finding(repo, "08", "extra", exploratory=True)
    assert cli.main(["remove-finding", "08", "extra", "--root", str(repo)]) == 0
    assert git_status(repo) == ""
    assert cli.main(["remove-finding", "08", "extra", "--root", str(repo)]) == 0
    assert "nothing to remove" in capsys.readouterr().out


@pytest.mark.parametrize("number, name, why", [
    ("03", "domains", "not written by new-finding"),
    ("10", "stats", "src/villenum/stats.py is not a scaffolded finding's"),
    ("05", "kinds", "remove-finding 08 kinds"),
])
def test_remove_refuses_what_new_finding_did_not_write(repo, capsys, number, name, why):
    scaffold.new_finding(repo, "08", "kinds")
    before = git_status(repo)
    assert cli.main(["remove-finding", number, name, "--root", str(repo)]) == 2
    assert why in capsys.readouterr().err
    assert git_status(repo) == before, "nothing removed"


def test_remove_with_force_removes_a_finding_of_the_study(repo):
    assert cli.main(["remove-finding", "05", "flagship", "--root", str(repo), "--force"]) == 0
    assert not (repo / "notebooks" / "05_flagship.ipynb").exists() and claims_of(repo, "flagship") == []
    assert "flagship" not in finding_enum(repo)
