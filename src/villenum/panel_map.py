"""The map of the panel: participants over the départements of metropolitan France, the frame of communes of
50,000 inhabitants or more behind, labels that do not overlap.

The départements' outlines come from the `pygal_maps_fr` package (LGPL-3.0+), which ships them as an SVG
drawing (no download at run time). That drawing is in its own plane, not in degrees: we place it on longitude
and latitude by the least-squares affine map that takes each département's centroid in the drawing to the mean
position of its communes' town halls (INSEE reference). No package that ships the boundaries as coordinates
exists on the registry this project installs from; the fit is written here for that reason, and its error (a
few kilometres, the drawing's own generalisation) does not matter at the scale of a map of France.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection

from villenum.figure_style import fr_number
from villenum.questionnaire import Questionnaire

GROUP = re.compile(r'<g class="z(\w+) departement[^>]*>\s*<path d="([^"]+)"')
TOKEN = re.compile(r"[MmLlCcZz]|-?\d*\.?\d+(?:e-?\d+)?")
CORSICA = ("2A", "2B")  # drawn as an inset, nearer the mainland than it is
LAT_ASPECT = 1 / np.cos(np.radians(46.5))  # degrees of latitude vs longitude at the middle of France


def _polygons(d: str) -> list[np.ndarray]:
    """The closed rings of an SVG path using only m/M, l, c and z (what the shipped drawing uses); a Bézier
    segment is kept by its end point, enough at this scale. Returns one (n, 2) array per ring."""
    rings, ring, pos, cmd, nums = [], [], np.zeros(2), "", []
    for tok in TOKEN.findall(d) + ["z"]:
        if tok.isalpha():
            cmd, nums = tok, []
            if cmd in "zZ" and ring:
                rings.append(np.array(ring))
                pos, ring = ring[0].copy(), []
            continue
        nums.append(float(tok))
        step = 6 if cmd == "c" else 2
        if len(nums) < step:
            continue
        end = np.array(nums[-2:])
        pos = end if cmd == "M" else pos + end
        if cmd in "mM" and not ring:
            ring = [pos.copy()]
            cmd = "l" if cmd == "m" else "L"
        else:
            ring.append(pos.copy())
        nums = []
    return rings


@functools.lru_cache(maxsize=1)
def _drawing() -> dict[str, list[np.ndarray]]:
    """The shipped drawing of metropolitan France: département code -> rings in drawing units (the first
    drawing of each code; overseas départements and the inset of Paris's suburbs left out)."""
    svg = resources.files("pygal_maps_fr").joinpath("fr.departments.svg").read_text(encoding="utf-8")
    shapes: dict[str, list[np.ndarray]] = {}
    for code, d in GROUP.findall(svg):
        if not code.startswith("97") and code not in shapes:
            shapes[code] = _polygons(d)
    return shapes


def _centroid(rings: list[np.ndarray]) -> np.ndarray:
    """Area-weighted centroid of a set of rings (shoelace formula)."""
    total, acc = 0.0, np.zeros(2)
    for r in rings:
        x, y = r[:, 0], r[:, 1]
        cross = x * np.roll(y, -1) - np.roll(x, -1) * y
        area = cross.sum() / 2
        if area:
            acc += area * np.array([((x + np.roll(x, -1)) * cross).sum(), ((y + np.roll(y, -1)) * cross).sum()]) / (6 * area)
            total += area
    return acc / total


def departements(communes: pd.DataFrame) -> dict[str, list[np.ndarray]]:
    """Outlines of the départements of metropolitan France in longitude/latitude: code -> rings, each an
    (n, 2) array of (longitude, latitude) in degrees, placed by the affine fit described in the module (fitted
    on the mainland; Corsica, drawn closer to the mainland than it is, then moved onto its own communes)."""
    shapes = _drawing()
    anchors = communes.dropna(subset=["longitude", "latitude"]).groupby("departement_code")[["longitude", "latitude"]].mean()
    centroids = {c: np.array([*_centroid(rings), 1.0]) for c, rings in shapes.items() if c in anchors.index}
    mainland = [c for c in centroids if c not in CORSICA]
    affine, *_ = np.linalg.lstsq(np.array([centroids[c] for c in mainland]), anchors.loc[mainland].to_numpy(),
                                 rcond=None)
    corsica = [c for c in CORSICA if c in centroids]
    shift = (anchors.loc[corsica].to_numpy() - np.array([centroids[c] @ affine for c in corsica])).mean(axis=0) \
        if corsica else np.zeros(2)
    return {c: [np.c_[r, np.ones(len(r))] @ affine + (shift if c in CORSICA else 0) for r in rings]
            for c, rings in shapes.items()}


def _labels(ax: plt.Axes, points: pd.DataFrame) -> None:
    """Names of the participants beside their dots, moved apart by adjustText (deterministic: its layout depends
    only on the positions) with a thin leader line when moved."""
    from adjustText import adjust_text

    texts = [ax.text(r.longitude + 0.12, r.latitude + 0.08, r.name.split(" + ")[0], fontsize=7.5, zorder=5,
                     bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})
             for r in points.sort_values(["latitude", "longitude"]).itertuples()]
    adjust_text(texts, x=points["longitude"].to_numpy(), y=points["latitude"].to_numpy(), ax=ax,
                expand=(1.3, 1.8), force_static=(0.3, 0.5), ensure_inside_axes=True,
                arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.5})


def panel_map(frame: pd.DataFrame, points: pd.DataFrame, q: Questionnaire,
              communes: pd.DataFrame | None = None, threshold: int = 50_000) -> plt.Figure:
    """Participating collectivités (by kind) over the départements of metropolitan France and the frame of
    communes of `threshold` inhabitants or more (grey dots sized by population); returns the figure. `communes` (every commune with
    its département and coordinates) places the outlines; by default the INSEE reference."""
    if communes is None:
        from villenum.reference import load_communes
        communes = load_communes()
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    rings = [r for shape in departements(communes).values() for r in shape]
    ax.add_collection(PolyCollection(rings, facecolor="#f4f1ea", edgecolor="#a8a29a", linewidth=0.4, zorder=0))
    metro = frame[frame["longitude"].between(-5.5, 10) & frame["latitude"].between(41, 51.5)]
    ax.scatter(metro["longitude"], metro["latitude"], s=metro["population"] / 8000, color="#b9b9b9", zorder=1,
               label=f"communes de {fr_number(threshold, 0)} habitants ou plus (taille : population)")
    for kind, colour in q.colours("kind").items():
        d = points[points["kind"] == kind]
        if len(d):  # no legend entry without data
            ax.scatter(d["longitude"], d["latitude"], s=55, color=colour, edgecolor="black", zorder=4,
                       label=f"{q.labels_fr('kind')[kind]} ({fr_number(len(d), 0)})")
    ax.set(xlim=(-5.3, 9.9), ylim=(41.2, 51.3), title="Collectivités du panel")
    ax.set_aspect(LAT_ASPECT, adjustable="box")
    ax.set_axis_off()
    _labels(ax, points[points["longitude"].between(-5.5, 10) & points["latitude"].between(41, 51.5)])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=8, frameon=False, ncol=1)
    return fig
