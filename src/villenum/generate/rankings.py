"""The objectives table: each collectivité's ranking of the objectives, drawn around the published order
and conditioned on the published statements (the claims of `[objectives] claims`, judged by the scorecard's own
evaluators through the `accept` test the build passes in)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from villenum.generate.draws import ReconstructionError
from villenum.questionnaire import Questionnaire


def rank_statistics(objectives: pd.DataFrame) -> pd.DataFrame:
    """Per objective: mean rank and rank sd (n-1) over the collectivités that ranked it, and times cited."""
    ranks = objectives.assign(rank=objectives["rank"].astype("Float64"))
    grouped = ranks.groupby("objective", sort=False)
    return pd.DataFrame({"mean_rank": grouped["rank"].mean().astype(float), "sd_rank": grouped["rank"].std().astype(float),
                         "n_cited": grouped["cited"].sum().astype(int)})


def _silent(table: pd.DataFrame, collectivites: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """The table without the answers of `n` collectivités drawn uniformly (`[objectives] not_answering`)."""
    if n <= 0:
        return table
    gone = rng.choice(collectivites["collectivite_id"].to_numpy(dtype=object), size=n, replace=False)
    return table[~table["collectivite_id"].isin(gone)].reset_index(drop=True)


def draw_rankings(collectivites: pd.DataFrame, published_objectives: pd.DataFrame, assumptions: dict,
                  rng: np.random.Generator, q: Questionnaire, claims: set[str] | None = None,
                  accept: Callable[[pd.DataFrame], bool] | None = None) -> pd.DataFrame:
    """The objectives table: Thurstone rankings around the published order, top-k cited and ranked, conditioned.

    `published_objectives`: objective, rank_published, fluctuating (the order to draw around). The draw is repeated
    until `accept(table)` is true: the build passes the scorecard's evaluators of the claims `[objectives] claims`
    (acceptance.finding_holds), so that no rule is written twice. `[objectives] not_answering` collectivités (drawn)
    give no answer."""
    spec = assumptions["objectives"]
    if spec.get("model", "thurstone") != "thurstone":
        raise ReconstructionError("[objectives] model: only 'thurstone' is implemented")
    pub = published_objectives.assign(objective=q.to_code(published_objectives["objective"], "objective"))
    pub = pub.sort_values("rank_published")
    order, flu = list(pub["objective"]), pub["fluctuating"].astype(bool).to_numpy()
    location = np.asarray(spec["location_by_published_rank"], dtype=float)
    sd = np.where(flu, float(spec["sd_fluctuating"]), float(spec["sd_stable"]))
    k_values = np.asarray(spec["cited_k_values"], dtype=int)
    k_weights = np.asarray(spec["cited_k_weights"], dtype=float)
    wanted = list(spec.get("claims", []))
    missing = [c for c in wanted if claims is not None and c not in claims]
    if missing:
        raise ReconstructionError(f"[objectives] claims {missing} are not in claims.csv")
    n, m = len(collectivites), len(order)
    codes = q.codes("objective")
    ids = np.repeat(collectivites["collectivite_id"].to_numpy(dtype=object), len(codes))
    for attempt in range(1, int(spec.get("max_attempts", 1)) + 1):
        utility = location + sd * rng.standard_normal((n, m))
        full = (-utility).argsort(axis=1).argsort(axis=1) + 1
        k = rng.choice(k_values, size=n, p=k_weights / k_weights.sum())
        ranks = pd.DataFrame(full, columns=order)[codes].to_numpy()
        cited = ranks <= k[:, None]
        table = pd.DataFrame({
            "collectivite_id": pd.array(ids, dtype="string"),
            "objective": pd.array(np.tile(codes, n), dtype="string"),
            "rank": pd.array(np.where(cited, ranks, 0).ravel(), dtype="Int64"),
            "cited": pd.array(cited.ravel(), dtype="boolean"),
        })
        table.loc[~table["cited"].to_numpy(dtype=bool), "rank"] = pd.NA
        table = _silent(table, collectivites, int(spec.get("not_answering", 0)), rng)
        if accept is None or accept(table):
            table.attrs["attempts"] = attempt
            return table
    raise ReconstructionError(f"no ranking draw in {attempt} attempts meets {wanted}: revise [objectives]")
