"""Robust CSV reading (separator, header, structure); text decoding is in villenum.encoding, numbers in
villenum.numbers, atomic writing in villenum.atomic (re-exported here)."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from villenum.atomic import write_atomic, write_csv_atomic  # noqa: F401 - re-exported (their former home)
from villenum.encoding import _decode, decode_bytes  # noqa: F401 - decode_bytes re-exported
from villenum.errors import InputError, Problem, problem
from villenum.numbers import _parse_numbers, number_issue, parse_french_number  # noqa: F401 - re-exported

SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "comma ','", ";": "semicolon ';'", "\t": "tab"}
_NEWLINE = re.compile(r"\r\n|\r|\n")


def column_key(name: str) -> str:
    """Fold a column name so hand-typed headers compare equal ('Collectivité ID' -> 'collectivite_id')."""
    folded = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_")


def _split_header(header: str, sep: str) -> list[str]:
    """The fields of a header line split on `sep`, trimmed."""
    return [f.strip() for f in next(csv.reader([header], delimiter=sep))] if header else []


def _unrecognised_separator(header: str, file: str | Path, expected: list[str]) -> InputError:
    """The error for a header that no accepted separator splits into codebook columns."""
    others = Counter(ch for ch in header if not (ch.isalnum() or ch in " _-'’\"" or ch in SEPARATORS))
    seen = others.most_common(1)
    hint = f" (it seems to be separated by {seen[0][0]!r})" if seen and seen[0][1] >= 2 else ""
    message = f"the header is not split into the codebook columns by a comma, semicolon or tab{hint}"
    allowed = f"the columns {', '.join(expected)} separated by ',' or ';' or a tab"
    return InputError([problem(file, message, row=1, value=header, allowed=allowed)])


def _first_nonblank_line(text: str) -> str:
    """The first physical line with non-blank content ("" if none), without splitting the whole text."""
    pos = 0
    while True:
        m = _NEWLINE.search(text, pos)
        line = text[pos:m.start() if m else len(text)]
        if line.strip():
            return line
        if m is None:
            return ""
        pos = m.end()


def _header_score(line: str, wanted: set[str]) -> int:
    """How many expected column names (folded) a line holds, split by its best separator."""
    return max(len(wanted & {column_key(f) for f in _split_header(line, sep)}) for sep in SEPARATORS)


def _check_header_line(text: str, file: str | Path, expected: list[str], look: int = 10) -> None:
    """Fail once, citing line 1, if the header is not the first non-blank line but one of the next `look` lines.

    A title row above the table, or Excel's `sep=;` line, would otherwise make every data row look ragged.
    """
    wanted = {column_key(c) for c in expected}
    lines = _NEWLINE.split(text[:20000], maxsplit=look + 1)[:look]
    scores = [_header_score(line, wanted) if line.strip() else -1 for line in lines]
    first = next((i for i, s in enumerate(scores) if s >= 0), None)
    best = max(range(len(scores)), key=lambda i: (scores[i], -i)) if scores else None
    if first is None or best == first or scores[best] < min(2, len(wanted)) or scores[best] <= scores[first]:
        return
    top = lines[first].strip()
    if top.lower().startswith("sep="):
        what = f"line {first + 1} is Excel's separator hint {top!r}, not the header: delete it"
    else:
        what = f"line {first + 1} is not the header: the header starts on line {best + 1}; delete the line(s) above it"
    raise InputError([problem(file, what, row=first + 1, value=lines[first],
                              allowed=f"the header on line 1: {', '.join(expected)}")])


def sniff_separator(text: str, file: str | Path, expected: list[str] | None = None) -> str:
    """Pick the separator (',' ';' or tab) that splits the header into the expected columns (or the most fields)."""
    header = _first_nonblank_line(text)
    splits = {sep: _split_header(header, sep) for sep in SEPARATORS}
    if expected:
        wanted = {column_key(c) for c in expected}
        hits = {sep: len(wanted & {column_key(f) for f in fields}) for sep, fields in splits.items()}
        best = max(SEPARATORS, key=lambda s: (hits[s], len(splits[s]), -SEPARATORS.index(s)))
        if hits[best]:
            return best
    best = max(SEPARATORS, key=lambda s: (len(splits[s]), -SEPARATORS.index(s)))
    if expected and len(splits[best]) < 2 <= len(expected):
        raise _unrecognised_separator(header, file, expected)
    return best


def _records(text: str, file: str, sep: str) -> tuple[list[list[str]], list[int]]:
    """Parse CSV records with their 1-based starting line, skipping blank lines and rows of empty fields."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows, lines, previous = [], [], 0
    try:
        for record in reader:
            if any(f.strip() for f in record):
                rows.append(record)
                lines.append(previous + 1)
            previous = reader.line_num
    except csv.Error as err:
        raise InputError([problem(file, f"cannot parse the CSV: {err}", row=reader.line_num,
                                  allowed="CSV text with balanced double quotes")]) from None
    return rows, lines


def _ragged(rows: list[list[str]], lines: list[int], text: str, file: str, sep: str,
            header: list[str]) -> list[Problem]:
    """One problem per data row whose number of fields differs from the header's."""
    width = len(header)
    physical: list[str] = []
    name = SEPARATOR_NAMES[sep]
    allowed = f"{width} fields separated by {name}: {', '.join(header)}"
    out = []
    for record, line in zip(rows, lines):
        n = len(record) if any(f.strip() for f in record[width:]) else min(len(record), width)
        if n != width:
            message = (f"{n} field(s) where the header has {width}: is the {name} the separator on every line, "
                       f"and is every value containing a {name} quoted?")
            physical = physical or _NEWLINE.split(text)
            out.append(problem(file, message, row=line, value=physical[line - 1], allowed=allowed))
    return out


def _well_quoted(lines: list[str], sep: str) -> bool:
    """True if the lines parse as CSV in strict mode: every quote that closes a value is followed by a separator
    or the end of the line, as any spreadsheet or csv writer writes it."""
    try:
        list(csv.reader(io.StringIO("\n".join(lines), newline=""), delimiter=sep, strict=True))
    except csv.Error:
        return False
    return True


def _check_merged_lines(rows: list[list[str]], lines: list[int], text: str, file: str, sep: str,
                        width: int) -> None:
    """Fail once if a double quote swallows line breaks and, with them, lines that are records of their own.

    A value may hold a line break when quoted; but a record over several lines whose quotes are not well formed
    (a quote closing a value and followed by more text) and one of whose continuation lines splits, quotes
    taken as plain characters, into the header's number of fields, is records glued by a stray quote (31 of
    32 projects would load without a word).
    """
    physical: list[str] = []
    for record, line in zip(rows, lines):
        inside = sum(f.count("\n") + f.count("\r") for f in record)
        if not inside:
            continue
        physical = physical or _NEWLINE.split(text)
        lines_of_record = physical[line - 1:line + inside]
        if _well_quoted(lines_of_record, sep):
            continue
        span = [len(next(csv.reader([t], delimiter=sep, quoting=csv.QUOTE_NONE), [])) for t in lines_of_record]
        swallowed = [line + k for k, n in enumerate(span) if k and n == width]
        if swallowed:
            message = (f"a double quote opened on this line is closed only on line {line + inside}: lines {line} to "
                       f"{line + inside} are read as one record, swallowing line {swallowed[0]}; a double quote "
                       'inside a value must be doubled ("") or the value left unquoted')
            raise InputError([problem(file, message, row=line, value=physical[line - 1],
                                      allowed="CSV text with balanced double quotes")])


def read_csv_robust(path: str | Path, expected: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV of strings whatever its encoding (UTF-8/BOM/cp1252) and separator (, ; tab).

    Cells are trimmed, empty cells are <NA>, blank lines and rows of empty fields are skipped; the index is
    the line number in the file minus 2, so that `index + 2` is the line a problem must cite.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError([problem(path.name, f"file not found in {path.parent}", allowed="an existing CSV file")])
    raw = path.read_bytes()
    text, encoding = _decode(raw, path.name)
    if not text.strip():
        raise InputError([problem(path.name, "the file is empty", allowed="a header line and data rows")])
    if expected:
        _check_header_line(text, path.name, expected)
    sep = sniff_separator(text, path.name, expected)
    utf8 = (raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw) if encoding == "utf-8-sig" else None
    del raw
    fast = _read_clean_text(text, sep, utf8)
    del utf8
    if fast is not None:
        return fast
    return _read_careful(text, path.name, sep)


def _strip_cells(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Trim an object array of str; empty cells become <NA> (dtype "string")."""
    stripped = np.array([v.strip() for v in values], dtype=object)
    stripped[stripped == ""] = pd.NA
    return pd.array(stripped, dtype="string")


def _read_clean_text(text: str, sep: str, utf8: bytes | None = None) -> pd.DataFrame | None:
    """Fast path of `read_csv_robust` for clean files (pandas' C parser), or None to use the careful path.

    Returns a frame only when one record is one physical line (no blank line, no line break inside quotes, no
    carriage return), every record has the header's number of fields, no record is only empty fields, and the
    header has no trailing empty names: then the careful path would give the same frame, indexed 0..n-1.
    Anything else (including any parser error) goes to the careful path, which cites exact lines.
    `utf8`, if given, is `text` encoded in UTF-8 (the file's own bytes, without BOM), saving an encoding.
    """
    if "\r" in text:
        return None
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if n_lines < 2:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = io.BytesIO(text.encode("utf-8") if utf8 is None else utf8)
            table = pd.read_csv(data, encoding="utf-8", sep=sep, header=None, dtype=object, keep_default_na=False,
                                na_values=[], skip_blank_lines=False, engine="c", quotechar='"', doublequote=True,
                                skipinitialspace=False, comment=None, escapechar=None)
            del data
    except Exception:  # noqa: BLE001 - any parser trouble: the careful path reports it precisely
        return None
    if len(table) != n_lines or table.shape[1] == 0:
        return None  # a line break inside quotes, or lines the parser dropped
    values = [table[j].to_numpy(dtype=object) for j in table.columns]
    width = len(values)
    # fields per record: a short record is padded by the parser, so count separators outside values instead
    try:
        in_values = sum("".join(v).count(sep) for v in values) if '"' in text else 0
    except TypeError:  # a cell that is not a str
        return None
    if text.count(sep) - in_values != (width - 1) * n_lines:
        return None
    header = [str(v[0]).strip() for v in values]
    if width > 1 and header[-1] == "":
        return None
    columns = [_strip_cells(v[1:]) for v in values]
    empty = np.ones(n_lines - 1, dtype=bool)
    for col in columns:
        empty &= col.isna()
    if empty.any():
        return None  # rows of empty fields are skipped by the careful path (with their line numbers)
    frame = pd.DataFrame(dict(enumerate(columns)), index=pd.RangeIndex(n_lines - 1))
    frame.columns = pd.Index(header)
    return frame


def _read_careful(text: str, file: str, sep: str) -> pd.DataFrame:
    """The careful path of `read_csv_robust`: the csv module, exact line numbers, every problem reported."""
    rows, lines = _records(text, file, sep)
    if not rows:
        raise InputError([problem(file, "the file has no header (only empty fields)",
                                  allowed="a header line and data rows")])
    header = [h.strip() for h in rows[0]]
    while len(header) > 1 and header[-1] == "":
        header.pop()  # trailing separators after the last column name (spreadsheet exports)
    _check_merged_lines(rows[1:], lines[1:], text, file, sep, len(header))
    ragged = _ragged(rows[1:], lines[1:], text, file, sep, header)
    if ragged:
        raise InputError(ragged)
    width = len(header)
    cells = [(r + [""] * width)[:width] for r in rows[1:]]
    index = pd.Index(lines[1:], dtype="int64") - 2
    if index.equals(pd.RangeIndex(len(index))):
        index = pd.RangeIndex(len(index))
    frame = pd.DataFrame(cells, columns=header, index=index, dtype="string")
    return frame.apply(lambda col: col.str.strip().replace("", pd.NA)) if len(frame) else frame
