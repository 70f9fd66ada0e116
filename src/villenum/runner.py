"""Execute the findings' notebooks with papermill: parameter checks, stages, parallel jobs, a cache, clear failures.

Cache. A notebook is skipped when the key of what it depends on equals the key recorded after its last
successful run (`<report_dir>/.cache/<stem>.json`) and its outputs (result tables, figures, executed
notebook) are still the ones that run left. The key hashes: the notebook's bytes, its parameters, every file
under the directories it is given (survey, published, reference), the result tables of earlier stages (for
stage >= 2 notebooks), the library's source and package data, the installed distributions, the Python
version and the kernel. Nothing here imports papermill, nbformat or pandas: a run where everything is
cached stays fast.

Failures. Before a notebook's first cell, its previous outputs and cache record are copied aside; a failed,
interrupted or unsaveable run puts them back, so the output directory always holds the results of the last
successful run. A failing cell keeps the partial notebook as `NN_name.failed.ipynb`; an interruption
(Ctrl-C) kills the kernels and leaves no partial file; what a hard-killed run left is undone by the next.

Speed. `jobs` notebooks execute cells at once, longest first; one more kernel starts meanwhile, and a later
stage's kernels start during the earlier stage, then wait for it. Kernels are forked from a server that has
imported the kernel machinery and numpy/scipy once (ForkServer; VILLENUM_FORKSERVER=0 launches each kernel
afresh), and each kernel imports its notebook's leading imports while it waits for a slot.
"""

from __future__ import annotations

import ast
import errno
import hashlib
import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from villenum import paths
from villenum.digest import sha256_file

KERNEL = "villenum"
STAGE_KEY = "villenum_stage"  # notebook metadata: notebooks of a later stage read the outputs of earlier ones
DIR_PARAMETERS = ("survey_dir", "published_dir", "reference_dir")  # directories whose files a notebook reads
CACHE = ".cache"
BACKUP_SUFFIX = ".villenum-backup"
PARTIAL_SUFFIX = ".partial.ipynb"
CACHE_FORMAT = 2
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]  # no "TCP without encryption" warning, once per kernel


class RunError(RuntimeError):
    """A notebook run could not be set up or failed; the message names the notebook (and cell)."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one notebook: ran, cached, failed or interrupted, with the executed notebook's path."""

    notebook: str
    status: str
    output: Path
    message: str = ""
    duration: float = 0.0


# ---------------------------------------------------------------------------------------------- notebooks
@dataclass
class Notebook:
    """A source notebook read once (plain JSON, no nbformat): bytes digest, stage, parameters, imports."""

    path: Path
    digest: str
    stage: int
    parameters: dict[str, object]
    parameter_error: str = ""
    imports: list[str] = field(default_factory=list)


_READ: dict[tuple[str, int, int], Notebook] = {}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def read_notebook(path: Path) -> Notebook:
    """Parse a notebook's JSON once per (path, mtime, size): stage, declared parameters, leading imports."""
    path = Path(path)
    st = path.stat()
    memo = (str(path), st.st_mtime_ns, st.st_size)
    if memo in _READ:
        return _READ[memo]
    raw = path.read_bytes()
    try:
        nb = json.loads(raw)
        cells = nb["cells"]
        meta = nb.get("metadata", {})
    except (ValueError, KeyError, TypeError) as err:
        raise RunError(f"{path.name}: not a readable notebook ({err})") from None
    try:
        stage = int(meta.get(STAGE_KEY, 1))
    except (TypeError, ValueError):
        raise RunError(f"{path.name}: metadata {STAGE_KEY}={meta.get(STAGE_KEY)!r} is not a whole number") from None
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    params: dict[str, object] = {}
    error = ""
    if len(tagged) != 1:
        error = f"{path.name}: needs exactly one cell tagged 'parameters', found {len(tagged)}"
    else:
        try:
            for node in ast.parse(_source(tagged[0])).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    params[node.targets[0].id] = ast.literal_eval(node.value)
        except (SyntaxError, ValueError) as err:
            error = f"{path.name}: the parameters cell must assign literal values ({err})"
    code = [c for c in cells if c.get("cell_type") == "code" and c not in tagged]
    out = Notebook(path, hashlib.sha256(raw).hexdigest(), stage, params, error, _leading_imports(code))
    _READ[memo] = out
    return out


def _leading_imports(cells: list[dict]) -> list[str]:
    """Modules imported by the notebook's first statements, up to its first statement that is not an import."""
    modules: list[str] = []
    for cell in cells:
        try:
            body = ast.parse(_source(cell)).body
        except SyntaxError:
            return modules
        for node in body:
            if isinstance(node, ast.Import):
                modules += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.append(node.module)
                modules += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
            else:
                return modules
    return modules


def discover(notebooks_dir: Path = paths.NOTEBOOKS, only: list[str] | None = None) -> list[Path]:
    """Numbered notebooks (`NN_name.ipynb`) in reading order, optionally only those whose number is listed."""
    found = sorted(p for p in Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb") if not p.name.endswith(PARTIAL_SUFFIX))
    if only:
        wanted = {o.strip().zfill(2) for o in only}
        unknown = wanted - {p.name[:2] for p in found}
        if unknown:
            raise RunError(f"no notebook numbered {', '.join(sorted(unknown))} in {notebooks_dir}; "
                           f"known: {', '.join(p.name for p in found) or 'none'}")
        found = [p for p in found if p.name[:2] in wanted]
    return found


def finding_name(notebook: Path) -> str:
    """`02_objectives.ipynb` -> `objectives`: the prefix of the notebook's output files."""
    return Path(notebook).stem.split("_", 1)[1]


def declared_parameters(notebook: Path) -> dict[str, object]:
    """Names and default values of the `parameters` cell of a notebook (literal defaults only)."""
    nb = read_notebook(notebook)
    if nb.parameter_error:
        raise RunError(nb.parameter_error)
    return dict(nb.parameters)


def stage_of(notebook: Path) -> int:
    """A notebook's stage (metadata `villenum_stage`, default 1)."""
    return read_notebook(notebook).stage


# --------------------------------------------------------------------------------------------- parameters
def check_parameters(notebooks: list[Path], common: dict, extra: dict) -> dict[Path, dict]:
    """Parameters for each notebook: the common ones it declares plus user ones, type-checked; unknown names fail."""
    declared = {nb: declared_parameters(nb) for nb in notebooks}
    names = set().union(*declared.values()) if declared else set()
    unknown = sorted(set(extra) - names)
    if unknown:
        raise RunError(f"unknown parameter(s) {', '.join(unknown)}: no selected notebook declares them "
                       f"(declared: {', '.join(sorted(names))})")
    for key, value in extra.items():
        _check_injectable(key, value)
    chosen = {}
    for nb, params in declared.items():
        values = {k: v for k, v in {**common, **extra}.items() if k in params}
        for key, value in values.items():
            default = params[key]
            if default is not None and not _same_type(default, value):
                raise RunError(f"parameter {key}={value!r} has type {type(value).__name__}, but {nb.name} "
                               f"expects {type(default).__name__} (default {default!r})")
        chosen[nb] = values
    return chosen


def _same_type(default: object, value: object) -> bool:
    """Accept ints for floats, nothing else looser."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


_LITERALS = (str, int, float, bool, type(None))


def _check_injectable(name: str, value: object) -> None:
    """A parameter must be a plain Python literal (str, number, bool, None, or lists/dicts of them): it is
    injected into the notebook as that literal, never as code."""
    if not name.isidentifier():
        raise RunError(f"parameter name {name!r} is not a Python identifier")

    def ok(v: object) -> bool:
        if isinstance(v, _LITERALS):
            return True
        if isinstance(v, (list, tuple)):
            return all(ok(x) for x in v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and ok(x) for k, x in v.items())
        return False

    if not ok(value):
        raise RunError(f"parameter {name}={value!r}: only str, int, float, bool, None and lists/dicts of them")


def verify_injection(params: dict) -> None:
    """Check that papermill's injected cell evaluates back to exactly `params` (assignments of literals only)."""
    from papermill.translators import translate_parameters

    source = translate_parameters(KERNEL, "python", params, "Parameters")
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise RunError(f"parameters cannot be injected safely: {ast.unparse(node)[:80]!r}")
        name = node.targets[0].id
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            raise RunError(f"parameter {name} cannot be injected as a literal") from None
        if name not in params or value != params[name] or type(value) is not type(params[name]):
            raise RunError(f"parameter {name} would not reach the notebook unchanged")


def parse_cli_value(text: str) -> object:
    """`-p name=value` values: Python literals (numbers, True, quoted strings), else the raw string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


# ------------------------------------------------------------------------------------------------- digests
def _digest_files(files: list[Path]) -> list[list[str]]:
    """[path, sha256] of each file, in a stable order (lists, so that a JSON round trip compares equal)."""
    return [[str(f), sha256_file(f)] for f in sorted(set(files))]


def _tree(directory: Path) -> list[Path]:
    """Every non-hidden file under a directory (hidden files and folders are not data)."""
    out = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        out += [Path(root) / n for n in names if not n.startswith(".")]
    return out


def library_digest() -> str:
    """Hash of the library's source and package data: a change of code re-runs every notebook."""
    pkg = Path(__file__).resolve().parent
    files = [p for p in _tree(pkg) if p.suffix in {".py", ".csv", ".toml", ".json", ".txt"}]
    listing = [[Path(f).relative_to(pkg).as_posix(), h] for f, h in _digest_files(files)]
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def kernel_spec_file(kernel: str) -> Path | None:
    """The kernel.json of a kernel, looked up where Jupyter looks (without importing jupyter_client)."""
    dirs = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    dirs += [str(Path.home() / ".local" / "share" / "jupyter"), str(Path(sys.prefix) / "share" / "jupyter"),
             "/usr/local/share/jupyter", "/usr/share/jupyter"]
    for d in dirs:
        spec = Path(d) / "kernels" / kernel / "kernel.json"
        if spec.is_file():
            return spec
    return None


def environment_digest(kernel: str = KERNEL) -> str:
    """Python version, installed distributions (names and versions) and the kernel's spec."""
    dists = []
    for entry in sys.path:
        if entry.endswith("site-packages") and os.path.isdir(entry):
            dists += [n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info"))]
    spec = kernel_spec_file(kernel)
    parts = {"python": sys.version, "executable": sys.executable, "distributions": sorted(dists),
             "kernel": kernel, "kernel_spec": spec.read_text(encoding="utf-8", errors="replace") if spec else None}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _default_dir(key: str, params: dict) -> Path:
    wave = str(params.get("wave") or "2013")
    return {"survey_dir": paths.survey_dir(wave), "published_dir": paths.published_dir(wave),
            "reference_dir": paths.RAW / "reference"}[key]


def input_files(params: dict) -> list[Path]:
    """Every file under the directories a notebook is given (survey, published, reference).

    An empty directory parameter means the wave's default (as the notebooks resolve it); a wave without
    published figures is judged against 2013's claims and figures, which are then inputs too, and so is the
    questionnaire the survey is read with (paths.find_questionnaire).
    """
    files: list[Path] = []
    for key in DIR_PARAMETERS:
        if key not in params:
            continue
        directory = Path(params[key]) if params[key] else _default_dir(key, params)
        if directory.is_dir():
            files += _tree(directory)
        if key == "published_dir" and not any(f.suffix == ".csv" for f in files if directory in f.parents):
            fallback = paths.published_dir(paths.FIRST_WAVE)
            if fallback.is_dir():
                files += _tree(fallback)
        if key == "survey_dir":
            files.append(paths.find_questionnaire(str(params.get("wave") or paths.FIRST_WAVE), directory))
    return files


def _outputs_dir(params: dict, key: str) -> Path | None:
    value = params.get(key)
    return Path(value) if value else None


def output_files(notebook: Path, output_dir: Path, figure_dir: Path | None = None) -> list[Path]:
    """What a notebook writes: `<finding>.csv` / `<finding>_*.csv` result tables (and figures of that prefix)."""
    name = finding_name(notebook)
    found = {*Path(output_dir).glob(f"{name}.csv"), *Path(output_dir).glob(f"{name}_*.csv")}
    if figure_dir is not None and Path(figure_dir).is_dir():
        found |= {p for p in Path(figure_dir).glob(f"{name}*")
                  if p.is_file() and (p.name.startswith(f"{name}.") or p.name.startswith(f"{name}_"))}
    return sorted(found)


def upstream_files(stage: int, all_notebooks: list[Path], output_dir: Path) -> list[Path]:
    """What a notebook of `stage` reads from the output directory: every result table except those of its own
    or later stages (earlier stages' tables, and any other table lying there)."""
    if stage <= min((stage_of(nb) for nb in all_notebooks), default=stage):
        return []
    later = {f for nb in all_notebooks if stage_of(nb) >= stage for f in output_files(nb, output_dir)}
    return sorted(p for p in Path(output_dir).glob("*.csv") if p.is_file() and p not in later)


def key_parts(notebook: Path, params: dict, upstream: list[Path], lib: str, env: str = "") -> dict:
    """The parts of a cache key, each a JSON value (kept in the record to explain a re-run)."""
    return {
        "format": CACHE_FORMAT,
        "notebook": read_notebook(notebook).digest,
        "parameters": json.loads(json.dumps(params, sort_keys=True, default=str)),
        "inputs": _digest_files(input_files(params)),
        "upstream": _digest_files(upstream),
        "library": lib,
        "environment": env,
        "python": sys.version,
    }


def _key(parts: dict) -> str:
    """The cache key: hash of what a run depends on (the parts of key_parts)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _cache_file(report_dir: Path, notebook: Path) -> Path:
    return Path(report_dir) / CACHE / f"{Path(notebook).stem}.json"


def _read_json(path: Path) -> dict:
    """A JSON object read from a file; {} if it is missing, unreadable or not an object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _read_record(report_dir: Path, notebook: Path) -> dict:
    return _read_json(_cache_file(report_dir, notebook))


def cached(report_dir: Path, notebook: Path, key: str, output_dir: Path, figure_dir: Path | None = None) -> bool:
    """True if the last successful run had this key and its outputs and executed notebook are unchanged."""
    executed = Path(report_dir) / Path(notebook).name
    record = _read_record(report_dir, notebook)
    if not record or record.get("key") != key or not executed.is_file():
        return False
    return (record.get("executed") == sha256_file(executed)
            and record.get("outputs") == _digest_files(output_files(notebook, output_dir, figure_dir)))


# ----------------------------------------------------------------------------------- backups and cleaning
def _backup_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{BACKUP_SUFFIX}")


def _set_aside(files: list[Path]) -> list[tuple[Path, Path]]:
    """Copy each existing file to a hidden backup beside it; return (original, backup) pairs.

    A copy, not a hard link: a notebook may rewrite a table in place (open/write), which would change a
    hard-linked backup too.
    """
    import shutil

    saved = []
    for f in files:
        if not f.is_file():
            continue
        b = _backup_path(f)
        shutil.copy2(f, b)
        saved.append((f, b))
    return saved


def _restore(saved: list[tuple[Path, Path]], created: list[Path]) -> list[str]:
    """Put the backups back and remove files a failed run created; return what could not be restored.

    `os.rename` (atomic on POSIX) moves the old inode back: it needs no new disk blocks, so it works on a
    full disk too.
    """
    problems = []
    originals = {f for f, _ in saved}
    for f in created:
        if f not in originals:
            try:
                f.unlink(missing_ok=True)
            except OSError as err:
                problems.append(f"{f}: {err}")
    for f, b in saved:
        try:
            os.rename(b, f)
        except OSError as err:
            problems.append(f"{f}: {err} (previous version kept at {b})")
    return problems


def _discard(saved: list[tuple[Path, Path]]) -> None:
    for _, b in saved:
        b.unlink(missing_ok=True)


def _temporaries(directory: Path, prefix: str) -> list[Path]:
    """Atomic-write temporaries (`.NAME.XXXX.tmp`) of files starting with `prefix` left in a directory."""
    if not directory.is_dir():
        return []
    return [p for p in directory.glob(f".{prefix}*.tmp") if p.is_file()]


def recover(report_dir: Path, dirs: list[Path]) -> list[str]:
    """Undo what a run killed mid-way left behind: restore backups, delete partial notebooks and temporaries."""
    restored = []
    for d in {Path(report_dir), Path(report_dir) / CACHE, *map(Path, dirs)}:
        if not d.is_dir():
            continue
        for b in d.glob(f".*{BACKUP_SUFFIX}"):
            original = b.with_name(b.name[1:-len(BACKUP_SUFFIX)])
            try:
                os.rename(b, original)
                restored.append(str(original))
            except OSError:
                pass
        for p in d.glob(f".*{PARTIAL_SUFFIX}"):
            p.unlink(missing_ok=True)
        for p in d.glob(".*.tmp"):
            p.unlink(missing_ok=True)
    return restored


# ---------------------------------------------------------------------------------------------- execution
class Stop:
    """Shared between the workers: set on Ctrl-C; keeps the kernel processes so they can be killed."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.lock = threading.Lock()
        self.kernels: dict[str, object] = {}

    def register(self, notebook: str, km: object) -> None:
        with self.lock:
            self.kernels[notebook] = km
        if self.event.is_set():
            self.kill(notebook)

    def unregister(self, notebook: str) -> None:
        with self.lock:
            self.kernels.pop(notebook, None)

    def kill(self, notebook: str | None = None) -> None:
        """SIGKILL the kernels' process groups (a kernel is its own session leader)."""
        with self.lock:
            targets = [km for nb, km in self.kernels.items() if notebook is None or nb == notebook]
        for km in targets:
            pid = getattr(getattr(km, "provisioner", None), "pid", None)
            if not pid:
                continue
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


class Slots:
    """At most `jobs` notebooks execute cells at once. One more may start its kernel meanwhile (and import
    what its first cell imports), then waits here: kernel start-up overlaps with the others' work."""

    def __init__(self, jobs: int, stop: Stop):
        self.semaphore = threading.BoundedSemaphore(max(1, jobs))
        self.stop = stop

    def acquire(self) -> None:
        while not self.semaphore.acquire(timeout=0.1):
            if self.stop.event.is_set():
                raise KeyboardInterrupt
        if self.stop.event.is_set():
            self.semaphore.release()
            raise KeyboardInterrupt

    def release(self) -> None:
        self.semaphore.release()


FORKSERVER_ENV = "VILLENUM_FORKSERVER"  # "0": every kernel is a fresh `python -m ipykernel_launcher` process

_ZYGOTE = r"""
import json, os, signal, sys
modules = json.loads(sys.argv[1])
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel sets it
import importlib
for m in modules:
    try:
        importlib.import_module(m)
    except Exception:
        pass
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system: no zombies
signal.signal(signal.SIGINT, signal.SIG_IGN)
requests, replies = sys.stdin, sys.stdout
replies.write("ready\n")
replies.flush()
for line in requests:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            os.dup2(2, 1)
            sys.stdin = open(os.devnull)
            sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            import importlib.util
            sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin] + req["args"]
            if sys.path and sys.path[0] == "":
                del sys.path[0]  # as ipykernel_launcher does; IPython puts the working directory back
            if "numpy.random" in sys.modules:
                sys.modules["numpy.random"].seed()  # no global random state shared between kernels
            from ipykernel import kernelapp
            kernelapp.launch_new_instance()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            try:
                import atexit
                atexit._run_exitfuncs()
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:
                pass
            os._exit(code)
    replies.write(json.dumps({"pid": pid}) + "\n")
    replies.flush()
"""


class ForkedKernel:
    """The Popen-like handle of a kernel forked by the fork server (not our child: polled by pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:
                pass
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


# What the fork server imports before forking kernels. Only modules whose import does not depend on running
# inside a kernel: ipykernel's own machinery (which `python -m ipykernel_launcher` imports before the kernel
# exists anyway) and numerical libraries that never look at IPython, the terminal or sys.argv. NOT pandas
# (its display defaults depend on whether IPython is running), matplotlib.pyplot (backend and display hook),
# seaborn, tqdm or villenum: those are imported inside each kernel (see preimport_arguments).
FORK_PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "numpy", "scipy.stats")


class ForkServer:
    """Imports the kernel machinery (and numpy, scipy) once, then forks a fresh kernel per notebook.

    A forked kernel is a new process, in its own session, with the kernel's command-line arguments,
    environment and working directory, exactly as `python -m ipykernel_launcher` would be, except that the
    modules of FORK_PRELOAD are already in `sys.modules` (imported in the notebooks' folder, before any
    kernel or notebook code ran; numpy's global random state is reseeded in each kernel). Each notebook
    runs in its own fresh interpreter state: no notebook code runs in the server. Any failure falls back to
    launching the kernel normally; VILLENUM_FORKSERVER=0 turns the server off.
    """

    def __init__(self, modules: list[str], cwd: Path):
        self.modules = list(modules)
        self.cwd = cwd
        self.lock = threading.Lock()
        self.proc = None
        self.interpreter: list[str] | None = None
        self.ready = False
        self.broken = os.environ.get(FORKSERVER_ENV, "1") == "0"

    @staticmethod
    def _split(cmd: list[str]) -> tuple[list[str], list[str]] | None:
        """[python, opts..., -m, ipykernel_launcher, args...] -> ([python, opts...], args)."""
        if "-m" not in cmd:
            return None
        i = cmd.index("-m")
        if i + 1 >= len(cmd) or cmd[i + 1] != "ipykernel_launcher" or any(not c.startswith("-X") for c in cmd[1:i]):
            return None
        return cmd[:i], cmd[i + 2:]

    def start(self, interpreter: list[str]) -> None:
        """Start the server (imports run in the background); the first spawn waits until it is ready."""
        import subprocess

        with self.lock:
            if self.proc is not None or self.broken:
                return
            self.interpreter = interpreter
            self.proc = subprocess.Popen([*interpreter, "-c", _ZYGOTE, json.dumps(self.modules)], cwd=self.cwd,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                         start_new_session=True)
            self.ready = False

    def spawn(self, cmd: list[str], env: dict | None, cwd) -> ForkedKernel | None:
        """Fork a kernel for `cmd`, or None if this command cannot be forked (then launch it normally)."""
        split = self._split(cmd)
        if split is None or self.broken:
            return None
        interpreter, args = split
        self.start(interpreter)
        with self.lock:
            if self.broken or self.proc is None or interpreter != self.interpreter:
                return None
            try:
                if not self.ready:
                    if self.proc.stdout.readline().strip() != "ready":
                        raise OSError("the fork server did not start")
                    self.ready = True
                request = {"args": args, "env": dict(env if env is not None else os.environ),
                           "cwd": str(cwd or os.getcwd())}
                self.proc.stdin.write(json.dumps(request) + "\n")
                self.proc.stdin.flush()
                reply = json.loads(self.proc.stdout.readline())
                return ForkedKernel(int(reply["pid"]))
            except (OSError, ValueError, KeyError):
                self.broken = True
                return None

    def close(self) -> None:
        """Let the server exit (end of its requests); reaped in the background, so that nobody waits for it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return

        def reap() -> None:
            try:
                proc.stdin.close()
                proc.wait(timeout=10)
            except Exception:  # noqa: BLE001 - a server that does not exit is killed
                proc.kill()
                proc.wait()

        threading.Thread(target=reap, name="fork-server-exit", daemon=True).start()

    def kill(self) -> None:
        """Stop the server at once (Ctrl-C), without the lock a blocked spawn may hold."""
        proc = self.proc
        if proc is not None:
            try:
                proc.kill()
            except OSError:
                pass


def _kernel_manager_class(stop: Stop, notebook: str, server: ForkServer | None = None):
    """An AsyncKernelManager that registers itself (so that Ctrl-C can kill the kernel's process group) and
    launches its kernel through the fork server when there is one."""
    from jupyter_client.manager import AsyncKernelManager

    class KernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stop.register(notebook, self)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            forked = server.spawn(kernel_cmd, kw.get("env"), kw.get("cwd")) if server is not None else None
            if forked is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            prov = self.provisioner
            prov.process, prov.pid, prov.pgid = forked, forked.pid, forked.pid  # own session: pgid == pid
            prov.cwd = kw.get("cwd")
            self._reconcile_connection_info(prov.connection_info)

    return KernelManager


def preimport_arguments(modules: list[str]) -> list[str]:
    """Kernel arguments importing, while the kernel starts, the modules the notebook imports first thing.

    Only modules named by the import statements that open the notebook (before any other statement) are
    imported, in a throw-away namespace and ignoring failures (the notebook's own import then reports
    them): the notebook runs exactly as in a fresh kernel, its imports being found in `sys.modules`.
    """
    if not modules:
        return []
    code = ("import importlib\n"
            f"for m in {sorted(set(modules))!r}:\n"
            "    try:\n        importlib.import_module(m)\n    except Exception:\n        pass\n")
    return [f"--IPKernelApp.exec_lines=[{('exec(' + repr(code) + ', {})')!r}]"]


def execute_notebook(notebook: Path, output: Path, params: dict, kernel: str, cwd: Path, km_class,
                     extra_arguments: list[str] | None = None, on_notebook_start=None) -> None:
    """Papermill's Python API, the one call that runs a notebook (tests replace it)."""
    import papermill as pm

    pm.execute_notebook(notebook, output, parameters=params, kernel_name=kernel, language="python",
                        progress_bar=False, cwd=str(cwd), request_save_on_cell_execute=False,
                        kernel_manager_class=km_class, extra_arguments=list(extra_arguments or KERNEL_ARGUMENTS),
                        on_notebook_start=on_notebook_start)


def _failed_cell_message(notebook: Path, err, failed: Path) -> str:
    """Name the notebook and the failing cell as the author sees it (1-based, injected cell not counted)."""
    index = err.cell_index
    try:
        nb = json.loads(failed.read_text(encoding="utf-8"))
        cells = [c for c in nb["cells"] if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
        injected = sum(1 for c in cells[:index] if "injected-parameters" in c.get("metadata", {}).get("tags", []))
        index -= injected
    except (OSError, ValueError, KeyError, TypeError):
        pass
    first = next((line for line in str(err.source).splitlines() if line.strip()), "")
    return (f"{notebook.name}: cell {index + 1} (In [{err.exec_count}]: {first.strip()[:80]}) raised "
            f"{err.ename}: {err.evalue}. Partial notebook kept at {failed}")


class Gate:
    """Holds notebooks of a later stage whose kernels were started early: opened when the earlier stages are
    done (the notebook then decides whether it must run), or cancelled if one of them failed."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.cancelled = False

    def open(self, cancel: bool = False) -> None:
        self.cancelled = cancel
        self.opened.set()


class _Skip(Exception):
    """Raised by a gated notebook that turns out to be cached (or cancelled) once its gate opens."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


def execute(notebook: Path, params: dict, report_dir: Path, kernel: str = KERNEL, *,
            output_dir: Path | None = None, key: str = "", parts: dict | None = None,
            stop: Stop | None = None, slots: Slots | None = None, gate: Gate | None = None,
            decide=None, server: ForkServer | None = None) -> Outcome:
    """Run one notebook into `report_dir`, keeping the previous outputs until the run succeeded.

    On success: the executed notebook replaces the previous one and the cache record is written. On a
    failing cell: `NAME.failed.ipynb` is kept and the previous outputs are put back. On an interruption or
    any other error: nothing partial is left and the previous outputs are put back.

    With a `gate`, the kernel starts at once but the first cell waits for the gate; `decide()` then returns
    the (key, parts) to run with, or None if the notebook is cached after all (its kernel is then stopped).
    """
    stop = stop or Stop()
    slots = slots or Slots(1, stop)
    report_dir = Path(report_dir)
    output_dir = Path(output_dir or params.get("output_dir") or report_dir)
    figure_dir = _outputs_dir(params, "figure_dir")
    final = report_dir / notebook.name
    partial = report_dir / f".{notebook.stem}{PARTIAL_SUFFIX}"
    failed = report_dir / f"{notebook.stem}.failed.ipynb"
    record = _cache_file(report_dir, notebook)
    name = finding_name(notebook)
    watched = [output_dir] + ([figure_dir] if figure_dir else [])
    if stop.event.is_set():
        return Outcome(notebook.name, "interrupted", final, f"{notebook.name}: not started (interrupted)")
    begun = time.perf_counter()
    state: dict = {"key": key, "parts": parts or {}, "before": None, "saved": [], "held": False,
                   "started": begun}

    def put_back() -> str:
        partial.unlink(missing_ok=True)
        for d in watched:
            for tmp in _temporaries(d, name):
                tmp.unlink(missing_ok=True)
        if state["before"] is None:  # nothing was touched yet
            return ""
        saved = state["saved"]
        created = [f for f in output_files(notebook, output_dir, figure_dir) if f not in state["before"]]
        problems = _restore(saved, created + ([final] if not any(f == final for f, _ in saved) else []))
        return f" (could not restore: {'; '.join(problems)})" if problems else ""

    def ready(**_) -> None:
        """The kernel is up: pass the gate, set the previous outputs aside, wait for a free slot."""
        nonlocal doing
        if gate is not None:
            while not gate.opened.wait(0.1):
                if stop.event.is_set():
                    raise KeyboardInterrupt
            if gate.cancelled:
                raise _Skip("cancelled")
            if decide is not None:
                decided = decide()
                if decided is None:
                    raise _Skip("cached")
                state["key"], state["parts"] = decided
        doing = f"set aside the previous outputs of {notebook.name}"
        state["before"] = output_files(notebook, output_dir, figure_dir)
        state["saved"] = _set_aside(state["before"] + [final, record])
        record.unlink(missing_ok=True)  # a run that dies from here on is never taken for a cached one
        doing = f"run {notebook.name}"
        slots.acquire()
        state["held"] = True
        state["started"] = time.perf_counter()

    doing = f"start the kernel of {notebook.name}"
    try:
        km_class = _kernel_manager_class(stop, notebook.name, server)
        arguments = KERNEL_ARGUMENTS + preimport_arguments(read_notebook(notebook).imports)
        try:
            execute_notebook(notebook, partial, params, kernel, notebook.parent, km_class, arguments, ready)
        finally:
            if state["before"] is None:  # failed or skipped before the first cell: the kernel may still be up
                stop.kill(notebook.name)
            stop.unregister(notebook.name)
            if state["held"]:
                slots.release()
        if stop.event.is_set():
            raise KeyboardInterrupt
        doing = f"save the executed notebook {final}"
        os.replace(partial, final)
        from villenum.io import write_atomic

        doing = f"record the cache entry {record}"
        duration = time.perf_counter() - state["started"]
        entry = {"key": state["key"], "parts": state["parts"], "duration": round(duration, 3),
                 "executed": sha256_file(final), "outputs": _digest_files(output_files(notebook, output_dir, figure_dir))}
        write_atomic(record, json.dumps(entry, indent=1))
    except BaseException as err:  # noqa: BLE001 - every path must put the previous outputs back
        elapsed = time.perf_counter() - state["started"]
        if isinstance(err, _Skip):
            put_back()
            return Outcome(notebook.name, err.status, final, "", elapsed)
        from_cell = type(err).__name__ == "PapermillExecutionError"
        if isinstance(err, KeyboardInterrupt) or stop.event.is_set() or (
                from_cell and getattr(err, "ename", "") == "KeyboardInterrupt"):
            stop.event.set()
            stop.kill()  # the other notebooks stop too
            put_back()
            return Outcome(notebook.name, "interrupted", final, f"{notebook.name}: interrupted", elapsed)
        if from_cell:
            try:
                os.replace(partial, failed)
                message = _failed_cell_message(notebook, err, failed)
            except OSError as werr:
                message = (f"{notebook.name}: cell {err.cell_index} raised {err.ename}: {err.evalue} "
                           f"(the partial notebook could not be kept: {werr})")
            return Outcome(notebook.name, "failed", failed, message + put_back(), elapsed)
        if isinstance(err, OSError):
            what = f" ({err.filename})" if err.filename and str(err.filename) not in doing else ""
            full = " - is the disk full?" if err.errno in (errno.ENOSPC, errno.EDQUOT) else ""
            message = (f"{notebook.name}: could not {doing}{what}: {err.strerror or err}{full}; "
                       f"the previous outputs are left in place")
        else:  # kernel missing or dead, unreadable notebook...: name the notebook
            message = f"{notebook.name}: could not {doing}: {type(err).__name__}: {err}"
        return Outcome(notebook.name, "failed", final, message + put_back(), elapsed)
    _discard(state["saved"])
    failed.unlink(missing_ok=True)
    return Outcome(notebook.name, "ran", final, "", time.perf_counter() - state["started"])


class _Lock:
    """One run at a time per report directory (flock: released by the OS if the process dies)."""

    def __init__(self, report_dir: Path):
        self.path = Path(report_dir) / CACHE / "lock"
        self.fh = None

    def __enter__(self):
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another run on {self.path.parent.parent} to finish...", file=sys.stderr)
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        import fcntl

        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def _wait_all(futures: list) -> None:
    """Wait for futures in short slices, so that Ctrl-C is seen at once."""
    from concurrent.futures import wait

    pending = set(futures)
    while pending:
        _, pending = wait(pending, timeout=0.2)


def _interrupted(stop: Stop, pool) -> None:
    """After Ctrl-C: kill the kernels, let the workers put the previous outputs back (a second Ctrl-C while
    they do is absorbed for a few seconds), then return so that KeyboardInterrupt propagates."""
    from concurrent.futures import wait

    stop.event.set()
    stop.kill()
    if pool is None:
        return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            pool.shutdown(wait=False, cancel_futures=True)
            futures = list(getattr(pool, "_villenum_futures", []))
            if not wait(futures, timeout=0.5).not_done:
                return
        except KeyboardInterrupt:
            stop.kill()


def run(notebooks: list[Path], common: dict, extra: dict | None = None, *, report_dir: Path,
        output_dir: Path, jobs: int = 1, force: bool = False, kernel: str = KERNEL,
        progress: bool = True, on_work=None) -> list[Outcome]:
    """Run notebooks stage by stage, `jobs` at a time (longest first), skipping those whose key is unchanged.

    `on_work()` is called once, when the first notebook is about to run (not at all if everything is
    cached). Raises KeyboardInterrupt after cleaning up if interrupted (previous outputs intact, no
    partial file).
    """
    chosen = check_parameters(notebooks, common, extra or {})
    report_dir, output_dir = Path(report_dir), Path(output_dir)
    (report_dir / CACHE).mkdir(parents=True, exist_ok=True)
    with _Lock(report_dir):
        figure_dirs = {_outputs_dir(p, "figure_dir") for p in chosen.values()} - {None}
        recover(report_dir, [output_dir, *figure_dirs])
        return _run(notebooks, chosen, report_dir, output_dir, jobs, force, kernel, progress, on_work)


def _run(notebooks, chosen, report_dir, output_dir, jobs, force, kernel, progress, on_work) -> list[Outcome]:
    lib, env = library_digest(), environment_digest(kernel)
    everything = sorted(set(discover(notebooks[0].parent) if notebooks else []) | set(notebooks))
    stages = sorted({stage_of(nb) for nb in notebooks})
    outcomes: dict[str, Outcome] = {}
    stop = Stop()
    slots = Slots(jobs, stop)
    bar = None
    pool = None
    early: dict[int, tuple[Gate, list]] = {}  # stage -> its gate and the futures of its early-started notebooks
    server = ForkServer(list(FORK_PRELOAD), notebooks[0].parent) if notebooks else None

    def tick(future) -> None:
        if bar is not None and not future.cancelled() and future.exception() is None:
            o = future.result()
            if o.status != "cancelled":
                bar.update(1)
                bar.set_postfix_str(f"{o.notebook}: {o.status}")

    def decide_for(nb: Path, stage: int):
        def decide():
            parts = key_parts(nb, chosen[nb], upstream_files(stage, everything, output_dir), lib, env)
            key = _key(parts)
            if not force and cached(report_dir, nb, key, output_dir, _outputs_dir(chosen[nb], "figure_dir")):
                return None
            return key, parts
        return decide

    def start_pool():
        nonlocal bar, pool
        if pool is None:
            from concurrent.futures import ThreadPoolExecutor

            from jupyter_client.kernelspec import KernelSpecManager

            specs = KernelSpecManager().find_kernel_specs()
            if kernel not in specs:
                raise RunError(f"no Jupyter kernel named {kernel!r} (installed: {', '.join(sorted(specs)) or 'none'}); "
                               f"`make install` registers the villenum kernel")
            if server is not None:  # start importing in the fork server now, while the parent sets up
                spec = kernel_spec_file(kernel)
                try:
                    split = ForkServer._split(json.loads(spec.read_text())["argv"]) if spec else None
                except (OSError, ValueError, KeyError, TypeError):
                    split = None
                if split:
                    server.start(split[0])
            import jupyter_client.manager  # noqa: F401 - here, in one thread, before any other thread imports it
            import papermill  # noqa: F401

            if on_work is not None:
                on_work()
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(notebooks), desc="notebooks", unit="nb", file=sys.stderr, initial=len(outcomes))
            # one worker more than `jobs`: the next notebook's kernel starts while the others run
            pool = ThreadPoolExecutor(max_workers=max(1, jobs) + 1, thread_name_prefix="notebook")
            pool._villenum_futures = []
        return pool

    def longest_first(nbs: list[Path]) -> list[Path]:
        """Check that papermill injects every parameter exactly as given, as a literal; then order by the
        durations of the last runs, longest first, so that the stage ends with every worker busy."""
        for nb in nbs:
            verify_injection(chosen[nb])
        return sorted(nbs, key=lambda nb: -_last_duration(report_dir, nb))

    def submit(nb, **kw):
        f = start_pool().submit(execute, nb, chosen[nb], report_dir, kernel, output_dir=output_dir, stop=stop,
                                slots=slots, server=server, **kw)
        pool._villenum_futures.append(f)
        f.add_done_callback(tick)
        return f

    try:
        for i, stage in enumerate(stages):
            todo = [nb for nb in notebooks if stage_of(nb) == stage]
            if stage in early:  # kernels already started: let them decide (cached or run) now
                gate, futures = early.pop(stage)
                gate.open()
            else:
                upstream = upstream_files(stage, everything, output_dir)
                parts = {nb: key_parts(nb, chosen[nb], upstream, lib, env) for nb in todo}
                keys = {nb: _key(parts[nb]) for nb in todo}
                to_run = [nb for nb in todo if force or not cached(
                    report_dir, nb, keys[nb], output_dir, _outputs_dir(chosen[nb], "figure_dir"))]
                for nb in todo:
                    if nb not in to_run:
                        outcomes[nb.name] = Outcome(nb.name, "cached", report_dir / nb.name)
                if to_run:
                    start_pool()  # the fork server starts importing while papermill is imported here
                futures = [submit(nb, key=keys[nb], parts=parts[nb]) for nb in longest_first(to_run)]
            if futures and i + 1 < len(stages):
                # the next stage waits for this one; start its kernels now, they decide when the gate opens
                nxt = stages[i + 1]
                gate = Gate()
                ahead = longest_first([nb for nb in notebooks if stage_of(nb) == nxt])
                early[nxt] = (gate, [submit(nb, gate=gate, decide=decide_for(nb, nxt)) for nb in ahead])
            _wait_all(futures)
            for f in futures:
                o = f.result()
                outcomes[o.notebook] = o
            if stop.event.is_set() or any(o.status == "interrupted" for o in outcomes.values()):
                raise KeyboardInterrupt
            if any(o.status == "failed" for o in outcomes.values()):
                break
    except KeyboardInterrupt:
        for gate, _ in early.values():
            gate.open(cancel=True)
        if server is not None:
            server.kill()
        _interrupted(stop, pool)
        raise
    finally:
        for gate, futures in early.values():  # a stage failed: the next one does not run
            gate.open(cancel=True)
            _wait_all(futures)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if server is not None:
            server.close()
        if bar is not None:
            bar.close()
    return [outcomes[nb.name] for nb in notebooks if nb.name in outcomes and outcomes[nb.name].status != "cancelled"]


def _last_duration(report_dir: Path, notebook: Path) -> float:
    """Duration of the last run (from the cache record or a stale one), 1e9 if never run (new goes first)."""
    record = _read_record(report_dir, notebook) or _read_json(_backup_path(_cache_file(report_dir, notebook)))
    try:
        return float(record.get("duration", 1e9))
    except (TypeError, ValueError):
        return 1e9
