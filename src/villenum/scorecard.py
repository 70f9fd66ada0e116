"""The scorecard: every published claim, the number(s) computed, and a verdict with the kind of evidence behind it.

Each claim row of `claims.csv` names its kind and parameters; the evaluator of that kind (claim_kinds.py) reads
the result tables written by the findings' notebooks (and the published aggregates) and returns what it computed
and whether the claim holds, on which basis: the published aggregates themselves ("published") or the
record-level data ("data"). The verdict then depends on what the data are: a surveyed wave tests a claim; a
reconstruction only reproduces by construction the claims it was built to match (listed in its MANIFEST.json)
and illustrates the rest. Only a declared degenerate condition (CannotCompute) gives « not testable »; any other
exception is a bug and fails the run, naming the claim.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from villenum import claim_kinds, edition_kinds  # noqa: F401  (register the evaluators)
from villenum.claims import (KINDS, CannotCompute, Evaluation, Inputs, Tables, check_claims, fr_number, parse_params,
                             resampled)
from villenum.findings import FINDINGS, compute, with_classified_projects
from villenum.questionnaire import Questionnaire
from villenum.stats import ROBUST_SUPPORT, cluster_resamples
from villenum.survey import Survey

REPRODUCED, CONTRADICTED, NOT_TESTABLE, SKIPPED = "reproduced", "contradicted", "not testable", "skipped"
INCONCLUSIVE = "inconclusive"  # survey data: holds (or fails) on the data, but not in >= ROBUST_SUPPORT of resamples
NO_CLAIM = "Exploratoire : aucun énoncé publié pour ce résultat, donc aucun verdict."
COLUMNS = ["claim_id", "finding", "claim_fr", "sources", "notebook", "computed", "holds", "support", "evidence",
           "verdict", "explanation", "note"]


class ClaimError(RuntimeError):
    """An evaluator failed for another reason than a declared degenerate condition: a bug, never a verdict."""


def evaluate(claim: pd.Series | tuple, inputs: Inputs, params: dict | None = None) -> tuple[Evaluation, str]:
    """(evaluation, note) of one claim; CannotCompute gives « cannot compute » with its reason. `params`: the
    claim's params already parsed (parse_params), read only by the evaluators."""
    try:
        return KINDS[claim.kind](parse_params(claim.params) if params is None else params, inputs), ""
    except CannotCompute as err:
        return Evaluation("ne peut être calculé sur ces données", None, "data"), f"cannot compute: {err}"
    except Exception as err:  # a bug is never a verdict: fail, naming the claim
        raise ClaimError(f"claim {claim.claim_id} (kind {claim.kind}): {type(err).__name__}: {err}") from err


def verdict(claim_id: str, ev: Evaluation, reconstruction: bool, has_published: bool,
            built_to_match: frozenset[str] = frozenset(), support: float = np.nan) -> tuple[str, str]:
    """(evidence, verdict) for an evaluation, given what the data are and the claim's support across resamples.

    On survey data a claim is « reproduced » only if it holds in at least ROBUST_SUPPORT of the resamples,
    « contradicted » only if it fails in at least that share, else « inconclusive »."""
    if ev.holds is None:
        return ("none", NOT_TESTABLE)
    outcome = REPRODUCED if ev.holds else CONTRADICTED
    if ev.basis == "published":
        return ("published aggregates", outcome)
    if not has_published:
        return ("survey data (no published figures for this wave)", SKIPPED)
    if not reconstruction:
        robust = np.isnan(support) or (support >= ROBUST_SUPPORT if ev.holds else support <= 1 - ROBUST_SUPPORT)
        return ("survey data", outcome if robust else INCONCLUSIVE)
    if claim_id in built_to_match:
        return ("reconstruction, built to match: checks the pipeline, not the study", outcome)
    return ("reconstruction, illustration only: comes from the assumptions", NOT_TESTABLE)


def _share(support: float) -> str:
    return f"{fr_number(100 * support)}\u202f%"


def explain(ev: Evaluation, evidence: str, outcome: str, support: float, n_boot: int, note: str,
            counted: bool = False) -> str:
    """One French sentence saying why the verdict is what it is (`counted`: a count of the surveyed records,
    judged exactly, never resampled)."""
    resample_note = "" if np.isnan(support) else f" (elle tient dans {_share(support)} des {n_boot} " \
        "rééchantillonnages des collectivités)"
    if ev.holds is None:
        return "Non testable : " + (note.removeprefix("cannot compute: ") or "aucune donnée ne permet d'en juger") + "."
    if evidence == "published aggregates":
        return f"Les chiffres publiés eux-mêmes {'confirment' if ev.holds else 'contredisent'} l'affirmation."
    if outcome == SKIPPED:
        return (f"Vague sans chiffres publiés : l'affirmation {'tient' if ev.holds else 'ne tient pas'} dans ces "
                f"données{resample_note}.")
    if evidence.startswith("reconstruction, built"):
        built = "Données reconstruites pour respecter ce chiffre publié : le retrouver vérifie le calcul, pas l'étude"
        if not np.isnan(support) and support < ROBUST_SUPPORT:  # say why « reproduced » sits beside a low support
            return (f"{built}. Sur une vraie enquête, ce résultat serait fragile : il ne tient que dans "
                    f"{_share(support)} des {n_boot} rééchantillonnages des collectivités.")
        return f"{built}{resample_note}."
    if outcome == NOT_TESTABLE:
        return "Non testable ici : sur la reconstruction, ce résultat vient des hypothèses, pas d'une enquête."
    if counted:
        return (f"L'affirmation {'tient' if ev.holds else 'ne tient pas'} : c'est un décompte des réponses, vérifié "
                "exactement sur les données (un effectif ne se rééchantillonne pas).")
    threshold = _share(ROBUST_SUPPORT)
    if outcome == INCONCLUSIVE:
        return (f"L'affirmation {'tient' if ev.holds else 'ne tient pas'} dans les données, mais pas de façon "
                f"robuste{resample_note} ; seuil : {threshold}.")
    return f"L'affirmation {'tient' if ev.holds else 'ne tient pas'} dans les données{resample_note} ; seuil : {threshold}."


def _is_resampled(claim: tuple) -> bool:
    return claim.finding in FINDINGS and resampled(claim.params)


def claim_support(claims: pd.DataFrame, inputs: Inputs, survey: Survey, n_boot: int, seed: int) -> dict[str, float]:
    """Share (0-1) of cluster resamples of collectivités in which each claim holds (a resample where it cannot be
    computed counts against it). Claims of findings without resampling (the panel) and claims on the surveyed
    records themselves (`resample=no`: counts, totals) are left out. The tables of
    a finding are recomputed once per resample (findings.compute) and every claim of the finding judged on them."""
    wanted = claims[np.array([_is_resampled(c) for c in claims.itertuples(index=False)], dtype=bool)]
    hits = dict.fromkeys(wanted["claim_id"], 0)
    if not hits or n_boot < 1:
        return {}
    # What does not change from one resample to the next is done once: grouping the claims by finding, parsing
    # their params, classifying the projects (a project's type depends on its own label and domain only).
    groups = [(finding, [(claim, parse_params(claim.params)) for claim in group.itertuples(index=False)])
              for finding, group in wanted.groupby("finding", sort=False)]
    if "flagship" in set(wanted["finding"]):
        survey = with_classified_projects(survey)
    for resample in cluster_resamples(survey, n_boot, seed):
        for finding, group in groups:
            tables = dataclasses.replace(inputs, results=compute(resample, finding))
            for claim, params in group:
                hits[claim.claim_id] += evaluate(claim, tables, params)[0].holds is True
    return {claim_id: n / n_boot for claim_id, n in hits.items()}


def build_scorecard(claims: pd.DataFrame, results: Tables, published: Tables | None, reconstruction: bool,
                    questionnaire: Questionnaire, reference: Tables | None = None,
                    built_to_match: frozenset[str] = frozenset(), finding: str | None = None,
                    survey: Survey | None = None, n_boot: int = 200, seed: int = 0,
                    editions: dict[str, Tables] | None = None, notebooks: dict[str, str] | None = None
                    ) -> pd.DataFrame:
    """One row per claim: columns claim_id, finding, claim_fr, sources, notebook, computed (French text), holds
    (True/False/None), support (share 0-1 of cluster resamples where the claim holds; NaN when not measured),
    evidence, verdict, explanation (one French sentence), note.

    `published`: the data wave's own published tables (None or empty: verdicts « skipped »); `reference`: the
    published tables of the claims' wave (targets such as `published:figures:n_domains`), default `published`;
    `built_to_match`: the claims a reconstruction was generated to meet; `survey`: the record-level data, whose
    collectivités are resampled `n_boot` times (seed `seed`) to measure each data-based claim's support;
    `editions`: the published tables of every edition the claims across editions name, by wave; `notebooks`:
    the notebook (file stem) of each finding, from the notebooks' metadata.
    """
    selected = check_claims(claims if finding is None else claims[claims["finding"] == finding])
    inputs = Inputs(results, published or {}, reference if reference is not None else (published or {}),
                    questionnaire, editions or {})
    evaluations = [evaluate(claim, inputs) for claim in selected.itertuples(index=False)]
    on_data = selected[np.array([ev.basis == "data" and ev.holds is not None for ev, _ in evaluations], dtype=bool)]
    supports = claim_support(on_data, inputs, survey, n_boot, seed) if survey is not None else {}
    rows = []
    for claim, (ev, note) in zip(selected.itertuples(index=False), evaluations):
        support = supports.get(claim.claim_id, np.nan)
        evidence, outcome = verdict(claim.claim_id, ev, reconstruction, bool(published), built_to_match, support)
        rows.append([claim.claim_id, claim.finding, claim.claim_fr, claim.sources, (notebooks or {}).get(claim.finding, ""),
                     ev.computed, ev.holds, support, evidence, outcome,
                     explain(ev, evidence, outcome, support, n_boot, note, counted=not _is_resampled(claim)),
                     note])
    return pd.DataFrame(rows, columns=COLUMNS)


def to_markdown(card: pd.DataFrame) -> str:
    """The closing sentences of a notebook: each published statement, what the data give, and the verdict (for a
    finding without claims, an exploratory one, the sentence that says so)."""
    if card.empty:
        return NO_CLAIM
    lines = [f"- « {r.claim_fr} » ({r.sources}) — calculé : {r.computed} → **{r.verdict}**. {r.explanation}"
             for r in card.itertuples(index=False)]
    return "\n".join(lines)
