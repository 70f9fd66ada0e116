"""File checksums (standard library only, so that a cached re-run imports nothing heavy)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_digests(directory: str | Path) -> dict[str, str]:
    """SHA-256 of every file directly in a directory, by file name."""
    return {p.name: sha256_file(p) for p in sorted(Path(directory).glob("*")) if p.is_file()}
