"""Loaders for a wave's published figures and statements (data/raw/published/<wave>/*.csv)."""

from __future__ import annotations

from collections.abc import Iterable
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
    "domain_counts": ("n_projects", "share", "rank_published"),
    "objectives_cited": ("share",),
    "figures": ("value",),
    "claims": (),
}
BOOLEAN: dict[str, tuple[str, ...]] = {
    "participants": ("confirmed",),
    "objectives": ("fluctuating",),
}
NAMES: tuple[str, ...] = tuple(NUMERIC)
# Every edition publishes these; the others are optional, as each edition published different tables (2013 a share
# table and named participants, 2014 counts for three domains, 2015 percentages of villes citing an objective).
REQUIRED: tuple[str, ...] = ("sources", "panel", "figures", "claims")
OPTIONAL: tuple[str, ...] = tuple(n for n in NAMES if n not in REQUIRED)
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


def present(wave: str = "2013", directory: str | Path | None = None) -> tuple[str, ...]:
    """The names (in NAMES order) of the published tables the wave has."""
    directory = Path(directory) if directory else paths.published_dir(wave)
    return tuple(n for n in NAMES if (directory / f"{n}.csv").is_file())


def load_tables(wave: str = "2013", directory: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Every published table the wave has, by name; a missing optional table is absent from the dict, a missing
    required one (REQUIRED) is an InputError naming every missing file."""
    directory = Path(directory) if directory else paths.published_dir(wave)
    names = present(wave, directory)
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise InputError([problem(str(directory / f"{n}.csv"), f"published table '{n}' of wave {wave} is missing",
                                  allowed="required tables: " + ", ".join(REQUIRED)) for n in missing])
    return {n: load_published(n, wave, directory) for n in names}


def load_editions(waves: Iterable[str]) -> dict[str, dict[str, pd.DataFrame]]:
    """The published tables of each wave (load_tables), by wave: what claims across editions read."""
    return {wave: load_tables(wave) for wave in waves}

