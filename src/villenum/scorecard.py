"""The scorecard: every published claim, the number(s) computed, and a verdict with the kind of evidence behind it.

Each claim_id of `claims.csv` has one evaluator here. An evaluator reads the result tables written by the
findings' notebooks (and the published aggregates) and returns what it computed and whether the claim holds,
on which basis: the published aggregates themselves ("published") or the record-level data ("data").
The verdict then depends on what the data are: a surveyed wave tests a claim; the 2013 reconstruction only
reproduces by construction what it was built to match (`RECONSTRUCTION_TARGETS`) and illustrates the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import pandas as pd

from villenum import taxonomy

REPRODUCED, CONTRADICTED, NOT_TESTABLE, SKIPPED = "reproduced", "contradicted", "not testable", "skipped"
ABOUT = 1.0  # "about 7" holds within +/- 1 project
NOTEBOOKS = {"panel": "01_panel", "objectives": "02_objectives", "domains": "03_domains",
             "realisation": "04_realisation", "flagship": "05_flagship"}
# Claims whose published figure the 2013 reconstruction was generated to match: on it they check the code path.
RECONSTRUCTION_TARGETS = frozenset({
    "panel_size_24", "panel_kinds_5_13_6", "panel_over_100k_14", "panel_population_over_50k",
    "objectives_top_two", "objectives_order", "objectives_four", "domains_nine", "domains_share_table",
    "domains_most_projects", "domains_fewest_projects", "domains_seven_each", "projects_mean_47", "energie_rank_6",
})
COLUMNS = ["claim_id", "finding", "claim_fr", "sources", "notebook", "computed", "holds", "evidence", "verdict",
           "note"]


@dataclass(frozen=True)
class Evaluation:
    """What an evaluator found: the numbers as text, whether the claim holds (None: cannot say), on which basis."""

    computed: str
    holds: bool | None
    basis: str  # "published" or "data"


Tables = dict[str, pd.DataFrame]
Evaluator = Callable[[Tables, Tables], Evaluation]
EVALUATORS: dict[str, Evaluator] = {}


def evaluator(claim_id: str) -> Callable[[Evaluator], Evaluator]:
    """Register the evaluator of a claim."""
    def register(func: Evaluator) -> Evaluator:
        EVALUATORS[claim_id] = func
        return func
    return register


def _fr(codes: list[str] | pd.Series, field: str = "domain") -> str:
    """Codes as their French labels, joined."""
    labels = taxonomy.labels_fr(field)
    return ", ".join(labels.get(c, c) for c in codes)


def _figure(table: pd.DataFrame, figure_id: str) -> float:
    """The value of one figure_id row."""
    return float(table.set_index("figure_id").loc[figure_id, "value"])


def _panel(res: Tables, pub: Tables, ids: list[str]) -> Evaluation:
    """Compare panel counts with published ones."""
    got = {i: int(_figure(res["panel_counts"], i)) for i in ids}
    want = {i: int(_figure(pub["panel"], i)) for i in ids} if pub else {}
    text = ", ".join(f"{i} = {got[i]}" + (f" (published {want[i]})" if want else "") for i in ids)
    return Evaluation(text, got == want if want else None, "data")


@evaluator("panel_size_24")
def _panel_size(res: Tables, pub: Tables) -> Evaluation:
    return _panel(res, pub, ["panel_size"])


@evaluator("panel_size_25")
def _panel_size_25(res: Tables, pub: Tables) -> Evaluation:
    if not pub:
        return Evaluation("no published figures", None, "published")
    parts = sum(_figure(pub["panel"], i) for i in ("intercommunalites", "communes", "joint_participations"))
    size = _figure(pub["panel"], "panel_size_conflicting")
    return Evaluation(f"published parts 5 + 13 + 6 = {parts:g}, not {size:g}; data: "
                      f"{int(_figure(res['panel_counts'], 'panel_size'))}", parts == size, "published")


@evaluator("panel_kinds_5_13_6")
def _panel_kinds(res: Tables, pub: Tables) -> Evaluation:
    return _panel(res, pub, ["intercommunalites", "communes", "joint_participations"])


@evaluator("panel_over_100k_14")
def _panel_100k(res: Tables, pub: Tables) -> Evaluation:
    return _panel(res, pub, ["over_100k"])


@evaluator("panel_population_over_50k")
def _panel_50k(res: Tables, pub: Tables) -> Evaluation:
    pop = res["panel_frame"].query("section == 'population' and item == 'min'")["panel"]
    low = float(pop.iloc[0])
    return Evaluation(f"smallest commune or joint participation: {low:,.0f} inhabitants", low >= 50_000, "data")


FULL_RANKING_METHODS = ["mean_rank", "borda", "copeland"]  # first_share says nothing below first place


def _objective_positions(res: Tables) -> pd.DataFrame:
    """Objective positions (1 = first) per scoring method that ranks every objective."""
    return res["objectives_scores"].pivot(index="objective", columns="method", values="position")[FULL_RANKING_METHODS]


@evaluator("objectives_top_two")
def _top_two(res: Tables, pub: Tables) -> Evaluation:
    pos = _objective_positions(res)
    top = {m: set(pos.index[pos[m] <= 2]) for m in pos}
    ok = all(t == {"qualite_service", "bonne_gestion"} for t in top.values())
    text = "; ".join(f"{m}: {_fr(sorted(t), 'objective')}" for m, t in top.items())
    return Evaluation(f"top two by method — {text}", ok, "data")


@evaluator("objectives_order")
def _order(res: Tables, pub: Tables) -> Evaluation:
    pos = _objective_positions(res)
    want = list(pub["objectives"].sort_values("rank_published")["objective"]) if pub else \
        ["qualite_service", "bonne_gestion", "attractivite", "developpement_durable"]
    orders = {m: list(pos[m].sort_values(kind="stable").index) for m in pos}
    ok = all(o == want for o in orders.values())
    return Evaluation("; ".join(f"{m}: {' > '.join(o)}" for m, o in orders.items()), ok, "data")


@evaluator("objectives_fluctuating")
def _fluctuating(res: Tables, pub: Tables) -> Evaluation:
    disp = res["objectives_dispersion"].set_index("objective")["sd_rank"].sort_values(ascending=False)
    ok = set(disp.index[:2]) == {"attractivite", "developpement_durable"}
    return Evaluation("rank sd: " + ", ".join(f"{k} {v:.2f}" for k, v in disp.items()), ok, "data")


@evaluator("objectives_qualite_most_cited")
def _most_cited(res: Tables, pub: Tables) -> Evaluation:
    cited = res["objectives_cited"].set_index("objective")["share"].sort_values(ascending=False)
    ok = cited.index[0] == "qualite_service" and cited.iloc[0] > cited.iloc[1]
    return Evaluation("cited by: " + ", ".join(f"{k} {v:.0f} %" for k, v in cited.items()), bool(ok), "data")


@evaluator("objectives_four")
def _four(res: Tables, pub: Tables) -> Evaluation:
    n = res["objectives_scores"]["objective"].nunique()
    return Evaluation(f"{n} objectives answered", n == 4, "data")


@evaluator("domains_nine")
def _nine(res: Tables, pub: Tables) -> Evaluation:
    n = int((res["domains_counts"]["n_projects"] > 0).sum())
    return Evaluation(f"{n} domains with projects", n == 9, "data")


def _shares(pub: Tables) -> pd.Series:
    """Published share per domain."""
    return pub["domain_shares"].set_index("domain")["share"]


def _shares_or_data(res: Tables, pub: Tables) -> pd.Series:
    """Share per domain: the published one if any, else the one computed from the data."""
    return _shares(pub) if pub else res["domains_counts"].set_index("domain")["share"]


@evaluator("domains_share_table")
def _share_table(res: Tables, pub: Tables) -> Evaluation:
    if not pub:
        return Evaluation("no published shares", None, "data")
    got = res["domains_counts"].set_index("domain")["share"]
    want = _shares(pub)
    diff = (got.reindex(want.index).round(0) - want)
    worst = diff.abs().max()
    return Evaluation(f"largest gap after rounding to whole percent: {worst:g} point(s)", bool(worst == 0), "data")


@evaluator("domains_most_projects")
def _most(res: Tables, pub: Tables) -> Evaluation:
    claimed = {"transport", "loisirs_culture", "e_citoyennete"}
    if pub:
        top = set(_shares(pub).nlargest(3, keep="all").index)
        return Evaluation(f"published top three: {_fr(sorted(top))}", top == claimed, "published")
    counts = res["domains_counts"].set_index("domain")["n_projects"]
    top = set(counts.nlargest(3, keep="all").index)
    return Evaluation(f"top three: {_fr(sorted(top))}", top == claimed, "data")


@evaluator("domains_fewest_projects")
def _fewest(res: Tables, pub: Tables) -> Evaluation:
    claimed = {"energie", "dev_economique", "securite"}
    shares = _shares_or_data(res, pub)
    low = shares.nsmallest(3, keep="all")
    text = ", ".join(f"{_fr([d])} {v:g} %" for d, v in low.items())
    extra = "" if set(low.index) == claimed else \
        f"; énergie is at {shares.get('energie', float('nan')):g} %, above {_fr(sorted(set(low.index) - claimed))}"
    return Evaluation(f"three smallest shares: {text}{extra}", set(low.index) == claimed,
                      "published" if pub else "data")


@evaluator("domains_seven_each")
def _seven(res: Tables, pub: Tables) -> Evaluation:
    leading = ["transport", "e_citoyennete", "loisirs_culture"]
    per = res["domains_per_collectivite"].set_index("domain").loc[leading, "mean_per_collectivite"]
    ok = bool((per - 7).abs().le(ABOUT).all())
    return Evaluation("per collectivité: " + ", ".join(f"{_fr([d])} {v:.2f}" for d, v in per.items()), ok, "data")


@evaluator("projects_mean_47")
def _mean47(res: Tables, pub: Tables) -> Evaluation:
    counts = res["domains_per_collectivite"]
    mean = counts["n_projects"].sum() / counts["n_collectivites"].iloc[0]
    want = _figure(pub["figures"], "projects_per_collectivite_mean") if pub else 47
    return Evaluation(f"{mean:.2f} projects per collectivité", round(mean) == want, "data")


@evaluator("energie_rank_6")
def _energie6(res: Tables, pub: Tables) -> Evaluation:
    shares = _shares_or_data(res, pub)
    rank = int(shares.rank(ascending=False, method="min")["energie"])
    return Evaluation(f"énergie ranks {rank} of {len(shares)} by share", rank == 6, "published" if pub else "data")


@evaluator("realisation_small_domains_higher")
def _small_higher(res: Tables, pub: Tables) -> Evaluation:
    group = res["realisation_groups"].iloc[0]
    assoc = res["realisation_association"].iloc[0]
    ok = bool(group["difference"] > 0 and assoc["spearman_rho"] < 0)
    return Evaluation(f"realised: named domains {group['ratio_group']:.0%} vs rest {group['ratio_rest']:.0%} "
                      f"(Fisher p = {group['p_value']:.3g}); Spearman rho(volume, ratio) = "
                      f"{assoc['spearman_rho']:.2f} (p = {assoc['p_value']:.3g})", ok, "data")


@evaluator("realisation_loisirs_ecitoyen_good")
def _good(res: Tables, pub: Tables) -> Evaluation:
    ratios = res["realisation_ratios"].set_index("domain")["ratio"]
    median = ratios.median()
    pair = ratios[["loisirs_culture", "e_citoyennete"]]
    return Evaluation(", ".join(f"{_fr([d])} {v:.0%}" for d, v in pair.items()) + f"; median domain {median:.0%}",
                      bool((pair >= median).all()), "data")


@evaluator("flagship_etude_smart_grids_open_data")
def _etude(res: Tables, pub: Tables) -> Evaluation:
    types = res["flagship_types"].query("project_type != 'autre'")
    top = types.sort_values(["n_a_l_etude", "project_type"], ascending=[False, True]).head(2)
    ok = set(top["project_type"]) == {"smart_grids", "open_data"}
    return Evaluation("most projects à l'étude: " + ", ".join(f"{t} ({n})" for t, n in
                                                              zip(top["project_type"], top["n_a_l_etude"])), ok, "data")


def _flag_types(flag: str) -> list[str]:
    """Catalogue types carrying a flagship flag."""
    from villenum.flagship import load_catalogue

    cat = load_catalogue()
    return list(cat.loc[cat["flagship"] == flag, "project_type"])


@evaluator("flagship_wanted")
def _wanted(res: Tables, pub: Tables) -> Evaluation:
    types = res["flagship_types"].set_index("project_type")
    wanted = _flag_types("wanted")
    studied = types.reindex(wanted)["n_a_l_etude"].fillna(0)
    missing = list(studied.index[studied == 0])
    return Evaluation(f"{int((studied > 0).sum())} of {len(wanted)} wanted types have projects à l'étude"
                      + (f"; none for {', '.join(missing)}" if missing else ""), not missing, "data")


@evaluator("flagship_widely_undertaken")
def _widely(res: Tables, pub: Tables) -> Evaluation:
    und = res["flagship_undertaken"].set_index("project_type")["share_of_collectivites"]
    types = _flag_types("widely_undertaken")
    got = und.reindex(types).fillna(0)
    return Evaluation("collectivités undertaking: " + ", ".join(f"{t} {v:.0f} %" for t, v in got.items()),
                      bool((got >= 50).all()), "data")


@evaluator("flagship_loisirs_examples")
def _loisirs(res: Tables, pub: Tables) -> Evaluation:
    types = res["flagship_types"].set_index("project_type")
    examples = _flag_types("loisirs_example")
    n = types.reindex(examples)["n_projects"].fillna(0)
    return Evaluation("projects: " + ", ".join(f"{t} {int(v)}" for t, v in n.items()), bool((n > 0).all()), "data")


def verdict(claim_id: str, ev: Evaluation, reconstruction: bool, has_published: bool) -> tuple[str, str]:
    """(evidence, verdict) for an evaluation, given what the data are."""
    if ev.holds is None:
        return ("none", NOT_TESTABLE)
    outcome = REPRODUCED if ev.holds else CONTRADICTED
    if ev.basis == "published":
        return ("published aggregates", outcome)
    if not has_published:
        return ("survey data (no published figures for this wave)", SKIPPED)
    if not reconstruction:
        return ("survey data", outcome)
    if claim_id in RECONSTRUCTION_TARGETS:
        return ("reconstruction, built to match: checks the pipeline, not the study", outcome)
    return ("reconstruction, illustration only: comes from the assumptions", NOT_TESTABLE)


def build_scorecard(claims: pd.DataFrame, results: Tables, published: Tables | None, reconstruction: bool,
                    finding: str | None = None) -> pd.DataFrame:
    """One row per claim: computed numbers, whether they hold, the evidence and the verdict."""
    rows = []
    selected = claims if finding is None else claims[claims["finding"] == finding]
    for claim in selected.itertuples(index=False):
        func = EVALUATORS.get(claim.claim_id)
        if func is None:
            ev, note = Evaluation("no evaluator for this claim", None, "data"), "add one in villenum/scorecard.py"
        else:
            try:
                ev, note = func(results, published or {}), ""
            except KeyError as err:
                ev, note = Evaluation("missing result table", None, "data"), f"missing: {err}"
            except (ValueError, TypeError, IndexError, ZeroDivisionError) as err:  # too little data, e.g. no project
                ev, note = Evaluation("cannot be computed on these data", None, "data"), f"cannot compute: {err}"
        evidence, outcome = verdict(claim.claim_id, ev, reconstruction, bool(published))
        rows.append([claim.claim_id, claim.finding, claim.claim_fr, claim.sources,
                     NOTEBOOKS.get(claim.finding, ""), ev.computed, ev.holds, evidence, outcome, note])
    return pd.DataFrame(rows, columns=COLUMNS)


def to_markdown(card: pd.DataFrame) -> str:
    """The closing sentences of a notebook: each published statement, what the data give, and the verdict."""
    lines = [f"- « {r.claim_fr} » ({r.sources}) — computed: {r.computed} → **{r.verdict}** ({r.evidence})."
             for r in card.itertuples(index=False)]
    return "\n".join(lines)
