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
    """Raised when input data break the codebook; carries every problem found, not just the first.

    The message groups repeated problems: the same message for the same value in the same file and column
    is one line giving how many rows and the first row numbers, so every distinct problem is visible at once;
    an `allowed` text already printed on an earlier line is not repeated.
    """

    max_listed = 20
    rows_shown = 5

    def __init__(self, problems: list[Problem]) -> None:
        """Keep every problem; the message lists the first `max_listed` groups of them, one group per line."""
        self.problems = list(problems)
        groups = group_problems(self.problems)
        lines, said = [], set()
        for group in groups[: self.max_listed]:
            lines.append(_group_line(group, self.rows_shown, group[0].allowed in said))
            said.add(group[0].allowed)
        more = len(groups) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more problem(s)")
        n, g = len(self.problems), len(groups)
        kinds = "" if g == n else f" ({g} distinct)"
        super().__init__(f"{n} problem(s) in the input{kinds}:\n  " + "\n  ".join(lines))


def group_problems(problems: list[Problem]) -> list[list[Problem]]:
    """Problems grouped by (file, column, value, message, allowed), groups in order of their first problem."""
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.file, p.column, repr(p.value), p.message, p.allowed), []).append(p)
    return list(groups.values())


def _group_line(group: list[Problem], shown: int, allowed_said: bool) -> str:
    """One line for a group: a single problem as `str(Problem)`, else `file, rows a, b, c... (n rows), column...`."""
    first = group[0]
    allowed = "as above" if allowed_said and len(first.allowed) > 40 else first.allowed
    if len(group) == 1:
        return str(Problem(first.file, first.row, first.column, first.value, allowed, first.message))
    rows = [p.row for p in group if p.row is not None]
    where = first.file
    if rows:
        listed = ", ".join(str(r) for r in rows[:shown]) + (", ..." if len(rows) > shown else "")
        where += f", rows {listed} ({len(group)} rows)"
    if first.column is not None:
        where += f", column '{first.column}'"
    value = "" if first.value is None else f": value {first.value!r}"
    return f"{where}{value}: {first.message} (allowed: {allowed})"


class InputWarning(UserWarning):
    """Warned when input data load but something deserves the student's attention (e.g. a wave without projects)."""


def problem(file: str | Path, message: str, *, row: int | None = None, column: str | None = None,
            value: object = None, allowed: str = "-") -> Problem:
    """Build a Problem with the file shown by name (tests and messages compare on it)."""
    return Problem(str(file), row, column, value, allowed, message)
