"""The entry point: run every step with its own random stream, check the published numbers, and write the
three codebook tables with their MANIFEST.json."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import villenum
from villenum import paths
from villenum.codebook import COLLECTIVITES, OBJECTIVES, PROJECTS
from villenum.digest import sha256_file
from villenum.flagship import load_catalogue
from villenum.generate.acceptance import check_built_to_match, finding_holds
from villenum.generate.collectivites import select_collectivites
from villenum.generate.draws import ReconstructionError, round_half_up
from villenum.generate.projects import assign_types, wave_catalogue, deal_domains, draw_labels, draw_statuses, number_projects, \
    spread_projects
from villenum.generate.rankings import draw_rankings
from villenum.generate.targets import DEFAULT_WAVE, default_assumptions_path, input_files, load_assumptions, \
    load_inputs, published_targets
from villenum.io import write_atomic, write_csv_atomic
from villenum.questionnaire import load_questionnaire

STEPS = ("collectivites", "spread", "domains", "types", "statuses", "labels", "objectives")
MANIFEST = "MANIFEST.json"


class Reconstruction(dict):
    """The three codebook tables by name, with the run's `manifest` (seed, inputs, attempts) attached."""

    manifest: dict


def check_published(tables: dict[str, pd.DataFrame], targets: dict) -> None:
    """Fail unless the tables meet every published number (panel counts, sizes, total, mean, shares)."""
    coll, proj = tables["collectivites"], tables["projects"]
    problems = []
    if len(coll) != targets["panel_size"]:
        problems.append(f"{len(coll)} collectivités, not {targets['panel_size']}")
    for kind, n in targets["by_kind"].items():
        if int((coll["kind"] == kind).sum()) != n:
            problems.append(f"{kind}: {int((coll['kind'] == kind).sum())}, not {n}")
    if targets["n_over_threshold"] is not None:
        n_over = int((coll["population"] > targets["over_threshold"]).sum())
        if n_over != targets["n_over_threshold"]:
            problems.append(f"{n_over} over {targets['over_threshold']}, not {targets['n_over_threshold']}")
    if len(proj) != targets["total_projects"]:
        problems.append(f"{len(proj)} projects, not {targets['total_projects']}")
    if round_half_up(len(proj) / len(coll)) != round_half_up(targets["mean_projects"]):
        problems.append("mean projects per collectivité does not round to the published mean")
    counts = proj["domain"].value_counts().reindex(targets["domain_counts"].index, fill_value=0)
    if not counts.equals(targets["domain_counts"].astype(counts.dtype)):
        problems.append(f"projects per domain {counts.to_dict()}, not {targets['domain_counts'].to_dict()}")
    if targets["domain_shares"] is not None:
        share = 100 * counts.reindex(targets["domain_shares"].index) / len(proj)
        off = round_half_up(share.to_numpy()) != round_half_up(targets["domain_shares"].to_numpy())
        if off.any():
            problems.append(f"domain shares off for {list(share.index[off])}")
    if problems:
        raise ReconstructionError("reconstruction misses published figures: " + "; ".join(problems))


def reconstruct(seed: int | None = None, assumptions_path: str | Path | None = None) -> Reconstruction:
    """Build the three codebook tables of the reconstruction (seed: the assumptions' default if None)."""
    path = Path(assumptions_path) if assumptions_path is not None else default_assumptions_path()
    assumptions = load_assumptions(path)
    seed = int(assumptions["seed"] if seed is None else seed)
    wave = str(assumptions.get("wave", DEFAULT_WAVE))
    inputs = load_inputs(wave)
    q = load_questionnaire(wave)
    targets = published_targets(inputs, q, assumptions)
    types = wave_catalogue(load_catalogue(), assumptions, q)
    streams = dict(zip(STEPS, np.random.default_rng(seed).spawn(len(STEPS))))

    coll = select_collectivites(inputs, inputs["communes"], inputs["epcis"], assumptions, streams["collectivites"], q)
    domain_counts = targets["domain_counts"]
    counts = spread_projects(coll, targets["total_projects"], assumptions, streams["spread"])
    proj = deal_domains(coll, counts, domain_counts, assumptions, streams["domains"], inputs["figures"])
    proj = assign_types(proj, types, assumptions, streams["types"])
    proj = draw_statuses(proj, assumptions, streams["statuses"], q, targets["claims"], types)
    status_attempts = proj.attrs.get("attempts", 1)
    proj = draw_labels(proj, coll, types, assumptions, streams["labels"])
    proj = number_projects(proj, coll, types, assumptions, q)
    order = pd.DataFrame({"objective": targets["objective_order"],
                          "rank_published": range(1, len(targets["objective_order"]) + 1),
                          "fluctuating": [targets["fluctuating"][o] for o in targets["objective_order"]]})
    conditioned = list(assumptions.get("objectives", {}).get("claims", []))
    accept = finding_holds(conditioned, "objectives", wave, coll, q) if conditioned else None
    obj = draw_rankings(coll, order, assumptions, streams["objectives"], q, targets["claims"], accept)

    coll_out = coll.assign(insee_code=coll["insee_code"].where(coll["kind"] != "intercommunalite"),
                           epci_siren=coll["epci_siren"].where(coll["kind"] != "commune"), reconstructed=True)
    tables = Reconstruction(
        collectivites=coll_out[COLLECTIVITES.column_names].reset_index(drop=True),
        objectives=obj.assign(reconstructed=True)[OBJECTIVES.column_names].reset_index(drop=True),
        projects=proj.assign(reconstructed=True)[PROJECTS.column_names].reset_index(drop=True),
    )
    check_published(tables, targets)
    tables.manifest = {
        "generator": "villenum.reconstruct",  # its former module name, kept: the MANIFEST stays byte-identical
        "package_version": villenum.__version__,
        "wave": wave,
        "seed": seed,
        "assumptions": {"file": _display_path(path), "sha256": sha256_file(path)},
        "inputs": [{"file": _display_path(p), "sha256": sha256_file(p)} for p in input_files(wave)],
        "built_to_match": sorted(assumptions.get("built_to_match", [])),
        "attempts": {"collectivites": int(coll.attrs.get("attempts", 1)), "statuses": int(status_attempts),
                     "objectives": int(obj.attrs.get("attempts", 1))},
    }
    return tables


def _display_path(path: Path) -> str:
    """A path relative to the repository when inside it (stable across checkouts), else its file name."""
    try:
        return Path(path).resolve().relative_to(paths.ROOT).as_posix()
    except ValueError:
        return Path(path).name


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as 'true'/'false' text (missing stays empty) so that the CSV reads back unambiguously."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]) or str(out[col].dtype) == "boolean":
            out[col] = out[col].map({True: "true", False: "false"}).astype("string")
    return out


def write_reconstruction(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write collectivites.csv, objectives.csv, projects.csv and MANIFEST.json into out_dir; return the paths."""
    out_dir = Path(out_dir)
    written = []
    for table in (COLLECTIVITES, OBJECTIVES, PROJECTS):
        written.append(write_csv_atomic(_csv_frame(tables[table.name][table.column_names]), out_dir / table.file))
    manifest = dict(getattr(tables, "manifest", {}))
    manifest["rows"] = {t.name: int(len(tables[t.name])) for t in (COLLECTIVITES, OBJECTIVES, PROJECTS)}
    manifest["files"] = [{"file": p.name, "sha256": sha256_file(p)} for p in written]
    written.append(write_atomic(out_dir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"))
    return written


def main_generate(seed: int | None = None, assumptions: str | Path | None = None,
                  out_dir: str | Path | None = None) -> list[Path]:
    """CLI entry: reconstruct with the seed and assumptions, accept it (every built_to_match claim found by the
    scorecard's evaluators, else ReconstructionError naming them), write to out_dir, validate it; return the files."""
    from villenum.survey import load_survey

    tables = reconstruct(seed, assumptions)
    wave = tables.manifest["wave"]
    out_dir = Path(out_dir) if out_dir is not None else paths.survey_dir(wave)
    with tempfile.TemporaryDirectory(prefix="villenum-accept-") as tmp:  # judged as the pipeline will read it
        write_reconstruction(tables, tmp)
        check_built_to_match(load_survey(tmp, load_questionnaire(wave)), wave, tables.manifest["built_to_match"])
    written = write_reconstruction(tables, out_dir)
    load_survey(out_dir, load_questionnaire(wave, out_dir))
    return written
