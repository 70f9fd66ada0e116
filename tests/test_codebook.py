"""villenum.codebook: every kind of column, and header problems (missing, extra, duplicate columns)."""

from __future__ import annotations

import pandas as pd
import pytest

from villenum import codebook as cb
from villenum.questionnaire import load_questionnaire

Q = load_questionnaire("2013")
ORIGINS = next(c.enum for c in cb.COLLECTIVITES.columns if c.name == "origin")

TABLE = cb.Table("demo", "demo.csv", (
    cb.Column("id", "id"),
    cb.Column("note", "text", nullable=True),
    cb.Column("domain", "label:domain"),
    cb.Column("origin", "enum", required=False, nullable=True, enum=ORIGINS),
    cb.Column("code", "regex", nullable=True, pattern=r"^(\d{2}|2A|2B)\d{3}$", pad=5, doc="INSEE code"),
    cb.Column("flag", "bool", required=False, nullable=True),
    cb.Column("n", "int", nullable=True, minimum=1, bound="rank_scale"),
), key=("id",))


def frame(**cols) -> pd.DataFrame:
    """A raw table of strings, as read_csv_robust returns it (empty cells are <NA>)."""
    base = {"id": ["a", "b"], "note": ["x", None], "domain": ["énergie", "Transports"], "code": ["69123", None],
            "n": ["1", "4"]}
    base.update(cols)
    return pd.DataFrame(base, dtype="string")


def clean(raw: pd.DataFrame):
    """clean_table on the demo table; returns (frame, {(row, column): problem})."""
    out, problems = cb.clean_table(raw, TABLE, "demo.csv", Q)
    return out, {(p.row, p.column): p for p in problems}


def test_valid_table_is_cleaned():
    out, problems = clean(frame())
    assert not problems
    assert out["domain"].tolist() == ["energie", "transport"]
    assert out["n"].dtype == "Int64" and out["n"].tolist() == [1, 4]
    assert out["note"].isna().tolist() == [False, True]


def test_id_and_text_must_not_be_empty_unless_nullable():
    _, problems = clean(frame(id=["a", None]))
    assert set(problems) == {(3, "id")} and problems[(3, "id")].message == "empty value"


def test_label_unknown():
    _, problems = clean(frame(domain=["énergie", "Culturre"]))
    p = problems[(3, "domain")]
    assert p.value == "Culturre" and "loisirs_culture" in p.allowed


@pytest.mark.parametrize("value, ok", [("surveyed", True), ("Drawn", True), ("invented", False)])
def test_enum(value, ok):
    out, problems = clean(frame(origin=[value, None]))
    assert (not problems) == ok
    if ok:
        assert out["origin"][0] == value.lower()
    else:
        assert problems[(2, "origin")].allowed == "surveyed, named, drawn"


@pytest.mark.parametrize("value, cleaned", [("69123", "69123"), ("2a004", "2A004"), ("1053", "01053")])
def test_regex_accepts_and_normalises(value, cleaned):
    out, problems = clean(frame(code=[value, None]))
    assert not problems and out["code"][0] == cleaned


@pytest.mark.parametrize("value", ["6912A", "691230", "69 123", "2C123"])
def test_regex_rejects(value):
    _, problems = clean(frame(code=[value, None]))
    assert problems[(2, "code")].message == "malformed code" and problems[(2, "code")].value == value


@pytest.mark.parametrize("value, cleaned", [("oui", True), ("Non", False), ("1", True), ("0", False), ("x", True),
                                            ("TRUE", True), ("faux", False)])
def test_bool(value, cleaned):
    out, problems = clean(frame(flag=[value, None]))
    assert not problems and out["flag"][0] == cleaned and pd.isna(out["flag"][1])


def test_bool_rejects():
    _, problems = clean(frame(flag=["peut-être", None]))
    assert problems[(2, "flag")].message == "not a yes/no value"


@pytest.mark.parametrize("value, message", [("0", "out of range"), ("5", "out of range"), ("2,5", "not a whole number"),
                                            ("deux", "not a number"), ("217.000", "ambiguous"),
                                            ("2,17E+05", "scientific notation"), ("3 %", "a percentage"),
                                            ("99999999999999999999", "too large"), ("#N/A", "a spreadsheet error"),
                                            ("=A1+1", "a spreadsheet formula")])
def test_int_rejects(value, message):
    _, problems = clean(frame(n=[value, "1"]))
    assert problems[(2, "n")].message.startswith(message) and problems[(2, "n")].allowed == "a whole number >= 1 and <= 4"


def test_int_accepts_french_forms():
    out, problems = clean(frame(n=["2,0", " 3 "]))
    assert not problems and out["n"].tolist() == [2, 3]


def test_duplicate_key_cites_first_row():
    _, problems = clean(frame(id=["a", "a"]))
    p = problems[(3, "id")]
    assert p.value == "a" and "same as row 2" in p.message


def test_missing_column():
    _, problems = clean(frame().drop(columns="domain"))
    assert set(problems) == {(1, "domain")} and problems[(1, "domain")].message == "missing column"


def test_missing_optional_column_is_fine():
    out, problems = clean(frame())
    assert not problems and "flag" not in out


def test_extra_column_suggests_close_name():
    _, problems = clean(frame(domaine=["a", "b"]))
    assert "did you mean 'domain'" in problems[(1, "domaine")].message


def test_extra_column_without_close_name():
    _, problems = clean(frame(commentaire=["a", "b"]))
    assert "remove it or rename it" in problems[(1, "commentaire")].message


def test_duplicate_column_reported_once():
    raw = pd.concat([frame(), frame()[["n"]]], axis=1)
    _, problems = clean(raw)
    assert list(problems) == [(1, "n")] and problems[(1, "n")].message == "duplicate column"


def test_unnamed_column():
    raw = frame().rename(columns={"note": ""})
    _, problems = clean(raw)
    assert "no name" in problems[(1, "")].message


def test_header_variants_are_renamed():
    raw = frame().rename(columns={"id": " ID ", "domain": "Domain"})
    out, problems = clean(raw)
    assert not problems and "domain" in out and "id" in out


def test_clean_lines_keeps_line_index():
    raw = frame(domain=["énergie", "Culturre"]).set_axis([0, 5])
    out, problems = cb.clean_lines(raw, TABLE, "demo.csv", Q)
    assert out.index.tolist() == [0, 5] and problems[0].row == 7


def test_codebook_tables():
    assert [t.file for t in cb.TABLES] == ["collectivites.csv", "objectives.csv", "projects.csv"]
    for table in cb.TABLES:
        assert set(table.key) <= set(table.column_names)
        assert all(c.kind in ("id", "text", "int", "bool", "regex", "enum") or c.kind.startswith("label:")
                   for c in table.columns)


@pytest.mark.parametrize("table, header, want", [
    ("collectivites", "id", "collectivite_id"), ("projects", "id", "project_id"),
    ("projects", "city_id", "collectivite_id"), ("collectivites", "Nom", "name"), ("collectivites", "Type", "kind"),
    ("projects", "Type", "project_type"), ("collectivites", "Code INSEE", "insee_code"),
    ("collectivites", "SIREN EPCI", "epci_siren"), ("objectives", "rang", "rank"), ("projects", "statu", "status"),
    ("collectivites", "commentaire", None), ("objectives", "city", "collectivite_id"),
])
def test_unknown_header_suggestion(table, header, want):
    tables = {t.name: t for t in cb.TABLES}
    assert cb.suggest_column(header, tables[table]) == want


@pytest.mark.parametrize("value, message", [("#N/A", "a spreadsheet error value"), ("#VALEUR!", "a spreadsheet error"),
                                            ("Err:502", "a spreadsheet error"), ("=A1+1", "a spreadsheet formula"),
                                            ('=HYPERLINK("x")', "a spreadsheet formula"),
                                            ("@SOMME(A2:A5)", "a spreadsheet formula")])
def test_text_refuses_spreadsheet_errors_and_formulas(value, message):
    col = cb.Column("label", "text")
    out, problems = cb._clean_column("t.csv", col, pd.Series([value, "- Wifi", "+ de bornes"], dtype="string"), Q)
    assert [p.row for p in problems] == [2] and problems[0].message.startswith(message)
    assert out.tolist()[1:] == ["- Wifi", "+ de bornes"]
