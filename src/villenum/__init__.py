"""villenum: re-doing the 2013 « Baromètre Ville numérique » from data to every number and figure.

The front door, for a script or a notebook::

    import villenum
    survey = villenum.load_wave("2013")      # the default survey of a wave, or:
    survey = villenum.load_survey("examples/wave-demo")   # any folder of the three CSV files
    q = survey.questionnaire                              # the wave's categories (questionnaire.toml)
    counts = villenum.domain_counts(survey.projects, q, confidence=0.95)
    tables = villenum.compute(survey, "domains")          # a finding's point-estimate tables, by name

A wave (`Survey`) has three tidy tables: `collectivites`, `objectives` and `projects` (columns in
docs/codebook.md), its `questionnaire` (categories, labels, colours, rank scale: load_questionnaire(wave)),
plus `set_aside` (table, reason, rows: rows counted but left out of a statistic).
Each function below returns one pandas DataFrame with exactly the columns listed. Scales: `share`,
`share_*`, `modal_share`, `published_share` and the `first_share` scores are percents 0-100; `ratio*`,
`difference` (realisation), `w` and `entropy` are proportions 0-1; `ci_low`/`ci_high` are on the scale
of the estimate they bound.

Finding 1, panel (survey.collectivites; communes = reference.load_communes()):
  panel_counts(collectivites) -> one row per published count: figure_id, value
  compare_with_frame(collectivites, frame, communes) -> one row per summary item: section, item, panel, frame
  panel_points(collectivites, communes) -> one row per collectivité: collectivite_id, name, kind,
      longitude, latitude
Finding 2, objectives (survey.objectives):
  score_objectives(objectives) -> one row per method and objective: method, objective, score, position
  score_intervals(objectives) -> one row per method and objective: method, objective, score, position,
      ci_low, ci_high, interval, position_stability
  agreement_tests(objectives) -> one row per test and convention: test, convention, statistic, dof, p_value, w,
      n, n_excluded
  rank_dispersion(objectives) -> one row per objective: objective, mean_rank, sd_rank, iqr_rank, entropy,
      modal_share, n
  cited_shares(objectives) -> one row per objective: objective, n_cited, n_collectivites, share, ci_low, ci_high
Finding 3, domains (survey.projects):
  domain_counts(projects, questionnaire) -> one row per domain: domain, label_fr, n_projects, share, ci_low,
      ci_high
  projects_per_collectivite(projects, collectivites, questionnaire) -> one row per domain: domain, n_projects,
      n_collectivites, mean_per_collectivite, sd_per_collectivite, median_per_collectivite,
      n_collectivites_with_any, share_with_any
Finding 4, realisation (survey.projects):
  status_counts(projects, questionnaire) -> one row per domain and status: domain, status, n
  realisation_ratios(projects, questionnaire) -> one row per domain: domain, n_projects, n_status_known,
      n_realise, ratio, ci_low, ci_high
  independence_test(projects, questionnaire) -> one row: chi2, dof, p_value, cramers_v, min_expected, n, dropped, warning
  volume_ratio_association(ratios) -> one row: spearman_rho, p_value, n_domains
  domain_groups_compare(ratios, group) -> one row: group, n_realise_group, n_known_group, ratio_group,
      ci_low_group, ci_high_group, n_realise_rest, n_known_rest, ratio_rest, ci_low_rest, ci_high_rest,
      difference, difference_ci_low, difference_ci_high, odds_ratio, p_value, p_value_greater
Finding 5, flagship projects (survey.projects; catalogue = load_catalogue()):
  classify_projects(projects, catalogue) -> one row per project: the projects' columns +
      project_type_classified, n_type_matches
  status_by_type(classified, questionnaire) -> one row per project type: project_type, n_projects, n_status_known,
      n_a_l_etude, share_a_l_etude, n_realise, n_en_cours, n_collectivites
  widely_undertaken(classified, type_column, collectivites, questionnaire) -> one row per project type:
      project_type, n_collectivites_undertaking, share_of_collectivites
Published figures and claims: load_published(name, wave), load_claims(wave). Every finding at once, as the
scorecard recomputes them on resamples: compute(survey, finding) -> {table name: DataFrame}.

tests/test_api.py runs every function above on the demo wave and checks the columns listed here, so this
page cannot drift from the code. The notebooks (notebooks/NN_*.ipynb) call the same functions.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import version as _version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from villenum.survey import Survey

__version__ = _version("villenum")  # the one source is pyproject.toml, through the installed metadata

# name -> module: imported on first use, so that `import villenum` stays cheap (the runner's cached path
# must not import pandas); the functions are re-exported, they live and are maintained in their modules.
_ENTRY_POINTS = {
    "load_survey": "villenum.survey", "Survey": "villenum.survey",
    "survey_dir": "villenum.paths",
    "panel_counts": "villenum.panel", "compare_with_frame": "villenum.panel", "panel_points": "villenum.panel",
    "score_objectives": "villenum.objectives", "score_intervals": "villenum.rank_intervals",
    "load_questionnaire": "villenum.questionnaire", "compute": "villenum.findings",
    "agreement_tests": "villenum.objectives", "rank_dispersion": "villenum.objectives",
    "cited_shares": "villenum.objectives",
    "domain_counts": "villenum.domains", "projects_per_collectivite": "villenum.domains",
    "status_counts": "villenum.realisation", "realisation_ratios": "villenum.realisation",
    "independence_test": "villenum.realisation", "volume_ratio_association": "villenum.realisation",
    "domain_groups_compare": "villenum.realisation",
    "load_catalogue": "villenum.flagship", "classify_projects": "villenum.flagship",
    "status_by_type": "villenum.flagship", "widely_undertaken": "villenum.flagship",
    "load_published": "villenum.published", "load_claims": "villenum.published",
}
__all__ = ["__version__", "load_wave", *_ENTRY_POINTS]


def load_wave(wave: str = "2013") -> Survey:
    """Load, clean and validate the default survey of a wave (data/processed/<wave>/survey/): a `Survey`.

    Its tables are `collectivites`, `objectives`, `projects` (columns in docs/codebook.md) and `set_aside`.
    For any other folder, use `load_survey(folder)`. Raises `villenum.errors.InputError` listing every problem.
    """
    from villenum import paths
    from villenum.survey import load_survey

    return load_survey(paths.survey_dir(wave))


def __getattr__(name: str) -> Any:
    """Import an entry point from its module on first access (PEP 562)."""
    module = _ENTRY_POINTS.get(name)
    if module is None:
        raise AttributeError(f"module 'villenum' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ENTRY_POINTS))
