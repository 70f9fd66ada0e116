"""Loaders for a wave's published figures and statements (data/raw/published/<wave>/*.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from villenum import paths
from villenum.errors import InputError, problem

NUMERIC: dict[str, tuple[str, ...]] = {
    "sources": (),
    "panel": ("value",),
    "participants": (),
    "objectives": ("rank_published",),
    "domain_shares": ("share",),
    "figures": ("value",),
    "claims": (),
}
BOOLEAN: dict[str, tuple[str, ...]] = {
    "participants": ("confirmed",),
    "objectives": ("fluctuating",),
}
NAMES: tuple[str, ...] = tuple(NUMERIC)
_BOOL_VALUES = {"true": True, "false": False}


def has_published(wave: str = paths.DEFAULT_WAVE, directory: str | Path | None = None) -> bool:
    """Whether the wave has published files (its directory holds at least one CSV)."""
    directory = Path(directory) if directory else paths.published_dir(wave)
    return directory.is_dir() and any(directory.glob("*.csv"))


def check_shares(frame: pd.DataFrame, file: str, column: str = "share") -> pd.DataFrame:
    """Published percentages must add up to 100 within rounding (half a point per row)."""
    total, tolerance = frame[column].sum(), 0.5 * len(frame)
    if abs(total - 100) > tolerance:
        raise InputError([problem(file, f"shares add up to {total:g}", column=column, value=total,
                                  allowed=f"100 within rounding (+/- {tolerance:g} for {len(frame)} rows)")])
    return frame


def load_published(name: str, wave: str = paths.DEFAULT_WAVE, directory: str | Path | None = None) -> pd.DataFrame:
    """Read one published table (e.g. 'panel' or 'panel.csv'): text as str (empty as ''), numbers as float, flags as bool."""
    stem = name.removesuffix(".csv")
    if stem not in NAMES:
        raise KeyError(f"unknown published table {name!r}; known: {', '.join(NAMES)}")
    path = (Path(directory) if directory else paths.published_dir(wave)) / f"{stem}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"no published table {stem!r} for wave {wave}: {path} is missing")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for column in NUMERIC[stem]:
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype(float)
    for column in BOOLEAN.get(stem, ()):
        bad = sorted(set(frame[column]) - set(_BOOL_VALUES))
        if bad:
            raise ValueError(f"{path.name}, column {column!r}: values {bad} are not 'true'/'false'")
        frame[column] = frame[column].map(_BOOL_VALUES).astype(bool)
    return check_shares(frame, path.name) if stem == "domain_shares" else frame


def load_claims(wave: str = paths.DEFAULT_WAVE, directory: str | Path | None = None) -> pd.DataFrame:
    """The wave's published statements to test (claims.csv), one row per claim_id."""
    return load_published("claims", wave, directory)
