"""The pipeline package's own promises, beyond the runner and cache suites: kernels are really forked by the
fork server (through the public provisioner API) unless it is turned off, each kernel works in its notebook's
folder without the parent process changing directory, and every re-run says why."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import nbformat
import pytest

from villenum import pipeline
from villenum.pipeline import cache, forkserver, sync

PROBE = ("import json, os, sys\nfrom pathlib import Path\nPath(output_dir).mkdir(parents=True, exist_ok=True)\n"
         "(Path(output_dir) / 'a_probe.csv').write_text(json.dumps({'ppid': os.getppid(), 'cwd': os.getcwd(),\n"
         "    'numpy_preloaded': 'numpy' in sys.modules}))")


@pytest.fixture
def probe_notebooks(tmp_path: Path) -> Path:
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "villenum", "display_name": "villenum", "language": "python"}
    params = nbformat.v4.new_code_cell("output_dir = ''\nlabel = 'x'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(PROBE)]
    nbformat.write(nb, nbs / "01_a.ipynb")
    return nbs


@pytest.mark.parametrize("mode", ["1", "0"])
def test_kernels_are_forked_unless_turned_off_and_work_in_the_notebook_folder(probe_notebooks, tmp_path,
                                                                                monkeypatch, mode):
    monkeypatch.setenv(forkserver.ENV, mode)
    cwd = os.getcwd()
    out = tmp_path / "out"
    outcomes = pipeline.run(pipeline.discover(probe_notebooks), {"output_dir": str(out)}, {},
                            report_dir=tmp_path / "report", output_dir=out, jobs=1, progress=False)
    assert [o.status for o in outcomes] == ["ran"], outcomes
    probe = json.loads((out / "a_probe.csv").read_text())
    assert probe["cwd"] == str(probe_notebooks) and os.getcwd() == cwd  # no process-wide chdir
    forked = probe["ppid"] != os.getpid()  # a forked kernel is the fork server's child, not ours
    assert forked == (mode == "1") and probe["numpy_preloaded"] == (mode == "1")


def test_every_re_run_says_why(probe_notebooks, tmp_path, monkeypatch):
    monkeypatch.setenv(forkserver.ENV, "0")
    out = tmp_path / "out"

    def run(**extra: object) -> list[str]:
        found = pipeline.discover(probe_notebooks)
        return [o.reason for o in pipeline.run(found, {"output_dir": str(out)}, extra, report_dir=tmp_path / "r",
                                               output_dir=out, jobs=1, progress=False) if o.status == "ran"]

    assert run() == ["never run, or its record is gone"]
    assert run() == []
    assert run(label="y") == ["parameters changed (label)"]
    (out / "a_probe.csv").write_text("edited")
    assert run(label="y") == ["its outputs were changed or removed since"]


def test_a_record_names_every_changed_part(tmp_path):
    record = cache.Record(tmp_path / "r.json")
    parts = {"parameters": {"a": 1}, "inputs": [["f", "1"]], "library": "x"}
    record.write(parts)
    assert record.matches(parts) and record.reason(parts) == ""
    changed = {"parameters": {"a": 2}, "inputs": [["f", "2"]], "library": "x"}
    assert record.reason(changed) == "parameters changed (a); input files changed"


def test_one_fork_server_serves_every_run_of_the_process(probe_notebooks, tmp_path, monkeypatch):
    monkeypatch.setenv(forkserver.ENV, "1")
    other = tmp_path / "other"
    other.mkdir()
    (other / "01_a.ipynb").write_bytes((probe_notebooks / "01_a.ipynb").read_bytes())
    shadowed = tmp_path / "shadowed"
    shadowed.mkdir()
    (shadowed / "01_a.ipynb").write_bytes((probe_notebooks / "01_a.ipynb").read_bytes())
    (shadowed / "scipy.py").write_text("")  # a fresh kernel would import this one, not the server's scipy

    def probe(folder: Path) -> dict:
        out = tmp_path / folder.name / "out"
        outcomes = pipeline.run(pipeline.discover(folder), {"output_dir": str(out)}, {}, force=True,
                                report_dir=tmp_path / folder.name / "report", output_dir=out, jobs=1, progress=False)
        assert [o.status for o in outcomes] == ["ran"], outcomes
        return json.loads((out / "a_probe.csv").read_text())

    first, second = probe(probe_notebooks), probe(other)
    assert first["ppid"] == second["ppid"] != os.getpid()  # the same server, whichever folder started it
    assert (first["cwd"], second["cwd"]) == (str(probe_notebooks), str(other))
    third = probe(shadowed)
    assert third["ppid"] == os.getpid() and not third["numpy_preloaded"]  # launched normally
    os.kill(first["ppid"], 9)  # a server that died is replaced
    forkserver.ForkedKernel(first["ppid"]).wait(timeout=10)
    fourth = probe(probe_notebooks)
    assert fourth["ppid"] not in (os.getpid(), first["ppid"]) and fourth["numpy_preloaded"]
    monkeypatch.setenv("PYTHONHASHSEED", "12")  # read when an interpreter starts: another server
    fifth = probe(probe_notebooks)
    assert fifth["ppid"] not in (os.getpid(), fourth["ppid"]) and fifth["numpy_preloaded"]


def test_a_dead_kernel_not_yet_reaped_is_not_alive():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        forkserver.ForkedKernel(pid).wait(timeout=10)  # a zombie until waited for, as after its server died
    finally:
        os.waitpid(pid, 0)


def test_ctrl_c_during_a_run_is_raised_where_no_lock_is_held():
    # Python's default handler, as in a terminal (a pytest-xdist worker ignores SIGINT); put back after the test
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        interrupts = sync.Interrupts()
        with pytest.raises(KeyboardInterrupt), interrupts:
            handler = signal.getsignal(signal.SIGINT)
            assert handler is not signal.default_int_handler
            handler(signal.SIGINT, None)  # what Ctrl-C does: nothing raised until a check
            assert interrupts.hit
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_an_ignored_ctrl_c_stays_ignored_during_a_run():
    """A process started with SIGINT ignored (nohup, a pytest-xdist worker) keeps ignoring it."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with sync.Interrupts():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
