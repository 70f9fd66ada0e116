"""The notebook cache: change each part of a notebook's key in turn, and exactly the notebooks that depend on it
re-run (small fake notebooks in tmp_path), plus one test on the real notebooks through the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from villenum import cli, paths, pipeline
from villenum.pipeline import fingerprint, kernels, transaction
from villenum.pipeline import notebooks as pnotebooks

REAL_LIBRARY_DIGEST = fingerprint.library_digest


@pytest.fixture(autouse=True)
def stable_library(monkeypatch):
    """The library's digest is taken once per test: someone editing the package while the tests run must not
    make a notebook re-run in the middle of a test (tests about the digest itself use the real function)."""
    digest = REAL_LIBRARY_DIGEST()
    monkeypatch.setattr(fingerprint, "library_digest", lambda: digest)


TREE = '''
def tree(d):
    """A short digest of every file under d (what the notebook 'reads')."""
    if not d:
        return ""
    files = sorted(p for p in Path(d).rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()[:12]
'''


def notebook(path: Path, params: str, body: str, stage: int | None = None, note: str = "") -> Path:
    """Write a notebook: a markdown cell, a `parameters` cell, an imports cell and a body cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "villenum", "display_name": "villenum (Python 3)", "language": "python"}
    if stage is not None:
        nb.metadata[pnotebooks.STAGE_KEY] = stage
    params_cell = nbformat.v4.new_code_cell(params)
    params_cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}{note}"), params_cell,
                nbformat.v4.new_code_cell("import hashlib\nfrom pathlib import Path\n" + TREE),
                nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


ALPHA = ("wave = '2013'\nsurvey_dir = ''\nreference_dir = ''\noutput_dir = ''\nfigure_dir = ''",
         "Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
         "(Path(output_dir) / 'alpha_counts.csv').write_text(f'survey,reference\\n{tree(survey_dir)},"
         "{tree(reference_dir)}\\n')\n"
         "Path(figure_dir).mkdir(parents=True, exist_ok=True)\n"
         "(Path(figure_dir) / 'alpha_plot.png').write_bytes(b'not really a png')")
BETA = ("wave = '2013'\nsurvey_dir = ''\npublished_dir = ''\noutput_dir = ''\nfigure_dir = ''\nconfidence = 0.95",
        "Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
        "(Path(output_dir) / 'beta_scores.csv').write_text(f'survey,published,confidence\\n{tree(survey_dir)},"
        "{tree(published_dir)},{confidence}\\n')")
GAMMA = ("wave = '2013'\noutput_dir = ''\nfigure_dir = ''",
         "tables = sorted(p for p in Path(output_dir).glob('*.csv') if p.name != 'gamma.csv')\n"
         "(Path(output_dir) / 'gamma.csv').write_text('inputs\\n' + hashlib.sha256(b''.join(p.read_bytes() "
         "for p in tables)).hexdigest()[:12] + '\\n')")


@pytest.fixture
def project(tmp_path):
    """Three fake notebooks (two of stage 1, one scorecard-like of stage 2) and their input directories."""
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    notebook(nbs / "01_alpha.ipynb", *ALPHA)
    notebook(nbs / "02_beta.ipynb", *BETA)
    notebook(nbs / "03_gamma.ipynb", *GAMMA, stage=2)
    dirs = {}
    for name, files in {"survey": ["collectivites.csv", "projects.csv"], "published": ["claims.csv"],
                        "reference": ["communes.csv"]}.items():
        d = tmp_path / name
        d.mkdir()
        for f in files:
            (d / f).write_text(f"id,value\n1,{f}\n")
        dirs[name] = d
    common = {"wave": "2013", "survey_dir": str(dirs["survey"]), "published_dir": str(dirs["published"]),
              "reference_dir": str(dirs["reference"]), "output_dir": str(tmp_path / "out"),
              "figure_dir": str(tmp_path / "report" / "figures")}

    class Project:
        root = tmp_path
        notebooks = nbs
        out = tmp_path / "out"
        report = tmp_path / "report"
        survey, published, reference = dirs["survey"], dirs["published"], dirs["reference"]

        def run(self, extra=None, force=False, only=None):
            found = pipeline.discover(nbs, only)
            outcomes = pipeline.run(found, common, extra or {}, report_dir=self.report, output_dir=self.out,
                                  jobs=2, force=force, progress=False)
            return {o.notebook[:2]: o.status for o in outcomes}

    p = Project()
    assert p.run() == {"01": "ran", "02": "ran", "03": "ran"}
    assert p.run() == {"01": "cached", "02": "cached", "03": "cached"}
    return p


def ran(statuses: dict) -> set[str]:
    return {k for k, v in statuses.items() if v == "ran"}


def test_nothing_changed_nothing_runs_and_force_runs_all(project):
    assert ran(project.run()) == set()
    assert ran(project.run(force=True)) == {"01", "02", "03"}
    assert ran(project.run()) == set()


def test_notebook_content(project):
    # a change of 01's text: 01 re-runs; its table is the same, so 03 (which reads it) does not
    notebook(project.notebooks / "01_alpha.ipynb", *ALPHA, note=" (edited)")
    assert ran(project.run()) == {"01"}
    assert ran(project.run()) == set()


def test_parameter(project):
    # only 02 declares `confidence`; its table changes, so the stage-2 notebook re-runs too
    assert ran(project.run({"confidence": 0.9})) == {"02", "03"}
    assert ran(project.run({"confidence": 0.9})) == set()
    assert ran(project.run()) == {"02", "03"}


def test_survey_file(project):
    (project.survey / "projects.csv").write_text("id,value\n1,changed\n")
    assert ran(project.run()) == {"01", "02", "03"}


def test_new_survey_file(project):
    (project.survey / "objectives.csv").write_text("id\n1\n")
    assert ran(project.run()) == {"01", "02", "03"}


def test_hidden_files_are_not_inputs(project):
    (project.survey / ".DS_Store").write_text("finder")
    assert ran(project.run()) == set()


def test_published_file(project):
    (project.published / "claims.csv").write_text("id,value\n1,other\n")
    assert ran(project.run()) == {"02", "03"}


def test_reference_file(project):
    (project.reference / "communes.csv").write_text("id,value\n2,other\n")
    assert ran(project.run()) == {"01", "03"}


def test_library_source(project, monkeypatch):
    monkeypatch.setattr(fingerprint, "library_digest", lambda: "another version of the library")
    assert ran(project.run()) == {"01", "02", "03"}
    assert ran(project.run()) == set()


def test_library_digest_follows_the_source(tmp_path, monkeypatch):
    # the digest hashes the package's files: a copy of the package with one byte changed digests differently
    copy = tmp_path / "villenum"
    shutil.copytree(Path(fingerprint.__file__).parents[1], copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "__file__", str(copy / "pipeline" / "fingerprint.py"))
    before = REAL_LIBRARY_DIGEST()
    assert before == REAL_LIBRARY_DIGEST()
    (copy / "stats.py").write_text((copy / "stats.py").read_text() + "\n# changed\n")
    changed = REAL_LIBRARY_DIGEST()
    assert changed != before
    (copy / "data" / "project_types.csv").write_text((copy / "data" / "project_types.csv").read_text() + "\n")
    assert len({before, changed, REAL_LIBRARY_DIGEST()}) == 3


def test_environment(project, monkeypatch):
    monkeypatch.setattr(fingerprint, "environment_digest", lambda kernel=kernels.KERNEL: "numpy upgraded")
    assert ran(project.run()) == {"01", "02", "03"}


def test_upstream_output(project):
    # the stage-2 notebook alone: a change of an upstream table (or a new table beside it) re-runs it
    table = project.out / "alpha_counts.csv"
    table.write_text(table.read_text() + "extra,row\n")
    assert ran(project.run(only=["03"])) == {"03"}
    assert ran(project.run(only=["03"])) == set()
    (project.out / "stray_table.csv").write_text("a\n1\n")
    assert ran(project.run(only=["03"])) == {"03"}


def test_edited_output_is_rewritten(project):
    # a hand-edited result table is not the one its notebook wrote: the notebook re-runs and rewrites it;
    # the table is then what it was, so the stage-2 notebook stays cached
    table = project.out / "beta_scores.csv"
    good = table.read_text()
    table.write_text("tampered\n")
    assert ran(project.run()) == {"02"}
    assert table.read_text() == good


def test_deleted_output(project):
    (project.out / "alpha_counts.csv").unlink()
    assert ran(project.run()) == {"01"}
    assert (project.out / "alpha_counts.csv").is_file()


def test_deleted_figure(project):
    (project.report / "figures" / "alpha_plot.png").unlink()
    assert ran(project.run()) == {"01"}


def test_deleted_executed_notebook(project):
    (project.report / "02_beta.ipynb").unlink()
    assert ran(project.run()) == {"02"}
    assert (project.report / "02_beta.ipynb").is_file()


def test_edited_executed_notebook(project):
    executed = project.report / "02_beta.ipynb"
    executed.write_text(executed.read_text().replace("beta_scores", "beta_scorez"))
    assert ran(project.run()) == {"02"}


def test_deleted_or_corrupt_cache_record(project):
    (project.report / pipeline.CACHE / "01_alpha.json").unlink()
    (project.report / pipeline.CACHE / "02_beta.json").write_text("{not json")
    assert ran(project.run()) == {"01", "02"}


def test_record_explains_the_key(project):
    record = json.loads((project.report / pipeline.CACHE / "02_beta.json").read_text())
    assert set(record["parts"]) >= {"notebook", "parameters", "inputs", "upstream", "library", "environment",
                                    "python"}
    assert record["parts"]["parameters"]["published_dir"] == str(project.published)
    assert record["duration"] > 0
    assert [Path(f).name for f, _ in record["outputs"]] == ["beta_scores.csv"]


def test_cached_path_imports_nothing_heavy(project):
    # a run where everything is cached must not import papermill, nbformat, jupyter_client or pandas
    code = f"""
import sys
from villenum import pipeline
from villenum.pipeline import fingerprint
fingerprint.library_digest = lambda: {fingerprint.library_digest()!r}  # as pinned for this test
found = pipeline.discover({str(project.notebooks)!r})
common = {{"wave": "2013", "survey_dir": {str(project.survey)!r}, "published_dir": {str(project.published)!r},
          "reference_dir": {str(project.reference)!r}, "output_dir": {str(project.out)!r},
          "figure_dir": {str(project.report / 'figures')!r}}}
out = pipeline.run(found, common, {{}}, report_dir={str(project.report)!r}, output_dir={str(project.out)!r},
                 jobs=2, progress=True)
assert [o.status for o in out] == ["cached"] * 3, out
heavy = sorted(m for m in ("pandas", "papermill", "nbformat", "jupyter_client", "tqdm", "numpy") if m in sys.modules)
print(heavy)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------- the real notebooks
def test_real_notebooks_through_the_cli(tmp_path, capsys):
    survey = tmp_path / "survey"
    shutil.copytree(paths.survey_dir("2013"), survey, ignore=shutil.ignore_patterns(".*"))
    args = ["reproduce", "--only", "03", "04", "--survey-dir", str(survey), "--output-dir", str(tmp_path / "out"),
            "--report-dir", str(tmp_path / "report"), "--quiet", "--jobs", "2",
            "-p", "n_boot=100", "-p", "support_boot=40"]  # what is cached does not depend on them: few resamples

    def statuses() -> dict[str, str]:
        capsys.readouterr()
        assert cli.main(args) == 0
        lines = [line.split() for line in capsys.readouterr().out.splitlines() if ".ipynb" in line]
        return {line[1][:2]: line[0] for line in lines}

    assert statuses() == {"03": "ran", "04": "ran"}
    ratios = (tmp_path / "out" / "realisation_ratios.csv").read_text()
    assert statuses() == {"03": "cached", "04": "cached"}
    # one project's status changes: both notebooks read the projects, both re-run; the ratios change
    projects = survey / "projects.csv"
    lines = projects.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index("status")
    row = next(i for i, line in enumerate(lines[1:], 1) if line.split(",")[col] == "a_l_etude")
    cells = lines[row].split(",")
    cells[col] = "realise"
    lines[row] = ",".join(cells)
    projects.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert statuses() == {"03": "ran", "04": "ran"}
    assert (tmp_path / "out" / "realisation_ratios.csv").read_text() != ratios
    assert statuses() == {"03": "cached", "04": "cached"}


def test_a_failing_stage_cancels_the_next(project):
    # 02 now fails: the stage-2 notebook (whose kernel was started early) must not run, and keeps its results
    good = (project.notebooks / "02_beta.ipynb").read_bytes()
    notebook(project.notebooks / "02_beta.ipynb", BETA[0], "raise RuntimeError('broken')")
    gamma = (project.out / "gamma.csv").read_bytes()
    statuses = project.run(force=True)
    assert statuses == {"01": "ran", "02": "failed"}
    assert (project.out / "gamma.csv").read_bytes() == gamma
    leftovers = [p for p in project.root.rglob(".*") if p.is_file() and p.name.endswith(
        (pnotebooks.PARTIAL_SUFFIX, transaction.BACKUP_SUFFIX, ".tmp"))]
    assert leftovers == []
    (project.notebooks / "02_beta.ipynb").write_bytes(good)  # the previous results are still current
    assert project.run() == {"01": "cached", "02": "cached", "03": "cached"}
