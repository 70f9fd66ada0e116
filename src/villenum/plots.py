"""Figures of the findings: French labels as published, sorted bars, one colour per domain and per status everywhere."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from villenum.questionnaire import Questionnaire
from villenum.realisation import UNKNOWN

MISSING_COLOUR = "#bbbbbb"  # a project whose status is missing
sns.set_theme(style="whitegrid", context="notebook")


def _error_bars(value: pd.Series, low: pd.Series, high: pd.Series, scale: float = 1) -> list[pd.Series]:
    """Lengths of the lower and upper error bars, never negative (a bound equal to the value, 0/n or n/n,
    may differ from it by a rounding error) and 0 where the interval is unknown."""
    return [(scale * (value - low)).clip(lower=0).fillna(0), (scale * (high - value)).clip(lower=0).fillna(0)]


def domain_shares(counts: pd.DataFrame, q: Questionnaire, published: pd.DataFrame | None = None) -> plt.Figure:
    """Horizontal bars of the share of projects per domain with intervals, published shares as markers."""
    data = counts.sort_values("share", ascending=True).assign(label=lambda d: q.label(d["domain"], "domain"))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.barh(data["label"], data["share"], color=data["domain"].map(q.colours("domain")),
            xerr=_error_bars(data["share"], data["ci_low"], data["ci_high"]), capsize=3)
    if published is not None:
        pub = published.set_index("domain")["share"].reindex(data["domain"])
        ax.scatter(pub.to_numpy(), data["label"], marker="D", color="black", zorder=3, label="publié (2013)")
        ax.legend(loc="lower right")
    ax.set(xlabel="Part des projets (%)", ylabel="Domaine", title="Projets par domaine")
    return fig


def realisation(ratios: pd.DataFrame, counts: pd.DataFrame, q: Questionnaire) -> plt.Figure:
    """Left: projects per domain stacked by status; right: share realised with Wilson intervals."""
    order = ratios.sort_values("n_projects", ascending=True)["domain"]
    labels = q.label(order, "domain")
    wide = counts.pivot(index="domain", columns="status", values="n").reindex(order).fillna(0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    base = pd.Series(0.0, index=wide.index)
    colours = {**q.colours("status"), UNKNOWN: MISSING_COLOUR}
    for status in [s for s in colours if s in wide]:
        left.barh(labels, wide[status], left=base, color=colours[status],
                  label=q.labels_fr("status").get(status, "inconnu"))
        base += wide[status]
    left.set(xlabel="Nombre de projets", ylabel="Domaine", title="Projets par statut")
    left.legend(loc="lower right")
    r = ratios.set_index("domain").reindex(order)
    right.barh(labels, 100 * r["ratio"], color=order.map(q.colours("domain")),
               xerr=_error_bars(r["ratio"], r["ci_low"], r["ci_high"], 100), capsize=3)
    right.set(xlabel="Projets réalisés (%)", title="Part de projets réalisés")
    return fig


def objective_ranks(objectives: pd.DataFrame, q: Questionnaire) -> plt.Figure:
    """Heat map: share of collectivités giving each rank to each objective (questionnaire order top to bottom)."""
    table = pd.crosstab(q.label(objectives["objective"], "objective"), objectives["rank"], normalize="index") * 100
    table = table.reindex([q.labels_fr("objective")[c] for c in q.codes("objective")]).dropna(how="all")
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    if table.empty:  # nothing ranked (a wave that only asks which objectives are cited): say so, do not crash
        ax.text(0.5, 0.5, "Aucun objectif n'a reçu de rang :\nrien à représenter", ha="center", va="center")
        ax.set(xticks=[], yticks=[], title="Rangs des objectifs")
        return fig
    sns.heatmap(table, annot=True, fmt=".0f", cmap="Blues", cbar_kws={"label": "% des collectivités"}, ax=ax)
    ax.set(xlabel="Rang donné (1 = le plus important)", ylabel="Objectif", title="Rangs des objectifs")
    return fig


def objective_scores(scores: pd.DataFrame, q: Questionnaire) -> plt.Figure:
    """One panel per scoring method: each objective's score with its bootstrap interval."""
    data = scores.assign(label=lambda d: q.label(d["objective"], "objective"))
    methods = list(dict.fromkeys(data["method"]))
    fig, axes = plt.subplots(1, len(methods), figsize=(3.2 * len(methods), 3.4), sharey=True)
    for ax, method in zip(axes, methods):
        d = data[data["method"] == method]
        ax.barh(d["label"], d["score"], color=d["objective"].map(q.colours("objective")),
                xerr=[(d["score"] - d["ci_low"]).abs(), (d["ci_high"] - d["score"]).abs()], capsize=3)
        ax.set(title=method, xlabel="score")
    axes[0].invert_yaxis()
    axes[0].set_ylabel("Objectif")
    return fig


def panel_map(frame: pd.DataFrame, points: pd.DataFrame, q: Questionnaire) -> plt.Figure:
    """Participating collectivités (by kind) over the frame of communes of 50,000+ (metropolitan France)."""
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    metro = frame[frame["longitude"].between(-5.5, 10) & frame["latitude"].between(41, 51.5)]
    ax.scatter(metro["longitude"], metro["latitude"], s=metro["population"] / 8000, color="#cccccc",
               label="communes ≥ 50 000 hab.")
    for kind, colour in q.colours("kind").items():
        d = points[points["kind"] == kind]
        ax.scatter(d["longitude"], d["latitude"], s=60, color=colour, edgecolor="black",
                   label=q.labels_fr("kind")[kind])
    for row in points.itertuples():
        ax.annotate(row.name.split(" + ")[0], (row.longitude, row.latitude), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set(xlabel="Longitude", ylabel="Latitude", title="Collectivités du panel", aspect=1.4)
    ax.legend(loc="lower left", fontsize=8)
    return fig


def flagship_types(by_type: pd.DataFrame, catalogue: pd.DataFrame, q: Questionnaire, k: int = 12) -> plt.Figure:
    """The project types with most projects à l'étude, stacked by status, coloured consistently by status."""
    labels = catalogue.set_index("project_type")["label_fr"]
    data = by_type[by_type["project_type"] != "autre"].sort_values(["n_a_l_etude", "project_type"],
                                                                   ascending=[False, True]).head(k)[::-1]
    names = data["project_type"].map(labels).fillna(data["project_type"]).str.slice(0, 45)
    fig, ax = plt.subplots(figsize=(8, 4.8))
    base = pd.Series(0.0, index=data.index)
    for role, col in [("under_study", "n_a_l_etude"), ("in_progress", "n_en_cours"), ("realised", "n_realise")]:
        status = q.status(role)
        if status is None:
            continue
        ax.barh(names, data[col], left=base, color=q.colours("status")[status], label=q.labels_fr("status")[status])
        base += data[col]
    ax.set(xlabel="Nombre de projets", ylabel="Type de projet", title="Projets phares : les plus souvent à l'étude")
    ax.legend(loc="lower right")
    return fig
