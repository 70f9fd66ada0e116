"""The bad-input corpus through the command line: `validate` on every case, `reproduce` (which validates first)
on every failing one; each failing case prints every problem, grouped, and writes nothing.

The ~125 runs call the command line's `main` in this process (what `python -m villenum` calls, with warnings shown
as that process shows them), not ~125 fresh interpreters: one test runs a sample of them as real processes and
finds the same exit codes and output, line for line."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import warnings

import pytest

from corpus import CASES, CORPUS, FAILING, LOADING, expected, printed, run_cli, snapshot
from villenum import paths


@pytest.fixture(scope="module")
def cli_runs() -> dict:
    """Run validate on every case and reproduce on every failing one, in parallel; snapshot files around."""
    before = snapshot(CORPUS, paths.RAW)
    jobs = {(c.name, "validate"): ("validate", str(c)) for c in CASES}
    jobs |= {(c.name, "reproduce"): ("reproduce", "--survey-dir", str(c), "--wave", "badinput", "--quiet")
             for c in FAILING}
    done = {key: run_main(*args) for key, args in jobs.items()}
    return {"runs": done, "before": before, "after": snapshot(CORPUS, paths.RAW)}


def run_main(*args: str) -> subprocess.CompletedProcess:
    """`villenum.cli.main(args)` in this process, its output captured, warnings printed once per place as
    `python -m villenum` prints them under PYTHONWARNINGS=default (run_cli)."""
    from villenum.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = show_warning  # pytest's own capture would swallow them; restored on exit
        code = main(list(args))
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: object = None, line: str | None = None) -> None:
    """What Python's default `warnings.showwarning` does: the formatted warning on (the current) sys.stderr."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def test_in_process_runs_print_what_the_command_prints(cli_runs):
    """A failing case (validate and reproduce) and a loading case with a warning, as real processes."""
    warned = next(c for c in LOADING if "warning_contains" in expected(c))
    for key in [(FAILING[0].name, "validate"), (FAILING[0].name, "reproduce"), (FAILING[-1].name, "validate"),
                (warned.name, "validate")]:
        inside = cli_runs["runs"][key]
        real = run_cli(*inside.args)
        assert (real.returncode, real.stdout, real.stderr) == (inside.returncode, inside.stdout, inside.stderr), key


@pytest.mark.parametrize("case", LOADING, ids=lambda c: c.name)
def test_cli_validate_accepts_loading_case(case, cli_runs):
    done = cli_runs["runs"][(case.name, "validate")]
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout and "Traceback" not in done.stderr
    if "warning_contains" in expected(case):
        assert expected(case)["warning_contains"] in done.stderr


@pytest.mark.parametrize("case", FAILING, ids=lambda c: c.name)
def test_cli_validate_and_reproduce_reject_failing_case(case, cli_runs):
    done = cli_runs["runs"][(case.name, "validate")]
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    for line in printed(expected(case)["problems"]):
        assert line in done.stderr, (line, done.stderr)
    assert len(done.stderr.splitlines()) <= len(printed(expected(case)["problems"])) + 2, done.stderr
    again = cli_runs["runs"][(case.name, "reproduce")]
    assert again.returncode == 2, again.stderr
    assert str(case) in again.stderr.splitlines()[0]
    assert again.stderr.splitlines()[1:] == done.stderr.splitlines()[1:]


def test_cli_runs_write_nothing(cli_runs):
    assert cli_runs["after"] == cli_runs["before"]
    assert not (paths.PROCESSED / "badinput").exists() and not (paths.REPORTS / "badinput").exists()
