"""The notebook `new-finding` writes: `notebooks/NN_<name>.ipynb`, stored as the others (stripped, cell ids kept).

It declares stage 1 (`villenum_stage`: it runs before the scorecard notebook, whatever its number), the
finding it evaluates (`villenum_findings`), `villenum_scaffold: "new-finding"` (what remove-finding may delete
without --force) and, for an exploratory finding, `villenum_exploratory: true`. Its
cells: the published statement (or « exploratoire »), the `parameters` cell, `open_context(...)` with the
notebook's parameters, a result table (`ctx.save_table`), a figure (`ctx.save_figure`) and the closing
scorecard cell. No `def` or `class`: the computation is in `src/villenum/<name>.py`.
"""

from __future__ import annotations

from villenum.pipeline.notebooks import EXPLORATORY_KEY, FINDINGS_KEY, STAGE_KEY

PARAMETERS = '''wave = "2013"
survey_dir = ""
published_dir = ""
output_dir = ""
figure_dir = ""
support_boot = 200
seed = 2013'''

SETUP = '''from IPython.display import Markdown

from villenum import {name}
from villenum.context import open_context
from villenum.scorecard import to_markdown

ctx = open_context(wave, survey_dir, published_dir, output_dir, figure_dir,
                   notebook="{stem}", support_boot=support_boot, seed=seed)'''

TABLE = '''table = {name}.{name}_table(ctx.survey.collectivites, ctx.questionnaire)
ctx.save_table(table, "{name}_counts")
table'''

FIGURE = '''fig = {name}.{name}_figure(table)
ctx.save_figure(fig, "{name}_counts", "Horizontal bars: number of collectivités of each kind (template figure of "
                "the {name} finding: replace it).")'''

SCORECARD = '''card = ctx.scorecard({{"{name}_counts": table}}, finding="{name}", n_boot=support_boot, seed=seed)
Markdown(to_markdown(card))'''

TITLE = '''# {number} — {name} (modèle : remplacez ce titre)
Template written by `python -m villenum new-finding {number} {name}`. {statement}
The placeholder counts the collectivités by kind (`src/villenum/{name}.py`): replace it with the finding's
computation, its table and its figure.'''

STATEMENT = ("Published: « … » (quote the statement and its source; its claim rows are in "
             "`data/raw/published/2013/claims.csv`, a template row to replace).")
EXPLORATORY = ("Exploratoire : aucun énoncé publié. This finding has no published statement, hence no claim "
               "and no verdict (notebook metadata `villenum_exploratory: true`).")


def notebook(number: str, name: str, exploratory: bool) -> dict:
    """The notebook as an nbformat 4 dictionary (not yet stripped)."""
    fmt = {"number": number, "name": name, "stem": f"{number}_{name}",
           "statement": EXPLORATORY if exploratory else STATEMENT}
    cells = [("markdown", TITLE), ("code", PARAMETERS), ("code", SETUP), ("markdown", "## Résultat (modèle)"),
             ("code", TABLE), ("code", FIGURE), ("markdown", "## Published statement vs data"), ("code", SCORECARD)]
    out = []
    for i, (kind, text) in enumerate(cells):
        cell = {"cell_type": kind, "id": f"{number}-{i:02d}", "metadata": {}, "source": text.format(**fmt)}
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        if text is PARAMETERS:
            cell["metadata"] = {"tags": ["parameters"]}
        out.append(cell)
    metadata = {"kernelspec": {"display_name": "villenum (Python 3)", "language": "python", "name": "villenum"},
                "language_info": {"name": "python"}, FINDINGS_KEY: [name], STAGE_KEY: 1, "villenum_scaffold": "new-finding"}
    if exploratory:
        metadata[EXPLORATORY_KEY] = True
    return {"cells": out, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def notebook_bytes(number: str, name: str, exploratory: bool) -> bytes:
    """The notebook's file content, stripped exactly as `make strip` stores notebooks (villenum.lab)."""
    import nbformat

    from villenum.lab import strip_notebook

    return (nbformat.writes(strip_notebook(notebook(number, name, exploratory))) + "\n").encode()
