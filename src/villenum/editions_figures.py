"""Figures of the comparison of editions, in the house style (villenum.plots): bump charts of ranks across
editions, published and computed side by side, French labels from the editions' questionnaires, French numbers,
and alt texts. A category absent from an edition (not asked, or not published) has no point there; an edition
with no data leaves its panel saying so: a figure and a sentence, never a crash."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from villenum.editions import COMPUTED, PUBLISHED
from villenum.figure_style import wrap
from villenum.questionnaire import Questionnaire

FALLBACK_COLOUR = "#5b7083"


def category_names(questionnaires: dict[str, Questionnaire], field: str) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> French label, code -> colour) of a questionnaire field over every edition, the latest edition's
    wording winning (a category asked in one edition only keeps its own)."""
    labels: dict[str, str] = {}
    colours: dict[str, str] = {}
    for wave in sorted(questionnaires):
        labels.update(questionnaires[wave].labels_fr(field))
        colours.update(questionnaires[wave].colours(field))
    return labels, colours


def _tick(wave: str, group: pd.DataFrame, usual_unit: str) -> str:
    """An edition's tick label: the wave, how many categories its table ranks, and what they are ranked by when it
    is not what the other editions rank by."""
    n = group["n_ranked"].dropna()
    if not len(n):
        return f"{wave}\n(aucune donnée)"
    units = group["unit"].dropna().unique()
    other = "\n" + wrap([f"selon : {units[0]}"], 18)[0] if len(units) and units[0] != usual_unit else ""
    return f"{wave}\n({int(n.iloc[0])} classés){other}"


def ordinal(rank: float) -> str:
    """A rank written the French way: 1er, 2e, 3e…"""
    return "1er" if int(rank) == 1 else f"{int(rank)}e"


def _bands(ax: plt.Axes, data: pd.DataFrame, waves: list[str], colours: dict[str, str]) -> None:
    """The ranks compatible with the intervals (rank_best to rank_worst), one thin band per category, set side
    by side around the edition's position so that they do not hide one another."""
    if not {"rank_best", "rank_worst"} <= set(data.columns):
        return
    x = {w: i for i, w in enumerate(waves)}
    for wave, rows in data.dropna(subset=["rank_best", "rank_worst"]).groupby("wave", sort=False):
        rows = rows.sort_values("rank", kind="stable")
        offsets = [0.3 * (k / max(len(rows) - 1, 1) - 0.5) for k in range(len(rows))]
        for dx, r in zip(offsets, rows.itertuples(index=False)):
            ax.vlines(x[wave] + dx, r.rank_best, r.rank_worst, color=colours.get(r.category, FALLBACK_COLOUR),
                      alpha=0.45, linewidth=2.5)


def _panel(ax: plt.Axes, data: pd.DataFrame, waves: list[str], labels: dict[str, str], colours: dict[str, str],
           title: str) -> None:
    """One bump chart: x the editions, y the rank (1 at the top), a line per category through the editions
    that rank it, broken where an edition does not; the category's label after its last point (tied categories
    share one label)."""
    ends: dict[tuple[int, float], list[str]] = {}
    for category, rows in data.groupby("category", sort=False):
        series = rows.set_index("wave")["rank"].astype(float).reindex(waves)
        ax.plot(range(len(waves)), series.to_numpy(), marker="o", color=colours.get(category, FALLBACK_COLOUR),
                linewidth=2, zorder=3)
        last = series.dropna()
        ends.setdefault((waves.index(last.index[-1]), last.iloc[-1]), []).append(category)
    for (i, rank), cats in ends.items():
        colour = colours.get(cats[0], FALLBACK_COLOUR) if len(cats) == 1 else "#333333"
        ax.annotate(" = ".join(labels.get(c, c) for c in cats), (i, rank), xytext=(7, 0), textcoords="offset points",
                    va="center", fontsize=8, color=colour)
    _bands(ax, data, waves, colours)
    usual = data["unit"].mode().iloc[0] if len(data) else ""
    ax.set_xticks(range(len(waves)), [_tick(w, data[data["wave"] == w], usual) for w in waves])
    ax.set_xlim(-0.3, len(waves) - 0.3)
    worst = pd.concat([data["rank"], data.get("rank_worst", pd.Series(dtype=float))]).dropna()
    top = int(worst.max()) if len(worst) else 1
    ax.set_ylim(top + 0.5, 0.5)
    ax.set_yticks(range(1, top + 1))
    ax.set(title=title, xlabel="Édition", ylabel="Rang (1 = premier)")
    if data.empty:
        ax.text(0.5, 0.5, "aucune donnée pour ces éditions", ha="center", va="center", transform=ax.transAxes)


def bump_chart(ranks: pd.DataFrame, waves: list[str], questionnaires: dict[str, Questionnaire], field: str,
               title: str) -> plt.Figure:
    """Ranks across editions (a table of editions.RANK_COLUMNS, optionally rank_best/rank_worst), published on
    the left, computed on the right; returns the figure."""
    labels, colours = category_names(questionnaires, field)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=False)
    for ax, source, name in ((axes[0], PUBLISHED, "Chiffres publiés"), (axes[1], COMPUTED, "Calculé (nos données)")):
        _panel(ax, ranks[ranks["source"] == source], waves, labels, colours, name)
    fig.suptitle(title)
    fig.text(0.01, -0.04, "Panels différents d'une édition à l'autre : un changement de rang reflète autant le "
             "changement de panel que celui des villes. Pas de point : catégorie non posée ou non publiée cette "
             "année-là. Bandes claires : rangs compatibles avec les intervalles de confiance.", ha="left",
             va="top", fontsize=8.5, color="#333333", wrap=True)
    fig.tight_layout()
    return fig


def bump_alt(ranks: pd.DataFrame, waves: list[str], questionnaires: dict[str, Questionnaire], field: str,
             what: str) -> str:
    """The alt text of a bump chart, in French: for each source and category, its rank in each edition."""
    labels, _ = category_names(questionnaires, field)
    parts = []
    for source in (PUBLISHED, COMPUTED):
        data = ranks[ranks["source"] == source]
        if data.empty:
            parts.append(f"{source} : aucune donnée")
            continue
        steps = [f"{labels.get(c, c)} " + ", ".join(f"{r.wave} : {ordinal(r.rank)} sur {r.n_ranked}"
                                                     for r in rows.itertuples(index=False))
                 for c, rows in data.groupby("category", sort=False)]
        parts.append(f"{source} — " + " ; ".join(steps))
    return f"Rang {what} par édition ({', '.join(waves)}). " + ". ".join(parts) + "."
