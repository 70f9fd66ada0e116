"""Deterministic record-level reconstruction of a wave whose survey records were never published (2013).

Inputs: the assumptions file (data/raw/assumptions/reconstruction-<wave>.toml: everything the sources do
not state), the published figures (data/raw/published/<wave>/*.csv: every target), the INSEE reference
(data/raw/reference) and the package's project-type catalogue (villenum/data/project_types.csv).
Output: the three codebook tables, every row flagged `reconstructed`, plus a MANIFEST.json.

Steps, each with its own random stream spawned from one seed (so that changing one assumption only
changes what depends on it): select the 24 collectivités (named ones, then a draw from the frame
conditioned on the published counts), spread the projects over them, deal the exact domain totals,
assign catalogue types, draw statuses (conditioned on the published à l'étude leaders), word the
labels, draw the objective rankings (conditioned on the published order and dispersion).
"""

from __future__ import annotations

import json
import tomllib
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

import villenum
from villenum import paths, reference, taxonomy
from villenum.questionnaire import Questionnaire, load_questionnaire
from villenum.stats import round_half_up as round_printed
from villenum.digest import sha256_file
from villenum.flagship import CATALOGUE_FILE as PROJECT_TYPES_FILE, load_catalogue
from villenum.codebook import COLLECTIVITES, OBJECTIVES, PROJECTS
from villenum.io import write_atomic, write_csv_atomic
from villenum.published import load_published

DEFAULT_WAVE = paths.DEFAULT_WAVE
STATUS_ROLES = ("realised", "in_progress", "under_study")  # the statuses drawn, by role (questionnaire)
KINDS = ("intercommunalite", "joint", "commune")
STEPS = ("collectivites", "spread", "domains", "types", "statuses", "labels", "objectives")
PUBLISHED_TABLES = ("panel", "participants", "objectives", "domain_shares", "figures", "claims")
MANIFEST = "MANIFEST.json"


class ReconstructionError(ValueError):
    """The assumptions, the published figures and the reference cannot all be met."""


class Reconstruction(dict):
    """The three codebook tables by name, with the run's `manifest` (seed, inputs, attempts) attached."""

    manifest: dict


# --------------------------------------------------------------------------------------------- inputs
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


def round_half_up(values: np.ndarray | float) -> np.ndarray:
    """Nearest integers (int array), halves up as printed percentages are: the one rule, stats.round_half_up."""
    return np.asarray(round_printed(values)).astype(int)


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


# ------------------------------------------------------------------------------------------ arithmetic
def largest_remainder(total: int, weights: np.ndarray | pd.Series | list[float]) -> np.ndarray:
    """Integers proportional to `weights` summing to `total` (Hamilton: floors, then largest remainders)."""
    w = np.asarray(weights, dtype=float)
    if total < 0 or (w < 0).any() or w.sum() <= 0:
        raise ReconstructionError(f"cannot split {total} by weights {w.tolist()}")
    quota = total * w / w.sum()
    counts = np.floor(quota).astype(int)
    left = total - counts.sum()
    order = np.lexsort((np.arange(len(w)), -(quota - counts)))  # largest remainder first, ties by position
    counts[order[:left]] += 1
    return counts


def allocate_domain_counts(total: int, shares: pd.Series) -> pd.Series:
    """Projects per domain summing to `total`, each rounding (whole percent) to its published share exactly."""
    counts = pd.Series(largest_remainder(total, shares.to_numpy()), index=shares.index, name="n_projects")
    printed = round_half_up(100 * counts.to_numpy() / total)
    bad = printed != round_half_up(shares.to_numpy())
    if bad.any():
        raise ReconstructionError(f"no split of {total} projects meets the shares of {list(shares.index[bad])}")
    return counts


def _es_keys(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Efraimidis-Spirakis keys: taking the largest k samples k items without replacement, prob. ~ weight."""
    u = 1.0 - rng.random(len(weights))  # in (0, 1]
    with np.errstate(divide="ignore"):
        return np.where(weights > 0, np.log(u) / np.where(weights > 0, weights, 1.0), -np.inf)


def slugify(values: pd.Series) -> pd.Series:
    """Stable ASCII identifiers: normalised text with every run of other characters turned into '_'."""
    return taxonomy.normalise_text(values).str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")


# ----------------------------------------------------------------------------------------- collectivités
def _population(kind: pd.Series, commune_pop: pd.Series, epci_pop: pd.Series, rules: dict) -> pd.Series:
    """Population of each row by the assumed rule for its kind ('commune' or 'epci')."""
    rule = kind.map(rules)
    if rule.isna().any() or not set(rule) <= {"commune", "epci"}:
        raise ReconstructionError(f"[population] needs 'commune' or 'epci' for each kind, got {rules}")
    return commune_pop.where(rule == "commune", epci_pop).astype("Int64")


def named_collectivites(participants: pd.DataFrame, communes: pd.DataFrame, epcis: pd.DataFrame,
                        assumptions: dict, q: Questionnaire) -> pd.DataFrame:
    """The named participants (confirmed only, by assumption) with kind, codes and population from the reference."""
    spec = assumptions["participants"]
    keep = participants["confirmed"].astype(bool) | (not spec.get("exclude_unconfirmed", True))
    named = participants[keep].reset_index(drop=True)
    entries = {k: v for k, v in spec.items() if isinstance(v, dict)}
    missing = sorted(set(named["participant_id"]) - set(entries))
    if missing:
        raise ReconstructionError(f"assumptions give no kind/codes for named participant(s) {missing}")
    rows = pd.DataFrame([{"participant_id": pid, **entries[pid]} for pid in named["participant_id"]])
    rows["name_printed"] = named["name_printed"].to_numpy()
    for col in ("insee_code", "epci_siren"):
        rows[col] = rows[col].astype("string") if col in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
    kind = q.to_code(rows["kind"], "kind")
    stated = q.to_code(named["kind_printed"].replace("", pd.NA), "kind")
    clash = stated.notna() & (stated != kind)
    if clash.any():
        raise ReconstructionError(f"assumed kind contradicts the stated one for {list(rows.loc[clash, 'participant_id'])}")
    com = communes.set_index("insee_code")
    epc = epcis.set_index("epci_siren")
    needs_insee, needs_epci = kind.isin(["commune", "joint"]), kind.isin(["intercommunalite", "joint"])
    bad = (needs_insee & ~rows["insee_code"].isin(com.index)) | (needs_epci & ~rows["epci_siren"].isin(epc.index))
    if bad.any():
        raise ReconstructionError(f"codes not in the reference for {list(rows.loc[bad, 'participant_id'])}")
    commune_epci = rows["insee_code"].map(com["epci_siren"])
    wrong_epci = (kind == "joint") & (commune_epci != rows["epci_siren"])
    if wrong_epci.any():
        raise ReconstructionError(f"joint commune not in its EPCI for {list(rows.loc[wrong_epci, 'participant_id'])}")
    ref_name = rows["insee_code"].map(com["name"]).where(needs_insee, rows["epci_siren"].map(epc["name"]))
    typo = taxonomy.normalise_text(ref_name) != taxonomy.normalise_text(rows["reference_name"].astype("string"))
    if typo.any():
        raise ReconstructionError(f"reference_name does not match the reference for {list(rows.loc[typo, 'participant_id'])}")
    epci_siren = rows["epci_siren"].where(needs_epci, commune_epci)  # kept for territory rules, blanked on output
    epci_name = epci_siren.map(epc["name"])
    joint_name = [assumptions["names"]["joint"].format(commune=c, epci=e)
                  for c, e in zip(rows["name_printed"], epci_name.fillna(""))]
    return pd.DataFrame({
        "collectivite_id": rows["participant_id"].astype("string"),
        "name": pd.Series(np.where(kind == "joint", joint_name, rows["name_printed"]), dtype="string"),
        "short_name": rows["name_printed"].astype("string"),
        "kind": kind,
        "insee_code": rows["insee_code"].where(needs_insee),
        "epci_siren": epci_siren.astype("string"),
        "population": _population(kind, rows["insee_code"].map(com["population"]),
                                  epci_siren.map(epc["population"]), assumptions["population"]),
        "region_code": rows["insee_code"].map(com["region_code"]).fillna(
            epci_siren.map(_epci_region(communes))).astype("string"),
        "origin": "named",
    })


def _epci_region(communes: pd.DataFrame) -> pd.Series:
    """Region of each EPCI: that of its seat (reference.epci_seats)."""
    region = communes.drop_duplicates("insee_code").set_index("insee_code")["region_code"]
    return reference.epci_seats(communes).map(region).rename("region_code")


def candidate_pool(communes: pd.DataFrame, epcis: pd.DataFrame, assumptions: dict, threshold: int) -> pd.DataFrame:
    """Every candidate of the draw: frame communes as communes, their EPCIs alone and with the ville-centre."""
    draw = assumptions["draw"]
    frame = reference.frame_communes(communes, min_population=threshold)
    frame = frame[~frame["region_code"].isin(draw.get("exclude_region_codes", []))
                  & ~frame["insee_code"].isin(draw.get("exclude_insee", []))]
    restored = assumptions["names"].get("restored_articles", {})
    frame = frame.assign(short_name=frame["insee_code"].map(restored).fillna(frame["name"]).astype("string"))
    epc = epcis.set_index("epci_siren")
    centre = reference.epci_seats(communes)
    if draw.get("joint_commune", "largest") != "largest":
        raise ReconstructionError("[draw] joint_commune: only 'largest' (the ville-centre) is implemented")
    eligible_epci = frame.dropna(subset=["epci_siren"])
    eligible_epci = eligible_epci[~eligible_epci["epci_siren"].isin(draw.get("exclude_epci_for_intercommunalite", []))]
    inter = eligible_epci.drop_duplicates("epci_siren")  # frame is largest first: one row per EPCI, its largest
    joint = eligible_epci[eligible_epci["insee_code"].to_numpy() == eligible_epci["epci_siren"].map(centre).to_numpy()]
    parts = []
    for kind, rows in (("commune", frame), ("intercommunalite", inter), ("joint", joint)):
        epci_name = rows["epci_siren"].map(epc["name"]).astype("string")
        if kind == "commune":
            name = rows["short_name"]
        elif kind == "intercommunalite":
            name = epci_name
        else:
            name = pd.Series([assumptions["names"]["joint"].format(commune=c, epci=e)
                              for c, e in zip(rows["short_name"], epci_name)], index=rows.index, dtype="string")
        parts.append(pd.DataFrame({
            "kind": kind, "name": name,
            "short_name": name if kind == "intercommunalite" else rows["short_name"],
            "insee_code": rows["insee_code"], "epci_siren": rows["epci_siren"],
            "commune_population": rows["population"], "epci_population": rows["epci_siren"].map(epc["population"]),
            "region_code": rows["region_code"],
        }))
    pool = pd.concat(parts, ignore_index=True)
    pool["population"] = _population(pool["kind"], pool["commune_population"], pool["epci_population"],
                                     assumptions["population"])
    return pool.dropna(subset=["population"]).reset_index(drop=True)


def select_collectivites(published: dict[str, pd.DataFrame], communes: pd.DataFrame, epcis: pd.DataFrame,
                         assumptions: dict, rng: np.random.Generator, q: Questionnaire) -> pd.DataFrame:
    """The panel: named participants plus a draw from the frame meeting the published kind and size counts."""
    targets = published_targets(published, q)
    draw = assumptions["draw"]
    named = named_collectivites(published["participants"], communes, epcis, assumptions, q)
    slots = {k: targets["by_kind"][k] - int((named["kind"] == k).sum()) for k in KINDS}
    if min(slots.values()) < 0:
        raise ReconstructionError(f"more named participants of a kind than published: {slots}")
    pool = candidate_pool(communes, epcis, assumptions, targets["frame_threshold"])
    unconfirmed = published["participants"].loc[~published["participants"]["confirmed"].astype(bool), "name_printed"]
    if assumptions["participants"].get("exclude_unconfirmed", True):  # neither the city nor its EPCI is drawn
        hit = pool["kind"].ne("intercommunalite") & taxonomy.normalise_text(pool["short_name"]).isin(
            taxonomy.normalise_text(unconfirmed))
        gone_epci = set(pool.loc[hit, "epci_siren"].dropna())
        pool = pool[~hit & ~(pool["kind"].ne("commune") & pool["epci_siren"].isin(gone_epci))]
    pool = pool.reset_index(drop=True)
    weight = pool["population"].to_numpy(dtype=float) ** float(draw.get("weight_alpha", 0.0))
    over = pool["population"].to_numpy(dtype=float) > targets["over_threshold"]
    need_over = targets["n_over_threshold"] - int((named["population"] > targets["over_threshold"]).sum())
    exclusive = bool(draw.get("one_participant_per_territory", True))
    cap = int(draw.get("max_per_region", 10**6))
    kinds, insee, epci, region = (pool[c].to_numpy(dtype=object) for c in ("kind", "insee_code", "epci_siren", "region_code"))
    insee, epci = np.where(pd.isna(insee), "", insee), np.where(pd.isna(epci), "", epci)
    for attempt in range(1, int(draw.get("max_attempts", 10000)) + 1):  # noqa: B007 - reported after the loop
        used = set(named["insee_code"].dropna())
        taken = set(named.loc[named["kind"] != "commune", "epci_siren"].dropna())
        touched = set(named.loc[named["kind"] == "commune", "epci_siren"].dropna())
        regions = named["region_code"].value_counts().to_dict()
        chosen = []
        for kind in KINDS:
            for _ in range(slots[kind]):
                full = [r for r, n in regions.items() if n >= cap]
                ok = (kinds == kind) & ~np.isin(insee, list(used)) & ~np.isin(region, full)
                if exclusive:
                    ok &= ~np.isin(epci, list(taken))
                    if kind != "commune":
                        ok &= ~np.isin(epci, list(touched))
                if not ok.any():
                    raise ReconstructionError(f"no candidate left for a drawn {kind} (frame too small for the constraints)")
                keys = np.where(ok, _es_keys(rng, weight), -np.inf)
                i = int(np.argmax(keys))
                chosen.append(i)
                if insee[i]:
                    used.add(insee[i])
                (touched if kind == "commune" else taken).add(epci[i])
                regions[region[i]] = regions.get(region[i], 0) + 1
        if int(over[chosen].sum()) == need_over:
            break
    else:
        raise ReconstructionError(f"no draw in {attempt} attempts gives {targets['n_over_threshold']} collectivités "
                                  f"over {targets['over_threshold']:,}: relax [draw] or the kinds of the named participants")
    drawn = pool.iloc[chosen].assign(origin="drawn")
    drawn["kind"] = pd.Categorical(drawn["kind"], categories=KINDS)
    drawn = drawn.sort_values(["kind", "name"]).assign(kind=lambda t: t["kind"].astype("string"))
    drawn["collectivite_id"] = slugify(drawn["short_name"].where(drawn["kind"] != "intercommunalite", drawn["name"]))
    out = pd.concat([named, drawn[named.columns]], ignore_index=True)
    dup = out["collectivite_id"].duplicated(keep="first")
    out.loc[dup, "collectivite_id"] = out.loc[dup, "collectivite_id"] + "_" + out.loc[dup, "insee_code"].fillna(out.loc[dup, "epci_siren"])
    out.attrs["attempts"] = attempt
    return out.astype({"collectivite_id": "string", "name": "string", "short_name": "string", "kind": "string",
                       "insee_code": "string", "epci_siren": "string", "region_code": "string", "origin": "string"})


# ----------------------------------------------------------------------------------------------- projects
def spread_projects(collectivites: pd.DataFrame, total: int, assumptions: dict, rng: np.random.Generator) -> pd.Series:
    """Projects per collectivité: the minimum plus the rest in proportion to population**alpha x lognormal noise."""
    spec = assumptions["projects"]
    n, minimum = len(collectivites), int(spec["minimum"])
    if n * minimum > total:
        raise ReconstructionError(f"minimum {minimum} x {n} collectivités exceeds the {total} projects")
    pop = collectivites["population"].to_numpy(dtype=float)
    weight = pop ** float(spec["alpha"]) * np.exp(float(spec["noise_sigma"]) * rng.standard_normal(n))
    counts = minimum + largest_remainder(total - n * minimum, weight)
    return pd.Series(counts, index=collectivites["collectivite_id"].to_numpy(), name="n_projects")


def deal_domains(collectivites: pd.DataFrame, counts: pd.Series, domain_counts: pd.Series, assumptions: dict,
                 rng: np.random.Generator) -> pd.DataFrame:
    """One row per project (collectivite_id, domain): exact domain totals dealt out with kind-specific tilts."""
    tilt = pd.DataFrame(assumptions["projects"]["kind_domain_tilt"]).reindex(index=domain_counts.index)
    if tilt.isna().any().any():
        raise ReconstructionError("[projects.kind_domain_tilt] needs a weight for every kind and domain")
    pool = np.repeat(domain_counts.index.to_numpy(dtype=object), domain_counts.to_numpy())
    owner = np.empty(len(pool), dtype=object)
    alive = np.ones(len(pool), dtype=bool)
    kinds = collectivites.set_index("collectivite_id")["kind"]
    for i in rng.permutation(len(counts)):
        cid, n = counts.index[i], int(counts.iloc[i])
        weight = tilt[kinds[cid]].reindex(pool).to_numpy(dtype=float)
        keys = np.where(alive, _es_keys(rng, weight), -np.inf)
        pick = np.argsort(-keys, kind="stable")[:n]
        owner[pick], alive[pick] = cid, False
    return pd.DataFrame({"collectivite_id": pd.array(owner, dtype="string"), "domain": pd.array(pool, dtype="string")})


def assign_types(projects: pd.DataFrame, types: pd.DataFrame, assumptions: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Add project_type: exact counts per type within each domain (largest remainder of the mix), shuffled."""
    mix = assumptions["projects"]["type_mix"]
    out = projects.assign(project_type=pd.Series(pd.NA, index=projects.index, dtype="string"))
    for domain, rows in projects.groupby("domain", sort=True).groups.items():
        catalogue = types.loc[types["domain"] == domain, "project_type"].tolist()
        given = mix.get(domain, {})
        if set(given) != set(catalogue):
            raise ReconstructionError(f"[projects.type_mix.{domain}] must weight exactly the catalogue types "
                                      f"{sorted(catalogue)}; got {sorted(given)}")
        n = largest_remainder(len(rows), [given[t] for t in catalogue])
        out.loc[rows, "project_type"] = rng.permutation(np.repeat(np.array(catalogue, dtype=object), n))
    return out


def status_codes(q: Questionnaire) -> tuple[str, str, str]:
    """The status codes of the realised, in-progress and under-study roles (ReconstructionError if one is missing)."""
    codes = tuple(q.status(role) for role in STATUS_ROLES)
    if None in codes:
        raise ReconstructionError(f"{q.path.name}: the generator needs statuses with the roles {STATUS_ROLES}")
    return codes


def _status_counts(projects: pd.DataFrame, shares: dict, statuses: tuple[str, ...]) -> pd.DataFrame:
    """Exact realised / in progress / under study counts per domain from the assumed shares."""
    sizes = projects["domain"].value_counts()
    rows = {}
    for domain, n in sizes.items():
        s = shares.get(domain)
        if s is None or set(s) != set(statuses) or abs(sum(s.values()) - 1) > 1e-9:
            raise ReconstructionError(f"[status.{domain}] needs shares of {statuses} summing to 1, got {s}")
        rows[domain] = largest_remainder(int(n), [s[k] for k in statuses])
    return pd.DataFrame(rows, index=list(statuses)).T


def _leaders_hold(projects: pd.DataFrame, leaders: list[str], under_study: str) -> bool:
    """True if the leaders come first (status `under_study`), in order, each strictly ahead of the next type."""
    counts = projects.loc[projects["status"] == under_study, "project_type"].value_counts()
    values = [int(counts.get(t, 0)) for t in leaders]
    rest = counts.drop(leaders, errors="ignore")
    nxt = values[1:] + [int(rest.max()) if len(rest) else 0]
    return all(v > w for v, w in zip(values, nxt))


def draw_statuses(projects: pd.DataFrame, assumptions: dict, rng: np.random.Generator, q: Questionnaire,
                  claims: set[str] | None = None, types: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add status: assumed counts per domain, given to projects by type tilt; conditioned on the à l'étude leaders.

    `types`: the project-type catalogue (read from the package if None).
    """
    spec = assumptions["status"]
    realised, in_progress, under_study = status_codes(q)
    counts = _status_counts(projects, {k: v for k, v in spec.items() if k in q.codes("domain")},
                            (realised, in_progress, under_study))
    tilt = spec.get("type_tilt", {})
    types = load_catalogue() if types is None else types
    unknown = set(tilt) - set(types["project_type"])
    if unknown:
        raise ReconstructionError(f"[status.type_tilt] names unknown project types {sorted(unknown)}")
    etude_w = projects["project_type"].map({t: v.get(under_study, 1.0) for t, v in tilt.items()}).fillna(1.0).to_numpy(dtype=float)
    real_w = projects["project_type"].map({t: v.get(realised, 1.0) for t, v in tilt.items()}).fillna(1.0).to_numpy(dtype=float)
    cond = spec.get("conditioning", {})
    leaders = list(cond.get("a_l_etude_leaders", []))
    if cond.get("claim") and claims is not None and cond["claim"] not in claims:
        raise ReconstructionError(f"[status.conditioning] claim {cond['claim']!r} is not in claims.csv")
    n_etude = projects["domain"].map(counts[under_study]).to_numpy()
    n_real = projects["domain"].map(counts[realised]).to_numpy()
    for attempt in range(1, int(cond.get("max_attempts", 1)) + 1):
        key_e = pd.Series(_es_keys(rng, etude_w), index=projects.index)
        is_e = key_e.groupby(projects["domain"]).rank(ascending=False, method="first").to_numpy() <= n_etude
        key_r = pd.Series(np.where(is_e, -np.inf, _es_keys(rng, real_w)), index=projects.index)
        is_r = (key_r.groupby(projects["domain"]).rank(ascending=False, method="first").to_numpy() <= n_real) & ~is_e
        status = np.where(is_e, under_study, np.where(is_r, realised, in_progress))
        out = projects.assign(status=pd.array(status, dtype="string"))
        if not leaders or _leaders_hold(out, leaders, under_study):
            out.attrs["attempts"] = attempt
            return out
    raise ReconstructionError(f"no status draw in {attempt} attempts puts {leaders} first among the projects "
                              "à l'étude: the [status] assumptions contradict the published statement")


def draw_labels(projects: pd.DataFrame, collectivites: pd.DataFrame, types: pd.DataFrame, assumptions: dict,
                rng: np.random.Generator) -> pd.DataFrame:
    """Add label: the catalogue label or one of its variants, {name} filled with the collectivité's short name."""
    spec = assumptions["labels"]
    variants = spec.get("variants", {})
    unknown = set(variants) - set(types["project_type"])
    if unknown:
        raise ReconstructionError(f"[labels.variants] names unknown project types {sorted(unknown)}")
    options = {t: [lab, *variants.get(t, [])] for t, lab in zip(types["project_type"], types["label_fr"])}
    n_options = projects["project_type"].map({t: len(v) for t, v in options.items()}).to_numpy(dtype=int)
    pick = np.floor(rng.random(len(projects)) * n_options).astype(int)
    short = projects["collectivite_id"].map(collectivites.set_index("collectivite_id")["short_name"])
    labels = [options[t][i].replace("{name}", str(s)) for t, i, s in zip(projects["project_type"], pick, short)]
    return projects.assign(label=pd.array(labels, dtype="string"))


def number_projects(projects: pd.DataFrame, collectivites: pd.DataFrame, types: pd.DataFrame,
                    assumptions: dict, q: Questionnaire) -> pd.DataFrame:
    """Sort projects (collectivité, domain, type, label), suffix repeated labels, give ids '<collectivite_id>-P001'."""
    order_c = {c: i for i, c in enumerate(collectivites["collectivite_id"])}
    order_d = {d: i for i, d in enumerate(q.codes("domain"))}
    order_t = {t: i for i, t in enumerate(types["project_type"])}
    out = projects.assign(_c=projects["collectivite_id"].map(order_c), _d=projects["domain"].map(order_d),
                          _t=projects["project_type"].map(order_t))
    out = out.sort_values(["_c", "_d", "_t", "label"], kind="stable").reset_index(drop=True)
    nth = out.groupby(["collectivite_id", "label"], sort=False).cumcount().to_numpy()
    suffix = assumptions["labels"].get("duplicate_suffix", " ({n})")
    out["label"] = [lab if k == 0 else lab + suffix.replace("{n}", str(k + 1)) for lab, k in zip(out["label"], nth)]
    seq = out.groupby("collectivite_id", sort=False).cumcount().to_numpy() + 1
    out["project_id"] = [f"{c}-P{s:03d}" for c, s in zip(out["collectivite_id"], seq)]
    return out.drop(columns=["_c", "_d", "_t"]).astype({"label": "string", "project_id": "string"})


# --------------------------------------------------------------------------------------------- objectives
def rank_statistics(objectives: pd.DataFrame) -> pd.DataFrame:
    """Per objective: mean rank and rank sd (n-1) over the collectivités that ranked it, and times cited."""
    ranks = objectives.assign(rank=objectives["rank"].astype("Float64"))
    grouped = ranks.groupby("objective", sort=False)
    return pd.DataFrame({"mean_rank": grouped["rank"].mean().astype(float), "sd_rank": grouped["rank"].std().astype(float),
                         "n_cited": grouped["cited"].sum().astype(int)})


def _objectives_hold(stats: pd.DataFrame, order: list[str], fluctuating: dict[str, bool], claims: list[str]) -> bool:
    """True if the drawn rankings show each published objective statement the draw is conditioned on."""
    ok = True
    if "objectives_order" in claims:
        ok &= list(stats["mean_rank"].reindex(order).sort_values(kind="stable").index) == order \
            and stats["mean_rank"].reindex(order).is_monotonic_increasing and stats["mean_rank"].nunique() == len(order)
    if "objectives_fluctuating" in claims:
        flu = [o for o in order if fluctuating[o]]
        stable = [o for o in order if not fluctuating[o]]
        sd = stats["sd_rank"].fillna(0.0)
        ok &= bool(flu) and bool(stable) and sd[flu].min() > sd[stable].max()
    if "objectives_qualite_most_cited" in claims:
        cited = stats["n_cited"]
        ok &= cited[order[0]] > cited.drop(order[0]).max()
    return bool(ok)


def draw_rankings(collectivites: pd.DataFrame, published_objectives: pd.DataFrame, assumptions: dict,
                  rng: np.random.Generator, q: Questionnaire, claims: set[str] | None = None) -> pd.DataFrame:
    """The objectives table: Thurstone rankings around the published order, top-k cited and ranked, conditioned."""
    spec = assumptions["objectives"]
    if spec.get("model", "thurstone") != "thurstone":
        raise ReconstructionError("[objectives] model: only 'thurstone' is implemented")
    pub = published_objectives.assign(objective=q.to_code(published_objectives["objective"], "objective"))
    pub = pub.sort_values("rank_published")
    order, flu = list(pub["objective"]), pub["fluctuating"].astype(bool).to_numpy()
    location = np.asarray(spec["location_by_published_rank"], dtype=float)
    sd = np.where(flu, float(spec["sd_fluctuating"]), float(spec["sd_stable"]))
    k_values = np.asarray(spec["cited_k_values"], dtype=int)
    k_weights = np.asarray(spec["cited_k_weights"], dtype=float)
    wanted = list(spec.get("claims", []))
    missing = [c for c in wanted if claims is not None and c not in claims]
    if missing:
        raise ReconstructionError(f"[objectives] claims {missing} are not in claims.csv")
    n, m = len(collectivites), len(order)
    codes = q.codes("objective")
    ids = np.repeat(collectivites["collectivite_id"].to_numpy(dtype=object), len(codes))
    for attempt in range(1, int(spec.get("max_attempts", 1)) + 1):
        utility = location + sd * rng.standard_normal((n, m))
        full = (-utility).argsort(axis=1).argsort(axis=1) + 1
        k = rng.choice(k_values, size=n, p=k_weights / k_weights.sum())
        ranks = pd.DataFrame(full, columns=order)[codes].to_numpy()
        cited = ranks <= k[:, None]
        table = pd.DataFrame({
            "collectivite_id": pd.array(ids, dtype="string"),
            "objective": pd.array(np.tile(codes, n), dtype="string"),
            "rank": pd.array(np.where(cited, ranks, 0).ravel(), dtype="Int64"),
            "cited": pd.array(cited.ravel(), dtype="boolean"),
        })
        table.loc[~table["cited"].to_numpy(dtype=bool), "rank"] = pd.NA
        if _objectives_hold(rank_statistics(table), order, dict(zip(order, flu)), wanted):
            table.attrs["attempts"] = attempt
            return table
    raise ReconstructionError(f"no ranking draw in {attempt} attempts meets {wanted}: revise [objectives]")


# ------------------------------------------------------------------------------------------------ driver
def check_published(tables: dict[str, pd.DataFrame], targets: dict) -> None:
    """Fail unless the tables meet every published number (panel counts, sizes, total, mean, shares)."""
    coll, proj = tables["collectivites"], tables["projects"]
    problems = []
    if len(coll) != targets["panel_size"]:
        problems.append(f"{len(coll)} collectivités, not {targets['panel_size']}")
    for kind, n in targets["by_kind"].items():
        if int((coll["kind"] == kind).sum()) != n:
            problems.append(f"{kind}: {int((coll['kind'] == kind).sum())}, not {n}")
    n_over = int((coll["population"] > targets["over_threshold"]).sum())
    if n_over != targets["n_over_threshold"]:
        problems.append(f"{n_over} over {targets['over_threshold']}, not {targets['n_over_threshold']}")
    if len(proj) != targets["total_projects"]:
        problems.append(f"{len(proj)} projects, not {targets['total_projects']}")
    if round_half_up(len(proj) / len(coll)) != round_half_up(targets["mean_projects"]):
        problems.append("mean projects per collectivité does not round to the published mean")
    share = 100 * proj["domain"].value_counts().reindex(targets["domain_shares"].index, fill_value=0) / len(proj)
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
    targets = published_targets(inputs, q)
    types = load_catalogue()
    streams = dict(zip(STEPS, np.random.default_rng(seed).spawn(len(STEPS))))

    coll = select_collectivites(inputs, inputs["communes"], inputs["epcis"], assumptions, streams["collectivites"], q)
    domain_counts = allocate_domain_counts(targets["total_projects"], targets["domain_shares"])
    domain_counts = domain_counts.reindex(q.codes("domain"))
    counts = spread_projects(coll, targets["total_projects"], assumptions, streams["spread"])
    proj = deal_domains(coll, counts, domain_counts, assumptions, streams["domains"])
    proj = assign_types(proj, types, assumptions, streams["types"])
    proj = draw_statuses(proj, assumptions, streams["statuses"], q, targets["claims"], types)
    status_attempts = proj.attrs.get("attempts", 1)
    proj = draw_labels(proj, coll, types, assumptions, streams["labels"])
    proj = number_projects(proj, coll, types, assumptions, q)
    obj = draw_rankings(coll, inputs["objectives"], assumptions, streams["objectives"], q, targets["claims"])

    coll_out = coll.assign(insee_code=coll["insee_code"].where(coll["kind"] != "intercommunalite"),
                           epci_siren=coll["epci_siren"].where(coll["kind"] != "commune"), reconstructed=True)
    tables = Reconstruction(
        collectivites=coll_out[COLLECTIVITES.column_names].reset_index(drop=True),
        objectives=obj.assign(reconstructed=True)[OBJECTIVES.column_names].reset_index(drop=True),
        projects=proj.assign(reconstructed=True)[PROJECTS.column_names].reset_index(drop=True),
    )
    check_published(tables, targets)
    tables.manifest = {
        "generator": "villenum.reconstruct",
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
    """CLI entry: reconstruct with the seed and assumptions, write to out_dir, validate it; return the files."""
    from villenum.survey import load_survey

    tables = reconstruct(seed, assumptions)
    out_dir = Path(out_dir) if out_dir is not None else paths.survey_dir(tables.manifest["wave"])
    written = write_reconstruction(tables, out_dir)
    load_survey(out_dir)
    return written

