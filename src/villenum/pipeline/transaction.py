"""The transaction around one notebook run: previous outputs are set aside before its first cell and put back
if it fails, is interrupted or cannot be saved; what a hard-killed run left is undone by the next run."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import IO

from villenum.pipeline.cache import CACHE, output_files
from villenum.pipeline.notebooks import PARTIAL_SUFFIX, finding_name

BACKUP_SUFFIX = ".villenum-backup"


def backup_path(path: Path) -> Path:
    """Where a file is set aside: a hidden file beside it."""
    return path.with_name(f".{path.name}{BACKUP_SUFFIX}")


def set_aside(files: list[Path]) -> list[tuple[Path, Path]]:
    """Copy each existing file to a hidden backup beside it; return (original, backup) pairs.

    A copy, not a hard link: a notebook may rewrite a table in place (open/write), which would change a
    hard-linked backup too.
    """
    saved = []
    for f in files:
        if f.is_file():
            shutil.copy2(f, backup_path(f))
            saved.append((f, backup_path(f)))
    return saved


def restore(saved: list[tuple[Path, Path]], created: list[Path]) -> list[str]:
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


def temporaries(directory: Path, prefix: str) -> list[Path]:
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
        for p in [*d.glob(f".*{PARTIAL_SUFFIX}"), *d.glob(".*.tmp")]:
            p.unlink(missing_ok=True)
    return restored


class Transaction:
    """The previous outputs of one notebook (tables, figures, executed notebook, cache record), set aside by
    `begin` and either discarded by `commit` or put back by `rollback`."""

    def __init__(self, notebook: Path, report_dir: Path, output_dir: Path, figure_dir: Path | None,
                 record: Path) -> None:
        self.notebook, self.output_dir, self.figure_dir = notebook, output_dir, figure_dir
        self.final = Path(report_dir) / notebook.name
        self.partial = Path(report_dir) / f".{notebook.stem}{PARTIAL_SUFFIX}"
        self.record = record
        self.before: list[Path] | None = None
        self.saved: list[tuple[Path, Path]] = []

    @property
    def begun(self) -> bool:
        """True once the previous outputs were set aside."""
        return self.before is not None

    def begin(self) -> None:
        """Set the previous outputs aside; a run that dies from here on is never taken for a cached one."""
        self.before = output_files(self.notebook, self.output_dir, self.figure_dir)
        self.saved = set_aside(self.before + [self.final, self.record])
        self.record.unlink(missing_ok=True)

    def commit(self) -> None:
        """The run succeeded: drop the backups."""
        for _, b in self.saved:
            b.unlink(missing_ok=True)

    def rollback(self) -> str:
        """Remove what the run left and put the previous outputs back; return " (could not restore: ...)" or ""."""
        self.partial.unlink(missing_ok=True)
        name = finding_name(self.notebook)
        for d in [self.output_dir] + ([self.figure_dir] if self.figure_dir else []):
            for tmp in temporaries(d, name):
                tmp.unlink(missing_ok=True)
        if self.before is None:  # nothing was touched yet
            return ""
        created = [f for f in output_files(self.notebook, self.output_dir, self.figure_dir) if f not in self.before]
        if not any(f == self.final for f, _ in self.saved):
            created.append(self.final)
        problems = restore(self.saved, created)
        return f" (could not restore: {'; '.join(problems)})" if problems else ""


class Lock:
    """One run at a time per report directory (flock: released by the OS if the process dies)."""

    def __init__(self, report_dir: Path) -> None:
        self.path = Path(report_dir) / CACHE / "lock"
        self.fh: IO[str] | None = None

    def __enter__(self) -> Lock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another run on {self.path.parent.parent} to finish...", file=sys.stderr)
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        import fcntl

        assert self.fh is not None
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()
