"""Each finding's result tables computed from a survey in one call: the front door for a script, and what the
scorecard recomputes on every cluster resample of collectivités to measure a claim's support.

Only point estimates are computed here (no intervals: they would be bootstraps inside a bootstrap). The notebooks
compute the same tables with the same library functions, plus intervals, figures and explanations.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import pandas as pd

from villenum import domains, flagship, objectives, realisation
from villenum.stats import DegenerateDataWarning
from villenum.survey import Survey

Tables = dict[str, pd.DataFrame]


def objectives_tables(survey: Survey) -> Tables:
    """objectives_scores (method, objective, score, position), objectives_dispersion, objectives_cited."""
    answers = survey.objectives
    scores, dispersion = objectives.scores_and_dispersion(answers)
    return {"objectives_scores": scores, "objectives_dispersion": dispersion,
            "objectives_cited": objectives.cited_shares(answers)}


def domains_tables(survey: Survey) -> Tables:
    """domains_counts (one row per domain, share in percent) and domains_per_collectivite."""
    q = survey.questionnaire
    return {"domains_counts": domains.domain_counts(survey.projects, q),
            "domains_per_collectivite": domains.projects_per_collectivite(survey.projects, survey.collectivites, q)}


def realisation_tables(survey: Survey) -> Tables:
    """realisation_ratios (per domain, ratio 0-1) and realisation_association (Spearman volume vs ratio)."""
    ratios = realisation.realisation_ratios(survey.projects, survey.questionnaire)
    return {"realisation_ratios": ratios, "realisation_association": realisation.volume_ratio_association(ratios)}


CLASSIFIED = ("project_type_classified", "n_type_matches")  # what flagship.classify_projects adds to each project


def with_classified_projects(survey: Survey) -> Survey:
    """The survey whose projects carry their catalogue type (the columns CLASSIFIED of flagship.classify_projects).

    A project's type depends on its own label and domain only, so cluster resamples of this survey carry the very
    types classifying each resample would give, and `flagship_tables` does not classify them again."""
    classified = flagship.classify_projects(survey.projects, flagship.load_catalogue())
    return dataclasses.replace(survey, projects=survey.projects.assign(**{c: classified[c] for c in CLASSIFIED}))


def flagship_tables(survey: Survey) -> Tables:
    """flagship_types (per catalogue type, counts by status role) and flagship_undertaken (percent of collectivités).

    Projects already classified (`with_classified_projects`) keep their type."""
    done = all(c in survey.projects for c in CLASSIFIED)
    classified = survey.projects if done else flagship.classify_projects(survey.projects, flagship.load_catalogue())
    q = survey.questionnaire
    return {"flagship_types": flagship.status_by_type(classified, q),
            "flagship_undertaken": flagship.widely_undertaken(classified, "project_type_classified",
                                                             survey.collectivites, q)}


# The panel is the list of participants itself, not a sample of them: its claims have no resampling support.
FINDINGS: dict[str, Callable[[Survey], Tables]] = {
    "objectives": objectives_tables, "domains": domains_tables, "realisation": realisation_tables,
    "flagship": flagship_tables,
}


def compute(survey: Survey, finding: str) -> Tables:
    """The point-estimate result tables of one finding ({} for a finding without resampling, e.g. the panel),
    degenerate-data warnings silenced (a resample may well have an empty domain)."""
    func = FINDINGS.get(finding)
    if func is None:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        return func(survey)
