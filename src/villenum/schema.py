"""The codebook's schema: three tables, their columns, types and constraints, read from one Table Schema file.

`src/villenum/data/codebook.schema.json` is the one place they are written; validation (codebook.py), each
wave's Frictionless schema (`table_schema`) and the tables of docs/codebook.md (`markdown_table`, rewritten by
scripts/codebook_doc.py) follow it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files

from villenum.questionnaire import Questionnaire

SCHEMA_FILE = "codebook.schema.json"


@dataclass(frozen=True)
class Column:
    """One codebook column: its kind of value, and whether the column and the value are required."""

    name: str
    kind: str  # "id", "text", "int", "bool", "regex", "enum", or "label:<questionnaire field>"
    required: bool = True  # column must be present
    nullable: bool = False  # cells may be empty
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    bound: str | None = None  # "rank_scale": the maximum is the questionnaire's rank scale
    doc: str = ""
    pad: int | None = None  # regex columns: all-digit codes shorter than this get their lost leading zeros back
    aliases: tuple[str, ...] = ()  # other headers accepted for the column (French ones)


@dataclass(frozen=True)
class Table:
    """One codebook table: its file name, its columns and its primary key."""

    name: str
    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        """Names of every column, in codebook order."""
        return [c.name for c in self.columns]

    @property
    def header_names(self) -> list[str]:
        """Every header accepted for some column: codebook names, then their aliases."""
        return self.column_names + [a for c in self.columns for a in c.aliases]


def _column(field: dict) -> Column:
    """A Column from one field of the Table Schema (see codebook.schema.json for the x- properties)."""
    cons = field.get("constraints", {})
    kind = field["x-kind"] + (":" + field["x-questionnaire"] if field["x-kind"] == "label" else "")
    return Column(field["name"], kind, required=field["x-column"] == "required",
                  nullable=not cons.get("required", False), pattern=cons.get("pattern"),
                  enum=tuple(cons.get("enum", ())), minimum=cons.get("minimum"), bound=field.get("x-maximum"),
                  doc=field.get("description", ""), pad=field.get("x-pad"), aliases=tuple(field.get("x-aliases", ())))


def load_schema() -> dict:
    """The codebook's Table Schemas as shipped with the package (one place for columns, types, constraints)."""
    with files("villenum.data").joinpath(SCHEMA_FILE).open(encoding="utf-8") as fh:
        return json.load(fh)


TABLES = tuple(Table(t["name"], t["path"], tuple(_column(f) for f in t["fields"]), tuple(t["primaryKey"]))
               for t in load_schema()["tables"])
COLLECTIVITES, OBJECTIVES, PROJECTS = TABLES


def _type_text(col: Column) -> str:
    """How the codebook document names a column's type."""
    if col.kind.startswith("label:"):
        return f"label (*{col.kind.split(':', 1)[1]}*)"
    if col.kind == "int":
        return "whole number 1 to `rank_scale`" if col.bound else f"whole number ≥ {col.minimum:g}"
    if col.kind == "enum":
        return ", ".join(f"`{v}`" for v in col.enum[:-1]) + f" or `{col.enum[-1]}`"
    return {"id": "identifier", "text": "text", "regex": "code", "bool": "yes/no"}[col.kind]


def table_schema(table: Table, q: Questionnaire) -> dict:
    """A Frictionless Table Schema of `table` for a wave: the codebook's, with each label column's allowed codes
    (`enum`) and the rank maximum taken from the wave's questionnaire. For validating a clean (canonical) file."""
    schema = next(t for t in load_schema()["tables"] if t["name"] == table.name)
    fields = []
    for field in schema["fields"]:
        field = {k: v for k, v in field.items() if not k.startswith("x-")} | {
            "constraints": dict(field.get("constraints", {}))}
        col = next(c for c in table.columns if c.name == field["name"])
        if col.kind.startswith("label:"):
            field["constraints"]["enum"] = q.codes(col.kind.split(":", 1)[1])
        if col.bound == "rank_scale":
            field["constraints"]["maximum"] = q.rank_scale
        fields.append(field)
    return {"fields": fields, "primaryKey": list(table.key)}


def markdown_table(table: Table) -> str:
    """The table of docs/codebook.md (section 3) describing `table`, rendered from the schema."""
    lines = ["| Column | Type | Column | Empty? | Also accepted as (header) | Meaning and allowed values |",
             "|---|---|---|---|---|---|"]
    lines += [f"| `{c.name}` | {_type_text(c)} | {'required' if c.required else 'optional'} | "
              f"{'yes' if c.nullable else 'no'} | {', '.join(c.aliases)} | {c.doc} |" for c in table.columns]
    return "\n".join(lines)
