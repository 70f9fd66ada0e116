"""What a run tells its caller: the error it raises when it cannot be set up, and one Outcome per notebook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class RunError(RuntimeError):
    """A notebook run could not be set up or failed; the message names the notebook (and cell)."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one notebook.

    Fields: `notebook` (file name), `status` ("ran", "cached", "failed", "interrupted" or "cancelled"),
    `output` (the executed notebook, or the kept `.failed.ipynb`), `message` (why it failed, else ""),
    `duration` (seconds of cell execution, 0 when cached) and `reason` (why it re-ran, "" when cached).
    """

    notebook: str
    status: str
    output: Path
    message: str = ""
    duration: float = 0.0
    reason: str = ""
