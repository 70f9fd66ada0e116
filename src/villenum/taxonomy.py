"""Folding of hand-typed labels, so that spellings compare equal (the categories themselves: questionnaire.py)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd


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


class _Unaccent(dict):
    """A `str.translate` table filled as characters are met: combining marks deleted, ligatures spelled out.

    Written by hand (not `"".join(c for c in s if not unicodedata.combining(c))`) because translate runs in C,
    and each distinct character is looked up in unicodedata once.
    """

    LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}

    def __missing__(self, code: int) -> str | int | None:
        char = chr(code)
        value = None if unicodedata.combining(char) else self.LIGATURES.get(char, code)
        self[code] = value
        return value


_UNACCENT = _Unaccent()


def _strip_accents(text: str) -> str:
    """Compatibility-decompose (NFKD) and drop the combining marks only: 'É' -> 'E', 'ﬁ' -> 'fi', '❌' kept.

    Written by hand because the usual `.encode("ascii", "ignore")` also deletes every character it does not
    understand (a symbol, another script), so that 'réalisé ❌' would silently read as 'réalisé'.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    return decomposed.translate(_UNACCENT)


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
