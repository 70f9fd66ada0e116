"""The evaluators, one per kind of claim (see claims.py for the format and docs/claims.md for every parameter)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from villenum.claims import (OPS, CannotCompute, Evaluation, Inputs, aggregate, as_list, figure, fr_number, kind,
                             labels, result, target)
from villenum.stats import matches_published, round_half_up

FULL_RANKING_METHODS = ("mean_rank", "borda", "copeland")  # first_share says nothing below first place


@kind("figures_equal")
def _figures_equal(p: dict, x: Inputs) -> Evaluation:
    """Counts of a result table (`table`, rows figure_id/value) equal the wave's published `published` figures."""
    ids = as_list(p["figures"])
    got = {i: figure(result(x, p["table"]), i) for i in ids}
    published = x.published or x.reference  # a wave without figures of its own: the claims' wave's, to compare
    want = {i: figure(published[p["published"]], i) for i in ids} if published else {}
    text = ", ".join(f"{i} = {fr_number(got[i])}" + (f" (publié : {fr_number(want[i])})" if want else "")
                     for i in ids)
    return Evaluation(text, got == want if want else None, "data")


@kind("published_sum")
def _published_sum(p: dict, x: Inputs) -> Evaluation:
    """The published `parts` add up to the published `total` (a check of the sources against each other)."""
    if not x.published:
        return Evaluation("pas de chiffres publiés pour cette vague", None, "published")
    table = x.published[p["published"]]
    parts = [figure(table, i) for i in as_list(p["parts"])]
    total = figure(table, p["total"])
    sign = "=" if sum(parts) == total else "≠"
    return Evaluation(f"publié : {' + '.join(fr_number(v) for v in parts)} = {fr_number(sum(parts))} {sign} "
                      f"{fr_number(total)}", sum(parts) == total, "published")


@kind("value")
def _value(p: dict, x: Inputs) -> Evaluation:
    """One number from a result table (`table`, `column`, `where`, `agg`, `per`) compared (`op`) with `target`;
    `op=about` with `tolerance`: within `tolerance` of `target` (« près de 500 »)."""
    value = aggregate(result(x, p["table"]), p)
    want = target(p["target"], x)
    if p["op"] == "about":
        holds, shown = abs(value - want) <= float(p["tolerance"]), f"{fr_number(want)} ± {p['tolerance']}"
    else:
        holds, shown = OPS[p["op"]](value, want), f"{p['op']} {fr_number(want)}"
    decimals = int(p.get("decimals", 0))
    return Evaluation(f"{p.get('what', p['column'])} : {fr_number(value, decimals)} ({shown})", bool(holds), "data")


def _series(p: dict, x: Inputs) -> tuple[pd.Series, str]:
    """(values by key, basis): the published `published_column` of the wave if it published the table `published`
    and the claim says `basis=published_if_any`, else the result table's `column`; rows in `exclude` left out."""
    if p.get("basis") == "published_if_any" and p["published"] in x.published:
        table = x.published[p["published"]]
        series, basis = table.set_index(p["key"])[p["published_column"]], "published"
    else:
        series, basis = result(x, p["table"]).set_index(p["key"])[p["column"]], "data"
    series = series.drop(index=as_list(p.get("exclude", [])), errors="ignore").astype(float)
    if series.isna().any():  # an unknown value cannot be ranked against the others
        raise CannotCompute(f"{p.get('published_column') if basis == 'published' else p['column']} is not defined "
                            f"for {', '.join(map(str, series.index[series.isna()]))} on these data")
    return series, basis


def _extremes(series: pd.Series, k: int, largest: bool, ties: bool) -> pd.Index:
    """The k largest (or smallest) keys; with `ties`, every key tied with the k-th too; else ties by key order."""
    if ties:
        return (series.nlargest if largest else series.nsmallest)(k, keep="all").index
    frame = series.rename("v").rename_axis("key").reset_index()
    frame = frame.sort_values(["v", "key"], ascending=[not largest, True], kind="stable")
    return pd.Index(frame["key"].head(k))


@kind("leaders")
def _leaders(p: dict, x: Inputs) -> Evaluation:
    """The `set` of categories are the len(set) with the largest (`direction=largest`) or smallest values of
    `column`; `strict=true`: and the last of them is strictly ahead of the next; `field` names their labels."""
    claimed = as_list(p["set"])
    series, basis = _series(p, x)
    largest = p.get("direction", "largest") == "largest"
    top = _extremes(series, len(claimed), largest, p.get("ties", "all") == "all")
    holds = set(top) == set(claimed)
    if holds and p.get("strict") == "true" and len(series) > len(claimed):
        ordered = series.sort_values(ascending=not largest)
        holds = bool(ordered.iloc[len(claimed) - 1] != ordered.iloc[len(claimed)])
    field = p.get("field", "")
    shown = series.sort_values(ascending=not largest, kind="stable").head(len(claimed) + 2)
    values = ", ".join(f"{labels([k], x, field)} {fr_number(v, int(p.get('decimals', 0)))}" for k, v in shown.items())
    where = "publié" if basis == "published" else "données"
    return Evaluation(f"{where} — en tête : {labels(list(top), x, field)} ; {p['column']} : {values}"
                      + (" ; …" if len(series) > len(shown) else ""), holds, basis)


@kind("rank_of")
def _rank_of(p: dict, x: Inputs) -> Evaluation:
    """Category `category` has rank `target` by `column` (1 = largest; tied values share the best rank); with
    `op` (e.g. `>`), its rank compares so with `target` (« pas une priorité »: rank > 3)."""
    series, basis = _series(p, x)
    if p["category"] not in series.index or pd.isna(series.get(p["category"])):
        raise CannotCompute(f"no value for {p['category']}")
    rank = int(series.rank(ascending=False, method="min")[p["category"]])
    want = target(p["target"], x)
    return Evaluation(f"{labels([p['category']], x, p.get('field', ''))} : rang {rank} sur {len(series)}",
                      bool(OPS[p.get("op", "==")](rank, want)), basis)


@kind("about")
def _about(p: dict, x: Inputs) -> Evaluation:
    """The `column` of each of the `set` categories is within `tolerance` of `target`."""
    series, basis = _series(p, x)
    values = series.reindex(as_list(p["set"]))
    if values.isna().any():
        raise CannotCompute(f"no value for {', '.join(values.index[values.isna()])}")
    want, tol = target(p["target"], x), float(p["tolerance"])
    holds = bool((values - want).abs().le(tol).all())
    text = ", ".join(f"{labels([k], x, p.get('field', ''))} {fr_number(v, 2)}" for k, v in values.items())
    return Evaluation(f"{text} (cible {fr_number(want)} ± {fr_number(tol)})", holds, basis)


@kind("share_table")
def _share_table(p: dict, x: Inputs) -> Evaluation:
    """Every computed share, rounded half up as printed, equals the wave's published share."""
    published = x.published or x.reference
    if not published:
        return Evaluation("pas de parts publiées", None, "data")
    got = result(x, p["table"]).set_index(p["key"])[p["column"]]
    want = published[p["published"]].set_index(p["key"])[p["published_column"]]
    got = got.reindex(want.index)
    if got.isna().any():
        raise CannotCompute(f"no computed share for {', '.join(got.index[got.isna()])}")
    gap = (pd.Series(round_half_up(got), index=got.index) - want).abs()
    holds = bool(matches_published(got, want, 0).all())
    return Evaluation(f"plus grand écart après arrondi au point près : {fr_number(gap.max())} point(s)", holds, "data")


@kind("positions")
def _positions(p: dict, x: Inputs) -> Evaluation:
    """By every full-ranking scoring method of `table`: the first len(set) positions hold `set` (`order` absent),
    or the categories come exactly in `order` (`order` given, or `published:objectives` for the published ranks)."""
    table = result(x, p["table"])
    pos = table.pivot(index=p["key"], columns="method", values="position")[list(FULL_RANKING_METHODS)]
    if pos.isna().any().any():
        raise CannotCompute("some objectives have no position (never ranked) on these data")
    field = p.get("field", "")
    if "set" in p:
        claimed = set(as_list(p["set"]))
        top = {m: set(pos.index[pos[m] <= len(claimed)]) for m in pos}
        text = " ; ".join(f"{m} : {labels(sorted(t), x, field)}" for m, t in top.items())
        return Evaluation(f"en tête par méthode — {text}", all(t == claimed for t in top.values()), "data")
    want = _order(p["order"], x, p["key"])
    # strict: positions strictly increase along the claimed order (a tie never reproduces a strict order), every
    # claimed category has a position and no other does (`pos` has no NaN: checked above). With numpy, not
    # pandas: this runs for every claim on every resample of the scorecard's support.
    at = pos.index.get_indexer(want)
    holds = bool((at >= 0).all() and len(pos) == len(want)
                 and (np.diff(pos.to_numpy(dtype=float)[at], axis=0) > 0).all())
    text = " ; ".join(f"{m} : {_ordered(pos[m], x, field)}" for m in pos)
    return Evaluation(text, bool(holds), "data")


def _ordered(positions: pd.Series, x: Inputs, field: str) -> str:
    """Categories by position, ties written as ties: « a > b = c > d »."""
    groups: dict[float, list[str]] = {}  # what groupby(...).groups gives, without its cost on every resample
    for code, position in positions.dropna().items():
        groups.setdefault(position, []).append(code)
    return " > ".join(" = ".join(labels([c], x, field) for c in groups[k]) for k in sorted(groups))


def _order(order: str | list[str], x: Inputs, key: str) -> list[str]:
    """An order: a list of codes, or `published:<table>:<column>` (the `key` codes sorted by that column)."""
    if isinstance(order, list) or not order.startswith("published:"):
        return as_list(order)
    _, table, column = order.split(":", 2)
    if table not in x.reference:
        raise CannotCompute(f"no published table '{table}' for the order")
    ref = x.reference[table].sort_values(column, kind="stable")
    return list(ref[key])


@kind("group_higher")
def _group_higher(p: dict, x: Inputs) -> Evaluation:
    """The `set` of domains, pooled, has a higher share realised than the other domains pooled (its uncertainty: the
    one-sided Fisher test and Newcombe interval shown, and the support across resamples in the scorecard)."""
    from villenum.realisation import domain_groups_compare

    group = domain_groups_compare(result(x, "realisation_ratios"), as_list(p["set"])).iloc[0]
    if pd.isna(group["difference"]):
        raise CannotCompute("a side of the comparison has no project of known status")
    holds = bool(group["difference"] > 0)
    assoc = x.results.get("realisation_association")
    rho = "" if assoc is None or assoc.empty or pd.isna(assoc["spearman_rho"].iloc[0]) else \
        f" ; Spearman rho(volume, part) = {fr_number(assoc['spearman_rho'].iloc[0], 2)}"
    return Evaluation(f"réalisés : domaines cités {fr_number(100 * group['ratio_group'])} % contre "
                      f"{fr_number(100 * group['ratio_rest'])} % pour les autres, écart "
                      f"[{fr_number(100 * group['difference_ci_low'])} ; {fr_number(100 * group['difference_ci_high'])}] "
                      f"points (Fisher unilatéral p = {group['p_value_greater']:.2g}){rho}", holds, "data")


@kind("good_ratio")
def _good_ratio(p: dict, x: Inputs) -> Evaluation:
    """Each domain of `set` has a share realised at least that of the other domains pooled (itself left out)."""
    ratios = result(x, "realisation_ratios").set_index("domain")
    parts = []
    holds = True
    for code in as_list(p["set"]):
        rest = ratios.drop(index=code)
        pooled = rest["n_realise"].sum() / rest["n_status_known"].sum() if rest["n_status_known"].sum() else None
        own = ratios.loc[code, "ratio"]
        if pooled is None or pd.isna(own):
            raise CannotCompute(f"no project of known status for {code} or for the other domains")
        holds &= bool(own >= pooled)
        parts.append(f"{labels([code], x, 'domain')} {fr_number(100 * own)} % (autres : {fr_number(100 * pooled)} %)")
    return Evaluation(", ".join(parts), holds, "data")


@kind("catalogue_flag")
def _catalogue_flag(p: dict, x: Inputs) -> Evaluation:
    """Every catalogue project type flagged `flag` satisfies `column` `op` `target` in result table `table`."""
    from villenum.flagship import load_catalogue

    cat = load_catalogue()
    types = list(cat.loc[cat["flagship"] == p["flag"], "project_type"])
    if not types:
        raise CannotCompute(f"no project type of the catalogue is flagged '{p['flag']}'")
    values = result(x, p["table"]).set_index("project_type")[p["column"]].reindex(types).fillna(0)
    want = target(p["target"], x)
    ok = values.map(lambda v: OPS[p["op"]](v, want))
    failing = list(values.index[~ok])
    text = ", ".join(f"{t} {fr_number(v)}" for t, v in values.items())
    return Evaluation(f"{p['column']} : {text}" + (f" ; en défaut : {', '.join(failing)}" if failing else ""),
                      not failing, "data")
