"""Evaluators of statements across editions of the barometer (« grimpé de la 4e à la 2e place », « reste le
domaine phare », « ne cesse de croître », « perd une place », « 22 l'an dernier »).

They read only published tables, of several editions, which the caller passes in (`Inputs.editions`, loaded with
`published.load_editions` for the waves `editions_named` finds in the claims): their verdicts rest on the
published aggregates, and stay pure functions of their inputs. Parameters are documented in docs/claims.md.
"""

from __future__ import annotations

import pandas as pd

from villenum.claims import (OPS, CannotCompute, Evaluation, Inputs, as_list, edition_tables, edition_value,
                             fr_number, kind, labels, parse_params)

EDITION_PARAMS = ("editions", "figure", "other")  # parameters whose items start with `<wave>:`
TRENDS = ("improving", "worsening", "steady")
_SHOWN = {"==": "=", ">": ">", "<": "<", ">=": "≥", "<=": "≤", "rounds_to": "s'arrondit à"}
_NEGATED = {"==": "≠", ">": "≤", "<": "≥", ">=": "<", "<=": ">", "rounds_to": "ne s'arrondit pas à"}


def editions_named(claims: pd.DataFrame) -> list[str]:
    """The waves whose published tables the claims across editions read (sorted, each once)."""
    waves = {str(item).split(":", 1)[0]
             for params in claims["params"] for key, value in parse_params(params).items()
             if key in EDITION_PARAMS for item in as_list(value)}
    return sorted(waves)


def edition_rank(spec: str, category: str, x: Inputs) -> tuple[int, int]:
    """(rank of `category`, number of ranked categories) in `<wave>:<table>:<column>[:smallest]`.

    Rank 1 is the largest value (or the smallest with `:smallest`, for a column that already holds ranks);
    tied values share the best rank. The table is keyed by its first column.
    """
    wave, table, column, *direction = spec.split(":")
    tables = edition_tables(wave, x)
    if table not in tables:
        raise CannotCompute(f"edition {wave} published no table '{table}'")
    series = tables[table].set_index(tables[table].columns[0])[column].astype(float).dropna()
    if category not in series.index:
        raise CannotCompute(f"edition {wave}: no published value of {category} in {table}")
    smallest = direction == ["smallest"]
    return int(series.rank(ascending=smallest, method="min")[category]), len(series)


def _trend_holds(ranks: list[int], trend: str) -> bool:
    """Whether successive ranks improve (strictly smaller numbers), worsen, or stay the same."""
    steps = [b - a for a, b in zip(ranks, ranks[1:])]
    if trend not in TRENDS:
        raise ValueError(f"trend '{trend}' is not one of {TRENDS}")
    return all(s < 0 for s in steps) if trend == "improving" else (
        all(s > 0 for s in steps) if trend == "worsening" else all(s == 0 for s in steps))


@kind("ranks_across_editions")
def _ranks_across_editions(p: dict, x: Inputs) -> Evaluation:
    """The rank of `category` in each of `editions` (oldest first, `<wave>:<table>:<column>[:smallest]`) is the
    one in `ranks`, and/or follows `trend` (improving, worsening, steady), and/or the last rank minus the first is
    `shift` (« perd une place »: 1). Every condition given must hold."""
    specs = as_list(p["editions"])
    found = [edition_rank(s, p["category"], x) for s in specs]
    ranks = [r for r, _ in found]
    checks = []
    if "ranks" in p:
        checks.append(ranks == [int(r) for r in as_list(p["ranks"])])
    if "trend" in p:
        checks.append(_trend_holds(ranks, p["trend"]))
    if "shift" in p:
        checks.append(ranks[-1] - ranks[0] == int(p["shift"]))
    if not checks:
        raise ValueError("ranks_across_editions needs ranks, trend or shift")
    steps = " → ".join(f"{s.split(':')[0]} : rang {r} sur {n} publiés" for s, (r, n) in zip(specs, found))
    return Evaluation(f"publié — {labels([p['category']], x, p.get('field', ''))} : {steps}", all(checks),
                      "published")


@kind("published_compare")
def _published_compare(p: dict, x: Inputs) -> Evaluation:
    """Published figure `figure` compared (`op`) with published figure `other`, each `<wave>:<table>:<row>[:<column>]`
    (same or different editions: « 22 l'an dernier » against the previous edition's own count). The computed
    text names each figure by its edition, or by `names` (two French names, `a|b`)."""
    value, want = edition_value(p["figure"], x), edition_value(p["other"], x)
    holds = bool(OPS[p["op"]](value, want))
    decimals = int(p.get("decimals", 0))
    sign = (_SHOWN if holds else _NEGATED)[p["op"]]
    names = as_list(p["names"]) if "names" in p else [p["figure"].split(":")[0], p["other"].split(":")[0]]
    what = f"{p['what']} : " if "what" in p else ""
    return Evaluation(f"publié — {what}{fr_number(value, decimals)} ({names[0]}) {sign} {fr_number(want, decimals)} "
                      f"({names[1]})", holds, "published")
