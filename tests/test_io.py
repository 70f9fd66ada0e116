"""villenum.io: encodings, separators, French numbers, atomic writes."""

from __future__ import annotations

import codecs
import math
import os
import stat

import pandas as pd
import pytest

from villenum import io as vio
from villenum.errors import InputError

HEADER = ["collectivite_id", "name", "population"]
TEXT = "collectivite_id{s}name{s}population\nc01{s}Besançon{s}116 466\nc02{s}Évry{s}54 000\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_read_any_accepted_encoding_and_separator(tmp_path, encoding, sep):
    path = tmp_path / "t.csv"
    path.write_bytes(TEXT.format(s=sep).encode(encoding))
    frame = vio.read_csv_robust(path, expected=HEADER)
    assert list(frame.columns) == HEADER
    assert frame["name"].tolist() == ["Besançon", "Évry"]
    assert frame["population"].tolist() == ["116 466", "54 000"]


def test_crlf_trims_cells_and_empty_is_na(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a;b;c\r\n  x ; ;z\r\n")
    frame = vio.read_csv_robust(path)
    assert frame.iloc[0].tolist()[0] == "x" and pd.isna(frame.iloc[0, 1]) and frame.iloc[0, 2] == "z"


def test_index_is_file_line_minus_two_when_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n\n,\n3,4\n\"5\nfive\",6\n7,8\n", encoding="utf-8")
    frame = vio.read_csv_robust(path)
    assert (frame.index + 2).tolist() == [2, 5, 6, 8]
    assert frame["a"].tolist() == ["1", "3", "5\nfive", "7"]


def test_plain_file_has_range_index(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    assert isinstance(vio.read_csv_robust(path).index, pd.RangeIndex)


def test_header_only_gives_empty_frame_with_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b\n", encoding="utf-8")
    frame = vio.read_csv_robust(path)
    assert frame.empty and list(frame.columns) == ["a", "b"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"  \n\n", "empty"),
    (b";;;\n;;\n", "no header"),
    ("a,b\n1,2\n".encode("utf-16"), "UTF-16"),
    ("a,b\n1,2\n".encode("utf-16-le"), "UTF-16"),
    (b"PK\x03\x04\x14\x00\x00\x00", "workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
    (b"a,b\n1,\x02\x03\n", "binary"),
    (b"a,b\n\x81\x8d,\x90\n", "cannot decode"),
])
def test_unreadable_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        vio.read_csv_robust(path, expected=["a", "b"])
    (p,) = info.value.problems
    assert p.file == "bad.csv" and message in p.message


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        vio.read_csv_robust(tmp_path / "absent.csv")
    assert info.value.problems[0].file == "absent.csv"


def test_unknown_separator_names_expected_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("collectivite_id|name|population\nc01|Lyon|1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        vio.read_csv_robust(path, expected=HEADER)
    (p,) = info.value.problems
    assert p.row == 1 and "'|'" in p.message and "collectivite_id, name, population" in p.allowed


def test_without_expected_columns_a_single_column_file_is_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("only\nx\n", encoding="utf-8")
    assert vio.read_csv_robust(path)["only"].tolist() == ["x"]


def test_separator_is_chosen_by_expected_columns_not_by_count(tmp_path):
    # a ';' header with commas inside the names would split into more fields on ','
    text = "collectivite_id;name;population\nc01;Lyon, ville;1\n"
    assert vio.sniff_separator(text, "t.csv", HEADER) == ";"
    assert vio.sniff_separator("a,b;c,d\n", "t.csv") == ","


@pytest.mark.parametrize("line, fields", [("c01;Lyon;1;extra", 4), ("c01;Lyon", 2), ("c01,Lyon,1", 1)])
def test_ragged_rows_are_reported_with_line_and_text(tmp_path, line, fields):
    path = tmp_path / "t.csv"
    path.write_text(f"collectivite_id;name;population\nc00;Paris;2\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        vio.read_csv_robust(path, expected=HEADER)
    (p,) = info.value.problems
    assert (p.row, p.value) == (3, line) and p.message.startswith(f"{fields} field(s) where the header has 3")


def test_trailing_separators_are_ignored(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b;\n1;2;\n3;4;;\n;;;\n", encoding="utf-8")
    frame = vio.read_csv_robust(path)
    assert list(frame.columns) == ["a", "b"] and frame["b"].tolist() == ["2", "4"]


def test_bom_does_not_stick_to_first_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"a,b\n1,2\n")
    assert list(vio.read_csv_robust(path).columns) == ["a", "b"]


def test_column_key():
    assert vio.column_key(" Collectivité ID ") == "collectivite_id"
    assert vio.column_key("collectivite-id") == "collectivite_id"


@pytest.mark.parametrize("text, value", [
    ("16 %", 16), ("16,0%", 16), ("16\u00a0%", 16), ("1 234,5", 1234.5), ("101 500", 101500),
    ("101\u00a0500", 101500), ("1\u202f234\u202f567", 1234567), ("-3", -3), ("\u22123", -3), ("+7", 7),
    ("3.5", 3.5), ("3,5", 3.5), ("  42 ", 42), ("0", 0),
])
def test_parse_french_number(text, value):
    assert vio.parse_french_number(pd.Series([text])).iloc[0] == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "", "1,234.5", "12 34", "1 2345", "environ 5", "5 hab.", "1,2,3", None,
                                  "217.000", "217,000", "2,17E+05", "1e30", "1.234.567", "inf", "nan", "1_000"])
def test_parse_french_number_unparsable_is_nan(text):
    out = vio.parse_french_number(pd.Series([text], dtype="object"))
    assert out.dtype == "float64" and math.isnan(out.iloc[0])


def test_parse_french_number_keeps_index():
    s = pd.Series(["1", "x"], index=[5, 9])
    assert vio.parse_french_number(s).index.tolist() == [5, 9]


def test_write_atomic_writes_and_replaces(tmp_path):
    path = tmp_path / "sub" / "out.txt"
    vio.write_atomic(path, "première")
    vio.write_atomic(path, b"second")
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["out.txt"]


def test_write_atomic_gives_usual_permissions(tmp_path):
    path = vio.write_atomic(tmp_path / "out.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("fails", ["fsync", "replace"])
def test_write_atomic_failure_leaves_previous_content_and_no_temp(tmp_path, monkeypatch, fails):
    path = tmp_path / "out.csv"
    path.write_text("old content\n", encoding="utf-8")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, fails, boom)
    with pytest.raises(OSError, match="disk full"):
        vio.write_atomic(path, "new content\n")
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_csv_atomic_is_byte_stable(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "b": ["é", "x"]})
    one = vio.write_csv_atomic(frame, tmp_path / "1.csv").read_bytes()
    two = vio.write_csv_atomic(frame.copy(), tmp_path / "2.csv").read_bytes()
    assert one == two == "a,b\n1,é\n2,x\n".encode()


@pytest.mark.parametrize("text, start", [
    ("217.000", "ambiguous: 217.000 may be 217 (decimals) or 217000 (thousands)"), ("-1,500", "ambiguous"),
    ("2,17E+05", "scientific notation"), ("1.234.567", "thousands separated by '.' or ','"),
    ("1,234,567", "thousands separated"), ("abc", "not a number"), ("1,234.5", "thousands separated"), ("12 34", "not a number"),
])
def test_number_issue_says_what_was_seen(text, start):
    assert vio.number_issue(text).startswith(start)


@pytest.mark.parametrize("text", ["0,125", "1234,567", "1 234,567", "217", "21,5", "16 %", "+7", "\u22123"])
def test_number_issue_is_empty_for_readable_numbers(text):
    assert vio.number_issue(text) == "" and not math.isnan(vio.parse_french_number(pd.Series([text])).iloc[0])


def test_percent_refused_where_a_count_is_expected():
    assert vio.number_issue("21681500 %", percent=False).startswith("a percentage")


@pytest.mark.parametrize("top, start", [("Baromètre 2013;;", "line 1 is not the header: the header starts on line 2"),
                                        ("sep=;", "line 1 is Excel's separator hint 'sep=;'")])
def test_a_line_above_the_header_is_one_problem(tmp_path, top, start):
    path = tmp_path / "t.csv"
    path.write_text(f"{top}\na;b;c\n1;2;3\n4;5\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        vio.read_csv_robust(path, expected=["a", "b", "c"])
    [p] = info.value.problems
    assert p.row == 1 and p.value == top and p.message.startswith(start)


def test_utf8_then_cp1252_is_reported_where_the_encoding_changes(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("a,b\né,1\n".encode() + "è,2\n".encode("cp1252"))
    with pytest.raises(InputError) as info:
        vio.read_csv_robust(path, expected=["a", "b"])
    [p] = info.value.problems
    assert p.row == 3 and p.value == "è,2" and "byte 0xE8 is not UTF-8" in p.message


def test_cp1252_file_without_utf8_is_still_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("a,b\né,1\nè,2\n".encode("cp1252"))
    assert vio.read_csv_robust(path, expected=["a", "b"])["a"].tolist() == ["é", "è"]


def test_stray_quote_swallowing_lines_is_one_problem(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b,c\n1,"x,y\n2,the "q",z\n3,u,v\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        vio.read_csv_robust(path)
    [p] = info.value.problems
    assert p.row == 2 and p.value == '1,"x,y' and "swallowing line 3" in p.message


def test_quoted_line_break_is_kept(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b,c\n1,"x,\ny",z\n3,u,v\n', encoding="utf-8")
    assert vio.read_csv_robust(path)["b"].tolist() == ["x,\ny", "u"]


def test_well_quoted_value_whose_lines_look_like_records_is_kept(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n"x,\ny",1\n2,3\n', encoding="utf-8")  # as csv.writer writes the value "x,\ny"
    assert vio.read_csv_robust(path)["a"].tolist() == ["x,\ny", "2"]
