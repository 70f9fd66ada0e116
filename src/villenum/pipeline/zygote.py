"""The fork server's process: imports the kernel machinery once, then forks one fresh kernel per request.

Run by `villenum.pipeline.forkserver.ForkServer` as `python -c <this file's text> <modules as JSON>`; it
reads one JSON request per line on stdin ({"args", "env", "cwd"}) and answers {"pid": ...} on stdout
({"pid": null}: launch that kernel normally). Standard library only at import; nothing here runs when the
module is merely imported.

The server serves kernels of any working directory (one server per process, reused by every run): it
imports with no working directory on sys.path, and does not fork a kernel whose working directory holds a
module named like one it imported, since a fresh kernel (whose sys.path starts with its working directory)
would import that one instead.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys


def preload(modules: list[str]) -> None:
    """Import the modules every kernel needs (failures are left to the kernel to report)."""
    if sys.path and sys.path[0] == "":
        del sys.path[0]  # `python -c` puts the server's own folder first: it must play no part
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel sets it
    for m in modules:
        try:
            importlib.import_module(m)
        except Exception:  # noqa: BLE001 - the kernel imports it again and reports the error
            pass


def shadows(cwd: str, names: set[str]) -> bool:
    """Whether `cwd` holds a module or regular package named like one of `names` (a folder without
    __init__.py is a namespace package, which never wins over a module found further along sys.path)."""
    try:
        entries = os.listdir(cwd)
    except OSError:
        return False
    for entry in entries:
        name, _, suffix = entry.partition(".")
        if name in names and (suffix in ("py", "pyc") or suffix.endswith(("so", "pyd"))
                              or os.path.isfile(os.path.join(cwd, entry, "__init__.py"))):
            return True
    return False


def become_kernel(request: dict) -> int:
    """In the forked child: become `python -m ipykernel_launcher ARGS` in its own session; return the exit code."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    import importlib.util

    sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin] + request["args"]
    # A launched kernel exits when its parent dies (jupyter_client sets JPY_PARENT_PID, which ipykernel reads when
    # it is imported: here, in the server, too early). This kernel's parent is the server, which exits when the
    # run's process does (end of its stdin), even killed: the kernel then exits too, instead of running for ever.
    os.environ["JPY_PARENT_PID"] = str(os.getppid())
    sys.argv.append(f"--IPKernelApp.parent_handle={os.getppid()}")
    # sys.path has no working directory (see preload), as ipykernel_launcher leaves it; IPython puts it back
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()  # no global random state shared between kernels
    from ipykernel import kernelapp

    try:
        kernelapp.launch_new_instance()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def serve(modules: list[str]) -> None:
    """Preload, then fork a kernel per request line until stdin closes."""
    preload(modules)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system: no zombies
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    names = {m.partition(".")[0] for m in sys.modules}
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if shadows(request["cwd"], names):
            print(json.dumps({"pid": None}), flush=True)
            continue
        pid = os.fork()
        if pid == 0:  # the kernel: leaves the loop by SystemExit, so that the interpreter's normal
            sys.exit(become_kernel(request))  # shutdown runs the kernel's exit handlers, as a launched one would
        print(json.dumps({"pid": pid}), flush=True)


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))
