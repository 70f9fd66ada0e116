"""What the reader of the comparison of editions reads, in French: sentences on the editions compared, their
panels and the categories some editions do not rank, tables with French headers and numbers, and the verdicts
across editions with how sure each is. Inputs are the tables of `villenum.editions`."""

from __future__ import annotations

import pandas as pd

from villenum.display import Table
from villenum.figure_style import fr_number


def verdicts_markdown(verdicts: pd.DataFrame) -> str:
    """The verdicts as the scorecard's closing sentences (`scorecard.to_markdown`), each followed by how sure it is
    and, for a claim about a rank, the ranks the computed data allow."""
    from villenum.report_front import verdict_fr
    from villenum.scorecard import to_markdown

    if verdicts.empty:
        return "Aucune affirmation publiée ne compare ces éditions."
    french = verdicts.assign(verdict=verdicts["verdict"].map(verdict_fr))
    lines = [to_markdown(french.iloc[[i]]) for i in range(len(french))]
    return "\n".join(f"{line} Certitude : {row.certainty}." + (f" Nos données : {row.computed_ranks}." if
                                                                 getattr(row, "computed_ranks", "") else "")
                     for line, row in zip(lines, verdicts.itertuples(index=False)))


def missing_sentence(waves: list[str], missing: dict[str, str]) -> str:
    """One French sentence: the editions compared, and those shown with their published figures only (why)."""
    head = f"Éditions comparées : {', '.join(waves) or 'aucune'}."
    if not missing:
        return head + " Chaque édition a ses résultats calculés par sa propre exécution."
    shown = " ; ".join(f"{w} ({why})" for w, why in missing.items())
    return (f"{head} Sans résultats calculés, donc comparées sur leurs seuls chiffres publiés : {shown}. Leur "
            "reconstruction ou leur enquête n'a pas (encore) été exécutée.")


def panel_sentence(panel: pd.DataFrame) -> str:
    """French: the panel of each edition (published size), and that the panels are different collectivités."""
    sizes = [f"{fr_number(v, 0)}{' collectivités' if i == 0 else ''} en {w}"
             for i, (w, v) in enumerate((w, v) for w, v in zip(panel["wave"], panel["published"]) if not pd.isna(v))]
    return (f"Panels publiés : {', '.join(sizes) or 'aucun'}. Ce ne sont pas les mêmes collectivités "
            "d'une édition à l'autre : un changement entre éditions est un changement de panel autant qu'un "
            "changement des villes, et aucune différence ci-dessous ne mesure l'évolution d'une même ville.")


def presence_sentence(table: pd.DataFrame, labels: dict[str, str]) -> str:
    """French: the categories ranked in some editions only (not asked, or not published, in the others)."""
    waves = [c for c in table.columns if c != "category"]
    partial = table[~table[waves].all(axis=1)] if waves else table.iloc[0:0]
    if partial.empty:
        return "Chaque catégorie est classée dans chaque édition."
    items = [f"{labels.get(row['category'], row['category'])} : {', '.join(w for w in waves if row[w])}"
             for _, row in partial.iterrows()]
    return ("Classées dans certaines éditions seulement (non posées, ou non publiées, dans les autres ; pas de "
            f"point ces années-là) : {' ; '.join(items)}.")


COLUMNS_FR = {"wave": "Édition", "source": "Source", "category": "Catégorie", "value": "Valeur", "unit": "Unité",
              "measure": "Tableau", "rank": "Rang", "n_ranked": "Classés", "ci_low": "IC bas", "ci_high": "IC haut",
              "rank_best": "Meilleur rang possible", "rank_worst": "Pire rang possible", "published": "Publié",
              "computed": "Calculé", "difference": "Écart", "value_published": "Valeur publiée",
              "rank_published": "Rang publié", "value_computed": "Valeur calculée", "rank_computed": "Rang calculé",
              "same_rank": "Même rang", "claim_fr": "Affirmation", "verdict": "Verdict", "certainty": "Degré de certitude",
              "explanation": "Pourquoi", "editions": "Éditions comparées", "claim_id": "Identifiant",
              "computed_ranks": "Rangs calculés (nos données)"}


def french_view(frame: pd.DataFrame, labels: dict[str, str] | None = None, decimals: int = 1) -> Table:
    """A table as the reader sees it (`display.Table`, shown without the index, nothing cut): French column
    names, category codes replaced by their labels, verdicts in French, numbers with a decimal comma (`decimals`
    at most), booleans as oui/non, missing values as « — »."""
    from villenum.report_front import verdict_fr

    out = frame.copy()
    numeric = [COLUMNS_FR.get(c, c) for c in out.columns
               if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    if "verdict" in out:
        out["verdict"] = out["verdict"].map(verdict_fr)
    if "editions" in out:  # a list of editions, `a|b` in the tables
        out["editions"] = out["editions"].str.replace("|", ", ", regex=False)
    if "category" in out and labels:
        out["category"] = out["category"].map(lambda c: labels.get(c, c))
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            out[column] = ["—" if pd.isna(v) else ("oui" if v else "non") for v in values]
        elif pd.api.types.is_numeric_dtype(values):
            out[column] = ["—" if pd.isna(v) else fr_number(float(v), decimals) for v in values]
        else:
            out[column] = ["—" if pd.isna(v) else v for v in values]
    return Table(out.rename(columns=COLUMNS_FR), numeric=tuple(numeric))
