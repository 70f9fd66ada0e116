"""What the reconstruction reads: the assumptions file, the published tables of the wave with the INSEE
reference, the list of every input file (hashed in the MANIFEST), and the published numbers it must meet."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

import pandas as pd

from villenum import paths, reference
from villenum.flagship import CATALOGUE_FILE as PROJECT_TYPES_FILE
from villenum.generate.draws import ReconstructionError, round_half_up
from villenum.published import load_published
from villenum.questionnaire import Questionnaire

DEFAULT_WAVE = paths.DEFAULT_WAVE
PUBLISHED_TABLES = ("panel", "participants", "objectives", "domain_shares", "figures", "claims")


def default_assumptions_path(wave: str = DEFAULT_WAVE) -> Path:
    """The assumptions file of a wave (see paths.assumptions_file)."""
    return paths.assumptions_file(wave)


def load_assumptions(path: str | Path | None = None) -> dict:
    """Read the assumptions TOML (default: the 2013 one)."""
    path = Path(path) if path is not None else default_assumptions_path()
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_inputs(wave: str = DEFAULT_WAVE) -> dict[str, pd.DataFrame]:
    """Published tables of the wave plus the INSEE communes and EPCIs."""
    inputs = {name: load_published(name, wave) for name in PUBLISHED_TABLES}
    inputs["communes"] = reference.load_communes()
    inputs["epcis"] = reference.load_epcis()
    return inputs


def input_files(wave: str = DEFAULT_WAVE) -> list[Path]:
    """Every file the generator reads besides the assumptions file, in a fixed order."""
    pub = [paths.published_dir(wave) / f"{name}.csv" for name in PUBLISHED_TABLES]
    ref = [reference.reference_dir() / "communes.csv", reference.reference_dir() / "epcis.csv"]
    return pub + ref + [Path(str(files("villenum.data").joinpath(PROJECT_TYPES_FILE))), paths.questionnaire_file(wave)]


def _figure(table: pd.DataFrame, figure_id: str) -> float:
    """The value of one figure of panel.csv / figures.csv, failing clearly if it is missing."""
    hit = table.loc[table["figure_id"] == figure_id, "value"]
    if len(hit) != 1:
        raise ReconstructionError(f"published figure {figure_id!r} not found (or repeated)")
    return float(hit.iloc[0])


def published_targets(published: dict[str, pd.DataFrame], q: Questionnaire) -> dict:
    """Every number the reconstruction must meet, read from the published tables."""
    panel, figures = published["panel"], published["figures"]
    size = int(_figure(panel, "panel_size"))
    by_kind = {"intercommunalite": int(_figure(panel, "intercommunalites")),
               "commune": int(_figure(panel, "communes")),
               "joint": int(_figure(panel, "joint_participations"))}
    if sum(by_kind.values()) != size:
        raise ReconstructionError(f"published kinds {by_kind} do not add up to the panel size {size}")
    mean = _figure(figures, "projects_per_collectivite_mean")
    total = int(round_half_up(mean * size))
    if "total_projects" in set(figures["figure_id"]) and int(_figure(figures, "total_projects")) != total:
        raise ReconstructionError(f"total_projects differs from round({mean:g} x {size}) = {total}")
    shares = published["domain_shares"]
    codes = q.to_code(shares["domain"], "domain")
    if codes.isna().any() or set(codes) != set(q.codes("domain")):
        raise ReconstructionError("domain_shares.csv must give one share for each of the nine domains")
    obj = published["objectives"].assign(objective=lambda t: q.to_code(t["objective"], "objective"))
    obj = obj.sort_values("rank_published")
    return {
        "panel_size": size, "by_kind": by_kind,
        "over_threshold": int(_figure(figures, "over_100k_threshold")),
        "n_over_threshold": int(_figure(panel, "over_100k")),
        "frame_threshold": int(_figure(figures, "population_threshold")),
        "mean_projects": mean, "total_projects": total,
        "domain_shares": pd.Series(shares["share"].to_numpy(dtype=float), index=codes.to_numpy(), name="share"),
        "objective_order": list(obj["objective"]),
        "fluctuating": dict(zip(obj["objective"], obj["fluctuating"].astype(bool))),
        "claims": set(published["claims"]["claim_id"]),
    }
