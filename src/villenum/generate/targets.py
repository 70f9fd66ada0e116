"""What the reconstruction reads: the assumptions file, the published tables of the wave with the INSEE
reference, the list of every input file (hashed in the MANIFEST), and the published numbers it must meet."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

import pandas as pd

from villenum import paths, reference
from villenum.flagship import CATALOGUE_FILE as PROJECT_TYPES_FILE
from villenum.generate.draws import ReconstructionError, allocate_domain_counts, largest_remainder, round_half_up
from villenum.published import load_published, present
from villenum.questionnaire import Questionnaire

DEFAULT_WAVE = paths.DEFAULT_WAVE
# Every published table the generator may read, in the order its MANIFEST lists them; an edition has some of them
# (2013: no domain_counts or objectives_cited; 2014: no participants or domain_shares; 2015: neither).
PUBLISHED_TABLES = ("panel", "participants", "objectives", "domain_shares", "domain_counts", "objectives_cited",
                    "figures", "claims")


def default_assumptions_path(wave: str = DEFAULT_WAVE) -> Path:
    """The assumptions file of a wave (see paths.assumptions_file)."""
    return paths.assumptions_file(wave)


def load_assumptions(path: str | Path | None = None) -> dict:
    """Read the assumptions TOML (default: the 2013 one)."""
    path = Path(path) if path is not None else default_assumptions_path()
    with path.open("rb") as fh:
        return tomllib.load(fh)


def published_names(wave: str = DEFAULT_WAVE) -> tuple[str, ...]:
    """The tables of PUBLISHED_TABLES the wave published, in that order."""
    return tuple(name for name in PUBLISHED_TABLES if name in present(wave))


def load_inputs(wave: str = DEFAULT_WAVE) -> dict[str, pd.DataFrame]:
    """Published tables of the wave (those it has) plus the INSEE communes and EPCIs."""
    inputs = {name: load_published(name, wave) for name in published_names(wave)}
    inputs["communes"] = reference.load_communes()
    inputs["epcis"] = reference.load_epcis()
    return inputs


def input_files(wave: str = DEFAULT_WAVE) -> list[Path]:
    """Every file the generator reads besides the assumptions file, in a fixed order."""
    pub = [paths.published_dir(wave) / f"{name}.csv" for name in published_names(wave)]
    ref = [reference.reference_dir() / "communes.csv", reference.reference_dir() / "epcis.csv"]
    return pub + ref + [Path(str(files("villenum.data").joinpath(PROJECT_TYPES_FILE))), paths.questionnaire_file(wave)]


def _figure(table: pd.DataFrame, figure_id: str) -> float:
    """The value of one figure of panel.csv / figures.csv, failing clearly if it is missing."""
    hit = table.loc[table["figure_id"] == figure_id, "value"]
    if len(hit) != 1:
        raise ReconstructionError(f"published figure {figure_id!r} not found (or repeated)")
    return float(hit.iloc[0])


def _has(table: pd.DataFrame, figure_id: str) -> bool:
    """True if the table (panel.csv, figures.csv) has that figure: each edition published different ones."""
    return figure_id in set(table["figure_id"])


def assumed(section: dict, key: str, what: str) -> object:
    """A value the sources do not give, read from the assumptions (ReconstructionError naming it if absent)."""
    if key not in section:
        raise ReconstructionError(f"{what} is not published for this wave: the assumptions must give it ({key})")
    return section[key]


def _kinds(panel: pd.DataFrame, size: int, assumptions: dict) -> dict[str, int]:
    """Collectivités by kind: published (2013), else the assumed weights split by largest remainder."""
    if _has(panel, "intercommunalites"):
        by_kind = {"intercommunalite": int(_figure(panel, "intercommunalites")),
                   "commune": int(_figure(panel, "communes")),
                   "joint": int(_figure(panel, "joint_participations"))}
    else:
        weights = assumed(assumptions.get("panel", {}), "kind_weights", "the panel by kind ([panel])")
        kinds = ("intercommunalite", "commune", "joint")
        by_kind = dict(zip(kinds, (int(n) for n in largest_remainder(size, [float(weights.get(k, 0)) for k in kinds]))))
    if sum(by_kind.values()) != size:
        raise ReconstructionError(f"published kinds {by_kind} do not add up to the panel size {size}")
    return by_kind


def _total(figures: pd.DataFrame, size: int) -> tuple[float, int]:
    """(mean, total) projects: the published total if any (2014, 2015), else round(mean x size) (2013); the
    published mean must round, as printed, to total / size."""
    mean = _figure(figures, "projects_per_collectivite_mean")
    total = int(round_half_up(mean * size))
    if _has(figures, "total_projects"):
        printed = int(_figure(figures, "total_projects"))
        if round_half_up(printed / size) != round_half_up(mean):
            raise ReconstructionError(f"total_projects {printed} / {size} does not round to the published mean {mean:g}")
        total = printed
    return mean, total


def _domain_counts(published: dict[str, pd.DataFrame], q: Questionnaire, total: int, assumptions: dict) -> pd.Series:
    """Projects per domain (questionnaire order): from the published share table (2013); else the published counts
    (2014: three domains) and, for the others, the rest split by the assumed weights ([projects.domain_weights])."""
    if "domain_shares" in published:
        shares = published["domain_shares"]
        codes = q.to_code(shares["domain"], "domain")
        if codes.isna().any() or set(codes) != set(q.codes("domain")):
            raise ReconstructionError("domain_shares.csv must give one share for each domain of the questionnaire")
        series = pd.Series(shares["share"].to_numpy(dtype=float), index=codes.to_numpy(), name="share")
        return allocate_domain_counts(total, series).reindex(q.codes("domain"))
    counts = pd.Series(dtype=int)
    if "domain_counts" in published:
        pub = published["domain_counts"]
        counts = pd.Series(pub["n_projects"].to_numpy(dtype=int), index=q.to_code(pub["domain"], "domain").to_numpy())
    others = [d for d in q.codes("domain") if d not in counts.index]
    weights = assumed(assumptions.get("projects", {}), "domain_weights", "projects per domain ([projects])")
    if set(weights) != set(others):
        raise ReconstructionError(f"[projects.domain_weights] must weight exactly the domains without a published "
                                  f"count {sorted(others)}; got {sorted(weights)}")
    rest = pd.Series(largest_remainder(total - int(counts.sum()), [float(weights[d]) for d in others]), index=others)
    return pd.concat([counts, rest]).reindex(q.codes("domain")).astype(int).rename("n_projects")


def _objectives(published: dict[str, pd.DataFrame], q: Questionnaire, assumptions: dict) -> tuple[list, dict]:
    """(order, fluctuating) of the objectives: the published ranks and flags where given, the assumed order
    ([objectives] order) where the edition published fewer ranks than the questionnaire has objectives (2015)."""
    obj = published["objectives"].assign(objective=lambda t: q.to_code(t["objective"], "objective"))
    obj = obj.sort_values("rank_published")
    order = list(obj["objective"])
    if len(order) < len(q.codes("objective")):
        order = list(assumed(assumptions.get("objectives", {}), "order", "the full order of the objectives"))
        if order[:len(obj)] != list(obj["objective"]) or sorted(order) != sorted(q.codes("objective")):
            raise ReconstructionError(f"[objectives] order {order} must list every objective of the questionnaire "
                                      f"and begin with the published ranks {list(obj['objective'])}")
    flu = dict(zip(obj["objective"], obj["fluctuating"].astype(bool)))
    return order, {o: bool(flu.get(o, False)) for o in order}


def published_targets(published: dict[str, pd.DataFrame], q: Questionnaire, assumptions: dict | None = None) -> dict:
    """Every number the reconstruction must meet, read from the published tables; what an edition did not publish
    (kinds, domain counts, a full objective order, the population threshold) from the assumptions."""
    assumptions = assumptions or {}
    panel, figures = published["panel"], published["figures"]
    size = int(_figure(panel, "panel_size"))
    mean, total = _total(figures, size)
    order, fluctuating = _objectives(published, q, assumptions)
    frame = int(_figure(figures, "population_threshold")) if _has(figures, "population_threshold") else \
        int(assumed(assumptions.get("draw", {}), "population_threshold", "the population threshold of the frame"))
    return {
        "panel_size": size, "by_kind": _kinds(panel, size, assumptions),
        "over_threshold": int(_figure(figures, "over_100k_threshold")) if _has(figures, "over_100k_threshold") else None,
        "n_over_threshold": int(_figure(panel, "over_100k")) if _has(panel, "over_100k") else None,
        "frame_threshold": frame,
        "mean_projects": mean, "total_projects": total,
        "domain_counts": _domain_counts(published, q, total, assumptions),
        "domain_shares": _shares(published, q),
        "objective_order": order, "fluctuating": fluctuating,
        "claims": set(published["claims"]["claim_id"]),
    }


def _shares(published: dict[str, pd.DataFrame], q: Questionnaire) -> pd.Series | None:
    """The published share of each domain (2013), None when the edition published no share table."""
    if "domain_shares" not in published:
        return None
    shares = published["domain_shares"]
    return pd.Series(shares["share"].to_numpy(dtype=float), index=q.to_code(shares["domain"], "domain").to_numpy(),
                     name="share")
