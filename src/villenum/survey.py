"""Load a wave of record-level survey data (three codebook tables), validated and cleaned."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from villenum.codebook import (COLLECTIVITES, N_OBJECTIVES, OBJECTIVES, PROJECTS, TABLES, Table, canonical_columns,
                               clean_lines)
from villenum.errors import InputError, InputWarning, Problem, problem
from villenum.io import read_csv_robust

KIND_CODES = {"commune": ("insee_code",), "intercommunalite": ("epci_siren",), "joint": ("insee_code", "epci_siren")}
MAY_BE_EMPTY = (PROJECTS,)  # a wave may have no projects (header only): it loads, with a warning


@dataclass
class Survey:
    """A validated wave: three tidy tables plus the counts of rows set aside, with reasons, and warnings."""

    collectivites: pd.DataFrame
    objectives: pd.DataFrame
    projects: pd.DataFrame
    source: str = ""
    set_aside: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["table", "reason", "rows"]))
    warnings: list[str] = field(default_factory=list)

    @property
    def is_reconstruction(self) -> bool:
        """True if any table row is flagged as reconstructed rather than surveyed."""
        flags = [t["reconstructed"] for t in (self.collectivites, self.projects) if "reconstructed" in t]
        return any(bool(f.fillna(False).any()) for f in flags)


def _foreign_key(frame: pd.DataFrame, raw: pd.DataFrame, file: str, parent: pd.DataFrame) -> list[Problem]:
    """Every collectivite_id of `frame` must exist in the collectivités table."""
    known = set(parent["collectivite_id"].dropna())
    bad = ~frame["collectivite_id"].isin(known) & frame["collectivite_id"].notna()
    allowed = f"an id of {COLLECTIVITES.file} ({len(known)} ids)"
    return [problem(file, f"unknown collectivité: not in {COLLECTIVITES.file}", row=int(i) + 2,
                    column="collectivite_id", value=raw.loc[i, "collectivite_id"], allowed=allowed)
            for i in frame.index[bad.to_numpy()]]


def _kind_codes(coll: pd.DataFrame, file: str) -> list[Problem]:
    """A commune needs its INSEE code, an intercommunalité its EPCI SIREN, a joint participation both."""
    out = []
    for kind, cols in KIND_CODES.items():
        for col in cols:
            if col not in coll:
                continue
            bad = (coll["kind"] == kind).fillna(False) & coll[col].isna()
            out += [problem(file, f"a collectivité of kind '{kind}' needs its {col}", row=int(i) + 2, column=col,
                            allowed=f"{col}: see the codebook (docs/codebook.md)") for i in coll.index[bad.to_numpy()]]
    return out


def _repeated_ranks(obj: pd.DataFrame, raw: pd.DataFrame, file: str) -> list[Problem]:
    """Within one collectivité, each rank is given to one objective at most."""
    ranked = obj.dropna(subset=["rank", "collectivite_id"])
    dup = ranked.duplicated(["collectivite_id", "rank"], keep="first")
    first = ranked.reset_index().groupby(["collectivite_id", "rank"])["index"].first() + 2
    repeated = ranked.loc[dup.to_numpy(), ["collectivite_id", "rank"]]
    return [problem(file, f"rank {int(r)} already given to another objective of {c} on row {int(first[(c, r)])}",
                    row=int(i) + 2, column="rank", value=raw.loc[i, "rank"],
                    allowed=f"each rank 1..{N_OBJECTIVES} once per collectivité")
            for i, c, r in zip(repeated.index, repeated["collectivite_id"], repeated["rank"])]


def _same_place(coll: pd.DataFrame, raw: pd.DataFrame, file: str) -> list[Problem]:
    """One place is one collectivité: an INSEE code, an EPCI SIREN, or an id up to case and spacing, once.

    Returns one problem per repeated row, citing the first row of the same place.
    """
    out: list[Problem] = []
    keys = {col: coll[col] for col in ("insee_code", "epci_siren") if col in coll}
    if "collectivite_id" in coll:
        ids = coll["collectivite_id"]
        folded = ids.str.lower().str.replace(r"\s+", "", regex=True)
        keys["collectivite_id"] = folded.where(~ids.duplicated(keep=False))  # exact repeats: the key check's
    for col, key in keys.items():
        rows = key.dropna()
        first = rows.reset_index().groupby(col)["index"].first()
        for i in rows.index[rows.duplicated(keep="first").to_numpy()]:
            j = int(first[rows[i]])
            what = "the same id up to case or spacing" if col == "collectivite_id" else f"the same {col}"
            message = (f"{what} as row {j + 2} ({raw.loc[j, 'collectivite_id']!s}): one place is one collectivité; "
                       "keep one row and use its id everywhere")
            out.append(problem(file, message, row=int(i) + 2, column=col, value=raw.loc[i, col],
                               allowed=f"each place once: a different {col} on every row"))
    return out


def _ranked_not_cited(obj: pd.DataFrame, raw: pd.DataFrame, file: str) -> list[Problem]:
    """An objective given a rank must not be marked not cited (a rank is the strongest way of citing it)."""
    if "cited" not in obj or "rank" not in obj:
        return []
    bad = obj["rank"].notna() & obj["cited"].eq(False).fillna(False)
    return [problem(file, f"ranked {int(obj.loc[i, 'rank'])} but marked not cited", row=int(i) + 2, column="cited",
                    value=raw.loc[i, "cited"], allowed="cited = oui (or empty) for a ranked objective, or no rank")
            for i in obj.index[bad.to_numpy()]]


def _read(directory: Path, table: Table) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Read and clean one table file (frames indexed by line - 2), collecting problems instead of raising."""
    try:
        raw = read_csv_robust(directory / table.file, expected=table.column_names)
    except InputError as err:
        return pd.DataFrame(), pd.DataFrame(), err.problems
    if raw.empty and len(raw.columns) and table not in MAY_BE_EMPTY:
        return raw, pd.DataFrame(), [problem(table.file, "no data rows (header only)", row=2,
                                             allowed="at least one data row")]
    raw = canonical_columns(raw, table)
    cleaned, problems = clean_lines(raw, table, table.file)
    return raw, cleaned, problems


def set_aside_counts(survey_tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Count the rows the analysis sets aside or reads specially (unranked objectives, missing status)."""
    obj, proj = survey_tables["objectives"], survey_tables["projects"]
    cited = obj["cited"] if "cited" in obj else pd.Series(pd.NA, index=obj.index, dtype="boolean")
    unranked = obj["rank"].isna()
    rows = [
        ("objectives", "neither ranked nor cited (answer missing): left out of rank scores",
         int((unranked & cited.isna()).sum())),
        ("objectives", "cited but not ranked: counted as cited, left out of rank scores",
         int((unranked & cited.eq(True).fillna(False)).sum())),
        ("objectives", "not cited and not ranked: counted as not cited, left out of rank scores",
         int((unranked & cited.eq(False).fillna(False)).sum())),
        ("projects", "status missing: left out of realisation ratios", int(proj["status"].isna().sum())),
    ]
    return pd.DataFrame(rows, columns=["table", "reason", "rows"])


def load_survey(directory: str | Path) -> Survey:
    """Load, clean and validate collectivites.csv, objectives.csv and projects.csv of one wave directory."""
    directory = Path(directory)
    raws: dict[str, pd.DataFrame] = {}
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    if not directory.is_dir():
        raise InputError([problem(directory, "survey directory not found",
                                  allowed="a folder with " + ", ".join(t.file for t in TABLES))])
    for table in TABLES:
        raws[table.name], tables[table.name], found = _read(directory, table)
        problems += found
    coll, obj, proj = (tables[t.name] for t in TABLES)
    if "kind" in coll:
        problems += _kind_codes(coll, COLLECTIVITES.file)
    if "collectivite_id" in coll:
        for frame, table in ((obj, OBJECTIVES), (proj, PROJECTS)):
            if "collectivite_id" in frame:
                problems += _foreign_key(frame, raws[table.name], table.file, coll)
    if "rank" in obj:
        problems += _repeated_ranks(obj, raws[OBJECTIVES.name], OBJECTIVES.file)
    problems += _ranked_not_cited(obj, raws[OBJECTIVES.name], OBJECTIVES.file)
    if len(coll):
        problems += _same_place(coll, raws[COLLECTIVITES.name], COLLECTIVITES.file)
    if problems:
        order = {t.file: i for i, t in enumerate(TABLES)}
        raise InputError(sorted(problems, key=lambda p: (order.get(p.file, -1), p.row or 0)))
    notes = []
    if proj.empty:
        notes.append(f"{PROJECTS.file} has no data rows: this wave has no projects, analyses will report none")
    for note in notes:
        warnings.warn(note, InputWarning, stacklevel=2)
    tables = {name: frame.reset_index(drop=True) for name, frame in tables.items()}
    return Survey(tables["collectivites"], tables["objectives"], tables["projects"], str(directory),
                  set_aside_counts(tables), notes)
