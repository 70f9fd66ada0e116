"""Tables as a French reader reads them in a notebook or the report: French headers, labels instead of codes,
numbers rounded for reading (decimal comma, « % » after a narrow no-break space, integers without « ,0 »), an
interval in one cell, ties written « ex æquo », no text cut.

The vocabulary (each result column's French header and format, the package's own terms) is data:
`villenum/data/display_fr.json`. Category labels come from the wave's questionnaire and the catalogue of project
types. Only what a notebook shows goes through here: the result tables written to data/processed stay as they are.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from villenum.figure_style import THIN_NBSP, fr_number, level
from villenum.questionnaire import FIELDS, Questionnaire

TIE = "ex æquo"
MISSING = "—"
NUMERIC = {"int", "dec1", "dec2", "pct", "pct0", "prop", "pp", "pval", "position"}
INTERVALS = {  # lower bound column -> (upper bound column, the column whose format the bounds share)
    "ci_low": ("ci_high", None), "ci_low_group": ("ci_high_group", "ratio_group"),
    "ci_low_rest": ("ci_high_rest", "ratio_rest"), "difference_ci_low": ("difference_ci_high", "difference"),
}
PRIMARY = ("share", "ratio", "score")  # the value a plain ci_low / ci_high pair belongs to


@cache
def vocabulary() -> dict:
    """The display vocabulary of `villenum/data/display_fr.json` (columns, status_columns, measures, values)."""
    return json.loads(resources.files("villenum").joinpath("data/display_fr.json").read_text(encoding="utf-8"))


def category_labels(questionnaire: Questionnaire) -> dict[str, str]:
    """Code -> French label for every category of the wave's questionnaire and every project type of the
    catalogue (the questionnaire's labels win)."""
    from villenum.flagship import load_catalogue

    catalogue = load_catalogue()
    words = dict(zip(catalogue["project_type"], catalogue["label_fr"]))
    words.update({c: lab for f in FIELDS for c, lab in questionnaire.labels_fr(f).items()})
    return {c: str(lab) for c, lab in words.items() if isinstance(lab, str)}


def labels(questionnaire: Questionnaire) -> dict[str, str]:
    """Every code a table may show -> French: the package's terms, then the wave's categories."""
    return {**vocabulary()["measures"], **vocabulary()["values"], **category_labels(questionnaire)}


@dataclass(frozen=True)
class Table:
    """A table ready to read: `frame` holds strings under French headers; `numeric` the right-aligned headers;
    `quoted` the headers of text quoted as published (class `quote`: its words are the source's, not codes).

    Shown as HTML in a notebook (the same bytes at every run: no random ids, unlike a pandas Styler) and as
    plain text elsewhere; nothing is truncated.
    """

    frame: pd.DataFrame
    numeric: tuple[str, ...] = ()
    caption: str = ""
    quoted: tuple[str, ...] = ()

    def to_html(self) -> str:
        """The table as HTML: header row, one row per record, numbers right-aligned."""
        esc = html.escape
        right = [c in self.numeric for c in self.frame.columns]
        head = "".join(f'<th style="text-align:{"right" if r else "left"}">{esc(str(c))}</th>'
                       for c, r in zip(self.frame.columns, right))
        cls = ['class="quote" ' if c in self.quoted else "" for c in self.frame.columns]
        rows = "".join("<tr>" + "".join(f'<td {q}style="text-align:{"right" if r else "left"};white-space:'
                                        f'{"nowrap" if r else "normal"}">{esc(str(v))}</td>'
                                        for v, r, q in zip(row, right, cls))
                       + "</tr>\n" for row in self.frame.itertuples(index=False))
        caption = f'<caption style="text-align:left;font-weight:600">{esc(self.caption)}</caption>' if self.caption else ""
        return f'<table class="villenum-table">{caption}<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody></table>'

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = self.frame.to_string(index=False) if len(self.frame.columns) else "(aucune colonne)"
        return f"{self.caption}\n{text}" if self.caption else text


def format_value(value: object, kind: str, words: dict[str, str] | None = None) -> str:
    """One cell written for a reader, by the column's format (see `villenum/data/display_fr.json`)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if kind in ("label", "labels", "text"):
        text = str(value)
        if kind == "text":
            return text
        parts = [words.get(p, p) if words else p for p in (text.split(", ") if kind == "labels" else [text])]
        return ", ".join(p[:1].upper() + p[1:] if i == 0 else p for i, p in enumerate(parts))
    if kind == "bool":
        return "oui" if bool(value) else "non"
    v = float(value)
    if kind in ("int", "position"):
        return fr_number(v, 0)
    if kind in ("dec1", "dec2"):
        return fr_number(v, int(kind[-1]), fixed=True)
    if kind in ("pct", "pct0", "prop"):
        return f"{fr_number(100 * v if kind == 'prop' else v, 0 if kind == 'pct0' else 1, fixed=True)}{THIN_NBSP}%"
    if kind == "pp":
        return f"{'+' if v > 0 else ''}{fr_number(100 * v, 1, fixed=True)}{THIN_NBSP}points"
    if kind == "pval":
        return f"<{THIN_NBSP}0,001" if v < 0.001 else fr_number(v, 3, fixed=True)
    raise ValueError(f"unknown display format {kind!r}")


def column_format(name: str, words: dict[str, str]) -> tuple[str, str]:
    """(French header, format) of a result column: from the vocabulary, else `n_<status>` / `share_<status>` by
    the status's label, else the name itself as text."""
    vocab = vocabulary()
    if name in vocab["columns"]:
        return tuple(vocab["columns"][name])
    for prefix, (header, kind) in vocab["status_columns"].items():
        if name.startswith(prefix) and name.removeprefix(prefix) in words:
            return header.format(label=words[name.removeprefix(prefix)]), kind
    return name, "text"


def _ties(cells: pd.Series, values: pd.Series) -> pd.Series:
    """Positions shared by several rows written as ties (« 2 ex æquo »)."""
    tied = values.duplicated(keep=False) & values.notna()
    return cells.where(~tied, cells + f" {TIE}")


def _intervals(df: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Each (lower, upper) pair of bounds merged into one « [a ; b] » column, formatted like its value."""
    out = df.copy()
    for low, (high, of) in INTERVALS.items():
        if low not in out or high not in out:
            continue
        of = of or next((c for c in PRIMARY if c in out), None)
        kind = kinds.get(of) or column_format(of or "", {})[1]
        unit = f"{THIN_NBSP}points" if kind == "pp" else ""  # « [+4,4 ; +20,1] points », « [7,5 % ; 10,9 %] »
        cells = [MISSING if pd.isna(a) or pd.isna(b) else
                 f"[{format_value(a, kind).removesuffix(unit)} ; {format_value(b, kind).removesuffix(unit)}]{unit}"
                 for a, b in zip(out[low], out[high])]
        out.insert(out.columns.get_loc(low), f"{low}__interval", cells)
        out = out.drop(columns=[low, high])
    return out


def display_table(df: pd.DataFrame, questionnaire: Questionnaire, columns: list[str] | None = None, *,
                  confidence: float | None = None, headers: dict[str, str] | None = None,
                  kinds: dict[str, str] | None = None, caption: str = "", quoted: tuple[str, ...] = ()) -> Table:
    """`df` (a result table, unchanged) as a reader sees it: the `columns` asked for (default all; columns empty
    everywhere are left out), French headers (`headers` overrides), codes replaced by the wave's labels, numbers
    formatted by column (`kinds` overrides), ties of positions written « ex æquo », interval bounds merged into
    one column titled with the `confidence` level; `quoted` columns hold text quoted as published."""
    headers, kinds = headers or {}, kinds or {}
    words = labels(questionnaire)
    shown = df[list(columns)] if columns is not None else df
    shown = shown.loc[:, [c for c in shown.columns if columns is not None or not shown[c].isna().all()]]
    shown = _intervals(shown.reset_index(drop=True), kinds)
    out, numeric = {}, []
    for name in shown.columns:
        if name.endswith("__interval"):
            header = headers.get(name, "Intervalle" + (f" à {level(confidence)}" if confidence else ""))
            out[header] = shown[name].astype(str)
            numeric.append(header)
            continue
        header, kind = column_format(name, words)
        header, kind = headers.get(name, header), kinds.get(name, kind)
        cells = shown[name].map(lambda v, k=kind: format_value(v, k, words))
        out[header] = _ties(cells, shown[name]) if kind == "position" else cells
        numeric += [header] if kind in NUMERIC else []
    quoted_headers = tuple(headers.get(c, column_format(c, words)[0]) for c in quoted)
    return Table(pd.DataFrame(out), tuple(numeric), caption, quoted_headers)


def by_method(scores: pd.DataFrame, questionnaire: Questionnaire, value: str = "position",
              caption: str = "") -> Table:
    """One row per objective, one column per scoring method (in the table's order) of `value` (`position`, ties
    written « ex æquo »; or `position_stability`, a percent)."""
    methods = list(dict.fromkeys(scores["method"]))
    wide = scores.pivot(index="objective", columns="method", values=value).reindex(
        index=list(dict.fromkeys(scores["objective"])), columns=methods).reset_index()
    kind = column_format(value, {})[1]
    words = labels(questionnaire)
    return display_table(wide, questionnaire, headers={m: words.get(m, m) for m in methods},
                         kinds=dict.fromkeys(methods, kind), caption=caption)
