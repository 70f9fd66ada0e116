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
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.nodeid import NodeId

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
    "cli_runs": "a `python -m villenum` process for each of the ~75 corpus runs",
    "loading_runs": "a whole reproduction of each distinct data the loading cases of the corpus load into",
    "run_example": "a whole reproduction of the example wave with new categories",
}


# With pytest-xdist (`make test`: `-n 2 --dist loadgroup`), a fixture wider than a test is built once per worker
# that needs it: every test using one of these costly shared fixtures goes to the same worker (its group).
SHARED_FIXTURES = ("run_2013", "cli_runs")


def xdist_group(item: pytest.Item) -> str | None:
    """The pytest-xdist group of a test: its costly shared fixture's name, else its module's name if it uses a
    module-scoped fixture (built once per module), else none (any worker). A group set by the test file wins."""
    fixtures = list(getattr(item, "fixturenames", ()))
    shared = [f for f in SHARED_FIXTURES if f in fixtures]
    marked = item.get_closest_marker("xdist_group")
    if marked or shared:
        return marked.args[0] if marked else shared[0]
    info = getattr(item, "_fixtureinfo", None)
    defs = [d for f in fixtures for d in (info.name2fixturedefs.get(f, ()) if info else ())[-1:]]
    return item.path.name if any(d.scope == "module" for d in defs) else None


def join_group(config: pytest.Config, item: pytest.Item, group: str) -> None:
    """Mark the test `xdist_group(group)` and, under `--dist loadgroup`, end its id with `@group`, which is how
    pytest-xdist's scheduler sees groups: pytest-xdist 3.8 writes that suffix to `item._nodeid`, which pytest 9
    no longer reads (an item's id is `item._id`), so without this every group would be spread over the workers."""
    item.add_marker(pytest.mark.xdist_group(group))
    if getattr(config.option, "loadgroup", False) and not item.nodeid.endswith(f"@{group}"):
        item._id = NodeId.parse(f"{item.nodeid}@{group}")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `slow` the tests of SLOW_MODULES and those using SLOW_FIXTURES; `e2e` those using run_2013; put each
    test in its pytest-xdist group (xdist_group)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.path.name in SLOW_MODULES or fixtures & set(SLOW_FIXTURES):
            item.add_marker(pytest.mark.slow)
        if "run_2013" in fixtures:
            item.add_marker(pytest.mark.e2e)
        group = xdist_group(item)
        if group:
            join_group(config, item, group)


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
    re-execution, which rewrites the same bytes (two runs being byte-identical is itself tested).
    """
    tmp = tmp_path_factory.mktemp("run2013")
    done = reproduce(tmp, "--wave", "2013", "--survey-dir", str(reference.survey("2013")))
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp
