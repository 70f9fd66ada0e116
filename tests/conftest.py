"""Shared by the tests: one reproduction of the 2013 wave per session, and the one door to the committed reference.

Markers (declared in pyproject.toml): `e2e` needs the whole 2013 reproduction (given here to every test that
uses `run_2013`), `slow` takes more than a few seconds, `browser` needs Chromium. `make test-fast` leaves all
three out; `make test` runs everything.

Every comparison with the committed reference outputs (the result tables in tests/reference/<wave>/, which no
run writes, and the record-level reconstruction in data/processed/<wave>/survey/) goes through the `reference`
fixture.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from villenum import paths

REFERENCE_ROOT = paths.REFERENCE_RESULTS


@dataclass(frozen=True)
class Reference:
    """The committed reference outputs of each wave, and how a fresh run is compared with them."""

    root: Path

    def tables(self, wave: str = "2013") -> Path:
        """Folder of the wave's committed result tables (one CSV per table): changed only by update-reference."""
        return self.root / wave

    def survey(self, wave: str = "2013") -> Path:
        """Folder of the wave's committed record-level survey (for 2013, the reconstruction)."""
        return paths.survey_dir(wave)

    def differences(self, fresh: Path, committed: Path, pattern: str = "*.csv") -> dict[str, list[str]]:
        """Files matching `pattern` only in `fresh` (added), only in `committed` (removed), or with other bytes."""
        new = {p.name for p in fresh.glob(pattern) if p.is_file()}
        old = {p.name for p in committed.glob(pattern) if p.is_file()}
        changed = [n for n in sorted(new & old) if (fresh / n).read_bytes() != (committed / n).read_bytes()]
        return {"added": sorted(new - old), "removed": sorted(old - new), "changed": changed}


# What `make test-fast` leaves out besides the tests marked in their own files, and why: kept here, in one
# place, so that the test files of the runner and the bad-input corpus need no edit.
SLOW_MODULES = {
    "test_cache.py": "every test runs notebooks in real Jupyter kernels",
    "test_runner.py": "every test runs notebooks in real Jupyter kernels, some interrupt them",
    "test_pipeline.py": "forked and plain kernels run probe notebooks",
    "test_guard.py": "reproductions with a planted error and with changed parameters",
    "test_coverage.py": "simulations of hundreds of panels",
    "test_scaffold_run.py": "a scaffolded finding's notebooks run twice in a copy of the repository",
    "test_wave_2014_typed.py": "a whole reproduction of the typed 2014 example",
    "test_editions_notebook.py": "the comparison of editions runs four times in a real Jupyter kernel",
}
SLOW_FIXTURES = {
    "run_2013": "the whole 2013 reproduction (also marked e2e)",
    "cli_runs": "the ~125 command-line runs of the corpus (in this process)",
    "loading_runs": "a whole reproduction of each distinct data the loading cases of the corpus load into",
    "run_example": "a whole reproduction of the example wave with new categories",
}


# The test files that take longest, longest first (measured with `make test PYTEST_ARGS=--durations=0`): under
# pytest-xdist (`--dist loadfile --no-loadscope-reorder`) a worker takes the next file in this order when it is
# free, so the long files start first and no worker is left alone with one at the end. The files that use the
# shared 2013 run come first (test_findings makes it) and last (test_browser waits for it, by then long made).
# A file not listed runs after those listed, in file order: a wrong or stale list only costs time.
LONGEST_FIRST = ("test_findings.py", "test_bad_inputs.py", "test_runner.py", "test_cache.py", "test_scaffold_run.py",
                 "test_wave_2014_typed.py", "test_guard.py", "test_new_categories.py", "test_editions_notebook.py",
                 "test_bad_inputs_cli.py")
LAST = ("test_browser.py",)


def _schedule_rank(item: pytest.Item) -> int:
    name = item.path.name
    if name in LONGEST_FIRST:
        return LONGEST_FIRST.index(name)
    return len(LONGEST_FIRST) + (1 if name in LAST else 0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the longest test files first (LONGEST_FIRST, a stable sort: each file's tests keep their order); mark
    `slow` the tests of SLOW_MODULES and those using SLOW_FIXTURES; `e2e` those using run_2013."""
    items.sort(key=_schedule_rank)
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.path.name in SLOW_MODULES or fixtures & set(SLOW_FIXTURES):
            item.add_marker(pytest.mark.slow)
        if "run_2013" in fixtures:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def reference() -> Reference:
    return Reference(REFERENCE_ROOT)


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under a directory, by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def reproduce(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `python -m villenum reproduce` as a student would (forced, quiet), writing only under `tmp`."""
    cmd = [sys.executable, "-m", "villenum", "reproduce", "--quiet", "--force",
           "--output-dir", str(tmp / "processed"), "--report-dir", str(tmp / "reports"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=paths.ROOT, timeout=900)


@pytest.fixture(scope="session")
def raw_before() -> dict[str, str]:
    """Checksums of data/raw/ before the first end-to-end run of the session."""
    return digests(paths.RAW)


@pytest.fixture(scope="session")
def run_2013(tmp_path_factory: pytest.TempPathFactory, raw_before: dict[str, str], reference: Reference) -> Path:
    """The whole 2013 reproduction from the committed survey, once per session: `processed/` and `reports/`.

    Shared by the end-to-end findings tests and the browser test. Tests only read it, except nbval's
    re-execution, which rewrites the same bytes in place (that they are the same is the determinism test). Under
    pytest-xdist (`make test`), the workers share one run: the first makes it in the session's common temporary
    folder, under a file lock, and the others wait for it (pytest-xdist's documented recipe for a session fixture).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    root = tmp_path_factory.getbasetemp() if worker is None else tmp_path_factory.getbasetemp().parent
    tmp, made = root / "run2013", root / "run2013.made"
    with FileLock(str(root / "run2013.lock")):
        if not made.is_file():
            done = reproduce(tmp, "--wave", "2013", "--survey-dir", str(reference.survey("2013")))
            assert done.returncode == 0, done.stderr[-3000:]
            made.touch()
    return tmp
