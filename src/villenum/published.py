"""Loaders for a wave's published figures and statements (data/raw/published/<wave>/*.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

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


def published_dir(wave: str = "2013") -> Path:
    """Directory of a wave's published files (returned even if it does not exist)."""
    return ROOT / "data" / "raw" / "published" / wave


def has_published(wave: str = "2013") -> bool:
    """Whether the wave has published files (its directory holds at least one CSV)."""
    directory = published_dir(wave)
    return directory.is_dir() and any(directory.glob("*.csv"))


def load_published(name: str, wave: str = "2013") -> pd.DataFrame:
    """Read one published table (e.g. 'panel' or 'panel.csv'): text as str (empty as ''), numbers as float, flags as bool."""
    stem = name.removesuffix(".csv")
    if stem not in NAMES:
        raise KeyError(f"unknown published table {name!r}; known: {', '.join(NAMES)}")
    path = published_dir(wave) / f"{stem}.csv"
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
    return frame


def load_claims(wave: str = "2013") -> pd.DataFrame:
    """The wave's published statements to test (claims.csv), one row per claim_id."""
    return load_published("claims", wave)
