"""The fork server: imports the kernel machinery (and numpy, scipy) once, then forks a fresh kernel per notebook.

Measured in `make benchmark` (full reproduction with and without it, several repetitions, one process per
run): it is kept because it saves a clear share of the wall time of a full run. VILLENUM_FORKSERVER=0 (read
at each run) launches every kernel afresh.

One server per process and interpreter (`shared`): started on the first run that needs a kernel, reused by
the later runs of the same process (tests, `reproduce --editions`), it exits when its stdin closes (the
parent exits or dies; closed at interpreter exit). A server that failed or was killed is replaced.

A forked kernel is a new process, in its own session, with the kernel's command-line arguments, environment
and working directory, exactly as `python -m ipykernel_launcher` would be, except that the modules of PRELOAD
are already in `sys.modules` (imported before any kernel or notebook code ran, with no working directory on
sys.path; a kernel whose working directory holds a module of the same name as one of them is launched
normally; numpy's global random state is reseeded in each kernel). Any failure falls back to launching the
kernel normally. Kernels reach the server through jupyter_client's public provisioner API
(villenum.pipeline.provisioner).
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

ENV = "VILLENUM_FORKSERVER"
# Only modules whose import does not depend on running inside a kernel: ipykernel's own machinery (which
# `python -m ipykernel_launcher` imports before the kernel exists anyway) and numerical libraries that never
# look at IPython, the terminal or sys.argv. NOT pandas, matplotlib.pyplot, seaborn, tqdm or villenum: those
# are imported inside each kernel (see kernels.preimport_arguments).
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "numpy", "scipy.stats")


def _dead(pid: int) -> bool:
    """Whether a process that still answers signals is a zombie. A kernel whose server was killed is
    re-parented to PID 1, which (in some containers) reaps only every few seconds, or later under load:
    meanwhile its pid answers signals, and jupyter_client would take it for alive."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False  # no /proc: signals alone tell
    return state in ("Z", "X")


class ForkedKernel:
    """The Popen-like handle of a kernel forked by the fork server (not our child: polled by pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code (0: gone, or dead but not reaped yet) or None while the process lives."""
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
                if _dead(self.pid):
                    self.returncode = 0
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait until the process is gone; subprocess.TimeoutExpired after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        """Signal the process if it still runs."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM."""
        self.send_signal(signal.SIGTERM)


def split_command(cmd: list[str]) -> tuple[list[str], list[str]] | None:
    """[python, opts..., -m, ipykernel_launcher, args...] -> ([python, opts...], args); None if not that form."""
    if "-m" not in cmd:
        return None
    i = cmd.index("-m")
    if i + 1 >= len(cmd) or cmd[i + 1] != "ipykernel_launcher" or any(not c.startswith("-X") for c in cmd[1:i]):
        return None
    return cmd[:i], cmd[i + 2:]


class ForkServer:
    """A server process for one interpreter; `spawn` forks a kernel from it (thread-safe)."""

    def __init__(self, modules: list[str]) -> None:
        self.modules = list(modules)
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.interpreter: list[str] | None = None
        self.ready = False
        self.broken = False

    def start(self, interpreter: list[str]) -> None:
        """Start the server (imports run in the background); the first spawn waits until it is ready."""
        from villenum.pipeline import zygote

        with self.lock:
            if self.proc is not None or self.broken:
                return
            self.interpreter = interpreter
            code = Path(zygote.__file__).read_text(encoding="utf-8")
            # cwd "/": the server's folder plays no part (the zygote drops it from sys.path before importing),
            # so that the server does not depend on the run that started it, nor keep that folder busy
            self.proc = subprocess.Popen([*interpreter, "-c", code, json.dumps(self.modules)], cwd="/",
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                         start_new_session=True)
            self.ready = False

    def usable(self) -> bool:
        """Not broken, and its process (if started) still runs."""
        return not self.broken and (self.proc is None or self.proc.poll() is None)

    def spawn(self, cmd: list[str], env: dict | None, cwd: str | None) -> ForkedKernel | None:
        """Fork a kernel for `cmd`, or None if this command cannot be forked (then launch it normally)."""
        split = split_command(cmd)
        if split is None or self.broken:
            return None
        self.start(split[0])
        with self.lock:
            if self.broken or self.proc is None or split[0] != self.interpreter:
                return None
            try:
                return self._request(split[1], env, cwd)
            except (OSError, ValueError, KeyError, TypeError):
                self.broken = True
                return None

    def _request(self, args: list[str], env: dict | None, cwd: str | None) -> ForkedKernel | None:
        """Send one fork request and read the child's pid (the lock is held); None: launch normally."""
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        if not self.ready:
            if self.proc.stdout.readline().strip() != "ready":
                raise OSError("the fork server did not start")
            self.ready = True
        request = {"args": args, "env": dict(env if env is not None else os.environ), "cwd": str(cwd or os.getcwd())}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        pid = json.loads(self.proc.stdout.readline())["pid"]
        return None if pid is None else ForkedKernel(int(pid))

    def close(self, wait: float = 0) -> None:
        """Let the server exit (end of its requests); waited for `wait` seconds, then killed (0: reaped in the
        background, so that nobody waits for it)."""
        proc, self.proc = self.proc, None
        self.broken = True
        if proc is None:
            return

        def reap() -> None:
            try:
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.close()
                proc.wait(timeout=wait or 10)
                proc.stdout.close()  # now: a spawn reading it meanwhile got end-of-file, not a closed file
            except Exception:  # noqa: BLE001 - a server that does not exit is killed
                proc.kill()
                proc.wait()

        if wait:
            reap()
        else:
            threading.Thread(target=reap, name="fork-server-exit", daemon=True).start()

    def interrupt(self) -> None:
        """Ctrl-C: kill the server at once (the next run starts another) if it is still importing, so that no
        spawn waits for it; a ready server answers at once and stays, usable by the next runs. (Killed before it
        forked any kernel, it orphans none: an orphan is reaped by PID 1, which may take seconds.)"""
        if self.proc is None or self.ready:
            return
        self.broken = True
        try:
            self.proc.kill()
        except OSError:
            pass


# Environment variables read when an interpreter starts or imports PRELOAD (sys.path, hash seed, warnings,
# locale, thread pools of the numerical libraries...): the server's are those of the run that started it, so
# a run whose values differ gets a new server (a kernel's environment is otherwise set afresh from its request)
STARTUP_ENV = ("PYTHON", "OMP_", "OPENBLAS_", "MKL_", "NUMEXPR_", "VECLIB_", "NPY_", "SCIPY_", "JUPYTER", "IPYTHON",
               "LC_", "LANG", "TZ")

_servers: dict[tuple, tuple[tuple, ForkServer]] = {}
_servers_lock = threading.Lock()


def shared(interpreter: list[str], modules: list[str] | tuple[str, ...] = PRELOAD) -> ForkServer | None:
    """This process's fork server for `interpreter` and `modules`, started now if there is none (or the last
    one failed, or was started with other STARTUP_ENV values); None if VILLENUM_FORKSERVER=0."""
    if os.environ.get(ENV, "1") == "0":
        return None
    key = (tuple(interpreter), tuple(modules))
    startup = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(STARTUP_ENV)))
    with _servers_lock:
        env, server = _servers.get(key, ((), None))
        if server is None or not server.usable() or env != startup:
            if server is not None:
                server.close()
            server = ForkServer(list(modules))
            _servers[key] = (startup, server)
    server.start(list(interpreter))
    return server


def close_all() -> None:
    """Let every server of this process exit (at interpreter exit; a dead parent closes their stdin anyway)."""
    with _servers_lock:
        servers = [server for _, server in _servers.values()]
        _servers.clear()
    for server in servers:
        server.close(wait=2)


atexit.register(close_all)
# a forked copy of this process must not write to its parent's servers: it starts its own
os.register_at_fork(after_in_child=_servers.clear)
