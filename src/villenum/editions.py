"""The barometer as a series: panel sizes, domain ranks and shares, objective positions, edition by edition,
the published value and the computed one side by side, and the verdicts of the statements across editions.

Pure functions of tidy DataFrames. Their inputs are, by wave (edition name, e.g. "2013"):
- `published`: the edition's published tables (`published.load_tables`), e.g. `panel`, `domain_shares`,
  `domain_counts`, `objectives`, `objectives_cited`, `figures`, `claims`;
- `computed`: the result tables its own run wrote (`panel_counts`, `domains_counts`, `objectives_scores`); an
  edition without a run has none ({}), and shows its published values only.
Reading and writing them is `villenum.editions_io`; figures are `villenum.editions_figures`; French sentences
and tables for the reader are `villenum.editions_text`.

No edition's number or category is written here: every value comes from those tables. The panels of the
editions are different collectivités (24, 38, 47 in the published tables), so a change between editions is a
change of panel as much as of cities: the tables say so in their columns (`n_ranked`, `measure`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from villenum.claims import parse_params
from villenum.edition_kinds import editions_named
from villenum.figure_style import fr_number
from villenum.questionnaire import Questionnaire
from villenum.scorecard import build_scorecard
from villenum.stats import wilson_interval

Tables = dict[str, pd.DataFrame]
PUBLISHED, COMPUTED = "publié", "calculé"  # the `source` column, as the reader sees it
RANK_COLUMNS = ["wave", "source", "category", "value", "unit", "measure", "rank", "n_ranked", "ci_low", "ci_high"]
VERDICT_COLUMNS = ["wave", "claim_id", "claim_fr", "sources", "editions", "computed", "verdict", "evidence",
                   "certainty", "explanation", "note"]


def _figure(table: pd.DataFrame | None, figure_id: str, column: str = "value") -> float:
    """One figure of a table keyed by `figure_id` (NaN when the table or the row is absent)."""
    if table is None or "figure_id" not in table or figure_id not in set(table["figure_id"]):
        return np.nan
    return float(table.set_index("figure_id").loc[figure_id, column])


def panel_sizes(published: dict[str, Tables], computed: dict[str, Tables]) -> pd.DataFrame:
    """One row per edition (in the order of `published`): wave, published (collectivités in the published
    panel, figure `panel_size`), computed (the same figure of the run's `panel_counts`; NaN without a run),
    difference (computed − published)."""
    rows = [[wave, _figure(published[wave].get("panel"), "panel_size"),
             _figure(computed.get(wave, {}).get("panel_counts"), "panel_size")] for wave in published]
    frame = pd.DataFrame(rows, columns=["wave", "published", "computed"])
    return frame.assign(difference=frame["computed"] - frame["published"])


def ranked(values: pd.Series, lower_is_better: bool = False) -> pd.Series:
    """Rank of each value (1 = largest, or smallest with `lower_is_better`); ties share the best rank, as
    `edition_kinds.edition_rank` ranks them; NaN stays NaN."""
    return values.rank(ascending=lower_is_better, method="min")


def _rank_rows(wave: str, source: str, frame: pd.DataFrame, unit: str, measure: str,
               lower_is_better: bool = False) -> pd.DataFrame:
    """Rows of RANK_COLUMNS from a frame with columns category, value (and optionally ci_low, ci_high)."""
    out = frame.dropna(subset=["value"]).copy()
    out["rank"] = ranked(out["value"], lower_is_better)
    for column in ("ci_low", "ci_high"):
        out[column] = out[column] if column in out else np.nan
    out = out.assign(wave=wave, source=source, unit=unit, measure=measure, n_ranked=len(out))
    return out[RANK_COLUMNS]


def _published_domains(tables: Tables, confidence: float) -> tuple[pd.DataFrame, str] | None:
    """(category, value, ci_low, ci_high) of the edition's published domain table, and its name; None if it
    published none. Wilson intervals where the table has counts and the edition published its total of projects."""
    name = next((n for n in ("domain_shares", "domain_counts") if n in tables), None)
    if name is None:
        return None
    table = tables[name]
    frame = pd.DataFrame({"category": table["domain"], "value": table["share"].astype(float)})
    total = _figure(tables.get("figures"), "total_projects")
    if "n_projects" in table and not np.isnan(total):
        low, high = wilson_interval(table["n_projects"].to_numpy(float), total, confidence)
        frame = frame.assign(ci_low=100 * np.asarray(low), ci_high=100 * np.asarray(high))
    return frame, name


def domain_ranks(published: dict[str, Tables], computed: dict[str, Tables], confidence: float = 0.95
                 ) -> pd.DataFrame:
    """Domains ranked by their share of projects in each edition, published and computed, one row per
    (wave, source, domain): columns RANK_COLUMNS; value and intervals in percent of projects (0–100); rank 1 =
    the largest share (ties share the best rank); n_ranked = the domains ranked in that table (a partial
    published table ranks only the domains it names); measure = the table the row comes from. Computed intervals
    are the run's Wilson intervals (`domains_counts`: ci_low, ci_high); published ones are Wilson intervals of
    the published counts over the published total of projects, where both were published (else NaN)."""
    parts = []
    for wave, tables in published.items():
        found = _published_domains(tables, confidence)
        if found is not None:
            parts.append(_rank_rows(wave, PUBLISHED, found[0], "% des projets", found[1]))
        counts = computed.get(wave, {}).get("domains_counts")
        if counts is not None:
            frame = counts.rename(columns={"domain": "category", "share": "value"})
            parts.append(_rank_rows(wave, COMPUTED, frame, "% des projets", "domains_counts"))
    return _concat(parts)


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts as one table of RANK_COLUMNS (an empty one when there is none), ranks as whole numbers."""
    frames = [p for p in parts if len(p)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RANK_COLUMNS)
    return out.astype({"rank": "Int64", "n_ranked": "Int64"})


def objective_positions(published: dict[str, Tables], computed: dict[str, Tables], method: str = "mean_rank"
                        ) -> pd.DataFrame:
    """Objectives' positions in each edition, published and computed, one row per (wave, source, objective):
    columns RANK_COLUMNS. Published: the percentages of villes citing each objective (`objectives_cited`, unit
    percent) where the edition published them, else the published order (`objectives`, rank_published);
    computed: the run's `objectives_scores` by scoring `method` (value = its score; rank = its position,
    1 = first). Intervals are the run's (Wilson or studentized bootstrap), NaN where none."""
    parts = []
    for wave, tables in published.items():
        if "objectives_cited" in tables:
            frame = tables["objectives_cited"].rename(columns={"objective": "category", "share": "value"})
            parts.append(_rank_rows(wave, PUBLISHED, frame, "% des villes citant l'objectif", "objectives_cited"))
        elif "objectives" in tables:
            frame = tables["objectives"].rename(columns={"objective": "category", "rank_published": "value"})
            parts.append(_rank_rows(wave, PUBLISHED, frame, "rang publié", "objectives", lower_is_better=True))
        scores = computed.get(wave, {}).get("objectives_scores")
        if scores is not None:
            parts.append(_computed_positions(wave, scores, method))
    return _concat(parts)


def _computed_positions(wave: str, scores: pd.DataFrame, method: str) -> pd.DataFrame:
    """RANK_COLUMNS rows of one method of a run's objectives_scores (its own positions kept)."""
    rows = scores[scores["method"] == method]
    frame = pd.DataFrame({"category": rows["objective"], "value": rows["score"].astype(float),
                          "ci_low": rows.get("ci_low"), "ci_high": rows.get("ci_high"),
                          "rank": rows["position"].astype(float)})
    out = frame.assign(wave=wave, source=COMPUTED, unit=method, measure="objectives_scores", n_ranked=len(frame))
    return out[RANK_COLUMNS]


def side_by_side(ranks: pd.DataFrame) -> pd.DataFrame:
    """A rank table (domain_ranks, objective_positions) with published and computed next to each other: one
    row per (wave, category), columns wave, category, value_published, rank_published, value_computed,
    rank_computed, ci_low, ci_high (the computed value's interval), same_rank (True/False; NA when one side is
    missing)."""
    keys = ["wave", "category"]
    pub = ranks[ranks["source"] == PUBLISHED].set_index(keys)[["value", "rank"]].add_suffix("_published")
    com = ranks[ranks["source"] == COMPUTED].set_index(keys)[["value", "rank", "ci_low", "ci_high"]]
    com = com.rename(columns={"value": "value_computed", "rank": "rank_computed"})
    out = pub.join(com, how="outer").reset_index().sort_values(keys, kind="stable", ignore_index=True)
    both = out["rank_published"].notna() & out["rank_computed"].notna()
    same = pd.Series(pd.NA, index=out.index, dtype="boolean")
    same[both] = (out.loc[both, "rank_published"] == out.loc[both, "rank_computed"]).to_numpy()
    return out.assign(same_rank=same)


def presence(ranks: pd.DataFrame, waves: list[str]) -> pd.DataFrame:
    """Which categories each edition ranks (either source): one row per category (first seen order), a boolean
    column per wave; a category absent from an edition was not asked, or not published, that year."""
    seen = ranks.groupby("category", sort=False)["wave"].agg(set)
    return pd.DataFrame({w: [w in s for s in seen] for w in waves}, index=seen.index).reset_index()


def across_editions(claims: pd.DataFrame, wave: str) -> pd.DataFrame:
    """The claims of edition `wave` that compare it with another edition: those whose parameters name a wave
    other than `wave` (`edition_kinds.editions_named`), with a column `editions` (the waves named, `|`-joined)."""
    named = [editions_named(claims.iloc[[i]]) for i in range(len(claims))]
    keep = np.array([bool(set(n) - {wave}) for n in named], dtype=bool)
    return claims[keep].assign(editions=["|".join(n) for n, k in zip(named, keep) if k])


def edition_verdicts(published: dict[str, Tables], questionnaires: dict[str, Questionnaire]) -> pd.DataFrame:
    """The verdict of every statement across editions, judged by the scorecard's own evaluators
    (`scorecard.build_scorecard`, no result table: these kinds read published tables only) on the published
    tables of every edition given: columns VERDICT_COLUMNS (certainty: how sure, in French), in the order of the
    editions and of their claims.
    A claim naming an edition not given is « not testable », with the reason."""
    rows = []
    for wave, tables in published.items():
        claims = across_editions(tables["claims"], wave)
        if claims.empty:
            continue
        card = build_scorecard(claims.drop(columns="editions"), {}, tables, False, questionnaires[wave],
                               editions=published)
        rows.append(card.assign(wave=wave, editions=claims["editions"].to_numpy(), certainty=certainty(card["evidence"])))
    return pd.concat(rows, ignore_index=True)[VERDICT_COLUMNS] if rows else pd.DataFrame(columns=VERDICT_COLUMNS)


def rank_bounds(ranks: pd.DataFrame, lower_is_better: bool = False) -> pd.DataFrame:
    """The ranks each category could hold given the intervals (a conservative rank interval): within each
    (wave, source), rank_best = 1 + the categories whose interval lies wholly above this one's, rank_worst = 1 +
    the other categories whose interval reaches above its lower bound (for `lower_is_better` scores, mirrored).
    In a table with intervals, a row without one counts as its value alone (a score equal in every resample);
    a table without any interval gets NA. Returns `ranks` with columns rank_best, rank_worst (whole numbers)."""
    out = ranks.copy()
    best = pd.Series(pd.NA, index=out.index, dtype="Int64")
    worst = best.copy()
    for _, group in out.groupby(["wave", "source"], sort=False):
        low, high = group["ci_low"].astype(float), group["ci_high"].astype(float)
        if not (low.notna() & high.notna()).any():
            continue
        value = group["value"].astype(float)
        low, high = low.fillna(value), high.fillna(value)  # no interval (same value in every resample): a point
        if lower_is_better:
            low, high = -high, -low
        ok = low.notna() & high.notna()
        for i in group.index[ok]:
            others = ok & (group.index != i)
            best[i] = 1 + int((low[others] > high[i]).sum())
            worst[i] = 1 + int((high[others] >= low[i]).sum())
    return out.assign(rank_best=best, rank_worst=worst)


CERTAINTY = {  # evidence -> how sure a verdict is, in French
    "published aggregates": ("sûr au regard des chiffres imprimés ; ne mesure pas l'incertitude d'échantillonnage, "
                             "et les panels des éditions diffèrent"),
    "none": "aucun : l'affirmation ne peut être jugée sur ces données",
}


def certainty(evidence: pd.Series) -> pd.Series:
    """How sure each verdict is, in French, from its evidence (scorecard `evidence` column)."""
    return evidence.map(lambda e: CERTAINTY.get(e, "selon le soutien mesuré sur les rééchantillonnages"))


def computed_ranks(verdicts: pd.DataFrame, published: dict[str, Tables], ranks: dict[str, pd.DataFrame]
                   ) -> pd.Series:
    """For each verdict about one category's rank (`category` and `field` parameters of its claim), the ranks its
    computed data allow in each edition with a run, in French (« 2013 : rang 2 calculé, rangs 1 à 4 compatibles
    avec les intervalles »); '' when the claim names no category or no edition has computed ranks. `ranks`: the
    rank_bounds tables by questionnaire field (e.g. {"domain": ..., "objective": ...}). Indexed like `verdicts`."""
    texts = []
    for row in verdicts.itertuples(index=False):
        claims = published[row.wave]["claims"].set_index("claim_id")
        params = parse_params(claims.loc[row.claim_id, "params"])
        table = ranks.get(str(params.get("field", "")))
        if table is None or "category" not in params:
            texts.append("")
            continue
        rows = table[(table["category"] == params["category"]) & (table["source"] == COMPUTED)]
        texts.append(" ; ".join(
            f"{r.wave} : rang {fr_number(r.rank, 0)} calculé"
            + ("" if pd.isna(r.rank_best) else f", rangs {fr_number(r.rank_best, 0)} à {fr_number(r.rank_worst, 0)} "
               "compatibles avec les intervalles") for r in rows.itertuples(index=False)))
    return pd.Series(texts, index=verdicts.index, dtype=object)
