"""Atomic writes: a file is replaced whole or not at all (temporary file in the same folder, fsync, rename).

Free of pandas at import, so that the command line can write without loading it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new hidden `.NAME.XXXX.tmp` beside `path`, opened for writing, with the usual permissions: created
    with mode 0666 so that the OS applies the process umask (mkstemp's 0600 would need the umask read, and
    `os.umask` both reads and sets it, process-wide)."""
    while True:
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write bytes or text to `path` through a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as UTF-8 CSV (LF line ends, no index) atomically; byte-stable for equal frames."""
    return write_atomic(path, frame.to_csv(index=False, lineterminator="\n"))
