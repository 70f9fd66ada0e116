"""Figures of the findings, in French as published: category labels (never codes), axis titles with units,
French numbers, whole-number ticks for counts, wrapped labels, the interval level stated, one colour meaning
per figure. The map of the panel is in `villenum.panel_map`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch

from villenum.figure_style import fr_number, french_ticks, level, wrap  # noqa: F401  (fr_number: for alt texts)
from villenum.panel_map import panel_map  # noqa: F401  (re-exported: plots.panel_map, as notebooks call it)
from villenum.questionnaire import Questionnaire
from villenum.realisation import UNKNOWN

MISSING_COLOUR = "#bbbbbb"  # a project whose status is missing
NEUTRAL = "#5b7083"  # one colour for bars whose colour would otherwise repeat another meaning
sns.set_theme(style="whitegrid", context="notebook")
METHODS = {  # scoring method -> (panel title, x-axis title with units and direction, axis decimals, name in caption)
    "first_share": ("Part classé premier (%)", "% des collectivités (plus haut = mieux)", 0, "part classé premier"),
    "mean_rank": ("Rang moyen (plus bas = mieux)", "rang moyen (1 = premier)", 1, "rang moyen"),
    "borda": ("Score de Borda", "points (plus haut = mieux)", 1, "Borda"),
    "copeland": ("Copeland (victoires − défaites)", "duels gagnés − perdus (plus haut = mieux)", 0, "Copeland"),
}
INTERVALS = {"wilson": "Wilson", "studentized": "bootstrap studentisé"}


def _error_bars(value: pd.Series, low: pd.Series, high: pd.Series, scale: float = 1) -> list[pd.Series]:
    """Lengths of the lower and upper error bars, never negative (a bound equal to the value, 0/n or n/n,
    may differ from it by a rounding error) and 0 where the interval is unknown."""
    return [(scale * (value - low)).clip(lower=0).fillna(0), (scale * (high - value)).clip(lower=0).fillna(0)]


def _caption(fig: plt.Figure, text: str, y: float = -0.02) -> None:
    """A caption under the figure, at figure height `y` (saved with bbox_inches='tight', so it is never cut)."""
    fig.text(0.01, y, text, ha="left", va="top", fontsize=8.5, color="#333333", wrap=True)


def domain_shares(counts: pd.DataFrame, q: Questionnaire, published: pd.DataFrame | None = None,
                  confidence: float = 0.95) -> plt.Figure:
    """Horizontal bars of the share of projects per domain with their intervals, published shares as markers;
    returns the figure."""
    data = counts.sort_values("share", ascending=True).assign(label=lambda d: q.label(d["domain"], "domain"))
    fig, ax = plt.subplots(figsize=(7, 4.4))
    ax.barh(wrap(data["label"]), data["share"], color=data["domain"].map(q.colours("domain")),
            xerr=_error_bars(data["share"], data["ci_low"], data["ci_high"]), capsize=3)
    if published is not None:
        pub = published.set_index("domain")["share"].reindex(data["domain"])
        ax.scatter(pub.to_numpy(), wrap(data["label"]), marker="D", color="black", zorder=3, label="part publiée (2013)")
        ax.legend(loc="best", frameon=True)  # where it covers the fewest bars
    french_ticks(ax.xaxis, percent=True)
    ax.set(xlabel="Part des projets (%)", ylabel="Domaine", title="Projets par domaine")
    _caption(fig, f"Barres d'erreur : intervalle de confiance à {level(confidence)} (Wilson) de la part des projets.")
    return fig


def realisation(ratios: pd.DataFrame, counts: pd.DataFrame, q: Questionnaire, confidence: float = 0.95) -> plt.Figure:
    """Left: projects per domain stacked by status (status colours); right: share realised with Wilson intervals
    in one neutral colour, so that a colour means a status throughout; returns the figure."""
    order = ratios.sort_values("n_projects", ascending=True)["domain"]
    labels = wrap(q.label(order, "domain"), 24)
    wide = counts.pivot(index="domain", columns="status", values="n").reindex(order).fillna(0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    base = pd.Series(0.0, index=wide.index)
    colours = {**q.colours("status"), UNKNOWN: MISSING_COLOUR}
    names = {**q.labels_fr("status"), UNKNOWN: "statut inconnu"}
    for status in [s for s in colours if s in wide and wide[s].sum() > 0]:  # no legend entry without data
        left.barh(labels, wide[status], left=base, color=colours[status], label=names.get(status, status))
        base += wide[status]
    french_ticks(left.xaxis, integer=True, decimals=0)
    left.set(xlabel="Nombre de projets", ylabel="Domaine", title="Projets par statut")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, frameon=False)
    r = ratios.set_index("domain").reindex(order)
    right.barh(labels, 100 * r["ratio"], color=NEUTRAL,
               xerr=_error_bars(r["ratio"], r["ci_low"], r["ci_high"], 100), capsize=3)
    french_ticks(right.xaxis, percent=True)
    right.set(xlabel="Projets réalisés (% des projets au statut connu)", title="Part de projets réalisés")
    _caption(fig, f"À droite, barres d'erreur : intervalle de confiance à {level(confidence)} (Wilson).", y=-0.1)
    return fig


def objective_ranks(objectives: pd.DataFrame, q: Questionnaire) -> plt.Figure:
    """Heat map: share of collectivités giving each rank to each objective (questionnaire order top to bottom);
    returns the figure."""
    table = pd.crosstab(q.label(objectives["objective"], "objective"), objectives["rank"], normalize="index") * 100
    table = table.reindex([q.labels_fr("objective")[c] for c in q.codes("objective")]).dropna(how="all")
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    if table.empty:  # nothing ranked (a wave that only asks which objectives are cited): say so, do not crash
        ax.text(0.5, 0.5, "Aucun objectif n'a reçu de rang :\nrien à représenter", ha="center", va="center")
        ax.set(xticks=[], yticks=[], title="Rangs des objectifs")
        return fig
    table.index = wrap(table.index, 26)
    table.columns = [str(int(c)) for c in table.columns]
    sns.heatmap(table, annot=True, fmt=".0f", cmap="Blues", cbar_kws={"label": "% des collectivités"}, ax=ax)
    french_ticks(ax.collections[0].colorbar.ax.yaxis, percent=True)
    ax.set(xlabel="Rang donné (1 = le plus important)", ylabel="Objectif", title="Rangs des objectifs")
    return fig


def _interval_note(scores: pd.DataFrame, confidence: float) -> str:
    """The caption of the scores figure: the interval level and which interval goes with which method."""
    parts = []
    for method, (_, _, _, name) in METHODS.items():
        kinds = {str(k).split(":")[0] for k in scores.loc[scores["method"] == method, "interval"].dropna()}
        names = sorted(INTERVALS[k] for k in kinds if k in INTERVALS)
        parts.append(f"{name} : {' et '.join(names) if names else 'aucun intervalle'}")
    return f"Barres d'erreur : intervalles de confiance à {level(confidence)} ({' ; '.join(parts)})."


def objective_scores(scores: pd.DataFrame, q: Questionnaire, confidence: float = 0.95) -> plt.Figure:
    """One panel per scoring method, titled in French with the direction of the score stated: each objective's
    score with its interval, the interval level in the caption; returns the figure."""
    data = scores.assign(label=lambda d: wrap(q.label(d["objective"], "objective"), 22))
    methods = list(dict.fromkeys(data["method"]))
    fig, axes = plt.subplots(1, len(methods), figsize=(3.4 * len(methods), 3.6), sharey=True, squeeze=False)
    for ax, method in zip(axes[0], methods):
        d = data[data["method"] == method]
        title, xlabel, decimals, _ = METHODS.get(method, (method, "score", 1, method))
        ax.barh(d["label"], d["score"], color=d["objective"].map(q.colours("objective")),
                xerr=_error_bars(d["score"], d["ci_low"], d["ci_high"]) if d["ci_low"].notna().any() else None,
                capsize=3)  # no error bar at all where the method has no interval (Copeland)
        french_ticks(ax.xaxis, integer=method == "copeland", decimals=decimals)
        ax.set_title(title, fontsize=10.5)
        ax.set_xlabel(xlabel, fontsize=9)
    axes[0][0].invert_yaxis()
    axes[0][0].set_ylabel("Objectif")
    fig.tight_layout()
    _caption(fig, _interval_note(scores, confidence))
    return fig


def flagship_types(by_type: pd.DataFrame, catalogue: pd.DataFrame, q: Questionnaire, k: int = 12) -> plt.Figure:
    """The project types with most projects à l'étude, stacked by status (status colours), labels wrapped;
    returns the figure."""
    labels = catalogue.set_index("project_type")["label_fr"]
    data = by_type[by_type["project_type"] != "autre"].sort_values(["n_a_l_etude", "project_type"],
                                                                   ascending=[False, True]).head(k)[::-1]
    names = wrap(data["project_type"].map(labels).fillna(data["project_type"]), 40)
    fig, ax = plt.subplots(figsize=(8.5, 0.25 + 0.42 * max(len(data), 4) + 0.15 * sum(n.count("\n") for n in names)))
    base = pd.Series(0.0, index=data.index)
    handles = []
    for role, col in [("under_study", "n_a_l_etude"), ("in_progress", "n_en_cours"), ("realised", "n_realise")]:
        status = q.status(role)
        if status is None:
            continue
        colour = q.colours("status")[status]
        ax.barh(names, data[col], left=base, color=colour)
        if data[col].sum() > 0:
            handles.append(Patch(color=colour, label=q.labels_fr("status")[status]))
        base += data[col]
    french_ticks(ax.xaxis, integer=True, decimals=0)
    ax.set(xlabel="Nombre de projets", ylabel="Type de projet", title="Projets phares : les plus souvent à l'étude")
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(handles), frameon=False)
    else:  # no project of known status (or none at all): say so rather than draw an empty legend
        ax.text(0.5, 0.5, "Aucun projet au statut connu :\nrien à représenter", transform=ax.transAxes,
                ha="center", va="center")
    return fig
