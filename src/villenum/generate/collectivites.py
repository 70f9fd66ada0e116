"""The panel of collectivités: the named participants from the reference, the pool of candidates of the
frame, and the draw that completes the panel to the published counts by kind and over the size threshold."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from villenum import reference, taxonomy
from villenum.generate.draws import ReconstructionError, es_keys, slugify
from villenum.generate.targets import published_targets
from villenum.questionnaire import Questionnaire

KINDS = ("intercommunalite", "joint", "commune")


def _population(kind: pd.Series, commune_pop: pd.Series, epci_pop: pd.Series, rules: dict) -> pd.Series:
    """Population of each row by the assumed rule for its kind ('commune' or 'epci')."""
    rule = kind.map(rules)
    if rule.isna().any() or not set(rule) <= {"commune", "epci"}:
        raise ReconstructionError(f"[population] needs 'commune' or 'epci' for each kind, got {rules}")
    return commune_pop.where(rule == "commune", epci_pop).astype("Int64")


def _named_rows(participants: pd.DataFrame, spec: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The participants kept (confirmed only, by assumption) and, row for row, their assumed entries
    (participant_id, kind, insee_code and epci_siren as strings, reference_name, name_printed)."""
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
    return named, rows


def _check_reference(rows: pd.DataFrame, kind: pd.Series, com: pd.DataFrame, epc: pd.DataFrame) -> None:
    """Fail unless every needed code is in the reference, each joint commune lies in its EPCI and each
    reference_name is the reference's name (communes indexed by insee_code, EPCIs by epci_siren)."""
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


def named_collectivites(participants: pd.DataFrame, communes: pd.DataFrame, epcis: pd.DataFrame,
                        assumptions: dict, q: Questionnaire) -> pd.DataFrame:
    """The named participants (confirmed only, by assumption) with kind, codes and population from the reference.

    Returns one row per named participant with the columns of the panel (collectivite_id, name, short_name, kind,
    insee_code, epci_siren, population, region_code) and origin 'named'.
    """
    named, rows = _named_rows(participants, assumptions["participants"])
    kind = q.to_code(rows["kind"], "kind")
    stated = q.to_code(named["kind_printed"].replace("", pd.NA), "kind")
    clash = stated.notna() & (stated != kind)
    if clash.any():
        raise ReconstructionError(f"assumed kind contradicts the stated one for {list(rows.loc[clash, 'participant_id'])}")
    com = communes.set_index("insee_code")
    epc = epcis.set_index("epci_siren")
    _check_reference(rows, kind, com, epc)
    needs_insee, needs_epci = kind.isin(["commune", "joint"]), kind.isin(["intercommunalite", "joint"])
    commune_epci = rows["insee_code"].map(com["epci_siren"])
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


class _Candidates(NamedTuple):
    """The pool of candidates as arrays, position for position: kind, INSEE code and EPCI ('' when missing),
    region, draw weight."""

    kinds: np.ndarray
    insee: np.ndarray
    epci: np.ndarray
    region: np.ndarray
    weight: np.ndarray


def _without_unconfirmed(pool: pd.DataFrame, participants: pd.DataFrame, assumptions: dict) -> pd.DataFrame:
    """The pool without the unconfirmed participants (by assumption): neither the city nor its EPCI is drawn;
    returned with a fresh index."""
    unconfirmed = participants.loc[~participants["confirmed"].astype(bool), "name_printed"]
    if assumptions.get("participants", {}).get("exclude_unconfirmed", True):  # neither the city nor its EPCI is drawn
        hit = pool["kind"].ne("intercommunalite") & taxonomy.normalise_text(pool["short_name"]).isin(
            taxonomy.normalise_text(unconfirmed))
        gone_epci = set(pool.loc[hit, "epci_siren"].dropna())
        pool = pool[~hit & ~(pool["kind"].ne("commune") & pool["epci_siren"].isin(gone_epci))]
    return pool.reset_index(drop=True)


def _draw_once(cand: _Candidates, named: pd.DataFrame, slots: dict[str, int], draw: dict,
               rng: np.random.Generator) -> list[int]:
    """One draw filling every free slot, kind by kind (KINDS order), each territory taken once and each region
    capped (by assumption); returns the pool positions chosen, in draw order."""
    exclusive = bool(draw.get("one_participant_per_territory", True))
    cap = int(draw.get("max_per_region", 10**6))
    used = set(named["insee_code"].dropna())
    taken = set(named.loc[named["kind"] != "commune", "epci_siren"].dropna())
    touched = set(named.loc[named["kind"] == "commune", "epci_siren"].dropna())
    regions = named["region_code"].value_counts().to_dict()
    chosen = []
    for kind in KINDS:
        for _ in range(slots[kind]):
            full = [r for r, n in regions.items() if n >= cap]
            ok = (cand.kinds == kind) & ~np.isin(cand.insee, list(used)) & ~np.isin(cand.region, full)
            if exclusive:
                ok &= ~np.isin(cand.epci, list(taken))
                if kind != "commune":
                    ok &= ~np.isin(cand.epci, list(touched))
            if not ok.any():
                raise ReconstructionError(f"no candidate left for a drawn {kind} (frame too small for the constraints)")
            keys = np.where(ok, es_keys(rng, cand.weight), -np.inf)
            i = int(np.argmax(keys))
            chosen.append(i)
            if cand.insee[i]:
                used.add(cand.insee[i])
            (touched if kind == "commune" else taken).add(cand.epci[i])
            regions[cand.region[i]] = regions.get(cand.region[i], 0) + 1
    return chosen


def _with_ids(named: pd.DataFrame, drawn: pd.DataFrame) -> pd.DataFrame:
    """The panel: the named rows, then the drawn ones sorted by kind and name, each with a unique slug
    collectivite_id (a repeated slug gets its INSEE code or EPCI SIREN appended) and text columns as strings."""
    drawn = drawn.assign(origin="drawn")
    drawn["kind"] = pd.Categorical(drawn["kind"], categories=KINDS)
    drawn = drawn.sort_values(["kind", "name"]).assign(kind=lambda t: t["kind"].astype("string"))
    drawn["collectivite_id"] = slugify(drawn["short_name"].where(drawn["kind"] != "intercommunalite", drawn["name"]))
    out = pd.concat([named, drawn[named.columns]], ignore_index=True)
    dup = out["collectivite_id"].duplicated(keep="first")
    out.loc[dup, "collectivite_id"] = out.loc[dup, "collectivite_id"] + "_" + out.loc[dup, "insee_code"].fillna(out.loc[dup, "epci_siren"])
    return out.astype({"collectivite_id": "string", "name": "string", "short_name": "string", "kind": "string",
                       "insee_code": "string", "epci_siren": "string", "region_code": "string", "origin": "string"})


def _named(published: dict[str, pd.DataFrame], communes: pd.DataFrame, epcis: pd.DataFrame, assumptions: dict,
           q: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(participants table, named rows): none when the edition named no participant (2014, 2015)."""
    if "participants" in published:
        participants = published["participants"]
        return participants, named_collectivites(participants, communes, epcis, assumptions, q)
    columns = ["collectivite_id", "name", "short_name", "kind", "insee_code", "epci_siren", "population",
               "region_code", "origin"]
    empty = pd.DataFrame({c: pd.Series(dtype="Int64" if c == "population" else "string") for c in columns})
    return pd.DataFrame({"name_printed": pd.Series(dtype="string"), "confirmed": pd.Series(dtype=bool)}), empty


def select_collectivites(published: dict[str, pd.DataFrame], communes: pd.DataFrame, epcis: pd.DataFrame,
                         assumptions: dict, rng: np.random.Generator, q: Questionnaire) -> pd.DataFrame:
    """The panel: named participants (if the edition named any) plus a draw from the frame meeting the published
    counts by kind (else the assumed ones) and, when published, the count over the size threshold.

    Returns one row per collectivité (the columns of named_collectivites, origin 'named' or 'drawn'), the number
    of draws it took in `attrs["attempts"]`.
    """
    targets = published_targets(published, q, assumptions)
    draw = assumptions["draw"]
    participants, named = _named(published, communes, epcis, assumptions, q)
    slots = {k: targets["by_kind"][k] - int((named["kind"] == k).sum()) for k in KINDS}
    if min(slots.values()) < 0:
        raise ReconstructionError(f"more named participants of a kind than published: {slots}")
    pool = candidate_pool(communes, epcis, assumptions, targets["frame_threshold"])
    pool = _without_unconfirmed(pool, participants, assumptions)
    weight = pool["population"].to_numpy(dtype=float) ** float(draw.get("weight_alpha", 0.0))
    kinds, insee, epci, region = (pool[c].to_numpy(dtype=object) for c in ("kind", "insee_code", "epci_siren", "region_code"))
    cand = _Candidates(kinds, np.where(pd.isna(insee), "", insee), np.where(pd.isna(epci), "", epci), region, weight)
    if targets["n_over_threshold"] is None:  # nothing published about sizes: one unconditioned draw
        chosen, attempt = _draw_once(cand, named, slots, draw, rng), 1
    else:
        chosen, attempt = _conditioned_draw(cand, pool, named, slots, draw, rng, targets)
    out = _with_ids(named, pool.iloc[chosen])
    out.attrs["attempts"] = attempt
    return out


def _conditioned_draw(cand: _Candidates, pool: pd.DataFrame, named: pd.DataFrame, slots: dict[str, int], draw: dict,
                      rng: np.random.Generator, targets: dict) -> tuple[list[int], int]:
    """Draws repeated until the panel has the published number of collectivités over the size threshold;
    returns (pool positions chosen, attempts)."""
    over = pool["population"].to_numpy(dtype=float) > targets["over_threshold"]
    need_over = targets["n_over_threshold"] - int((named["population"] > targets["over_threshold"]).sum())
    for attempt in range(1, int(draw.get("max_attempts", 10000)) + 1):
        chosen = _draw_once(cand, named, slots, draw, rng)
        if int(over[chosen].sum()) == need_over:
            return chosen, attempt
    raise ReconstructionError(f"no draw in {attempt} attempts gives {targets['n_over_threshold']} collectivités "
                              f"over {targets['over_threshold']:,}: relax [draw] or the kinds of the named participants")
