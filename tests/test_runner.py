"""The runner's failure paths through the command line: a failing cell, Ctrl-C (simulated and real SIGINT), a full
disk, bad parameters (unknown, wrongly typed, carrying code) and unknown notebooks. Each time: the right exit
code, a message naming what failed, the previous results intact, nothing partial left, and the next run recovers
without any cleaning."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

import villenum.atomic
from villenum import cli, paths, pipeline
from villenum.pipeline import execute as pexecute
from villenum.pipeline import fingerprint, forkserver, parameters, transaction
from villenum.pipeline import notebooks as pnotebooks

PARAMS = "wave = '2013'\nsurvey_dir = ''\noutput_dir = ''\nfigure_dir = ''\nlabel = 'v1'\nconfidence = 0.95\n" \
         "sleep = 0.0\nmarker = ''"
WRITE = ("Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
         "(Path(output_dir) / 'first_table.csv').write_text('label\\n' + json.dumps(label) + '\\n')\n"
         "print(repr(label))")
SLEEP = ("if marker:\n    Path(marker).write_text(str(os.getpid()))\n"
         "time.sleep(sleep)")


def notebook(path: Path, *bodies: str) -> Path:
    """A notebook: title, parameters cell, imports cell, then one code cell per body."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "villenum", "display_name": "villenum (Python 3)", "language": "python"}
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), params,
                nbformat.v4.new_code_cell("import json\nimport os\nimport time\nfrom pathlib import Path")]
    nb.cells += [nbformat.v4.new_code_cell(b) for b in bodies]
    nbformat.write(nb, path)
    return path


@pytest.fixture(autouse=True)
def stable_library(monkeypatch):
    """The library's digest is taken once per test: someone editing the package while the tests run must not
    make a notebook re-run in the middle of a test."""
    digest = fingerprint.library_digest()
    monkeypatch.setattr(fingerprint, "library_digest", lambda: digest)


class Project:
    """Fake notebooks run through `villenum.cli.main` (paths.NOTEBOOKS points at them)."""

    def __init__(self, root: Path, capsys):
        self.root, self.capsys = root, capsys
        self.notebooks = root / "notebooks"
        self.notebooks.mkdir()
        self.survey = root / "survey"
        shutil.copytree(paths.ROOT / "examples" / "wave-demo", self.survey)
        self.out, self.report = root / "out", root / "report"
        self.table = self.out / "first_table.csv"
        self.executed = self.report / "01_first.ipynb"
        self.args = ["reproduce", "--survey-dir", str(self.survey), "--output-dir", str(self.out),
                     "--report-dir", str(self.report), "--quiet", "--jobs", "1"]

    def main(self, *extra: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = cli.main(self.args + ["--only", "01", *extra])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def leftovers(self) -> list[Path]:
        """Partial notebooks, backups and atomic-write temporaries left anywhere under the project."""
        return [p for p in self.root.rglob(".*") if p.is_file() and (
            p.name.endswith((pnotebooks.PARTIAL_SUFFIX, transaction.BACKUP_SUFFIX, ".tmp")))]

    def snapshot(self) -> dict[str, bytes]:
        """The previous results: tables, executed notebook and cache record."""
        files = [self.table, self.executed, self.report / pipeline.CACHE / "01_first.json"]
        return {str(f): f.read_bytes() for f in files}


@pytest.fixture
def project(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "NOTEBOOKS", tmp_path / "notebooks")
    p = Project(tmp_path, capsys)
    notebook(p.notebooks / "01_first.ipynb", WRITE, SLEEP)
    code, out, err = p.main()
    assert code == 0, err
    assert "ran  01_first.ipynb" in out
    assert json.loads(p.table.read_text().splitlines()[1]) == "v1"
    return p


def test_failing_cell(project):
    before = project.snapshot()
    good = (project.notebooks / "01_first.ipynb").read_bytes()
    # the new version rewrites the table, then its fifth cell raises
    notebook(project.notebooks / "01_first.ipynb", WRITE.replace("label)", "label + '-new')"),
             "x = 1\nraise ValueError('boom: the data are odd')", SLEEP)
    code, out, err = project.main()
    assert code == runner_failed()
    assert "01_first.ipynb" in err and "cell 5" in err and "ValueError: boom: the data are odd" in err
    failed = project.report / "01_first.failed.ipynb"
    assert failed.is_file() and f"kept at {failed}" in err
    tracebacks = [o for c in nbformat.read(failed, as_version=4).cells for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
    assert tracebacks and tracebacks[0]["evalue"] == "boom: the data are odd"
    assert project.snapshot() == before  # previous table, executed notebook and cache record intact
    assert project.leftovers() == []
    # the fixed notebook is the previous one: nothing to re-run, and the stale .failed notebook goes on a run
    (project.notebooks / "01_first.ipynb").write_bytes(good)
    code, out, _ = project.main()
    assert code == 0 and "cached  01_first.ipynb" in out
    code, out, _ = project.main("--force")
    assert code == 0 and "ran  01_first.ipynb" in out and not failed.exists()


def runner_failed() -> int:
    return cli.EXIT_FAILED


def test_keyboard_interrupt_during_execution(project, monkeypatch):
    before = project.snapshot()
    real = pexecute.execute_notebook

    def run_then_interrupt(notebook, output, params, *args, **kwargs):
        real(notebook, output, {**params, "label": "half-done"}, *args, **kwargs)  # writes a new table...
        raise KeyboardInterrupt  # ...then Ctrl-C arrives

    monkeypatch.setattr(pexecute, "execute_notebook", run_then_interrupt)
    code, _, err = project.main("--force")
    assert code == 130
    assert "interrupted" in err and "previous results left intact" in err
    assert project.snapshot() == before
    assert project.leftovers() == []
    monkeypatch.setattr(pexecute, "execute_notebook", real)
    code, out, _ = project.main()  # recovers without cleaning: the previous run's results are current
    assert code == 0 and "cached  01_first.ipynb" in out
    code, out, _ = project.main("--force")
    assert code == 0 and "ran  01_first.ipynb" in out


def test_keyboard_interrupt_before_the_kernel_starts(project, monkeypatch):
    before = project.snapshot()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pexecute, "execute_notebook", interrupt)
    code, _, err = project.main("--force")
    assert code == 130 and "interrupted" in err
    assert project.snapshot() == before and project.leftovers() == []


# `reproduce` in a process of its own (paths.NOTEBOOKS pointed at the fake notebooks), Ctrl-C handled as in a
# terminal (a process started by a pytest-xdist worker inherits its ignored SIGINT: without this line, it would
# ignore the test's SIGINT and run on); SIGUSR1 prints where each of its threads is, so that a run that does not
# stop says where it hangs
SCRIPT = ("import faulthandler, signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
          "faulthandler.register(signal.SIGUSR1, all_threads=True)\n"
          "from pathlib import Path\nimport villenum.paths as p\np.NOTEBOOKS = Path(sys.argv[1])\n"
          "from villenum.cli import main\nsys.exit(main(sys.argv[2:]))")


def start_sleeping_run(project) -> tuple[subprocess.Popen, int]:
    """`reproduce` of a notebook that writes its new table then sleeps: the process, and its kernel's pid once
    the kernel sleeps."""
    marker = project.root / "kernel.pid"
    cmd = [sys.executable, "-c", SCRIPT, str(project.notebooks), *project.args, "--only", "01",
           "-p", "label='v2'", "-p", "sleep=120", "-p", f"marker={str(marker)!r}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    if not marker.exists():
        proc.kill()
        pytest.fail(f"the kernel did not start: {proc.communicate(timeout=5)}")
    time.sleep(0.3)
    assert json.loads(project.table.read_text().splitlines()[1]) == "v2"  # the new table is written...
    return proc, int(marker.read_text())


def finish(proc: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """The process's output once it ends; if it runs past `timeout`, the test fails with its threads' stacks."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)
        time.sleep(1)
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"still running {timeout} s later; its threads:\n{err[-6000:]}")


def gone(pid: int, within: float) -> bool:
    """Whether process `pid` no longer exists, waiting up to `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_sigint_to_a_running_reproduce(project):
    before = project.snapshot()
    proc, kernel = start_sleeping_run(project)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = finish(proc, 30)
    assert proc.returncode == 130, err
    assert time.monotonic() - t0 < 10
    assert "interrupted" in err and "previous results left intact" in err
    assert project.snapshot() == before  # ...and put back
    assert project.leftovers() == []
    assert gone(kernel, 0.5)  # the kernel was stopped too
    code, out, _ = project.main()
    assert code == 0 and "cached  01_first.ipynb" in out


def test_a_killed_reproduce_leaves_no_kernel_running(project):
    """SIGKILL gives the run no chance to stop its kernel: the kernel notices that its parent is gone and exits
    (a launched kernel polls the run's process; a forked one, the fork server, which ends with the run's
    process). The next run recovers the previous results."""
    before = project.snapshot()
    proc, kernel = start_sleeping_run(project)
    proc.kill()
    proc.communicate(timeout=30)
    assert gone(kernel, 15), "the kernel outlived the killed run"
    code, _, err = project.main()
    assert code == 0, err
    assert project.snapshot() == before


def test_disk_full_when_saving_the_executed_notebook(project, monkeypatch):
    before = project.snapshot()
    real = os.replace

    def full(src, dst, *args, **kwargs):
        if str(dst) == str(project.executed):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    code, _, err = project.main("--force", "-p", "label='v2'")
    assert code == cli.EXIT_FAILED
    assert "01_first.ipynb" in err and str(project.executed) in err and "No space left on device" in err
    assert project.snapshot() == before and project.leftovers() == []
    monkeypatch.setattr(os, "replace", real)
    code, out, _ = project.main()
    assert code == 0 and "cached  01_first.ipynb" in out


def test_disk_full_in_write_atomic(project, monkeypatch):
    # villenum.atomic.write_atomic's write fails (ENOSPC) when the cache record is written
    before = project.snapshot()

    class FullDisk:
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def fdopen(fd, *args, **kwargs):
            handle = os.fdopen(fd, *args, **kwargs)

            class Handle:
                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    handle.close()

                def write(self, data):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

                def __getattr__(self, name):
                    return getattr(handle, name)

            return Handle()

    monkeypatch.setattr(villenum.atomic, "os", FullDisk())
    code, _, err = project.main("--force", "-p", "label='v2'")
    assert code == cli.EXIT_FAILED
    assert "01_first.ipynb: could not record the cache entry" in err and "No space left on device" in err
    assert project.snapshot() == before and project.leftovers() == []


def test_unknown_parameter(project):
    code, _, err = project.main("-p", "nope=1")
    assert code == cli.EXIT_INPUT and "nope" in err and "unknown parameter" in err


def test_wrongly_typed_parameter(project):
    code, _, err = project.main("-p", 'confidence="high"')
    assert code == cli.EXIT_INPUT
    assert "confidence" in err and "float" in err and "str" in err


def test_parameter_not_name_value(project):
    code, _, err = project.main("-p", "confidence")
    assert code == cli.EXIT_INPUT and "NAME=VALUE" in err


@pytest.mark.parametrize("text", [
    '"x\\"; import os; os.system(\\"touch PWNED\\")"',  # a quote closing the string, then code
    '"a\\nimport os\\nos.system(\'touch PWNED\')"',  # newlines
    "'''x'''; import os; os.system('touch PWNED')",  # not a literal: taken as raw text
    '"\\"\\"\\"; import os; os.system(\'touch PWNED\'); \\"\\"\\""',  # triple quotes
    '"ends with a backslash \\\\"',
    "__import__('os').system('touch PWNED')",
])
def test_string_parameter_is_injected_as_a_value_never_run(project, text):
    pwned = project.root / "PWNED"
    text = text.replace("PWNED", str(pwned))
    code, _, err = project.main("--force", "-p", f"label={text}")
    assert code == 0, err
    assert not pwned.exists() and not Path("/tmp/pwned").exists()
    value = parameters.parse_cli_value(text)
    assert isinstance(value, str)
    assert json.loads(project.table.read_text().splitlines()[1]) == value  # the notebook got the string
    shown = [o["text"] for c in nbformat.read(project.executed, as_version=4).cells for o in c.get("outputs", [])
             if o.get("name") == "stdout"]
    assert repr(value) in "".join(shown)


def test_unknown_notebook_number(project):
    code, _, err = project.main("--only", "99")
    assert code == cli.EXIT_INPUT
    assert "99" in err and "01_first.ipynb" in err


def test_jobs_must_be_positive(project):
    code, _, err = project.main("--jobs", "0")
    assert code == cli.EXIT_INPUT and "--jobs" in err


def test_a_run_killed_hard_is_recovered(project):
    # what a SIGKILLed run leaves (a backup beside the table, a partial notebook, a temporary) is undone next time
    before = project.snapshot()
    backup = project.table.with_name(f".{project.table.name}{transaction.BACKUP_SUFFIX}")
    shutil.copy2(project.table, backup)
    project.table.write_text("label\n\"half-written\"\n")
    (project.report / f".01_first{pnotebooks.PARTIAL_SUFFIX}").write_text("{}")
    (project.out / ".first_table.csv.abc.tmp").write_text("x")
    code, out, err = project.main()
    assert code == 0 and "cached  01_first.ipynb" in out, err
    assert project.snapshot() == before and project.leftovers() == []


PROBE = ("import json\nimport os\nimport sys\nimport numpy as np\n"
         "Path = __import__('pathlib').Path\n"
         "Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
         "probe = {'cwd': os.getcwd(), 'env': os.environ.get('VILLENUM_PROBE'),\n"
         "         'argv0': sys.argv[0], 'path': sys.path, 'pid': os.getpid(), 'sid': os.getsid(0), 'random': float(np.random.random()),\n"
         "         'executable': sys.executable, 'mpl': os.environ.get('MPLBACKEND'),\n"
         "         'names': sorted(n for n in globals() if not n.startswith('_'))}\n"
         "(Path(output_dir) / (label + '_probe.csv')).write_text(json.dumps(probe))")


def test_kernels_forked_or_launched_see_the_same_world(tmp_path, monkeypatch):
    """A kernel forked by the fork server runs like a freshly launched one: same working directory, sys.path,
    environment, interpreter, its own session, no state shared with the other notebooks."""
    monkeypatch.setenv("VILLENUM_PROBE", "seen")
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    for name in ("01_a", "02_b"):
        nb = nbformat.v4.new_notebook()
        nb.metadata.kernelspec = {"name": "villenum", "display_name": "villenum", "language": "python"}
        params = nbformat.v4.new_code_cell(f"output_dir = ''\nlabel = '{name[3:]}'")
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell(PROBE)]
        nbformat.write(nb, nbs / f"{name}.ipynb")
    probes = {}
    for mode in ("1", "0"):
        monkeypatch.setenv(forkserver.ENV, mode)
        out = tmp_path / f"out{mode}"
        outcomes = pipeline.run(pipeline.discover(nbs), {"output_dir": str(out)}, {}, report_dir=tmp_path / f"report{mode}",
                              output_dir=out, jobs=2, progress=False)
        assert [o.status for o in outcomes] == ["ran", "ran"]
        probes[mode] = [json.loads((out / f"{x}_probe.csv").read_text()) for x in ("a", "b")]
    for a, b in probes.values():
        for probe in (a, b):
            assert probe["cwd"] == str(nbs) and "" in probe["path"]
            assert probe["env"] == "seen" and probe["executable"] == sys.executable
            assert probe["sid"] == probe["pid"]  # its own session: Ctrl-C at the terminal does not reach it
            assert probe["mpl"] == "module://matplotlib_inline.backend_inline"
            assert probe["pid"] != os.getpid()
        assert a["pid"] != b["pid"] and a["random"] != b["random"]
    same = ("cwd", "path", "env", "argv0", "executable", "mpl", "names")
    assert [{k: p[k] for k in same} for p in probes["1"]] == [{k: p[k] for k in same} for p in probes["0"]]


def test_real_notebooks_give_identical_outputs_with_and_without_the_fork_server(tmp_path, monkeypatch, capsys):
    """Every output of the executed notebooks (text, HTML, images) and every result table is the same whether
    kernels are forked by the fork server or launched as fresh processes."""

    def outputs(path: Path) -> list:
        nb = nbformat.read(path, as_version=4)
        return [[{k: v for k, v in o.items() if k != "metadata"} for o in c.get("outputs", [])]
                for c in nb.cells if c.cell_type == "code"]

    runs = {}
    for mode in ("1", "0"):
        monkeypatch.setenv(forkserver.ENV, mode)
        out, rep = tmp_path / f"out{mode}", tmp_path / f"report{mode}"
        code = cli.main(["reproduce", "--only", "01", "04", "05", "--survey-dir", str(paths.survey_dir("2013")),
                         "--output-dir", str(out), "--report-dir", str(rep), "--quiet", "--jobs", "2",
                         "-p", "n_boot=100", "-p", "support_boot=40"])  # the same either way: few resamples
        assert code == 0, capsys.readouterr().err
        runs[mode] = ({p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))},
                      {p.name: p.read_bytes() for p in sorted((rep / "figures").iterdir())},
                      {p.name: outputs(p) for p in sorted(rep.glob("0*.ipynb"))})
    assert runs["1"][0] and runs["1"][0] == runs["0"][0]
    assert runs["1"][1] == runs["0"][1]
    for name, cells in runs["1"][2].items():
        assert cells == runs["0"][2][name], f"{name}: outputs differ with the fork server"


def test_unknown_kernel(project):
    code, _, err = project.main("--force", "--kernel", "no-such-kernel")
    assert code == cli.EXIT_INPUT
    assert "no-such-kernel" in err and "villenum" in err
    assert project.leftovers() == []
