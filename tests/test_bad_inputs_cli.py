"""The bad-input corpus through the command line: `validate` on every case, `reproduce` (which validates first)
on every failing one; each failing case prints every problem, grouped, and writes nothing."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

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
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        done = dict(zip(jobs, pool.map(lambda args: run_cli(*args), jobs.values())))
    return {"runs": done, "before": before, "after": snapshot(CORPUS, paths.RAW)}


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
