"""Folding of hand-typed labels, so that spellings compare equal (the categories themselves: questionnaire.py)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd


def normalise_text(values: pd.Series) -> pd.Series:
    """Fold case, accents, apostrophes, hyphens and spacing so that hand-typed labels compare equal.

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


def _fold(text: str) -> str:
    """The folding of `normalise_text` for one string."""
    text = _MARKS.sub(" ", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", errors="ignore").decode("ascii").lower()
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
