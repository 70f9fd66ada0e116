"""The projects: how many per collectivité, their domains (exact published totals), catalogue types,
statuses (conditioned on the published à l'étude leaders), labels, and their order and ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from villenum.flagship import load_catalogue
from villenum.generate.draws import ReconstructionError, es_keys, largest_remainder
from villenum.questionnaire import Questionnaire

STATUS_ROLES = ("realised", "in_progress", "under_study")  # the statuses drawn, by role (questionnaire)


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


def wave_catalogue(types: pd.DataFrame, assumptions: dict, q: Questionnaire) -> pd.DataFrame:
    """The catalogue of project types as the wave's questionnaire files them: `[projects.type_domain]` moves a type
    to another domain (2014: the énergie types, énergie not being asked, to environnement). Unchanged without it."""
    moves = assumptions.get("projects", {}).get("type_domain", {})
    unknown = set(moves) - set(types["project_type"])
    bad = {d for d in moves.values() if d not in q.codes("domain")}
    if unknown or bad:
        raise ReconstructionError(f"[projects.type_domain] names unknown types {sorted(unknown)} or domains {sorted(bad)}")
    if not moves:
        return types
    out = types.copy()
    out["domain"] = out["project_type"].map(moves).fillna(out["domain"]).astype("string")
    return out


def _published_value(value: object, figures: pd.DataFrame | None) -> int:
    """An integer of the assumptions, or `published:figures:<figure_id>` read from the wave's figures.csv."""
    if isinstance(value, str) and value.startswith("published:figures:"):
        figure_id = value.removeprefix("published:figures:")
        hit = figures.loc[figures["figure_id"] == figure_id, "value"] if figures is not None else []
        if len(hit) != 1:
            raise ReconstructionError(f"[projects.domain_bounds] {value}: no such published figure")
        return int(hit.iloc[0])
    return int(value)


def _reserve_minimum(counts: pd.Series, pool: np.ndarray, bounds: dict, figures: pd.DataFrame | None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Projects of a bounded domain given first, `min` to every collectivité (`[projects.domain_bounds]`):
    returns (owner, alive) over the pool with those projects taken."""
    owner = np.empty(len(pool), dtype=object)
    alive = np.ones(len(pool), dtype=bool)
    for domain, spec in sorted(bounds.items()):
        minimum = _published_value(spec.get("min", 0), figures)
        for cid, n in counts.items():
            free = np.flatnonzero(alive & (pool == domain))[:minimum]
            if len(free) < minimum or n < minimum:
                raise ReconstructionError(f"[projects.domain_bounds.{domain}] min {minimum}: not enough projects")
            owner[free], alive[free] = cid, False
    return owner, alive


def deal_domains(collectivites: pd.DataFrame, counts: pd.Series, domain_counts: pd.Series, assumptions: dict,
                 rng: np.random.Generator, figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per project (collectivite_id, domain): exact domain totals dealt out with kind-specific tilts.

    `[projects.domain_bounds]` (optional): per domain, `min` projects given to every collectivité before the deal
    and `max` checked after it (a number, or `published:figures:<figure_id>` of `figures`)."""
    tilt = pd.DataFrame(assumptions["projects"]["kind_domain_tilt"]).reindex(index=domain_counts.index)
    if tilt.isna().any().any():
        raise ReconstructionError("[projects.kind_domain_tilt] needs a weight for every kind and domain")
    bounds = assumptions["projects"].get("domain_bounds", {})
    pool = np.repeat(domain_counts.index.to_numpy(dtype=object), domain_counts.to_numpy())
    owner, alive = _reserve_minimum(counts, pool, bounds, figures)
    left = counts - pd.Series(owner[~alive], dtype=object).value_counts().reindex(counts.index, fill_value=0)
    kinds = collectivites.set_index("collectivite_id")["kind"]
    for i in rng.permutation(len(counts)):
        cid, n = counts.index[i], int(left.iloc[i])
        weight = tilt[kinds[cid]].reindex(pool).to_numpy(dtype=float)
        keys = np.where(alive, es_keys(rng, weight), -np.inf)
        pick = np.argsort(-keys, kind="stable")[:n]
        owner[pick], alive[pick] = cid, False
    out = pd.DataFrame({"collectivite_id": pd.array(owner, dtype="string"), "domain": pd.array(pool, dtype="string")})
    for domain, spec in bounds.items():
        per = out.loc[out["domain"] == domain, "collectivite_id"].value_counts()
        if "max" in spec and int(per.max()) > _published_value(spec["max"], figures):
            raise ReconstructionError(f"[projects.domain_bounds.{domain}] a collectivité has {int(per.max())} projects")
    return out


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
        key_e = pd.Series(es_keys(rng, etude_w), index=projects.index)
        is_e = key_e.groupby(projects["domain"]).rank(ascending=False, method="first").to_numpy() <= n_etude
        key_r = pd.Series(np.where(is_e, -np.inf, es_keys(rng, real_w)), index=projects.index)
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
