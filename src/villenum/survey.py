"""Load a wave of record-level survey data (three codebook tables), validated and cleaned."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from villenum.codebook import COLLECTIVITES, OBJECTIVES, PROJECTS, TABLES, Table, canonical_columns, clean_lines
from villenum.errors import InputError, InputWarning, Problem, problem
from villenum.io import read_csv_robust
from villenum.questionnaire import Questionnaire, load_questionnaire

KIND_CODES = {"commune": ("insee_code",), "intercommunalite": ("epci_siren",), "joint": ("insee_code", "epci_siren")}
MAY_BE_EMPTY = (PROJECTS,)  # a wave may have no projects (header only): it loads, with a warning


@dataclass
class Survey:
    """A validated wave: three tidy tables, its questionnaire, the counts of rows set aside (with reasons), warnings."""

    collectivites: pd.DataFrame
    objectives: pd.DataFrame
    projects: pd.DataFrame
    questionnaire: Questionnaire
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


def _repeated_ranks(obj: pd.DataFrame, raw: pd.DataFrame, file: str, scale: int) -> list[Problem]:
    """Within one collectivité, each rank is given to one objective at most."""
    ranked = obj.dropna(subset=["rank", "collectivite_id"])
    dup = ranked.duplicated(["collectivite_id", "rank"], keep="first")
    first = ranked.reset_index().groupby(["collectivite_id", "rank"])["index"].first() + 2
    repeated = ranked.loc[dup.to_numpy(), ["collectivite_id", "rank"]]
    return [problem(file, f"rank {int(r)} already given to another objective of {c} on row {int(first[(c, r)])}",
                    row=int(i) + 2, column="rank", value=raw.loc[i, "rank"],
                    allowed=f"each rank 1..{scale} once per collectivité")
            for i, c, r in zip(repeated.index, repeated["collectivite_id"], repeated["rank"])]


def _rank_gaps(obj: pd.DataFrame, raw: pd.DataFrame, file: str, scale: int) -> list[Problem]:
    """Ranks of a collectivité must run 1, 2, 3... without a hole: a 3rd place with no 2nd cannot be scored.

    A collectivité with an unreadable or out-of-range rank is left to that error."""
    unreadable = raw["rank"].reindex(obj.index).notna() & obj["rank"].isna()
    outside = obj["rank"].notna() & ~obj["rank"].between(1, scale).fillna(False)
    faulty = obj.loc[(unreadable | outside).to_numpy(), "collectivite_id"]
    ranked = obj.dropna(subset=["rank", "collectivite_id"])
    ranked = ranked[~ranked["collectivite_id"].isin(faulty)]
    ranks = ranked["rank"].astype(int)
    n_ranked = ranks.groupby(ranked["collectivite_id"]).transform("size")
    bad = ranks > n_ranked
    highest = ranks.groupby(ranked["collectivite_id"]).transform("max")
    return [problem(file, f"{c} ranks {n} objective(s) but gives rank {int(r)}: ranks must run 1, 2, 3... "
                    "without a gap", row=int(i) + 2, column="rank", value=raw.loc[i, "rank"],
                    allowed=f"ranks 1..{n} for the {n} objective(s) {c} ranked (highest given: {int(h)})")
            for i, c, r, n, h in zip(ranked.index[bad.to_numpy()], ranked.loc[bad.to_numpy(), "collectivite_id"],
                                     ranks[bad], n_ranked[bad], highest[bad])]


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


def _read(directory: Path, table: Table, q: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Read and clean one table file (frames indexed by line - 2), collecting problems instead of raising."""
    try:
        raw = read_csv_robust(directory / table.file, expected=table.header_names)
    except InputError as err:
        return pd.DataFrame(), pd.DataFrame(), err.problems
    if raw.empty and len(raw.columns) and table not in MAY_BE_EMPTY:
        return raw, pd.DataFrame(), [problem(table.file, "no data rows (header only)", row=2,
                                             allowed="at least one data row")]
    raw = canonical_columns(raw, table)
    cleaned, problems = clean_lines(raw, table, table.file, q)
    return raw, cleaned, problems


def _in_questionnaire_order(obj: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Answers with objectives first appearing in questionnaire order (analyses order objectives by appearance)."""
    order = {code: i for i, code in enumerate(q.codes("objective"))}
    seen = list(pd.unique(obj["objective"].dropna()))
    if seen == sorted(seen, key=order.get):
        return obj
    return obj.sort_values("objective", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)


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


def load_survey(directory: str | Path, questionnaire: Questionnaire | None = None) -> Survey:
    """Load, clean and validate collectivites.csv, objectives.csv and projects.csv of one wave directory.

    Labels are read with `questionnaire` (default: the folder's questionnaire.toml, else 2013's; see
    `villenum.questionnaire`). Raises InputError listing every problem found.
    """
    directory = Path(directory)
    raws: dict[str, pd.DataFrame] = {}
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    if not directory.is_dir():
        raise InputError([problem(directory, "survey directory not found",
                                  allowed="a folder with " + ", ".join(t.file for t in TABLES))])
    q = questionnaire or load_questionnaire(survey_dir=directory)
    for table in TABLES:
        raws[table.name], tables[table.name], found = _read(directory, table, q)
        problems += found
    coll, obj, proj = (tables[t.name] for t in TABLES)
    if "kind" in coll:
        problems += _kind_codes(coll, COLLECTIVITES.file)
    if "collectivite_id" in coll:
        for frame, table in ((obj, OBJECTIVES), (proj, PROJECTS)):
            if "collectivite_id" in frame:
                problems += _foreign_key(frame, raws[table.name], table.file, coll)
    if "rank" in obj:
        problems += _repeated_ranks(obj, raws[OBJECTIVES.name], OBJECTIVES.file, q.rank_scale)
        if not any(p.file == OBJECTIVES.file for p in problems):  # a gap is judged on otherwise valid answers
            problems += _rank_gaps(obj, raws[OBJECTIVES.name], OBJECTIVES.file, q.rank_scale)
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
    tables["objectives"] = _in_questionnaire_order(tables["objectives"], q)
    return Survey(tables["collectivites"], tables["objectives"], tables["projects"], q, str(directory),
                  set_aside_counts(tables), notes)
