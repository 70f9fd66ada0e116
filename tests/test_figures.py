"""Figures read as a French publication: French numbers, labels as published (never codes), wrapped not cut,
whole-number ticks for counts, no legend entry without data, one colour meaning per figure, a map of France
whose labels do not overlap."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from villenum import flagship, plots
from villenum.figure_style import fr_number, fr_percent, level, wrap
from villenum.panel_map import departements
from villenum.questionnaire import load_questionnaire
from villenum.reference import load_communes

Q = load_questionnaire("2013")


def _texts(fig: plt.Figure) -> list[str]:
    """Every piece of text a reader sees on the figure: titles, axis labels, ticks, legends, captions."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]


def _codes_in(texts: list[str]) -> set[str]:
    codes = {c for field in ("objective", "domain", "status", "kind") for c in Q.codes(field) if "_" in c}
    return {c for c in codes for t in texts if c in t}


@pytest.mark.parametrize("value,decimals,expected", [(2.5, 1, "2,5"), (-0.5, 1, "\u22120,5"), (50396, 0, "50\u202f396"),
                                                     (7.0, 2, "7"), (0.0001, 1, "0")])
def test_french_numbers(value, decimals, expected):
    assert fr_number(value, decimals) == expected


def test_percent_and_level_use_a_narrow_no_break_space():
    assert fr_percent(12.5, 1) == "12,5\u202f%"
    assert level(0.9) == "90\u202f%" and level(0.975) == "97,5\u202f%"


def test_long_labels_are_wrapped_never_cut():
    label = "Compteurs communicants et télérelève (eau, gaz, électricité)"
    (wrapped,) = wrap([label], 20)
    assert "\n" in wrapped and wrapped.replace("\n", " ") == label


def _scores() -> pd.DataFrame:
    rows = [(m, o, s, s - 0.1, s + 0.1, "wilson" if m == "first_share" else "studentized")
            for m in plots.METHODS for o, s in zip(Q.codes("objective"), [3.0, 2.0, 1.0, 0.5])]
    return pd.DataFrame(rows, columns=["method", "objective", "score", "ci_low", "ci_high", "interval"])


def test_objective_scores_titles_state_the_direction_and_the_level():
    texts = _texts(plots.objective_scores(_scores(), Q, confidence=0.9))
    for title in ("Part classé premier (%)", "Rang moyen (plus bas = mieux)", "Score de Borda",
                  "Copeland (victoires − défaites)"):
        assert title in texts
    assert any("90\u202f%" in t for t in texts), "the interval level is stated"
    assert not _codes_in(texts) and not {"first_share", "mean_rank", "borda", "copeland"} & set(texts)


def _realisation(unknown: int):
    domains = Q.codes("domain")[:3]
    counts = pd.DataFrame([(d, s, 5) for d in domains for s in Q.codes("status")] + [(domains[0], "unknown", unknown)],
                          columns=["domain", "status", "n"])
    ratios = pd.DataFrame({"domain": domains, "n_projects": [15 + unknown, 15, 15], "ratio": 1 / 3,
                           "ci_low": 0.2, "ci_high": 0.5})
    return plots.realisation(ratios, counts, Q)


def test_realisation_legend_has_no_entry_without_data_and_colours_mean_one_thing():
    fig = _realisation(unknown=0)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [Q.labels_fr("status")[s] for s in Q.codes("status")]
    status_colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in fig.axes[0].patches}
    right_colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in fig.axes[1].patches}
    assert len(right_colours) == 1 and not right_colours & status_colours
    assert "statut inconnu" in [t.get_text() for t in _realisation(unknown=2).axes[0].get_legend().get_texts()]


def test_flagship_counts_get_whole_number_ticks_and_full_labels():
    catalogue = flagship.load_catalogue()
    types = catalogue["project_type"][:3].tolist()
    by_type = pd.DataFrame({"project_type": types, "n_a_l_etude": [1, 1, 0], "n_en_cours": [0, 1, 0],
                            "n_realise": [0, 0, 1]})
    fig = plots.flagship_types(by_type, catalogue, Q)
    fig.canvas.draw()
    ticks = fig.axes[0].get_xticks()
    assert np.allclose(ticks, np.round(ticks)), f"count ticks must be whole numbers: {ticks}"
    shown = {t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()}
    assert set(catalogue.set_index("project_type").loc[types, "label_fr"]) == shown


def test_departements_are_placed_on_france():
    shapes = departements(load_communes())
    assert len(shapes) == 96
    centre = np.vstack(shapes["75"]).mean(axis=0)
    assert np.allclose(centre, [2.34, 48.86], atol=0.15), centre
    corsica = np.vstack(shapes["2A"]).mean(axis=0)
    assert np.allclose(corsica, [8.9, 41.9], atol=0.4), corsica


def test_map_labels_do_not_overlap():
    communes = load_communes()
    names = ["Nanterre", "Levallois-Perret", "Grasse", "Nice", "Marseille", "Aubagne"]
    pts = communes[communes["name"].isin(names)].drop_duplicates("name")
    points = pd.DataFrame({"name": pts["name"], "kind": Q.codes("kind")[0], "longitude": pts["longitude"],
                           "latitude": pts["latitude"]})
    fig = plots.panel_map(communes[communes["population"] >= 50_000], points, Q, communes=communes)
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in fig.axes[0].texts]
    assert len(boxes) == len(points)
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]
    assert not overlaps
    assert not _codes_in(_texts(fig))


def test_flagship_figure_without_any_known_status_says_so():
    q = load_questionnaire("2013")
    projects = pd.DataFrame({"project_id": ["p1"], "collectivite_id": ["c1"], "label": ["Smart grid"],
                             "domain": ["energie"], "status": pd.array([pd.NA], dtype="string")}).astype("string")
    catalogue = flagship.load_catalogue()
    by_type = flagship.status_by_type(flagship.classify_projects(projects, catalogue), q)
    fig = plots.flagship_types(by_type, catalogue, q)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("Aucun projet au statut connu" in t for t in texts) and fig.axes[0].get_legend() is None
