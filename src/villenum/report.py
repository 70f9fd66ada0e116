"""The static HTML report of a run: an index (scorecard, notebooks, provenance) and one page per notebook."""

from __future__ import annotations

import base64
import copy
import datetime
import html
import re
from pathlib import Path

import nbformat
import pandas as pd

import villenum
from villenum.digest import file_digests
from villenum.io import write_atomic
from villenum.pipeline.notebooks import read_notebook
from villenum.pipeline.outcome import Outcome
from villenum.report_front import (COLUMNS, VERDICTS_FR, display_path, french_computed, glossary, parameters_html,
                                   run_parameters, verdict_fr)

VERDICTS = {  # verdict -> what it means (its colour is in CSS, class `verdict-<slug>`)
    "reproduced": "the data give the published statement",
    "contradicted": "the data contradict the published statement",
    "inconclusive": "survey data: the result does not hold in at least 95 % of resamples of collectivités",
    "not testable": "the data cannot decide (no record, or not enough)",
    "skipped": "no published figure for this wave to compare with",
}
STATUSES_FR = {"ran": "exécuté", "cached": "inchangé, repris du cache", "failed": "échec", "interrupted": "interrompu",
               "cancelled": "annulé"}
FIGURE_KEY = "villenum_figure"  # output metadata written by Context.save_figure: the saved figure's name
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:72rem;margin:1.5rem auto;
padding:0 1rem;line-height:1.45;color:#1f2328;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}code,pre,.sha{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto}.sha{word-break:break-all}
.verdict{font-weight:600;white-space:nowrap}
.verdict-reproduced{background:#dafbe1;color:#116329}.verdict-contradicted{background:#ffebe9;color:#a40e26}
.verdict-not-testable{background:#eaeef2;color:#424a53}.verdict-skipped{background:#fff1c2;color:#7d4e00}
.verdict-inconclusive{background:#fde8d4;color:#8a3d00}
.legend span.verdict{display:inline-block;padding:.05rem .45rem;border-radius:.3rem}
.legend li{margin:.2rem 0}.muted{color:#59636e;font-size:.85rem}
img{max-width:100%;height:auto}nav{margin-bottom:1rem}
.output_stderr pre{background:#fff8e6}.anchor-link{display:none}
.gloss{color:#59636e;font-size:.85rem}table.villenum-table caption{caption-side:top;padding:.2rem 0}
"""


def slug(text: str) -> str:
    """A CSS-class-safe form of a verdict ('not testable' -> 'not-testable')."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).strip().lower()).strip("-") or "none"


def page(title: str, body: str) -> str:
    """A complete, self-contained HTML page (inline CSS, no script, no external resource)."""
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="icon" href="data:,">\n<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n'
            f"</head>\n<body>\n{body}\n</body>\n</html>\n")


def img_output(src: str, alt: str) -> nbformat.NotebookNode:
    """A display output showing one image with its alt text."""
    tag = f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">'
    return nbformat.v4.new_output("display_data", data={"text/html": tag, "text/plain": alt})


def relative_link(target: Path, base: Path) -> str | None:
    """A relative URL from directory `base` to `target` if target is inside base, else None."""
    try:
        return target.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return None


def with_figures(nb: nbformat.NotebookNode, figure_dir: Path, page_dir: Path, label: str) -> nbformat.NotebookNode:
    """A copy of the notebook whose PNG outputs are <img> with alt text: saved figures linked, others embedded."""
    nb = copy.deepcopy(nb)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if "image/png" not in out.get("data", {}):
                outputs.append(out)
                continue
            count += 1
            name = out.get("metadata", {}).get(FIGURE_KEY)
            png, alt_file = (figure_dir / f"{name}.png", figure_dir / f"{name}.alt.txt") if name else (None, None)
            link = relative_link(png, page_dir) if png and png.is_file() else None
            alt = alt_file.read_text(encoding="utf-8").strip() if alt_file and alt_file.is_file() else ""
            alt = alt or f"Figure {count} du carnet {label} (pas de description enregistrée)"
            data = out["data"]["image/png"]
            inline = data if isinstance(data, str) else base64.b64encode(data).decode()
            outputs.append(img_output(link or "data:image/png;base64," + inline.replace("\n", ""), alt))
        cell.outputs = outputs
    return nb


def notebook_title(nb: nbformat.NotebookNode, default: str) -> str:
    """The first markdown heading of a notebook, else `default`."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return default


def notebook_page(executed: Path, report_dir: Path, figure_dir: Path) -> tuple[Path, str]:
    """Write `<report_dir>/<stem>.html` from an executed notebook (code hidden, its parameters in a table at the
    end); return its path and title."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    title = notebook_title(nb, executed.stem)
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(with_figures(nb, figure_dir, report_dir, executed.stem))
    source = relative_link(executed, report_dir)
    code = (f' · <a href="{html.escape(source)}">carnet exécuté, avec son code ({html.escape(executed.name)})</a>'
            if source else "")
    nav = f'<nav><a href="index.html">← Sommaire du rapport</a>{code}</nav>\n'
    shown = run_parameters([Outcome(executed.name, "ran", executed)], {})
    params = parameters_html(shown, "Paramètres de ce carnet") if shown else ""
    target = report_dir / f"{executed.stem}.html"
    write_atomic(target, page(title, nav + body + params))
    return target, title


def read_scorecard(path: Path) -> pd.DataFrame:
    """The scorecard table as strings (empty cells are ''), or an empty table if there is none."""
    if not path.is_file():
        return pd.DataFrame(columns=["claim_id", "claim_fr", "sources", "notebook", "computed", "verdict",
                                     "evidence", "note"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def scorecard_html(card: pd.DataFrame, pages: dict[str, Path], words: dict[str, str] | None = None) -> str:
    """The scorecard as a table in French (English glosses in title attributes): claim, sources, computed numbers
    (codes replaced by their labels through `words`), support, colour-coded verdict, why, link to the notebook."""
    esc = html.escape
    rows = []
    for r in card.to_dict("records"):
        nb = r.get("notebook", "")
        link = f'<a href="{esc(pages[nb].name)}">{esc(nb)}</a>' if nb in pages else esc(nb)
        note = f'<br><span class="muted">{esc(r["note"])}</span>' if r.get("note") else ""
        v = r.get("verdict", "")
        support = f"{float(r['support']):.0%}".replace("%", "\u202f%") if r.get("support") else "—"
        why = f'<span title="{esc(r.get("evidence", ""))}">{esc(r.get("explanation", ""))}</span>'
        computed = r.get("computed", "")
        rows.append(
            f'<tr id="claim-{esc(slug(r["claim_id"]))}" data-claim="{esc(r["claim_id"])}" data-verdict="{esc(v)}">'
            f'<td class="quote">{esc(r.get("claim_fr", ""))}<br><code class="muted" title="identifiant de l\'affirmation">'
            f'{esc(r["claim_id"])}</code></td>'
            f'<td>{esc(r.get("sources", "").replace(";", ", "))}</td>'
            f'<td title="{esc(computed)}">{esc(french_computed(computed, words or {}))}</td>'
            f'<td>{support}</td><td class="verdict verdict-{slug(v)}" title="{esc(v)}">'
            f"{esc(verdict_fr(v))}</td><td>{why}{note}</td><td>{link}</td></tr>")
    head = "".join(f'<th title="{esc(gloss)}">{esc(fr)}</th>' for fr, gloss in COLUMNS)
    body = "\n".join(rows)
    return f'<table id="scorecard">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>'


def summary_html(card: pd.DataFrame) -> str:
    """Counts of each verdict, with the colour legend, in French (the English verdict as a gloss)."""
    counts = card["verdict"].value_counts().to_dict() if len(card) else {}
    names = list(VERDICTS) + sorted(set(counts) - set(VERDICTS))
    items = "".join(f'<li><span class="verdict verdict-{slug(v)}" title="{html.escape(v)}">'
                    f"{html.escape(verdict_fr(v))}</span> "
                    f'<strong data-count="{html.escape(v)}">{counts.get(v, 0)}</strong> — '
                    f"{html.escape(VERDICTS_FR.get(v, (v, VERDICTS.get(v, '')))[1])}</li>" for v in names)
    return f'<p id="summary">{len(card)} affirmations publiées vérifiées.</p>\n<ul class="legend">{items}</ul>'


def exploratory_html(stems: list[str], pages: dict[str, Path], titles: dict[str, str]) -> str:
    """The exploratory findings (notebook metadata `villenum_exploratory`: no published statement, hence no
    claim and no verdict), as a French paragraph with links; '' when there is none."""
    if not stems:
        return ""
    links = ", ".join(f'<a href="{html.escape(pages[s].name)}">{html.escape(titles[s])}</a>' for s in stems)
    return (f'<p id="exploratory" lang="fr">Résultats exploratoires, sans énoncé publié (donc sans verdict) : '
            f"{links}.</p>\n")


def notebooks_html(outcomes: list[Outcome], pages: dict[str, Path], titles: dict[str, str], report_dir: Path) -> str:
    """The list of notebooks with links to their pages and executed notebooks, and their run status."""
    items = []
    for o in outcomes:
        stem = Path(o.notebook).stem
        name = f'<a href="{html.escape(pages[stem].name)}">{html.escape(titles[stem])}</a>' if stem in pages \
            else html.escape(o.notebook)
        source = relative_link(o.output, report_dir) if o.output.is_file() else None
        code = f' · <a href="{html.escape(source)}">{html.escape(o.output.name)}</a>' if source else ""
        status = STATUSES_FR.get(o.status, o.status)
        items.append(f'<li>{name}{code} <span class="muted" title="{html.escape(o.status)}">({html.escape(status)})'
                     "</span></li>")
    return '<ol id="notebooks">\n' + "\n".join(items) + "\n</ol>"


def digests_html(label: str, directory: str | None) -> str:
    """sha256 of every file of an input directory, as a table."""
    if not directory or not Path(directory).is_dir():
        return f"<p>{html.escape(label)} : aucun.</p>"
    rows = "".join(f'<tr><td>{html.escape(n)}</td><td class="sha">{h}</td></tr>'
                   for n, h in file_digests(Path(directory)).items())
    return (f"<h3>{html.escape(label)} <code>{html.escape(display_path(directory))}</code></h3>\n"
            f"<table><thead><tr><th>Fichier</th><th>sha256</th></tr></thead><tbody>{rows}</tbody></table>")


def provenance_html(params: dict, today: datetime.date) -> str:
    """Input file digests, package version and date (the parameters are on the front page)."""
    return (f'<section id="provenance">\n<h2>Provenance</h2>\n<p>villenum {html.escape(villenum.__version__)}, '
            f"exécuté le {today.isoformat()}.</p>\n"
            f'{digests_html("Données d’enquête", params.get("survey_dir"))}\n'
            f'{digests_html("Chiffres publiés", params.get("published_dir"))}\n</section>')


def build_report(report_dir: Path, output_dir: Path, outcomes: list[Outcome], params: dict) -> Path:
    """Write the notebook pages and `report_dir/index.html`; return the index's path."""
    report_dir = Path(report_dir)
    figure_dir = Path(params.get("figure_dir") or report_dir / "figures")
    pages, titles, exploratory = {}, {}, []
    for o in outcomes:
        if o.status != "failed" and Path(o.output).is_file():
            stem = Path(o.notebook).stem
            pages[stem], titles[stem] = notebook_page(Path(o.output), report_dir, figure_dir)
            exploratory += [stem] if read_notebook(Path(o.output)).exploratory else []
    card = read_scorecard(Path(output_dir) / "scorecard.csv")
    wave = params.get("wave", "")
    words = glossary(str(wave), params.get("survey_dir"))
    body = (f"<h1>Baromètre Ville numérique {html.escape(str(wave))} : rapport de reproduction</h1>\n"
            f"{parameters_html(run_parameters(outcomes, params))}\n"
            f'<section id="scorecard-section">\n<h2>Tableau de vérification des affirmations</h2>\n'
            f"{summary_html(card)}\n{scorecard_html(card, pages, words)}\n"
            f"{exploratory_html(exploratory, pages, titles)}</section>\n"
            f'<section>\n<h2>Carnets</h2>\n{notebooks_html(outcomes, pages, titles, report_dir)}\n</section>\n'
            f"{provenance_html(params, datetime.date.today())}")
    return write_atomic(report_dir / "index.html", page(f"villenum {wave} : rapport", body))
