"""The codebook of record-level survey data: three tables, their columns, and their validation."""

from __future__ import annotations

import difflib
import operator
import re

import numpy as np
import pandas as pd

from villenum.questionnaire import Questionnaire
from villenum.schema import (COLLECTIVITES, OBJECTIVES, PROJECTS, TABLES, Column, Table,  # noqa: F401 (re-exported)
                             load_schema, markdown_table, table_schema)
from villenum.errors import Problem, problem
from villenum.io import column_key
from villenum.numbers import number_issue, parse_french_number

TRUE = {"true", "1", "oui", "yes", "vrai", "o", "y", "x"}
FALSE = {"false", "0", "non", "no", "faux", "n"}
_SPREADSHEET_ERROR = re.compile(r"#(N/?A|N/D|REF!|VALUE!|VALEUR!|DIV/0!|NAME\?|NOM\?|NUM!|NOMBRE!|NULL!|NUL!|SPILL!|"
                                r"CALC!|FIELD!|BLOCKED!|CONNECT!|BUSY!|UNKNOWN!|GETTING_DATA|EPARS!)|Err:\d{3}")
_FORMULA = re.compile(r"=|[+\-@][A-Za-z_\u00c0-\u017f]+[0-9]*\s*\(|[+\-@]\$?[A-Za-z]{1,3}\$?\d+\b")
_JUNK_START = re.compile(r"[#=+\-@]|[eE][rR][rR]:")  # how every cell either regex above matches starts
_MAX_EXACT = 2.0 ** 53  # beyond this a float64 no longer holds every whole number: not a count


def _row_numbers(mask: pd.Series) -> pd.Index:
    """File line numbers (header = 1) of the rows where `mask` holds (frames are indexed by line - 2)."""
    return mask.index[mask.to_numpy()] + 2


def _cell_problems(file: str, col: Column, mask: pd.Series, values: pd.Series, message: str,
                   allowed: str) -> list[Problem]:
    """One Problem per flagged cell of a column; the value is the cell as written (trimmed)."""
    rows = _row_numbers(mask)
    bad = values[mask.to_numpy()]
    return [problem(file, message, row=int(r), column=col.name, value=None if pd.isna(v) else v, allowed=allowed)
            for r, v in zip(rows, bad)]


def _maximum(col: Column, q: Questionnaire) -> float | None:
    """The largest value an int column allows (the questionnaire's rank scale for ranks)."""
    return q.rank_scale if col.bound == "rank_scale" else None


def _maybe_junk(values: pd.Series) -> np.ndarray:
    """Mask of the cells `_JUNK_START` matches at their beginning: the only ones the spreadsheet regexes can match.

    Written by hand because pandas' `.str` methods call Python once per cell: the first four characters of every
    cell go into one fixed-width numpy array, whose code points are compared at once.
    """
    texts = values.to_numpy(dtype=object, na_value="")
    heads = np.array(list(map(operator.itemgetter(slice(0, 4)), texts)), dtype="U4").view(np.uint32)
    heads = heads.reshape(len(texts), 4) if len(texts) else np.zeros((0, 4), dtype=np.uint32)
    lower = heads | 0x20  # ASCII letters to lower case (no other code point becomes 'e' or 'r' so)
    junk = np.isin(heads[:, 0], [ord(c) for c in "#=+-@"])
    return junk | ((lower[:, 0] == ord("e")) & (lower[:, 1] == ord("r")) & (lower[:, 2] == ord("r"))
                   & (heads[:, 3] == ord(":")))


def _spreadsheet_cells(file: str, col: Column, raw: pd.Series, q: Questionnaire) -> tuple[pd.Series, list[Problem]]:
    """Cells that are a spreadsheet's error value ('#N/A', '#REF!', '#VALEUR!', 'Err:502') or a formula.

    Returns the mask of such cells and one problem per cell: no column of the codebook holds them, and a
    formula written back into a result CSV would run when the CSV is opened in a spreadsheet.
    """
    where = _maybe_junk(raw)
    maybe = raw[where]  # the regexes below run on these cells only
    errors = maybe.str.fullmatch(_SPREADSHEET_ERROR.pattern, case=False).fillna(False).astype(bool)
    formulas = maybe.str.match(_FORMULA.pattern).fillna(False).astype(bool) & ~errors
    if col.kind == "int":  # a signed number is a number, not a formula
        formulas &= ~maybe.str.fullmatch(r"[+-][\d\s\u00a0\u202f.,%]+").fillna(False).astype(bool)
    full = np.zeros((2, len(raw)), dtype=bool)  # back onto every cell, by position (any index)
    full[0, where], full[1, where] = errors.to_numpy(dtype=bool), formulas.to_numpy(dtype=bool)
    errors, formulas = (pd.Series(f, index=raw.index) for f in full)
    problems = _cell_problems(file, col, errors, raw, "a spreadsheet error value, not data: fix the formula "
                              "that produced it, or type the value", _what_column_holds(col, q))
    problems += _cell_problems(file, col, formulas, raw, "a spreadsheet formula, not data: paste the value "
                               "instead (Paste special > Values only)", _what_column_holds(col, q))
    return errors | formulas, problems


def _what_column_holds(col: Column, q: Questionnaire) -> str:
    """What a column holds, for error messages."""
    if col.kind.startswith("label:"):
        return f"a {col.kind.split(':', 1)[1]} label (see the questionnaire {q.path.name} and docs/codebook.md)"
    return {"int": _range_text(col.minimum, _maximum(col, q)), "bool": "true/false, oui/non, 1/0, x (yes)",
            "regex": col.doc or str(col.pattern),
            "enum": ", ".join(col.enum), "id": "an identifier, typed as a value (not computed)"}.get(
        col.kind, "text, typed as a value (not computed)")


def _number_problems(file: str, col: Column, raw: pd.Series, num: pd.Series, rng: str
                     ) -> tuple[pd.Series, list[Problem]]:
    """Cells of an int column that are not read as a whole number, each with why (ambiguous, scientific...).

    Returns the mask of such cells and their problems (allowed: `rng`), one message per kind of mistake.
    """
    bad = (num.isna() | (num % 1 != 0) | (num.abs() > _MAX_EXACT) | raw.str.contains("%", regex=False)) & raw.notna()
    if not bad.any():
        return bad, []
    texts = pd.unique(raw[bad.to_numpy()])
    reasons = {t: number_issue(t, percent=False) or ("too large to be a count" if abs(v) > _MAX_EXACT else
                                                     "not a whole number")
               for t, v in zip(texts, parse_french_number(pd.Series(texts, dtype="string")))}
    why = raw.where(bad).map(reasons)
    problems: list[Problem] = []
    for reason in dict.fromkeys(why.dropna()):
        problems += _cell_problems(file, col, why.eq(reason).fillna(False), raw, reason, rng)
    return bad, problems


def _clean_column(file: str, col: Column, raw: pd.Series, q: Questionnaire) -> tuple[pd.Series, list[Problem]]:
    """Parse and check one column; return the cleaned values and the problems found."""
    raw = raw.astype("string")
    missing = raw.isna()
    problems: list[Problem] = []
    if not col.nullable:
        problems += _cell_problems(file, col, missing, raw, "empty value", "a non-empty value")
    junk, found = _spreadsheet_cells(file, col, raw, q)
    if junk.any():
        problems += found
        raw = raw.mask(junk)
        missing = raw.isna()
    if col.kind in ("id", "text"):
        out = raw
    elif col.kind.startswith("label:"):
        fld = col.kind.split(":", 1)[1]
        out = q.to_code(raw, fld)
        unknown = out.isna() & ~missing
        problems += _cell_problems(file, col, unknown, raw, f"unknown {fld} label (see the questionnaire "
                                   f"{q.path.name} and docs/codebook.md)", q.allowed_text(fld))
    elif col.kind == "enum":
        out = raw.str.lower()
        bad = ~out.isin(col.enum) & ~missing
        problems += _cell_problems(file, col, bad, raw, "value outside the codebook", ", ".join(col.enum))
    elif col.kind == "regex":
        out = raw.str.upper()
        if col.pad:
            out = out.where(~out.str.fullmatch(r"\d+").fillna(False).astype(bool), out.str.zfill(col.pad))
        bad = ~out.str.fullmatch(col.pattern).fillna(False).astype(bool) & ~missing
        problems += _cell_problems(file, col, bad, raw, "malformed code", col.doc or col.pattern)
    elif col.kind == "bool":
        low = raw.str.lower()
        out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
        out[low.isin(TRUE).fillna(False).astype(bool)] = True
        out[low.isin(FALSE).fillna(False).astype(bool)] = False
        problems += _cell_problems(file, col, out.isna() & ~missing, raw, "not a yes/no value",
                                   "true/false, oui/non, 1/0, x (yes)")
    elif col.kind == "int":
        out, found = _clean_int(file, col, raw, _maximum(col, q))
        problems += found
    else:  # pragma: no cover - guarded by the codebook definition
        raise ValueError(f"unknown column kind {col.kind!r}")
    return out, problems


def _clean_int(file: str, col: Column, raw: pd.Series, maximum: float | None) -> tuple[pd.Series, list[Problem]]:
    """A whole-number column: values as Int64 (<NA> where unreadable), with every problem (reading, range)."""
    num = parse_french_number(raw)
    rng = _range_text(col.minimum, maximum)
    not_int, problems = _number_problems(file, col, raw, num, rng)
    out_of_range = pd.Series(False, index=raw.index)
    if col.minimum is not None:
        out_of_range |= num < col.minimum
    if maximum is not None:
        out_of_range |= num > maximum
    problems += _cell_problems(file, col, out_of_range.fillna(False) & ~not_int, raw, "out of range", rng)
    return num.where(~not_int).round().astype("Int64"), problems


def _range_text(minimum: float | None, maximum: float | None) -> str:
    """Describe the allowed range of an integer column."""
    if maximum is not None and minimum is not None and maximum < minimum:
        return "no value: this wave's questionnaire has no rank scale (rank_scale = 0, objectives only cited)"
    lo = "" if minimum is None else f">= {minimum:g}"
    hi = "" if maximum is None else f"<= {maximum:g}"
    return "a whole number " + " and ".join(x for x in (lo, hi) if x)


def _column_problems(columns: pd.Index, table: Table, file: str) -> list[Problem]:
    """Header problems: duplicate, unnamed, unknown (with a close match) and missing required columns."""
    names = table.column_names
    allowed = f"the columns {', '.join(names)} (required: {', '.join(c.name for c in table.columns if c.required)})"
    out = [problem(file, "duplicate column", row=1, column=c, allowed=allowed)
           for c in dict.fromkeys(columns[columns.duplicated()])]
    for c in dict.fromkeys(columns):
        if c == "":
            out.append(problem(file, "a column has no name in the header", row=1, column=c, allowed=allowed))
        elif c not in names:
            close = suggest_column(c, table)
            hint = f": did you mean '{close}'?" if close else ": remove it or rename it"
            out.append(problem(file, "unknown column" + hint, row=1, column=c, allowed=allowed))
    out += [problem(file, "missing column", row=1, column=c.name, allowed=allowed)
            for c in table.columns if c.required and c.name not in columns]
    return out


# Column names met in French and English spreadsheets, folded by `column_key`, with the codebook column they
# may stand for (the first one the table has): SUGGESTED in the error message, not accepted, where the meaning
# depends on the file ('type', 'commune', 'id'). The headers accepted as they are live in the schema (x-aliases).
# Written by hand: what a header means is knowledge, not string distance.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("project_id", "collectivite_id"), "identifiant": ("project_id", "collectivite_id"),
    "nom": ("name",), "nom_collectivite": ("name",), "libelle": ("label", "name"), "intitule": ("label",),
    "projet": ("label",), "description": ("label",), "type": ("kind", "project_type"), "nature": ("kind",),
    "type_de_collectivite": ("kind",), "categorie": ("kind", "project_type"), "type_de_projet": ("project_type",),
    "code_insee": ("insee_code",), "insee": ("insee_code",), "code_commune": ("insee_code",), "cog": ("insee_code",),
    "siren_epci": ("epci_siren",), "siren": ("epci_siren",), "epci": ("epci_siren",), "code_epci": ("epci_siren",),
    "pop": ("population",), "population_municipale": ("population",), "nb_habitants": ("population",),
    "habitants": ("population",), "collectivite": ("name", "collectivite_id"), "id_collectivite": ("collectivite_id",),
    "ville": ("name", "collectivite_id"), "city": ("name", "collectivite_id"), "city_id": ("collectivite_id",),
    "town_id": ("collectivite_id",), "commune": ("name", "collectivite_id"), "id_projet": ("project_id",),
    "objectif": ("objective",), "rang": ("rank",), "classement": ("rank",), "cite": ("cited",), "citee": ("cited",),
    "domaine": ("domain",), "secteur": ("domain",), "statut": ("status",), "etat": ("status",),
    "avancement": ("status",), "origine": ("origin",), "reconstruit": ("reconstructed",),
}


def suggest_column(name: str, table: Table) -> str | None:
    """The codebook column of `table` an unknown header most likely stands for, or None.

    Known French and English names first (`HEADER_ALIASES`), then a close spelling of a whole column name;
    an `..._id` header is only matched to an id column.
    """
    key, names = column_key(name), table.column_names
    for target in HEADER_ALIASES.get(key, ()):
        if target in names:
            return target
    pool = [n for n in names if n.endswith("_id")] if key.endswith("_id") or key == "id" else names
    close = difflib.get_close_matches(key, pool, n=1, cutoff=0.75)
    return close[0] if close else None


def canonical_columns(raw: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Rename hand-typed headers ('Collectivité ID', 'Population ', 'Code INSEE') to the codebook's column names."""
    by_key = {column_key(a): c.name for c in table.columns for a in c.aliases}
    by_key.update({column_key(n): n for n in table.column_names})
    return raw.set_axis([by_key.get(column_key(c), c) for c in raw.columns], axis=1)


def clean_lines(raw: pd.DataFrame, table: Table, file: str, q: Questionnaire) -> tuple[pd.DataFrame, list[Problem]]:
    """`clean_table`, keeping the index of `raw` (line number - 2) so later checks can cite lines."""
    raw = canonical_columns(raw, table)
    problems = _column_problems(raw.columns, table, file)
    if problems:
        return pd.DataFrame(), problems
    cleaned = {}
    for col in (c for c in table.columns if c.name in raw.columns):
        cleaned[col.name], found = _clean_column(file, col, raw[col.name], q)
        problems += found
    out = pd.DataFrame(cleaned, index=raw.index)
    key = list(table.key)
    dup = out.duplicated(key, keep="first") & out[key].notna().all(axis=1)
    first = out.reset_index().groupby(key, dropna=True)["index"].first() if dup.any() else None
    for line, vals in zip(_row_numbers(dup), out.loc[dup.to_numpy(), key].itertuples(index=False)):
        seen = int(first.loc[tuple(vals) if len(key) > 1 else vals[0]]) + 2
        what = " + ".join(key)
        problems.append(problem(file, f"duplicate {what}: same as row {seen}", row=int(line), column=key[-1],
                                value=raw.loc[line - 2, key[-1]], allowed=f"each {what} once"))
    return out, problems


def clean_table(raw: pd.DataFrame, table: Table, file: str, q: Questionnaire) -> tuple[pd.DataFrame, list[Problem]]:
    """Check columns, parse and normalise every cell, check the primary key; collect all problems."""
    out, problems = clean_lines(raw, table, file, q)
    return out.reset_index(drop=True), problems
