"""Kernels: the shared stop signal that kills them on Ctrl-C, the kernel manager papermill uses, and the
arguments that pre-import a notebook's leading imports while its kernel waits for a slot."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from villenum.pipeline.forkserver import ForkServer

KERNEL = "villenum"
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]  # no "TCP without encryption" warning, once per kernel


class Stop:
    """Shared between the workers: set on Ctrl-C; keeps the kernel managers so their processes can be killed."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.lock = threading.Lock()
        self.kernels: dict[str, object] = {}

    def register(self, notebook: str, km: object) -> None:
        """Remember a notebook's kernel manager (killed at once if the run is already stopping)."""
        with self.lock:
            self.kernels[notebook] = km
        if self.event.is_set():
            self.kill(notebook)

    def unregister(self, notebook: str) -> None:
        """Forget a notebook's kernel manager."""
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


def check_kernel(kernel: str) -> None:
    """RunError naming the installed kernels if `kernel` is not one of them."""
    from jupyter_client.kernelspec import KernelSpecManager

    from villenum.pipeline.outcome import RunError

    specs = KernelSpecManager().find_kernel_specs()
    if kernel not in specs:
        raise RunError(f"no Jupyter kernel named {kernel!r} (installed: {', '.join(sorted(specs)) or 'none'}); "
                       f"`make install` registers the villenum kernel")


def kernel_manager_class(stop: Stop, notebook: str, server: ForkServer | None = None) -> type:
    """An AsyncKernelManager that registers itself with `stop` and, when there is a fork server, names the
    `villenum-fork` provisioner in its kernel spec (villenum.pipeline.provisioner), which forks the kernel."""
    from jupyter_client.manager import AsyncKernelManager

    from villenum.pipeline.provisioner import NAME

    class KernelManager(AsyncKernelManager):
        fork_server = server

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stop.register(notebook, self)

        @property
        def kernel_spec(self) -> Any:
            spec = super().kernel_spec
            if spec is not None and server is not None and not server.broken:
                spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": NAME}}
            return spec

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
