"""Robust CSV reading (encoding, separator, French numbers) and atomic writing."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import pandas as pd

from villenum.errors import InputError, Problem, problem

ENCODINGS = ("utf-8-sig", "cp1252")
SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "comma ','", ";": "semicolon ';'", "\t": "tab"}
TEXT_ALLOWED = "UTF-8 or Windows-1252 CSV text (in Excel: 'Save as' > 'CSV UTF-8 (comma delimited)')"
_SIGNATURES = {
    b"PK\x03\x04": "a zip archive: an Excel .xlsx or LibreOffice .ods workbook saved under a .csv name?",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"%PDF": "a PDF document",
    b"{\\rtf": "an RTF document",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SPACES = "[ \u00a0\u202f\u2009]"  # space, no-break space, narrow no-break space, thin space
_GROUPED = re.compile(rf"^[+-]?\d{{1,3}}({_SPACES}\d{{3}})+([.,]\d+)?$")
_UMASK = os.umask(0)
os.umask(_UMASK)  # read once, at import (single-threaded), so that written files get the usual permissions


def _looks_utf16(raw: bytes) -> bool:
    """True if the bytes start with a UTF-16 byte-order mark or alternate NULs like UTF-16 text."""
    head = raw[:400]
    return raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(head) >= 4 and max(head[0::2].count(0), head[1::2].count(0)) > len(head) // 4)


def decode_bytes(raw: bytes, file: str | Path) -> str:
    """Decode UTF-8 (with or without BOM) or else Windows-1252; fail naming the file otherwise."""
    for signature, what in _SIGNATURES.items():
        if raw.startswith(signature):
            raise InputError([problem(file, f"not a CSV text file: it looks like {what}", allowed=TEXT_ALLOWED)])
    if _looks_utf16(raw):
        raise InputError([problem(file, "the file is UTF-16 text (Excel 'Unicode text'), not UTF-8 or Windows-1252",
                                  allowed=TEXT_ALLOWED)])
    text = None
    for enc in ENCODINGS:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise InputError([problem(file, "cannot decode the file as text", allowed=TEXT_ALLOWED)])
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise InputError([problem(file, f"binary content (control character U+{ord(bad.group()):04X}): not CSV text",
                                  row=line, allowed=TEXT_ALLOWED)])
    return text


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


def sniff_separator(text: str, file: str | Path, expected: list[str] | None = None) -> str:
    """Pick the separator (',' ';' or tab) that splits the header into the expected columns (or the most fields)."""
    header = next((line for line in _NEWLINE.split(text) if line.strip()), "")
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
    physical = _NEWLINE.split(text)
    name = SEPARATOR_NAMES[sep]
    allowed = f"{width} fields separated by {name}: {', '.join(header)}"
    out = []
    for record, line in zip(rows, lines):
        n = len(record) if any(f.strip() for f in record[width:]) else min(len(record), width)
        if n != width:
            message = (f"{n} field(s) where the header has {width}: is the {name} the separator on every line, "
                       f"and is every value containing a {name} quoted?")
            out.append(problem(file, message, row=line, value=physical[line - 1], allowed=allowed))
    return out


def read_csv_robust(path: str | Path, expected: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV of strings whatever its encoding (UTF-8/BOM/cp1252) and separator (, ; tab).

    Cells are trimmed, empty cells are <NA>, blank lines and rows of empty fields are skipped; the index is
    the line number in the file minus 2, so that `index + 2` is the line a problem must cite.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError([problem(path.name, f"file not found in {path.parent}", allowed="an existing CSV file")])
    text = decode_bytes(path.read_bytes(), path.name)
    if not text.strip():
        raise InputError([problem(path.name, "the file is empty", allowed="a header line and data rows")])
    sep = sniff_separator(text, path.name, expected)
    rows, lines = _records(text, path.name, sep)
    if not rows:
        raise InputError([problem(path.name, "the file has no header (only empty fields)",
                                  allowed="a header line and data rows")])
    header = [h.strip() for h in rows[0]]
    while len(header) > 1 and header[-1] == "":
        header.pop()  # trailing separators after the last column name (spreadsheet exports)
    ragged = _ragged(rows[1:], lines[1:], text, path.name, sep, header)
    if ragged:
        raise InputError(ragged)
    width = len(header)
    cells = [(r + [""] * width)[:width] for r in rows[1:]]
    index = pd.Index(lines[1:], dtype="int64") - 2
    if index.equals(pd.RangeIndex(len(index))):
        index = pd.RangeIndex(len(index))
    frame = pd.DataFrame(cells, columns=header, index=index, dtype="string")
    return frame.apply(lambda col: col.str.strip().replace("", pd.NA)) if len(frame) else frame


def parse_french_number(values: pd.Series) -> pd.Series:
    """Parse numbers written the French way ('1 234,5', '16 %', '16,0%') or plainly; NaN if unparsable."""
    s = values.astype("string").str.strip().str.replace("\u2212", "-", regex=False)
    s = s.str.replace(r"\s*%$", "", regex=True)
    is_grouped = s.str.match(_GROUPED.pattern, na=False)
    s = s.where(~is_grouped, s.str.replace(_SPACES, "", regex=True))
    s = s.str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce").astype("float64")


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write bytes or text to `path` through a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600 files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as UTF-8 CSV (LF line ends, no index) atomically; byte-stable for equal frames."""
    return write_atomic(path, frame.to_csv(index=False, lineterminator="\n"))
