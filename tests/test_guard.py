"""The regression guard: the reference result tables (tests/reference/2013/) are apart from what a run writes,
a planted error in a scoring function is caught by the comparison, and experiments (changed parameters, by
the command line or by hand in a notebook) never write over the default results or the reference."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from villenum import cli, context, paths
from villenum.pipeline import guard

REFERENCE = paths.reference_results("2013")


def digests(files: list[Path]) -> dict[str, str]:
    """sha256 of each file, by path."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files) if p.is_file()}


def test_compare_names_every_difference(tmp_path):
    run, ref = tmp_path / "run", tmp_path / "ref"
    run.mkdir()
    ref.mkdir()
    (run / "same.csv").write_text("a\n1\n")
    (ref / "same.csv").write_text("a\n1\n")
    (run / "moved.csv").write_text("a\n2\n")
    (ref / "moved.csv").write_text("a\n1\n")
    (run / "new.csv").write_text("a\n")
    (ref / "gone.csv").write_text("a\n")
    assert guard.compare(run, ref) == ["new.csv: written by the run but not in the reference",
                                       "gone.csv: in the reference but not written by the run",
                                       "moved.csv: differs from the reference"]
    assert guard.update(run, ref) == ["gone.csv", "moved.csv", "new.csv"]
    assert guard.compare(run, ref) == []
    assert guard.compare(run, tmp_path / "nothing") != []  # no reference is never a pass


def test_the_reference_is_not_where_a_run_writes():
    assert REFERENCE.is_dir() and guard.result_tables(REFERENCE)
    assert paths.output_dir("2013").resolve() not in {REFERENCE.resolve(), *REFERENCE.resolve().parents}


def planted_library(tmp_path: Path) -> Path:
    """A copy of the package whose domain shares are off by one point: the error a careless edit makes."""
    src = tmp_path / "src"
    shutil.copytree(paths.ROOT / "src" / "villenum", src / "villenum", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("notebooks", "data"):  # the copy's repository root is tmp_path: the same notebooks and data
        (tmp_path / name).symlink_to(paths.ROOT / name)
    domains = src / "villenum" / "domains.py"
    text = domains.read_text(encoding="utf-8")
    right = '"share": 100 * safe_divide(n, n.sum())'
    assert text.count(right) == 1, "the planted error no longer applies: plant it in today's domain_counts"
    domains.write_text(text.replace(right, right + " + 1.0") + "\n# PLANTED ERROR: shares one point too high\n",
                       encoding="utf-8")
    return src


def test_a_planted_error_in_a_scoring_function_fails_the_comparison(tmp_path):
    src = planted_library(tmp_path)
    assert "PLANTED ERROR" in (src / "villenum" / "domains.py").read_text(encoding="utf-8")
    env = {**__import__("os").environ, "PYTHONPATH": str(src)}  # the kernel inherits it: it imports the copy
    out = tmp_path / "processed"
    done = subprocess.run([sys.executable, "-m", "villenum", "reproduce", "--quiet", "--only", "03",
                           "--survey-dir", str(paths.survey_dir("2013")),
                           "--output-dir", str(out), "--report-dir", str(tmp_path / "reports")],
                          capture_output=True, text=True, cwd=paths.ROOT, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    problems = guard.compare(out, REFERENCE)
    assert "domains_counts.csv: differs from the reference" in problems
    check = subprocess.run([sys.executable, "-m", "villenum", "reference", "check", "--output-dir", str(out)],
                           capture_output=True, text=True, cwd=paths.ROOT, timeout=120)
    assert check.returncode == cli.EXIT_FAILED and "domains_counts.csv" in check.stderr


def test_an_experiment_from_the_command_line_leaves_the_reference_and_the_default_results(capsys):
    watched = [*REFERENCE.glob("*.csv"), *paths.output_dir("2013").glob("*.csv")]
    before = digests(watched)
    code = cli.main(["reproduce", "--only", "02", "-p", "confidence=0.9", "--quiet", "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 0, err
    out, _ = paths.experiment_dirs("2013", {"confidence": 0.9})
    assert "experiment (confidence=0.9)" in err and str(out) in err
    assert "--only: 06_scorecard.ipynb (which reads these results) and the report were not rebuilt" in err
    assert (out / "objectives_scores.csv").is_file()
    assert digests(watched) == before
    done = subprocess.run(["git", "status", "--porcelain", "--", str(REFERENCE), str(paths.PROCESSED)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode != 0 or done.stdout == ""


@pytest.mark.parametrize("changed, expected", [
    ({"confidence": 0.9}, {"confidence": 0.9}),
    ({"confidence": 0.95}, {}),  # the default: not an experiment
    ({"confidence": 1}, {"confidence": 1}),  # another type than the declared 0.95
])
def test_a_notebook_run_by_hand_with_a_changed_parameter_is_an_experiment(changed, expected):
    assert context.experiment_of("03_domains", {"survey_dir": "", "published_dir": "", **changed}) == expected


def test_open_context_sends_a_hand_run_experiment_elsewhere(capsys):
    ctx = context.open_context("2013", notebook="03_domains", confidence=0.9)
    out, report = paths.experiment_dirs("2013", {"confidence": 0.9})
    assert ctx.output_dir == out and ctx.figure_dir == report / "figures"
    assert "Expérience" in capsys.readouterr().out
    default = context.open_context("2013", notebook="03_domains", confidence=0.95)
    assert default.output_dir == paths.output_dir("2013")
    given = context.open_context("2013", output_dir="/tmp/chosen", notebook="03_domains", confidence=0.9)
    assert given.output_dir == Path("/tmp/chosen")  # the runner (or the user) chose: respected


def test_a_notebook_executed_by_hand_with_a_changed_parameter_leaves_the_reference(tmp_path):
    """As JupyterLab would: the source notebook, its paths left empty, one parameter changed (papermill only
    sets the value, as an edit of the parameters cell would)."""
    import papermill as pm

    watched = [*REFERENCE.glob("*.csv"), *paths.output_dir("2013").glob("*.csv")]
    before = digests(watched)
    pm.execute_notebook(paths.NOTEBOOKS / "03_domains.ipynb", tmp_path / "out.ipynb", parameters={"confidence": 0.8},
                        kernel_name="villenum", progress_bar=False, cwd=str(paths.NOTEBOOKS))
    out, report = paths.experiment_dirs("2013", {"confidence": 0.8})
    assert (out / "domains_counts.csv").is_file() and (report / "figures" / "domains_shares.png").is_file()
    assert digests(watched) == before
