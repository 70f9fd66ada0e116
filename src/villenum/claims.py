"""Claims as data: each row of a wave's claims.csv names a kind of statement and its parameters; one evaluator per kind.

A claim's `params` cell holds `key=value` pairs separated by `;`; a list is written `a|b|c`. A target may be a
number or a published figure, `published:<table>:<figure_id>` (e.g. `published:figures:n_domains`), read from
the published tables of the claim's own wave, or `published:<table>:<row>:<column>` for any table whose first
column is its key (e.g. `published:domain_counts:transport:n_projects`). Claims across editions name another
edition's published tables as `<wave>:<table>:<row>[:<column>]`; the caller passes those tables in
(`Inputs.editions`), so that evaluators stay pure functions of their inputs. The kinds and their parameters
are documented in docs/claims.md; no wave's expected numbers or category sets live here.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from collections.abc import Callable

import numpy as np
import pandas as pd

from villenum.errors import InputError, problem
from villenum.questionnaire import Questionnaire
from villenum.stats import matches_published

Tables = dict[str, pd.DataFrame]
OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq,
    "rounds_to": lambda value, target: bool(matches_published(value, target, 0)),  # as printed: half up
}
AGGS = ("first", "min", "max", "sum", "mean", "nunique", "count")


class CannotCompute(Exception):
    """A declared degenerate condition (no data for the claim): the verdict is « cannot compute », with the reason."""


@dataclass(frozen=True)
class Evaluation:
    """What an evaluator found: the numbers as text, whether the claim holds (None: cannot say), on which basis."""

    computed: str
    holds: bool | None
    basis: str  # "published" (the published aggregates settle it) or "data" (the record-level data)


@dataclass(frozen=True)
class Inputs:
    """What evaluators read: result tables, the data wave's own published tables (may be empty), the published
    tables of the claims' wave (to resolve `published:` targets), the questionnaire (labels) and, for claims
    across editions, the published tables of every edition they name, by wave (`editions`)."""

    results: Tables
    published: Tables
    reference: Tables
    questionnaire: Questionnaire
    editions: dict[str, Tables] = field(default_factory=dict)


Evaluator = Callable[[dict, Inputs], Evaluation]
KINDS: dict[str, Evaluator] = {}


def kind(name: str) -> Callable[[Evaluator], Evaluator]:
    """Register the evaluator of a kind of claim."""
    def register(func: Evaluator) -> Evaluator:
        KINDS[name] = func
        return func
    return register


def parse_params(text: str) -> dict[str, str | list[str]]:
    """`a=1; b=x|y` -> {'a': '1', 'b': ['x', 'y']} (a value with `|` is a list). ValueError on a pair without `=`."""
    out: dict[str, str | list[str]] = {}
    for pair in filter(None, (p.strip() for p in str(text).split(";"))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"'{pair}' is not key=value")
        value = value.strip()
        out[key.strip()] = [v.strip() for v in value.split("|")] if "|" in value else value
    return out


def as_list(value: str | list[str]) -> list[str]:
    """A parameter as a list (a single value is a list of one)."""
    return value if isinstance(value, list) else [value]


RESAMPLE = ("yes", "no")  # `resample=no`: the claim counts the surveyed records; a resample has other records


def resampled(params: str) -> bool:
    """Whether a claim's support is measured over cluster resamples: not for `resample=no`, a statement about the
    surveyed records themselves (« 810 projets ont été étudiés »: a total changes with every resample of
    collectivités, so its support says nothing about the claim)."""
    return parse_params(params).get("resample", "yes") != "no"


def check_claims(claims: pd.DataFrame, file: str = "claims.csv") -> pd.DataFrame:
    """Every claim has a known kind and well-formed params; InputError listing every problem otherwise."""
    problems = []
    for row, claim in zip(range(2, len(claims) + 2), claims.itertuples(index=False)):
        if claim.kind not in KINDS:
            problems.append(problem(file, "unknown kind of claim", row=row, column="kind", value=claim.kind,
                                    allowed=", ".join(sorted(KINDS))))
        try:
            resample = parse_params(claim.params).get("resample", "yes")
            if resample not in RESAMPLE:
                problems.append(problem(file, "unknown value of the parameter resample", row=row, column="params",
                                        value=claim.params, allowed="resample=yes (default) or resample=no"))
        except ValueError as err:
            problems.append(problem(file, f"malformed params: {err}", row=row, column="params", value=claim.params,
                                    allowed="key=value pairs separated by ';', lists as a|b|c (docs/claims.md)"))
    if problems:
        raise InputError(problems)
    return claims


def target(value: str, inputs: Inputs) -> float:
    """A number, or the value of a published figure `published:<table>:<figure_id>` of the claims' wave."""
    if not value.startswith("published:"):
        return float(value)
    _, table, row, *column = value.split(":", 3)
    if table not in inputs.reference:
        raise CannotCompute(f"no published table '{table}' to read the target {value} from")
    return lookup(inputs.reference[table], row, *column)


def figure(table: pd.DataFrame, figure_id: str) -> float:
    """The value of one figure_id row of a table with columns figure_id, value."""
    return float(table.set_index("figure_id").loc[figure_id, "value"])


def lookup(table: pd.DataFrame, row: str, column: str = "value") -> float:
    """The `column` of the row whose key (the table's first column: figure_id, domain, objective…) is `row`."""
    return float(table.set_index(table.columns[0]).loc[row, column])


def edition_tables(wave: str, inputs: Inputs) -> Tables:
    """The published tables of edition `wave` passed in by the caller; none is a degenerate condition."""
    if wave not in inputs.editions:
        raise CannotCompute(f"the published tables of edition {wave} were not passed in")
    return inputs.editions[wave]


def edition_value(ref: str, inputs: Inputs) -> float:
    """`<wave>:<table>:<row>[:<column>]` (column default `value`): one published number of any edition."""
    wave, table, row, *column = ref.split(":", 3)
    tables = edition_tables(wave, inputs)
    if table not in tables:
        raise CannotCompute(f"edition {wave} published no table '{table}'")
    return lookup(tables[table], row, *column)


def result(inputs: Inputs, name: str) -> pd.DataFrame:
    """A result table; a missing one (not computed in this run) or an empty one is a degenerate condition."""
    if name not in inputs.results:
        raise CannotCompute(f"no result table {name} (not computed in this run)")
    table = inputs.results[name]
    if table.empty:
        raise CannotCompute(f"the result table {name} is empty")
    return table


def aggregate(table: pd.DataFrame, params: dict) -> float:
    """One number from a table: `agg` of `column` over the rows matching `where`, divided by `per` if given."""
    rows = table.query(params["where"]) if "where" in params else table
    agg = params.get("agg", "first")
    if agg not in AGGS:
        raise ValueError(f"agg '{agg}' is not one of {AGGS}")
    if agg == "count":
        return float(len(rows))
    if rows.empty:
        raise CannotCompute(f"no row matches {params.get('where', 'the table')}")
    col = rows[params["column"]]
    value = float(col.iloc[0]) if agg == "first" else float(getattr(col, agg)())
    if "per" in params:
        value /= float(rows[params["per"]].iloc[0])
    if np.isnan(value):
        raise CannotCompute(f"{params['column']} is not defined on these data")
    return value


def labels(codes: list[str] | pd.Index, inputs: Inputs, field: str) -> str:
    """Codes as French labels (codes of no questionnaire field, e.g. project types, as they are), joined."""
    names = inputs.questionnaire.labels_fr(field) if field else {}
    return ", ".join(names.get(c, c) for c in codes)


def fr_number(value: float, decimals: int = 0) -> str:
    """A number as a French reader writes it: thin space between thousands, decimal comma."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")
