"""Errors raised on bad input: every problem names the file, row, column, value and what was allowed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file; `row` is the 1-based line in the file (header = line 1)."""

    file: str
    row: int | None
    column: str | None
    value: object
    allowed: str
    message: str

    def __str__(self) -> str:
        """One line: `file, row R, column 'C': value 'V': message (allowed: ...)`, leaving out what is unknown."""
        where = f"{self.file}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        value = "" if self.value is None else f": value {self.value!r}"
        return f"{where}{value}: {self.message} (allowed: {self.allowed})"


class InputError(ValueError):
    """Raised when input data break the codebook; carries every problem found, not just the first."""

    max_listed = 20

    def __init__(self, problems: list[Problem]) -> None:
        """Keep every problem; the message lists the first `max_listed` of them, one per line."""
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[: self.max_listed]]
        more = len(self.problems) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more problem(s)")
        n = len(self.problems)
        super().__init__(f"{n} problem(s) in the input:\n  " + "\n  ".join(lines))


class InputWarning(UserWarning):
    """Warned when input data load but something deserves the student's attention (e.g. a wave without projects)."""


def problem(file: str | Path, message: str, *, row: int | None = None, column: str | None = None,
            value: object = None, allowed: str = "-") -> Problem:
    """Build a Problem with the file shown by name (tests and messages compare on it)."""
    return Problem(str(file), row, column, value, allowed, message)
