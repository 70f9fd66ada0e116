"""Acceptance of a reconstruction: the claims of its `built_to_match` list, judged by the scorecard's own evaluators
(claim_kinds, edition_kinds through scorecard.evaluate) on the result tables the findings compute from the survey
as the pipeline reads it. One implementation of each rule: nothing here re-states what a claim means."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd

from villenum import panel, paths, reference
from villenum.claims import Inputs
from villenum.edition_kinds import editions_named
from villenum.findings import FINDINGS, compute
from villenum.generate.draws import ReconstructionError
from villenum.published import load_editions, load_tables
from villenum.questionnaire import Questionnaire
from villenum.survey import Survey

PANEL_NOTEBOOK = "01_panel.ipynb"  # its parameters (size thresholds) are the ones the panel tables are computed with


def _panel_parameters() -> dict[str, int]:
    """The panel notebook's default `over_threshold` and `frame_threshold` (what a default run uses)."""
    from villenum.pipeline.notebooks import declared_parameters

    declared = declared_parameters(paths.NOTEBOOKS / PANEL_NOTEBOOK)
    return {"over": int(declared["over_threshold"]), "frame": int(declared["frame_threshold"])}


def result_tables(survey: Survey) -> dict[str, pd.DataFrame]:
    """The result tables every claim may read: the panel's (as 01_panel computes them with its default thresholds)
    and each finding's point estimates (findings.compute, what the scorecard resamples)."""
    thresholds = _panel_parameters()
    communes = reference.load_communes()
    frame = reference.frame_communes(communes, min_population=thresholds["frame"])
    coll = survey.collectivites
    tables = {"panel_counts": panel.panel_counts(coll, threshold=thresholds["over"]),
              "panel_frame": panel.compare_with_frame(coll, frame, communes, min_population=thresholds["frame"]),
              "panel_points": panel.panel_points(coll, communes)}
    for finding in FINDINGS:
        tables.update(compute(survey, finding))
    return tables


class Judge:
    """The named claims of a wave's claims.csv, judged on result tables by their evaluators (scorecard.evaluate),
    with the published tables of the wave and of every edition they compare with, read once."""

    def __init__(self, claim_ids: list[str], wave: str, questionnaire: Questionnaire) -> None:
        """Read the claims (ReconstructionError naming those not in the wave's claims.csv) and published tables."""
        published = load_tables(wave)
        claims = published["claims"].set_index("claim_id", drop=False)
        unknown = sorted(set(claim_ids) - set(claims.index))
        if unknown:
            raise ReconstructionError(f"claims not in {wave}'s claims.csv: {unknown}")
        self.claims = claims.loc[list(claim_ids)]
        editions = load_editions(set(editions_named(self.claims)) - {wave})
        editions[wave] = published
        self.inputs = Inputs({}, published, published, questionnaire, editions)

    def __call__(self, results: dict[str, pd.DataFrame]) -> dict[str, tuple]:
        """{claim_id: (holds, basis, computed, note)}; basis "published": the published aggregates settle the
        claim whatever the data, "data": the records do."""
        from villenum.scorecard import evaluate

        inputs = dataclasses.replace(self.inputs, results=results)
        out = {}
        for claim in self.claims.itertuples(index=False):
            ev, note = evaluate(claim, inputs)
            out[claim.claim_id] = (ev.holds, ev.basis, ev.computed, note)
        return out

    def all_hold(self, results: dict[str, pd.DataFrame]) -> bool:
        """True if every claim holds on these result tables."""
        return all(v[0] is True for v in self(results).values())


def finding_holds(claim_ids: list[str], finding: str, wave: str, collectivites: pd.DataFrame,
                  questionnaire: Questionnaire) -> Callable[[pd.DataFrame], bool]:
    """A test for a conditioned draw: given a drawn objectives table, True if the claims hold on the tables the
    finding computes from it (findings.compute), by the scorecard's evaluators."""
    judge = Judge(claim_ids, wave, questionnaire)
    empty = pd.DataFrame({"project_id": [], "collectivite_id": [], "label": [], "domain": [], "status": []})

    def holds(objectives: pd.DataFrame) -> bool:
        """True if the claims hold on the finding's tables computed from this objectives table."""
        survey = Survey(collectivites, objectives, empty, questionnaire)
        return judge.all_hold(compute(survey, finding))
    return holds


def check_built_to_match(survey: Survey, wave: str, claim_ids: list[str]) -> None:
    """Fail (ReconstructionError naming each claim, with what was computed) unless every claim of `claim_ids` that
    the evaluators judge on the records holds on the reconstruction. A claim they judge on the published aggregates
    (2013's « moins nombreux en énergie… », contradicted by the share table the reconstruction meets) is settled by
    the sources whatever the records say: it is not the reconstruction's to meet, and is not checked here."""
    if not claim_ids:
        return
    try:
        judge = Judge(sorted(claim_ids), wave, survey.questionnaire)
    except ReconstructionError as err:
        raise ReconstructionError(f"built_to_match: {err}") from None
    verdicts = judge(result_tables(survey))
    failed = {c: v for c, v in verdicts.items() if v[1] != "published" and v[0] is not True}
    if failed:
        lines = "; ".join(f"{c} (computed: {computed}{', ' + note if note else ''})"
                          for c, (_, _, computed, note) in failed.items())
        raise ReconstructionError(f"the reconstruction of wave {wave} does not meet the claims it is built to match: "
                                  f"{lines}")
