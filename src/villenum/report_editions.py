"""The report pages of the barometer as a series, in French: the comparison's page (reports/editions/index.html,
with the comparison notebook's page) and the front page reports/index.html, which links every edition's report
(its scorecard first) and the comparison."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

from villenum import paths
from villenum.io import write_atomic
from villenum.pipeline.outcome import Outcome
from villenum.report import notebook_page, page, read_scorecard
from villenum.report_front import verdict_fr

def intro(waves: list[str]) -> str:
    """The warning every page of the series opens with, in French: different panels, not the same collectivités."""
    return (f"Éditions du baromètre : {', '.join(waves)}. Chacune a son propre panel : ce ne sont pas les mêmes "
            "collectivités d'une édition à l'autre, si bien qu'un changement entre éditions est un changement de "
            "panel autant que de villes.")


def _link(target: Path, base: Path) -> str:
    """A relative URL from directory `base` to `target` (both may be anywhere)."""
    return Path(os.path.relpath(Path(target).resolve(), Path(base).resolve())).as_posix()


def _skipped_html(skipped: dict[str, str]) -> str:
    """The editions not run, and why (the reason as a gloss), as a French list; '' when every edition ran."""
    if not skipped:
        return ""
    items = "".join(f'<li title="{html.escape(why)}">{html.escape(w)} : pas de données par collectivité ni '
                    "d'hypothèses de reconstruction ; seuls ses chiffres publiés sont comparés.</li>"
                    for w, why in sorted(skipped.items()))
    return f'<ul id="not-run">{items}</ul>'


def editions_page(report_dir: Path, outcomes: list[Outcome], skipped: dict[str, str], waves: list[str]) -> Path:
    """Write the comparison notebooks' pages and `report_dir/index.html`; return the index."""
    report_dir = Path(report_dir)
    items = []
    for o in outcomes:
        if o.status != "failed" and Path(o.output).is_file():
            target, title = notebook_page(Path(o.output), report_dir, report_dir / "figures")
            items.append(f'<li><a href="{html.escape(target.name)}">{html.escape(title)}</a></li>')
    body = (f'<nav><a href="{html.escape(_link(paths.REPORTS, report_dir))}/index.html">← Toutes les '
            f"éditions</a></nav>\n<h1>Baromètre Ville numérique : les éditions comparées</h1>\n<p>{intro(waves)}</p>\n"
            f"{_skipped_html(skipped)}\n<ol id=\"notebooks\">{''.join(items)}</ol>")
    return write_atomic(report_dir / "index.html", page("villenum : éditions comparées", body))


def _counts(card: pd.DataFrame) -> str:
    """« 12 affirmations : 5 reproduit, 3 contredit… » of a scorecard, in French."""
    counts = card["verdict"].value_counts() if len(card) else pd.Series(dtype=int)
    parts = ", ".join(f"{n} {verdict_fr(v)}" for v, n in counts.items())
    return f"{len(card)} affirmations" + (f" : {parts}" if parts else "")


def front_page(reports_root: Path, wave_reports: dict[str, Path], skipped: dict[str, str], editions_index: Path
               ) -> Path:
    """Write `reports_root/index.html`: each edition's report (its scorecard, with the count of each verdict, read
    from the scorecard.csv of its run's results beside the report) or why it was not run, and the comparison."""
    root = Path(reports_root)
    rows = []
    for wave in sorted({*wave_reports, *skipped}):
        if wave in wave_reports:
            index = Path(wave_reports[wave]) / "index.html"
            card = _scorecard_of(wave_reports[wave])
            rows.append(f'<li data-wave="{html.escape(wave)}"><a href="{html.escape(_link(index, root))}">Édition '
                        f"{html.escape(wave)} : tableau de vérification</a> ({html.escape(_counts(card))})</li>")
        else:
            rows.append(f'<li data-wave="{html.escape(wave)}" title="{html.escape(skipped[wave])}">Édition '
                        f"{html.escape(wave)} : non exécutée (pas de données par collectivité) ; ses chiffres "
                        "publiés et ses affirmations entre éditions sont dans la comparaison.</li>")
    body = ("<h1>Baromètre Ville numérique : rapports de reproduction</h1>\n"
            f'<ul id="editions">{"".join(rows)}</ul>\n'
            f'<p><a id="comparison" href="{html.escape(_link(editions_index, root))}">Les éditions comparées</a> — '
            f"{intro(sorted({*wave_reports, *skipped}))}</p>")
    return write_atomic(root / "index.html", page("villenum : rapports", body))


def _scorecard_of(report_dir: Path) -> pd.DataFrame:
    """The scorecard of the run whose report is `report_dir` (reports/<wave>[/experiments/<id>] ->
    data/processed/<wave>[/experiments/<id>]/scorecard.csv), empty if it cannot be found."""
    try:
        rel = Path(report_dir).resolve().relative_to(paths.REPORTS)
    except ValueError:
        return read_scorecard(Path(report_dir) / "scorecard.csv")
    return read_scorecard(paths.PROCESSED / rel / "scorecard.csv")
