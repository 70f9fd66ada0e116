"""Reading and writing for the comparison of editions (notebook 07): which editions there are, their published
tables, the result tables each edition's own run wrote, and where the comparison writes.

Every edition with a published folder (data/raw/published/<wave>/) is compared. Its computed tables are read from
its run's output directory (data/processed/<wave>/ by default); an edition whose run is missing shows its
published values only, and says so (`Editions.missing`), never a crash. The comparison's own outputs go to
data/processed/editions/ (tables) and reports/editions/figures/ (figures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from villenum import paths
from villenum.context import Context
from villenum.published import has_published, load_tables
from villenum.questionnaire import Questionnaire, load_questionnaire

if TYPE_CHECKING:
    from matplotlib.figure import Figure

NAME = "editions"  # the comparison's folder under data/processed/ and reports/ (not a wave)
RESULT_TABLES = ("panel_counts", "domains_counts", "objectives_scores")  # what the comparison reads of a run


def default_output_dir() -> Path:
    """Default directory of the comparison's result tables."""
    return paths.PROCESSED / NAME


def default_report_dir() -> Path:
    """Default directory of the comparison's executed notebook, figures and report page."""
    return paths.REPORTS / NAME


def published_waves(published_root: str | Path | None = None) -> list[str]:
    """Every edition with published figures (a folder of `published_root`, default data/raw/published/, that
    holds CSV files), in sorted order."""
    root = Path(published_root) if published_root else paths.RAW / "published"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and has_published(p.name, p)) if root.is_dir() else []


def default_results_dirs(waves: list[str]) -> dict[str, str]:
    """wave -> its default run's result tables directory (data/processed/<wave>/)."""
    return {wave: str(paths.output_dir(wave)) for wave in waves}


def read_results(directory: str | Path) -> tuple[dict[str, pd.DataFrame], str]:
    """(the RESULT_TABLES found in a run's output directory, by name; why some are missing, or '')."""
    directory = Path(directory)
    found = {name: pd.read_csv(directory / f"{name}.csv") for name in RESULT_TABLES
             if (directory / f"{name}.csv").is_file()}
    missing = [n for n in RESULT_TABLES if n not in found]
    if not missing:
        return found, ""
    try:
        where = directory.resolve().relative_to(paths.ROOT).as_posix()
    except ValueError:
        where = str(directory)
    return found, f"pas de {', '.join(n + '.csv' for n in missing)} dans {where}"


@dataclass
class Editions:
    """The editions compared: published tables and computed ones by wave, why an edition has no computed
    tables (`missing`, in French), each edition's questionnaire, and where the comparison writes."""

    waves: list[str]
    published: dict[str, dict[str, pd.DataFrame]]
    computed: dict[str, dict[str, pd.DataFrame]]
    missing: dict[str, str]
    questionnaires: dict[str, Questionnaire]
    output_dir: Path
    figure_dir: Path
    results_dirs: dict[str, str] = field(default_factory=dict)

    def save_table(self, frame: pd.DataFrame, name: str) -> Path:
        """Write `<output_dir>/<name>.csv` atomically, with the findings' rounding (Context.save_table)."""
        return Context.save_table(self, frame, name)  # type: ignore[arg-type]  # uses output_dir only

    def save_figure(self, fig: Figure, name: str, alt: str) -> None:
        """Save and show a figure with its alt text, as a finding does (Context.save_figure)."""
        Context.save_figure(self, fig, name, alt)  # type: ignore[arg-type]  # uses figure_dir only


def open_editions(waves: list[str] | None = None, results_dirs: dict[str, str] | None = None,
                  published_dir: str = "", output_dir: str = "", figure_dir: str = "") -> Editions:
    """Load every edition to compare. Empty arguments mean the defaults: every edition with a published
    folder under `published_dir` (default data/raw/published/), each one's run in data/processed/<wave>/, the
    comparison's tables in data/processed/editions/ and figures in reports/editions/figures/."""
    root = Path(published_dir) if published_dir else paths.RAW / "published"
    waves = list(waves) if waves else published_waves(root)
    dirs = {**default_results_dirs(waves), **(results_dirs or {})}
    computed, missing = {}, {}
    for wave in waves:
        computed[wave], why = read_results(dirs[wave])
        if why:
            missing[wave] = why
    return Editions(waves, {w: load_tables(w, root / w) for w in waves}, computed, missing,
                    {w: load_questionnaire(w) for w in waves},
                    Path(output_dir) if output_dir else default_output_dir(),
                    Path(figure_dir) if figure_dir else default_report_dir() / "figures", dirs)
