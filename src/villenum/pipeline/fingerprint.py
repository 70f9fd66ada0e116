"""Content fingerprints of what work depends on: files, directory trees, the library's source, the environment.

Standard library only, so that a run where everything is cached imports nothing heavy.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from villenum.digest import sha256_file


def digest_files(files: list[Path]) -> list[list[str]]:
    """[path, sha256] of each file, in a stable order (lists, so that a JSON round trip compares equal)."""
    return [[str(f), sha256_file(f)] for f in sorted(set(files))]


def tree(directory: Path) -> list[Path]:
    """Every non-hidden file under a directory (hidden files and folders, and __pycache__, are not data)."""
    out = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        out += [Path(root) / n for n in names if not n.startswith(".")]
    return out


def library_digest() -> str:
    """Hash of the library's source and package data: a change of code re-runs every notebook."""
    pkg = Path(__file__).resolve().parents[1]
    files = [p for p in tree(pkg) if p.suffix in {".py", ".csv", ".toml", ".json", ".txt"}]
    listing = [[Path(f).relative_to(pkg).as_posix(), h] for f, h in digest_files(files)]
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


def environment_digest(kernel: str = "villenum") -> str:
    """Hash of the Python version, installed distributions (names and versions) and the kernel's spec."""
    dists = []
    for entry in sys.path:
        if entry.endswith("site-packages") and os.path.isdir(entry):
            dists += [n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info"))]
    spec = kernel_spec_file(kernel)
    parts = {"python": sys.version, "executable": sys.executable, "distributions": sorted(dists),
             "kernel": kernel, "kernel_spec": spec.read_text(encoding="utf-8", errors="replace") if spec else None}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def read_json(path: Path) -> dict:
    """A JSON object read from a file; {} if it is missing, unreadable or not an object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}
