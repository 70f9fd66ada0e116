"""The panel of collectivités: published counts, comparison with the frame of large communes, map points.

A commune or joint participation is placed at its INSEE code; an intercommunalité at the most populous commune
of its EPCI in the communes table (its "seat" here: the table has no seat column; ties go to the lowest INSEE code).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from villenum.reference import epci_seats

UNKNOWN_REGION = "inconnue"


def panel_counts(collectivites: pd.DataFrame, threshold: int = 100_000) -> pd.DataFrame:
    """Counts as published: panel size, collectivités of each kind, and those with population > threshold."""
    kind, population = collectivites["kind"], collectivites["population"]
    values = [len(collectivites), (kind == "intercommunalite").sum(), (kind == "commune").sum(),
              (kind == "joint").sum(), (population > threshold).sum()]
    ids = ["panel_size", "intercommunalites", "communes", "joint_participations", "over_100k"]
    return pd.DataFrame({"figure_id": ids, "value": np.array(values, dtype=int)})


def _located(collectivites: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """The collectivités with the communes-table row of the commune they are placed at (left join, order kept)."""
    com = communes.assign(insee_code=communes["insee_code"].astype("string"),
                          epci_siren=communes["epci_siren"].astype("string")).drop_duplicates("insee_code")
    seat = epci_seats(com)
    coll = collectivites.assign(epci_siren=collectivites["epci_siren"].astype("string"))
    own = coll["insee_code"].astype("string").where(coll["kind"].ne("intercommunalite").fillna(True))
    place = own.fillna(coll["epci_siren"].map(seat))
    columns = ["insee_code", "region_name", "longitude", "latitude"]
    return coll.assign(place=place).merge(com[columns].rename(columns={"insee_code": "place"}), on="place", how="left")


def _summary(population: pd.Series) -> pd.Series:
    """Number, min, quartiles (linear interpolation) and max of the known populations."""
    s = pd.to_numeric(population).astype(float).dropna()
    return pd.Series({"n": len(s), "min": s.min(), "q1": s.quantile(0.25), "median": s.median(),
                      "q3": s.quantile(0.75), "max": s.max()})


def compare_with_frame(collectivites: pd.DataFrame, frame_communes: pd.DataFrame, communes: pd.DataFrame,
                       min_population: int = 50_000) -> pd.DataFrame:
    """Panel vs frame (communes with population >= min_population): population summary and counts per region.

    Long table [section, item, panel, frame]. The population section compares the panel's communes and joint
    participations (population column of collectivites) with the frame; the region section counts every panel
    member in the region where it is placed ('inconnue' if its commune is not in the communes table).
    """
    frame = frame_communes[pd.to_numeric(frame_communes["population"]) >= min_population]
    municipal = collectivites.loc[collectivites["kind"].isin(["commune", "joint"]).fillna(False), "population"]
    population = pd.DataFrame({"panel": _summary(municipal), "frame": _summary(frame["population"])})
    regions = pd.DataFrame({
        "panel": _located(collectivites, communes)["region_name"].fillna(UNKNOWN_REGION).value_counts(),
        "frame": frame["region_name"].fillna(UNKNOWN_REGION).value_counts()}).fillna(0).sort_index()
    return pd.concat([population.assign(section="population"), regions.assign(section="region")]) \
        .rename_axis("item").reset_index()[["section", "item", "panel", "frame"]]


def panel_points(collectivites: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Longitude and latitude of each collectivité (NaN when its commune is not in the communes table)."""
    return _located(collectivites, communes)[["collectivite_id", "name", "kind", "longitude", "latitude"]]
