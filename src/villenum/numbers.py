"""Numbers as people type them in French or plain notation: read only when unambiguous, else say why."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_SPACES = "[ \u00a0\u202f\u2009]"  # space, no-break space, narrow no-break space, thin space
_GROUPED = re.compile(rf"^[+-]?\d{{1,3}}({_SPACES}\d{{3}})+([.,]\d+)?$")
_PLAIN = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")  # 217.000 / 217,000: thousands or decimals?
_SCIENTIFIC = re.compile(r"^[+-]?\d+([.,]\d+)?[eE][+-]?\d+$")
_FOREIGN_GROUPS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$|^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_french_number(values: pd.Series) -> pd.Series:
    """Parse numbers written the French way ('1 234,5', '16 %', '16,0%') or plainly; NaN if unparsable.

    Returns float64 values, same index. Unparsable, hence NaN (see `number_issue` for why): text, scientific
    notation ('2,17E+05': a rounded display), thousands grouped by '.' or ',' ('1.234.567'), and the ambiguous
    '217.000' / '217,000' (217 or 217000?); a decimal part of three digits is read only after a leading zero or
    four or more digits ('0,125', '1234,567') or in spaced French grouping ('1 234,567').
    Each distinct text is parsed once when values repeat (ranks, flags), then mapped back.
    """
    values = values.astype("string")
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    if 2 * len(uniques) > len(values):
        return _parse_numbers(values)
    parsed = _parse_numbers(pd.Series(uniques, dtype="string")).to_numpy(dtype="float64")
    out = np.where(positions >= 0, parsed[np.maximum(positions, 0)] if len(parsed) else np.nan, np.nan)
    return pd.Series(out, index=values.index, name=values.name, dtype="float64")


def _parse_numbers(values: pd.Series) -> pd.Series:
    """`parse_french_number`, cell by cell (vectorised): only plain or French notation is read, the rest is NaN."""
    s = values.str.strip().str.replace("\u2212", "-", regex=False)
    s = s.str.replace(r"\s*%$", "", regex=True)
    readable = (s.str.fullmatch(_PLAIN.pattern) | s.str.fullmatch(_GROUPED.pattern)).fillna(False).astype(bool)
    readable &= ~s.str.fullmatch(_AMBIGUOUS.pattern).fillna(False).astype(bool)
    s = s.where(readable).str.replace(_SPACES, "", regex=True).str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce").astype("float64")


def number_issue(text: str, percent: bool = True) -> str:
    """Why `text` is not read as a number by `parse_french_number` (or, if `percent` is False, has a '%').

    Returns a sentence saying what was seen and what to write instead, or "" if the text is a readable number.
    Written by hand: no parsing library refuses the notations that are ambiguous between French and English.
    """
    s = str(text).strip().replace("\u2212", "-")
    if s.endswith("%") and not percent:
        return "a percentage where a count is expected: write the number alone"
    s = re.sub(r"\s*%$", "", s)
    if _AMBIGUOUS.fullmatch(s):
        whole, dec = re.split(r"[.,]", s)
        return (f"ambiguous: {whole}{s[len(whole)]}{dec} may be {whole} (decimals) or {whole}{dec} (thousands); "
                f"write {whole}{dec} or {whole} {dec} for thousands, {whole} for decimals")
    if _SCIENTIFIC.fullmatch(s):
        return ("scientific notation: the spreadsheet shows a rounded number; format the column as a number "
                "with every digit (e.g. 217 000) and export again")
    if _PLAIN.fullmatch(s) or _GROUPED.fullmatch(s):
        return ""
    if _FOREIGN_GROUPS.fullmatch(s):
        return "thousands separated by '.' or ',': write the digits alone (1234567) or grouped by spaces (1 234 567)"
    return "not a number: write digits, with ',' or '.' for decimals and spaces between thousands"
