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

import pandas as pd

from villenum import claim_kinds, edition_kinds  # noqa: F401  (register the evaluators)
from villenum.claims import KINDS, CannotCompute, Evaluation, Inputs, Tables, check_claims, parse_params
from villenum.questionnaire import Questionnaire

REPRODUCED, CONTRADICTED, NOT_TESTABLE, SKIPPED = "reproduced", "contradicted", "not testable", "skipped"
NOTEBOOKS = {"panel": "01_panel", "objectives": "02_objectives", "domains": "03_domains",
             "realisation": "04_realisation", "flagship": "05_flagship"}
COLUMNS = ["claim_id", "finding", "claim_fr", "sources", "notebook", "computed", "holds", "evidence", "verdict",
           "note"]


class ClaimError(RuntimeError):
    """An evaluator failed for another reason than a declared degenerate condition: a bug, never a verdict."""


def evaluate(claim: pd.Series | tuple, inputs: Inputs) -> tuple[Evaluation, str]:
    """(evaluation, note) of one claim; CannotCompute gives « cannot compute » with its reason."""
    try:
        return KINDS[claim.kind](parse_params(claim.params), inputs), ""
    except CannotCompute as err:
        return Evaluation("ne peut être calculé sur ces données", None, "data"), f"cannot compute: {err}"
    except Exception as err:  # a bug is never a verdict: fail, naming the claim
        raise ClaimError(f"claim {claim.claim_id} (kind {claim.kind}): {type(err).__name__}: {err}") from err


def verdict(claim_id: str, ev: Evaluation, reconstruction: bool, has_published: bool,
            built_to_match: frozenset[str] = frozenset()) -> tuple[str, str]:
    """(evidence, verdict) for an evaluation, given what the data are."""
    if ev.holds is None:
        return ("none", NOT_TESTABLE)
    outcome = REPRODUCED if ev.holds else CONTRADICTED
    if ev.basis == "published":
        return ("published aggregates", outcome)
    if not has_published:
        return ("survey data (no published figures for this wave)", SKIPPED)
    if not reconstruction:
        return ("survey data", outcome)
    if claim_id in built_to_match:
        return ("reconstruction, built to match: checks the pipeline, not the study", outcome)
    return ("reconstruction, illustration only: comes from the assumptions", NOT_TESTABLE)


def build_scorecard(claims: pd.DataFrame, results: Tables, published: Tables | None, reconstruction: bool,
                    questionnaire: Questionnaire, reference: Tables | None = None,
                    built_to_match: frozenset[str] = frozenset(), finding: str | None = None,
                    editions: dict[str, Tables] | None = None) -> pd.DataFrame:
    """One row per claim: columns claim_id, finding, claim_fr, sources, notebook, computed (text), holds
    (True/False/None), evidence, verdict, note.

    `published`: the data wave's own published tables (None or empty: verdicts « skipped »); `reference`: the
    published tables of the claims' wave (targets such as `published:figures:n_domains`), default `published`;
    `built_to_match`: the claims a reconstruction was generated to meet; `editions`: the published tables of
    every edition the claims across editions name, by wave (edition_kinds.editions_named).
    """
    selected = check_claims(claims if finding is None else claims[claims["finding"] == finding])
    inputs = Inputs(results, published or {}, reference if reference is not None else (published or {}),
                    questionnaire, editions or {})
    rows = []
    for claim in selected.itertuples(index=False):
        ev, note = evaluate(claim, inputs)
        evidence, outcome = verdict(claim.claim_id, ev, reconstruction, bool(published), built_to_match)
        rows.append([claim.claim_id, claim.finding, claim.claim_fr, claim.sources,
                     NOTEBOOKS.get(claim.finding, ""), ev.computed, ev.holds, evidence, outcome, note])
    return pd.DataFrame(rows, columns=COLUMNS)


def to_markdown(card: pd.DataFrame) -> str:
    """The closing sentences of a notebook: each published statement, what the data give, and the verdict."""
    lines = [f"- « {r.claim_fr} » ({r.sources}) — computed: {r.computed} → **{r.verdict}** ({r.evidence})."
             for r in card.itertuples(index=False)]
    return "\n".join(lines)
