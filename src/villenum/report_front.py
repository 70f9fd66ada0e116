"""What the report's front page shows a French reader: the run's parameters (paths relative to the repository),
the scorecard's headers, verdicts and computed text in French, the English kept as a gloss (title attribute); and
the scorecard as the notebooks show it (`scorecard_table`, `verdict_counts`, the closing `statements`)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd

from villenum import paths
from villenum.display import Table, category_labels, display_table, vocabulary
from villenum.figure_style import fr_number, level
from villenum.pipeline.notebooks import declared_parameters
from villenum.pipeline.outcome import Outcome, RunError
from villenum.questionnaire import Questionnaire

PARAMETERS = {  # name -> French label shown to the reader (the name itself is the gloss)
    "wave": "Vague (édition de l'enquête)",
    "confidence": "Niveau de confiance des intervalles",
    "n_boot": "Rééchantillonnages bootstrap des intervalles",
    "support_boot": "Rééchantillonnages des collectivités (soutien des verdicts)",
    "seed": "Graine du générateur aléatoire",
    "top_k": "Types de projets phares montrés",
    "frame_threshold": "Seuil de population de la base de sondage (habitants)",
    "over_threshold": "Seuil des « grandes » collectivités (habitants)",
    "survey_dir": "Données d'enquête (dossier)",
    "published_dir": "Chiffres publiés (dossier)",
    "reference_dir": "Référentiel INSEE (dossier)",
    "output_dir": "Tableaux de résultats (dossier)",
    "figure_dir": "Figures (dossier)",
    "waves": "Éditions comparées",
    "results_dirs": "Tableaux de résultats de chaque édition (dossiers)",
    "objective_method": "Méthode de score des positions des objectifs",
}
COLUMNS = (  # (French header, English gloss)
    ("Affirmation publiée", "Claim (as published)"), ("Sources", "Sources"), ("Valeurs calculées", "Computed"),
    ("Soutien", "Support: share of resamples of collectivités in which the result holds"),
    ("Verdict", "Verdict"), ("Pourquoi", "Why (and on what evidence)"), ("Carnet", "Notebook"),
)
VERDICTS_FR = {  # verdict -> (French name, what it means in French)
    "reproduced": ("reproduit", "les données donnent l'affirmation publiée"),
    "contradicted": ("contredit", "les données contredisent l'affirmation publiée"),
    "inconclusive": ("non concluant", "données d'enquête : le résultat ne tient pas dans au moins 95 % des "
                                      "rééchantillonnages des collectivités"),
    "not testable": ("non testable", "les données ne permettent pas de trancher (aucune donnée, ou trop peu)"),
    "skipped": ("non comparé", "aucun chiffre publié pour cette vague à comparer"),
}


def verdict_fr(verdict: str) -> str:
    """A verdict's French name (« reproduit »…), or the verdict itself if it has none."""
    return VERDICTS_FR.get(verdict, (verdict,))[0]


TERMS = vocabulary()["measures"]  # names of measures that the computed text may carry -> French
EVIDENCE_FR = {  # what a verdict rests on -> French
    "published aggregates": "chiffres publiés",
    "reconstruction, built to match: checks the pipeline, not the study":
        "reconstruction faite pour retrouver ce chiffre : vérifie le calcul, pas l'étude",
    "reconstruction, illustration only: comes from the assumptions":
        "reconstruction, illustration seulement : vient des hypothèses",
    "survey data": "données d'enquête",
    "survey data (no published figures for this wave)": "données d'enquête (aucun chiffre publié pour cette vague)",
    "none": "aucun : pas de donnée pour en juger",
}


def display_path(value: object) -> str:
    """A path as the report shows it: relative to the repository when inside it, else « (hors du dépôt) » and
    its last two parts; never a machine's absolute path."""
    path = Path(str(value)).resolve()
    try:
        return path.relative_to(paths.ROOT).as_posix() or "."
    except ValueError:
        return "(hors du dépôt) …/" + "/".join(path.parts[-2:])


def run_parameters(outcomes: list[Outcome], params: dict) -> dict[str, str]:
    """The parameters the run's notebooks used (each notebook's declared defaults overlaid with what was
    injected), as shown to a reader: name -> value, paths relative, « a (01), b (02) » where notebooks differ."""
    seen: dict[str, dict[str, object]] = {}
    for o in outcomes:
        if not Path(o.output).is_file():
            continue
        # plain JSON, as the pipeline reads notebooks: nbformat would import jsonschema in every kernel that
        # imports this module (~1 CPU-s: its format checker compiles dozens of grammars at import)
        metadata = json.loads(Path(o.output).read_text(encoding="utf-8")).get("metadata", {})
        injected = metadata.get("papermill", {}).get("parameters", {})
        for name, value in {**_declared(Path(o.output)), **injected}.items():
            seen.setdefault(name, {})[Path(o.notebook).stem[:2]] = value
    for name, value in params.items():
        seen.setdefault(name, {"": value})
    shown = {}
    for name in [*[n for n in PARAMETERS if n in seen], *sorted(set(seen) - set(PARAMETERS))]:
        values = {nb: _value(name, v) for nb, v in seen[name].items() if v not in ("", None)}
        if values:
            distinct = list(dict.fromkeys(values.values()))
            shown[name] = distinct[0] if len(distinct) == 1 else ", ".join(f"{v} ({nb})" for nb, v in values.items())
    return shown


def _declared(notebook: Path) -> dict[str, object]:
    """The defaults of a notebook's `parameters` cell, or {} if it has none (a notebook without parameters)."""
    try:
        return declared_parameters(notebook)
    except RunError:
        return {}


def _value(name: str, value: object) -> str:
    """One parameter's value written for a French reader."""
    if name.endswith("_dir"):
        return display_path(value)
    if isinstance(value, (list, tuple)):  # e.g. the editions compared; empty: every one (the notebook's default)
        return ", ".join(map(str, value)) or "toutes"
    if name.endswith("_dirs") and isinstance(value, dict):  # edition -> folder
        return " ; ".join(f"{key} : {display_path(folder)}" for key, folder in value.items())
    if name == "confidence":
        return level(float(value))
    if name in ("n_boot", "support_boot", "frame_threshold", "over_threshold"):
        return fr_number(float(value), 0)
    return str(value)


def parameters_html(shown: dict[str, str], heading: str = "Paramètres de l'exécution") -> str:
    """The parameters table: French label (the parameter's name as a gloss) and value, under `heading`."""
    rows = "".join(f'<tr><th title="{html.escape(n)}">{html.escape(PARAMETERS.get(n, n))}</th>'
                   f"<td><code>{html.escape(v)}</code></td></tr>" for n, v in shown.items())
    return (f'<section id="parameters">\n<h2>{html.escape(heading)}</h2>\n'
            f"<table><tbody>{rows}</tbody></table>\n</section>")


def french_computed(text: str, glossary: dict[str, str]) -> str:
    """The scorecard's computed text for a French reader: codes and measure names replaced by their French
    labels (whole words), decimal points by commas; the text as computed stays in the CSV and in a gloss."""
    words = {**TERMS, **glossary}
    if words:
        pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
                             + r")(?![\w-])")
        text = pattern.sub(lambda m: words[m.group(1)], text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "\u202f", text)  # 50,396 -> 50 396
    text = re.sub(r"(?<=\d)\.(?=\d)", ",", text)  # 7.04 -> 7,04
    return text.replace(">=", "≥").replace("<=", "≤").replace("==", "=")


def glossary(wave: str, survey_dir: str | None = None) -> dict[str, str]:
    """Code -> French label for every questionnaire field of the wave and every project type of the catalogue
    (codes whose label differs from the code)."""
    from villenum.questionnaire import load_questionnaire

    words = category_labels(load_questionnaire(str(wave) or paths.DEFAULT_WAVE, survey_dir or None))
    return {c: lab for c, lab in words.items() if c != lab}


def _french_card(card: pd.DataFrame, words: dict[str, str]) -> pd.DataFrame:
    """The scorecard's verdict, evidence and computed text in French (the CSV keeps them as computed)."""
    return card.assign(verdict=card["verdict"].map(verdict_fr),
                       evidence=card["evidence"].map(lambda e: EVIDENCE_FR.get(e, e)),
                       computed=card["computed"].map(lambda t: french_computed(str(t), words)))


def scorecard_table(card: pd.DataFrame, questionnaire: Questionnaire) -> Table:
    """The scorecard as a notebook shows it: the published claim, computed values, support, verdict and why, in
    French."""
    words = {c: lab for c, lab in category_labels(questionnaire).items() if c != lab}
    columns = ["claim_fr", "computed", "support", "verdict", "explanation"]
    return display_table(_french_card(card, words), questionnaire, columns, kinds={"verdict": "text"},
                         headers={"support": "Soutien"}, quoted=("claim_fr",))


def verdict_counts(card: pd.DataFrame, questionnaire: Questionnaire) -> Table:
    """How many claims get each verdict, by what the verdict rests on, in French."""
    counts = _french_card(card, {}).groupby(["verdict", "evidence"]).size().rename("claims").reset_index()
    return display_table(counts, questionnaire, kinds={"verdict": "text", "evidence": "text"})


def statements(card: pd.DataFrame, questionnaire: Questionnaire) -> str:
    """The closing sentences of a notebook, in French (Markdown with the quotes marked `quote`): each published
    statement, what the data give, and the verdict; for a finding without claims, the sentence that says so."""
    from villenum.scorecard import NO_CLAIM

    if card.empty:
        return NO_CLAIM
    words = {c: lab for c, lab in category_labels(questionnaire).items() if c != lab}
    fr = _french_card(card, words)
    esc = lambda text: html.escape(str(text), quote=False)  # noqa: E731
    return "\n".join(f'- <span class="quote">« {esc(r.claim_fr)} »</span> ({esc(r.sources.replace(";", ", "))})'
                     f" — calculé : {esc(r.computed)} → **{esc(r.verdict)}**. {esc(r.explanation)}"
                     for r in fr.itertuples(index=False))
