"""Experiment of 2026-12-01 (issue 15): pyarrow's CSV reader for the fast path of `villenum.io.read_csv_robust`.

Not adopted (benchmarks/README.md, results of 2026-12-01): pyarrow is not a dependency, so it is installed
aside for this script only, leaving the project's environment (and pandas' default string storage) as it is:

    .venv/bin/pip install --no-deps --target /tmp/pa pyarrow==26.0.1
    PYTHONPATH=/tmp/pa .venv/bin/python benchmarks/pyarrow_reader.py identical DIR_OR_CSV...  # frames equal?
    PYTHONPATH=/tmp/pa .venv/bin/python benchmarks/pyarrow_reader.py corpus          # every CSV under tests/
    .venv/bin/python benchmarks/pyarrow_reader.py worker current DIR                 # load_survey + scoring
    PYTHONPATH=/tmp/pa .venv/bin/python benchmarks/pyarrow_reader.py worker arrow DIR   # same, pyarrow reader
    (`arrow1`: pyarrow single-threaded)

The pyarrow path keeps every check of the current fast path that decides when to fall back to the careful path
(no carriage return, one record per line, no blank line, no row of empty fields, no trailing empty header
name; pyarrow itself refuses a record with another number of fields), and gives the frame the current path
gives: Python-storage "string" columns, cells trimmed as `str.strip` trims them, empty cells <NA>, and one
Python object per distinct value (pandas' C parser shares them too; without it hashing later costs more).
"""

from __future__ import annotations

import codecs
import glob
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from villenum import io as vio

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {"projects.csv": ["project_id", "collectivite_id", "label", "domain", "status"],
            "collectivites.csv": ["collectivite_id", "name", "kind", "insee_code", "epci_siren", "population"],
            "objectives.csv": ["collectivite_id", "objective", "rank", "cited"]}
WHITESPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())  # what str.strip() trims


def _arrow_table(utf8: bytes, sep: str, width: int, threads: bool):
    """All cells as Arrow strings (header included), or None if pyarrow refuses the text."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"f{i}" for i in range(width)]
    try:
        return pacsv.read_csv(pa.py_buffer(utf8), read_options=pacsv.ReadOptions(
            column_names=names, use_threads=threads), parse_options=pacsv.ParseOptions(
            delimiter=sep, quote_char='"', double_quote=True, escape_char=False, newlines_in_values=False,
            ignore_empty_lines=False), convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False,
            quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, ValueError):
        return None


def _python_strings(column) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """A trimmed Arrow column as a Python-storage "string" array (empty -> <NA>), and its mask of empty cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = pc.utf8_trim(column, characters=WHITESPACE)
    col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col).combine_chunks().dictionary_encode()
    words = np.append(col.dictionary.to_numpy(zero_copy_only=False).astype(object), pd.NA)
    values = words[col.indices.fill_null(len(words) - 1).to_numpy()]
    return pd.array(values, dtype=pd.StringDtype("python")), col.is_null().to_numpy(zero_copy_only=False)


def read_arrow(path: str | Path, expected: list[str] | None = None, threads: bool = True) -> pd.DataFrame | None:
    """The frame `read_csv_robust` gives, read by pyarrow; None where the current path would be needed."""
    path = Path(path)
    raw = path.read_bytes()
    text, encoding = vio._decode(raw, path.name)
    if expected:
        vio._check_header_line(text, path.name, expected)
    sep = vio.sniff_separator(text, path.name, expected)
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if "\r" in text or n_lines < 2:
        return None
    utf8 = (raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw) if encoding.startswith(
        "utf-8") else text.encode("utf-8")
    width = len(vio._split_header(vio._first_nonblank_line(text), sep))
    table = _arrow_table(utf8, sep, width, threads)
    if table is None or table.num_rows != n_lines:
        return None
    header = [table.column(j)[0].as_py().strip() for j in range(width)]
    if width > 1 and header[-1] == "":
        return None
    columns, empty = [], np.ones(n_lines - 1, dtype=bool)
    for j in range(width):
        values, blank = _python_strings(table.column(j).slice(1))
        columns.append(values)
        empty &= blank
    if empty.any():
        return None
    frame = pd.DataFrame(dict(enumerate(columns)), index=pd.RangeIndex(n_lines - 1))
    frame.columns = pd.Index(header)
    return frame


def identical(paths: list[str]) -> None:
    """assert_frame_equal (exact, dtypes, index) between both readers on each CSV (or each CSV of a folder)."""
    pd.options.mode.string_storage = "python"  # pyarrow is importable here: keep the current path's storage
    files = [f for p in paths for f in (sorted(Path(p).glob("*.csv")) if Path(p).is_dir() else [Path(p)])]
    for f in files:
        a, b = vio.read_csv_robust(f, EXPECTED.get(f.name)), read_arrow(f, EXPECTED.get(f.name))
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        print(f"identical: {f} {a.shape} {sorted(set(map(repr, a.dtypes)))}")


def corpus() -> None:
    """Every CSV under tests/: the pyarrow frame, when it gives one, equals read_csv_robust's (else fallback)."""
    from villenum.errors import InputError

    pd.options.mode.string_storage = "python"
    counts = {"same frame": 0, "fallback to the current path": 0, "MISMATCH": 0}
    for f in sorted(glob.glob(str(ROOT / "tests" / "**" / "*.csv"), recursive=True)):
        exp = EXPECTED.get(Path(f).name)
        try:
            a = read_arrow(f, exp)
        except InputError:  # raised by the header checks both paths share, before any parsing
            a = None
        if a is None:
            counts["fallback to the current path"] += 1
            continue
        try:
            pd.testing.assert_frame_equal(a, vio.read_csv_robust(f, exp), check_exact=True)
            counts["same frame"] += 1
        except (AssertionError, InputError) as err:
            counts["MISMATCH"] += 1
            print("MISMATCH", f, str(err)[:300])
    print(counts)


def worker(mode: str, directory: str) -> None:
    """run.py's library_worker (load_survey + scoring), with the current reader or pyarrow's."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    if mode.startswith("arrow"):
        pd.options.mode.string_storage = "python"
        from villenum import survey

        def patched(path, expected=None):
            frame = read_arrow(path, expected, threads=mode != "arrow1")
            return vio.read_csv_robust(path, expected) if frame is None else frame
        survey.read_csv_robust = patched
    import run

    result = run.library_worker(directory)
    print(mode, json.dumps(result["seconds"]), f"peak RSS {result['peak_rss_mib']} MiB",
          f"pyarrow imported: {'pyarrow' in sys.modules}")


if __name__ == "__main__":
    {"identical": lambda: identical(sys.argv[2:]), "corpus": corpus,
     "worker": lambda: worker(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
