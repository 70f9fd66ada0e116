"""The canonical taxonomy: every spelling of a domain, status, objective or kind met in the sources, mapped to a code."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

TAXONOMY_FILE = "taxonomy.csv"
FIELDS = ("domain", "status", "objective", "kind")


def normalise_text(values: pd.Series) -> pd.Series:
    """Fold case, accents, apostrophes, hyphens and spacing so that hand-typed labels compare equal.

    Returns the folded strings (dtype "str"), same index. Letters of other scripts and symbols are kept as they
    are (lower-cased), so a label carrying one ('réalisé ❌') matches no spelling and is reported, not stripped.

    The folding runs once per distinct value, then is mapped back onto every row (labels repeat a lot).
    """
    values = values.astype("string")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == len(values):
        return _normalise_strings(values)
    folded = _normalise_strings(pd.Series(uniques, dtype=values.dtype))
    out = folded.array.take(codes, allow_fill=True)  # code -1 (missing) -> missing
    return pd.Series(out, index=values.index, name=values.name, dtype=folded.dtype)


_MARKS = re.compile(r"[’'`´ʼ_\-\u2010-\u2013]")  # apostrophes and hyphens separate words, like spaces
_AROUND_SYMBOL = re.compile(r"\s*([/+&,])\s*")
_SYMBOL = re.compile(r"[/+&,]")


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def _strip_accents(text: str) -> str:
    """Compatibility-decompose (NFKD) and drop the combining marks only: 'É' -> 'E', 'ﬁ' -> 'fi', '❌' kept.

    Written by hand because the usual `.encode("ascii", "ignore")` also deletes every character it does not
    understand (a symbol, another script), so that 'réalisé ❌' would silently read as 'réalisé'.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_LIGATURES)


def _fold(text: str) -> str:
    """The folding of `normalise_text` for one string; characters it does not understand are kept, not deleted."""
    text = _MARKS.sub(" ", text)
    text = _strip_accents(_strip_accents(text).lower())  # twice: lower() may give a letter with an accent again
    text = _MARKS.sub(" ", text)  # again: NFKD turns some symbols into ASCII ' - _
    if _SYMBOL.search(text):
        text = _AROUND_SYMBOL.sub(r"\1", text)
    return " ".join(text.split())  # = re.sub(r"\s+", " ", text).strip(): same white space (Py_UNICODE_ISSPACE)


def _normalise_strings(values: pd.Series) -> pd.Series:
    """The folding of `normalise_text`, cell by cell; missing cells stay missing (dtype "str", as str.decode gives)."""
    folded = [_fold(v) if isinstance(v, str) else np.nan for v in values.to_numpy(dtype=object, na_value=np.nan)]
    return pd.Series(folded, index=values.index, name=values.name, dtype="str")


def normalise_one(label: str) -> str:
    """`normalise_text` for a single string."""
    return str(normalise_text(pd.Series([label]))[0])


@cache
def load_taxonomy() -> pd.DataFrame:
    """Read the taxonomy shipped with the package: one row per (field, spelling) with its canonical code."""
    with files("villenum.data").joinpath(TAXONOMY_FILE).open(encoding="utf-8") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    table = table.assign(key=normalise_text(table["spelling"]))
    keys = pd.concat([table[["field", "key", "code"]],
                      table.assign(key=normalise_text(table["canonical_fr"]))[["field", "key", "code"]],
                      table.assign(key=normalise_text(table["code"]))[["field", "key", "code"]]]).drop_duplicates()
    clash = keys[keys.duplicated(["field", "key"], keep=False)]
    if len(clash):
        raise ValueError(f"{TAXONOMY_FILE}: spellings mapping to two codes: {clash.to_dict('records')}")
    return table


def spellings(field: str) -> dict[str, str]:
    """Map each normalised spelling of `field` (and each code and canonical label) to its code."""
    tax = load_taxonomy().query("field == @field")
    if tax.empty:
        raise KeyError(f"unknown taxonomy field {field!r}; known: {', '.join(FIELDS)}")
    mapping = dict(zip(tax["key"], tax["code"]))
    mapping.update(zip(normalise_text(tax["canonical_fr"]), tax["code"]))
    mapping.update(zip(normalise_text(tax["code"]), tax["code"]))
    return mapping


def codes(field: str) -> list[str]:
    """Canonical codes of a field, in taxonomy order."""
    return list(dict.fromkeys(load_taxonomy().query("field == @field")["code"]))


def labels_fr(field: str) -> dict[str, str]:
    """Map each code of `field` to its canonical French label, as published."""
    tax = load_taxonomy().query("field == @field")
    return dict(zip(tax["code"], tax["canonical_fr"]))


def glosses_en(field: str) -> dict[str, str]:
    """Map each code of `field` to its English gloss."""
    tax = load_taxonomy().query("field == @field")
    return dict(zip(tax["code"], tax["gloss_en"]))


def to_code(values: pd.Series, field: str) -> pd.Series:
    """Map labels to canonical codes (vectorised); unknown labels become <NA>, missing stay <NA>."""
    mapping = spellings(field)
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    if not len(uniques):
        return pd.Series(pd.NA, index=values.index, name=values.name, dtype="string")
    found = normalise_text(pd.Series(uniques, dtype="string")).map(mapping).astype("string").array
    return pd.Series(found.take(positions, allow_fill=True), index=values.index, name=values.name, dtype="string")


def allowed_text(field: str) -> str:
    """Human-readable list of the canonical labels of a field, for error messages."""
    return ", ".join(f"{code} ({label})" for code, label in labels_fr(field).items())
