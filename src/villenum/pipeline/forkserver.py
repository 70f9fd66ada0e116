"""The fork server: imports the kernel machinery (and numpy, scipy) once, then forks a fresh kernel per notebook.

Measured in `make benchmark` (full reproduction with and without it, several repetitions): it is kept because it
saves a clear share of the wall time of a full run. VILLENUM_FORKSERVER=0 launches every kernel afresh.

A forked kernel is a new process, in its own session, with the kernel's command-line arguments, environment
and working directory, exactly as `python -m ipykernel_launcher` would be, except that the modules of PRELOAD
are already in `sys.modules` (imported in the notebooks' folder before any kernel or notebook code ran;
numpy's global random state is reseeded in each kernel). Any failure falls back to launching the kernel normally.
Kernels reach the server through jupyter_client's public provisioner API (villenum.pipeline.provisioner).
"""

from __future__ import annotations

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


class ForkedKernel:
    """The Popen-like handle of a kernel forked by the fork server (not our child: polled by pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code (0: gone) or None while the process lives."""
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
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
    """One server process per run; `spawn` forks a kernel from it (thread-safe), `close` lets it exit."""

    def __init__(self, modules: list[str], cwd: Path) -> None:
        self.modules, self.cwd = list(modules), cwd
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.interpreter: list[str] | None = None
        self.ready = False
        self.broken = os.environ.get(ENV, "1") == "0"

    def start(self, interpreter: list[str]) -> None:
        """Start the server (imports run in the background); the first spawn waits until it is ready."""
        from villenum.pipeline import zygote

        with self.lock:
            if self.proc is not None or self.broken:
                return
            self.interpreter = interpreter
            code = Path(zygote.__file__).read_text(encoding="utf-8")
            self.proc = subprocess.Popen([*interpreter, "-c", code, json.dumps(self.modules)], cwd=self.cwd,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                         start_new_session=True)
            self.ready = False

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
            except (OSError, ValueError, KeyError):
                self.broken = True
                return None

    def _request(self, args: list[str], env: dict | None, cwd: str | None) -> ForkedKernel:
        """Send one fork request and read the child's pid (the lock is held)."""
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        if not self.ready:
            if self.proc.stdout.readline().strip() != "ready":
                raise OSError("the fork server did not start")
            self.ready = True
        request = {"args": args, "env": dict(env if env is not None else os.environ), "cwd": str(cwd or self.cwd)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return ForkedKernel(int(json.loads(self.proc.stdout.readline())["pid"]))

    def close(self) -> None:
        """Let the server exit (end of its requests); reaped in the background, so that nobody waits for it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return

        def reap() -> None:
            try:
                assert proc.stdin is not None
                proc.stdin.close()
                proc.wait(timeout=10)
            except Exception:  # noqa: BLE001 - a server that does not exit is killed
                proc.kill()
                proc.wait()

        threading.Thread(target=reap, name="fork-server-exit", daemon=True).start()

    def kill(self) -> None:
        """Stop the server at once (Ctrl-C), without the lock a blocked spawn may hold."""
        if self.proc is not None:
            try:
                self.proc.kill()
            except OSError:
                pass
