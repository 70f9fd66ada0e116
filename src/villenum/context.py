"""What a finding's notebook needs: resolved paths, the validated survey, published figures if any, and writers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from villenum import paths
from villenum.io import write_atomic, write_csv_atomic
from villenum.published import (NAMES, has_published, load_claims, load_editions, load_published, load_tables,
                                present)
from villenum.questionnaire import Questionnaire, load_questionnaire
from villenum.stats import keep_precision
from villenum.pipeline.notebooks import declared_parameters, discover, finding_notebooks
from villenum.survey import Survey, load_survey

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CLAIMS_FALLBACK_WAVE = paths.DEFAULT_WAVE  # a wave without published figures is judged against its statements


@dataclass
class Context:
    """One notebook run: the wave, where to read and write, the survey and whether published figures exist."""

    wave: str
    survey_dir: Path
    published_dir: Path
    output_dir: Path
    figure_dir: Path
    survey: Survey
    notebooks: dict[str, str] = field(default_factory=dict)  # finding -> notebook stem (notebooks' metadata)

    @property
    def questionnaire(self) -> Questionnaire:
        """The wave's questionnaire (categories, labels, colours, rank scale) the survey was read with."""
        return self.survey.questionnaire

    @property
    def has_published(self) -> bool:
        """True if the wave has published figures to compare with."""
        return has_published(self.wave, self.published_dir)

    def published(self, name: str) -> pd.DataFrame | None:
        """A published table of the wave, or None when the wave did not publish it (comparisons are then skipped)."""
        stem = name.removesuffix(".csv")
        if stem not in NAMES:
            raise KeyError(f"unknown published table {name!r}; known: {', '.join(NAMES)}")
        if not self.has_published or stem not in present(self.wave, self.published_dir):
            return None
        return load_published(stem, self.wave, self.published_dir)

    def published_tables(self) -> dict[str, pd.DataFrame] | None:
        """Every published table of the wave, or None when it has none."""
        return load_tables(self.wave, self.published_dir) if self.has_published else None

    def claims(self) -> pd.DataFrame:
        """The claims to check: the wave's own if published, else the 2013 study's (verdicts then skipped)."""
        return load_claims(self.wave, self.published_dir) if self.has_published else load_claims(CLAIMS_FALLBACK_WAVE)

    def claim_groups(self, kind: str) -> dict[str, list[str]]:
        """The category set (`set=` parameter) of each claim of one kind, by claim_id (e.g. domain groups)."""
        from villenum.claims import as_list, parse_params

        claims = self.claims().query("kind == @kind")
        return {c: as_list(parse_params(p)["set"]) for c, p in zip(claims["claim_id"], claims["params"])}

    def reference_tables(self) -> dict[str, pd.DataFrame]:
        """The published tables of the claims' wave, where claims find their `published:` targets."""
        if self.has_published:
            return self.published_tables() or {}
        return load_tables(CLAIMS_FALLBACK_WAVE)

    def built_to_match(self) -> frozenset[str]:
        """The claims a reconstructed survey was generated to meet (its MANIFEST.json), none for real data."""
        manifest = self.survey_dir / "MANIFEST.json"
        if not self.survey.is_reconstruction or not manifest.is_file():
            return frozenset()
        return frozenset(json.loads(manifest.read_text(encoding="utf-8")).get("built_to_match", []))

    def scorecard(self, results: dict[str, pd.DataFrame], finding: str | None = None, n_boot: int = 200,
                  seed: int = 2013) -> pd.DataFrame:
        """The scorecard rows of one finding (or all) computed from result tables, each data-based claim's support
        measured on `n_boot` cluster resamples of the survey (see scorecard.build_scorecard)."""
        from villenum.edition_kinds import editions_named
        from villenum.scorecard import build_scorecard

        claims, reference = self.claims(), self.reference_tables()
        claims_wave = self.wave if self.has_published else CLAIMS_FALLBACK_WAVE
        editions = load_editions(set(editions_named(claims)) - {claims_wave})
        editions[claims_wave] = reference  # the claims' own edition as read for this run (published_dir)
        return build_scorecard(claims, results, self.published_tables(), self.survey.is_reconstruction,
                               self.questionnaire, reference, self.built_to_match(), finding, self.survey, n_boot,
                               seed, editions, self.notebooks)

    def save_table(self, frame: pd.DataFrame, name: str) -> Path:
        """Write a result table to `<output_dir>/<name>.csv` atomically, floats to 10 decimals or 10 significant
        figures, whichever keeps more (stats.keep_precision: a p-value of 5.6e-16 is not written 0.0)."""
        out = frame.round(10).assign(**{c: keep_precision(frame[c]) for c in frame if frame[c].dtype == float})
        return write_csv_atomic(out, self.output_dir / f"{name}.csv")

    def save_figure(self, fig: Figure, name: str, alt: str) -> None:
        """Save a figure as `<figure_dir>/<name>.png` (deterministic bytes) with its alt text beside it, and
        show it once, as saved, with output metadata `villenum_figure: <name>` (how the report finds it)."""
        import io

        import matplotlib.pyplot as plt
        from IPython.display import Image, display

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        write_atomic(self.figure_dir / f"{name}.png", buf.getvalue())
        write_atomic(self.figure_dir / f"{name}.alt.txt", alt.strip() + "\n")
        plt.close(fig)  # shown below, once, instead of by the inline backend at the end of the cell
        display(Image(data=buf.getvalue(), format="png"), metadata={"villenum_figure": name})


def experiment_of(notebook: str, given: dict[str, object]) -> dict[str, object]:
    """The parameters of a notebook run by hand that differ from the defaults its source declares (the wave
    excepted: it selects the defaults); {} if none, or if the notebook is unknown."""
    source = paths.NOTEBOOKS / f"{notebook}.ipynb"
    if not notebook or not source.is_file():
        return {}
    defaults = declared_parameters(source)
    rename = {"survey_dir": "survey", "published_dir": "published"}  # as `reproduce --survey-dir` names them
    return {rename.get(k, k): (str(Path(v).resolve()) if k in rename else v) for k, v in sorted(given.items())
            if k in defaults and k != "wave" and (defaults[k] != v or type(defaults[k]) is not type(v))}


def open_context(wave: str = paths.DEFAULT_WAVE, survey_dir: str = "", published_dir: str = "", output_dir: str = "",
                 figure_dir: str = "", *, notebook: str = "", **parameters: object) -> Context:
    """Resolve empty parameters to the wave's defaults and load (validate) the survey; return the Context.

    `notebook` (its file stem) and the notebook's other `parameters` let a notebook run by hand protect the
    default results: when a parameter differs from the default its source declares and no output directory
    is given, results go to the experiment's directories (villenum.paths.experiment_dirs), as with
    `python -m villenum reproduce -p ...`.
    """
    survey = Path(survey_dir) if survey_dir else paths.survey_dir(wave)
    questionnaire = load_questionnaire(wave, survey)
    out, figures = paths.output_dir(wave), paths.report_dir(wave) / "figures"
    changed = {} if output_dir else experiment_of(notebook, {"survey_dir": survey_dir, "published_dir": published_dir,
                                                            **parameters})
    if changed and paths.reference_results(wave).is_dir():
        out, report = paths.experiment_dirs(wave, changed)
        figures = report / "figures"
        print(f"Expérience (paramètres modifiés : {changed}) : résultats écrits dans {out}, "
              f"pas dans les résultats par défaut.")
    return Context(
        wave=wave,
        survey_dir=survey,
        published_dir=Path(published_dir) if published_dir else paths.published_dir(wave),
        output_dir=Path(output_dir) if output_dir else out,
        figure_dir=Path(figure_dir) if figure_dir else figures,
        survey=load_survey(survey, questionnaire),
        notebooks=finding_notebooks(discover(paths.NOTEBOOKS)),
    )


def load_results(output_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Every result table written by the findings' notebooks, by name (scorecard excluded)."""
    return {p.stem: pd.read_csv(p) for p in sorted(Path(output_dir).glob("*.csv")) if p.stem != "scorecard"}
