"""A wave's questionnaire, as data: the categories it asked about, their labels, spellings and colours, its rank scale.

Each wave describes what it asked in a small TOML file (`questionnaire.toml`), found, in this order, in the
survey folder, in `data/raw/questionnaires/<wave>.toml`, or else 2013's (`data/raw/questionnaires/2013.toml`).
Nothing about a wave's categories lives in code: a spelling or a category added for one wave never changes
another wave's results. The format is documented in docs/codebook.md (section 4) and in 2013's file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import pandas as pd
import seaborn as sns

from villenum import paths
from villenum.errors import InputError, Problem, problem
from villenum.taxonomy import normalise_text

FIELDS = ("objective", "domain", "status", "kind")
DEFAULT_WAVE = paths.DEFAULT_WAVE
find_questionnaire = paths.find_questionnaire  # where a wave's questionnaire is found (pure path logic)
_KEYS = {"code", "label_fr", "gloss_en", "colour", "spellings", "role"}
ROLES = ("realised", "in_progress", "under_study")  # what a status means for realisation and flagship counts
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# Colours for categories whose questionnaire gives none: a fixed list (not a wave's categories), drawn in order,
# skipping the colours other categories of the field already have, so a new category never moves the others.
SPARE_COLOURS = tuple(sns.color_palette("tab20", 20).as_hex() + sns.color_palette("Dark2", 8).as_hex())


def _known(field: str) -> str:
    """`field`, if it is one of FIELDS (KeyError naming them otherwise)."""
    if field not in FIELDS:
        raise KeyError(f"unknown questionnaire field {field!r}; known: {', '.join(FIELDS)}")
    return field


@dataclass(frozen=True)
class Questionnaire:
    """The categories of one wave: `table` has one row per (field, code, spelling) and `rank_scale` its ranks.

    `table` columns: field, code, label_fr, gloss_en, colour (hex), spelling, source, key (folded spelling).
    `role` is set on statuses that mean realised, in_progress or under_study. Categories keep the
    file's order. `rank_scale` is the highest rank (0: objectives are only cited). `table` is read-only: the
    mappings by field are computed once, on first use (see `_maps`).
    """

    wave: str
    path: Path
    rank_scale: int
    table: pd.DataFrame

    @cached_property
    def _maps(self) -> dict[str, dict[str, dict[str, str]]]:
        """For each field, each column's mapping code -> value (the last row of a code wins, as dict(zip()) does).

        Built once per questionnaire: the scorecard asks for labels thousands of times per run (every claim on
        every resample), and filtering `table` each time was most of its cost."""
        out = {}
        for field in FIELDS:
            rows = self._field(field)
            out[field] = {col: dict(zip(rows["code"], rows[col])) for col in ("label_fr", "gloss_en", "colour")}
        return out

    @cached_property
    def _roles(self) -> dict[str, str]:
        """Each role's status code: the first status row with that role (built once, as `_maps`)."""
        statuses = self._field("status")
        roles: dict[str, str] = {}
        for role, code in zip(statuses["role"], statuses["code"]):
            roles.setdefault(role, str(code))
        return roles

    def status(self, role: str) -> str | None:
        """The status code playing `role` (one of ROLES), or None if the questionnaire has none."""
        return self._roles.get(role)

    def _field(self, field: str) -> pd.DataFrame:
        return self.table[self.table["field"] == _known(field)]

    def _map(self, field: str, column: str) -> dict[str, str]:
        """A copy of the cached mapping code -> `column` of `field` (callers may change what they get)."""
        return dict(self._maps[_known(field)][column])

    def codes(self, field: str) -> list[str]:
        """Codes of a field, in questionnaire order."""
        return list(self._map(field, "label_fr"))

    def labels_fr(self, field: str) -> dict[str, str]:
        """Map each code of `field` to its French label, as published."""
        return self._map(field, "label_fr")

    def glosses_en(self, field: str) -> dict[str, str]:
        """Map each code of `field` to its English gloss."""
        return self._map(field, "gloss_en")

    def colours(self, field: str) -> dict[str, str]:
        """Map each code of `field` to its colour (hex)."""
        return self._map(field, "colour")

    def spellings(self, field: str) -> dict[str, str]:
        """Map each folded spelling of `field` (codes and French labels included) to its code."""
        rows = self._field(field)
        mapping = dict(zip(rows["key"], rows["code"]))
        mapping.update(zip(normalise_text(rows["label_fr"]), rows["code"]))
        mapping.update(zip(normalise_text(rows["code"]), rows["code"]))
        return mapping

    def to_code(self, values: pd.Series, field: str) -> pd.Series:
        """Map labels to codes (vectorised, once per distinct value); unknown and missing labels become <NA>."""
        positions, uniques = pd.factorize(values, use_na_sentinel=True)
        if not len(uniques):
            return pd.Series(pd.NA, index=values.index, name=values.name, dtype="string")
        found = normalise_text(pd.Series(uniques, dtype="string")).map(self.spellings(field)).astype("string")
        return pd.Series(found.array.take(positions, allow_fill=True), index=values.index, name=values.name,
                         dtype="string")

    def allowed_text(self, field: str) -> str:
        """Human-readable list of the codes and French labels of a field, for error messages."""
        return ", ".join(f"{code} ({label})" for code, label in self.labels_fr(field).items())

    def label(self, codes: pd.Series, field: str) -> pd.Series:
        """French labels of codes (codes the questionnaire does not know are kept as they are)."""
        return codes.map(self.labels_fr(field)).fillna(codes)


def _entries(data: dict, file: str) -> tuple[list[dict], list[Problem]]:
    """Flatten the [[field]] entries into rows, collecting every problem of the file."""
    rows: list[dict] = []
    problems: list[Problem] = []
    for field in FIELDS:
        for n, entry in enumerate(data.get(field, []), start=1):
            where = f"{field} #{n}"
            extra = set(entry) - _KEYS
            missing = {"code", "label_fr"} - set(entry)
            if extra or missing:
                problems.append(problem(file, f"{where}: unknown key(s) {sorted(extra)}" if extra else
                                        f"{where}: missing key(s) {sorted(missing)}", column=field,
                                        allowed="keys " + ", ".join(sorted(_KEYS)) + " (code and label_fr required)"))
                continue
            code = str(entry["code"])
            if not _CODE.match(code):
                problems.append(problem(file, f"{where}: malformed code", column=field, value=code,
                                        allowed="lower-case letters, digits and _, starting with a letter"))
            colour = str(entry.get("colour", ""))
            if colour and not _HEX.match(colour):
                problems.append(problem(file, f"{where}: malformed colour", column=field, value=colour,
                                        allowed="a hex colour such as #1f77b4"))
            role = str(entry.get("role", ""))
            if role and (field != "status" or role not in ROLES):
                problems.append(problem(file, f"{where}: unknown role", column=field, value=role,
                                        allowed="on a [[status]] only: " + ", ".join(ROLES)))
            spellings = dict(entry.get("spellings", {})) or {entry["label_fr"]: ""}
            rows += [{"field": field, "code": code, "label_fr": str(entry["label_fr"]),
                      "gloss_en": str(entry.get("gloss_en", "")), "colour": colour, "role": role,
                      "spelling": str(s), "source": str(src)} for s, src in spellings.items()]
    return rows, problems


def _fill_colours(table: pd.DataFrame) -> pd.DataFrame:
    """Give each category without a colour the first spare colour its field does not use yet."""
    table = table.copy()
    for field, rows in table.groupby("field", sort=False):
        used = set(rows["colour"]) - {""}
        spare = iter(c for c in SPARE_COLOURS if c not in used)
        for code in dict.fromkeys(rows.loc[rows["colour"] == "", "code"]):
            table.loc[(table["field"] == field) & (table["code"] == code), "colour"] = next(spare)
    return table


def _clashes(table: pd.DataFrame, file: str) -> list[Problem]:
    """Two codes of one field may not share a spelling (after folding), a code or a label."""
    keys = pd.concat([table.assign(key=k)[["field", "key", "code"]] for k in
                      (table["key"], normalise_text(table["label_fr"]), normalise_text(table["code"]))])
    keys = keys.drop_duplicates()
    clash = keys[keys.duplicated(["field", "key"], keep=False)]
    return [problem(file, f"spelling '{key}' of {field} maps to two codes: {', '.join(sorted(g['code']))}",
                    column=field, value=key, allowed="each spelling for one code")
            for (field, key), g in clash.groupby(["field", "key"])]


def parse_questionnaire(path: str | Path) -> Questionnaire:
    """Read and check a questionnaire file; every problem is reported at once (InputError)."""
    path = Path(path)
    file = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError([problem(file, f"cannot read the questionnaire: {err}",
                                  allowed="a UTF-8 TOML file as documented in docs/codebook.md")]) from None
    rows, problems = _entries(data, file)
    scale = data.get("rank_scale")
    if not isinstance(scale, int) or isinstance(scale, bool) or scale < 0:
        problems.append(problem(file, "rank_scale missing or not a whole number >= 0", column="rank_scale",
                                value=scale, allowed="0 (objectives only cited) or the highest rank, e.g. 4"))
    for field in FIELDS:
        if not any(r["field"] == field for r in rows):
            problems.append(problem(file, f"no [[{field}]] category", column=field,
                                    allowed=f"at least one [[{field}]] entry with code and label_fr"))
    table = pd.DataFrame(rows, columns=["field", "code", "label_fr", "gloss_en", "colour", "role", "spelling",
                                        "source"])
    roles = table.loc[table["role"] != "", ["role", "code"]].drop_duplicates()
    problems += [problem(file, f"role '{r}' given to several statuses: {', '.join(g['code'])}", column="status",
                         value=r, allowed="each role once") for r, g in roles.groupby("role") if len(g) > 1]
    table = table.assign(key=normalise_text(table["spelling"]))
    problems += _clashes(table, file)
    if problems:
        raise InputError(problems)
    return Questionnaire(str(data.get("wave", path.stem)), path, int(scale), _fill_colours(table))


@cache
def _cached(path: str, mtime_ns: int) -> Questionnaire:
    return parse_questionnaire(path)


def load_questionnaire(wave: str = DEFAULT_WAVE, survey_dir: str | Path | None = None) -> Questionnaire:
    """The questionnaire of a wave (see `find_questionnaire` for where it is looked for), checked."""
    path = find_questionnaire(wave, survey_dir)
    return _cached(str(path), path.stat().st_mtime_ns)
