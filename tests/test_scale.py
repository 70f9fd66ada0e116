"""The fast paths used at scale give exactly what the careful paths give, on messy small data (no timing here).

- io.read_csv_robust: pandas' C parser on clean files vs the csv module (exact line numbers) otherwise;
- taxonomy.normalise_text: folding once per distinct value, mapped back;
- flagship.classify_projects: regexes once per distinct label, domain test per distinct (label, domain) pair.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from villenum import flagship, taxonomy
from villenum import io as vio
from villenum.errors import InputError
from villenum.questionnaire import load_questionnaire
from villenum.survey import load_survey

ROOT = Path(__file__).resolve().parents[1]
CORPUS_FILES = sorted([*(ROOT / "tests" / "bad_inputs").rglob("*.csv"), *(ROOT / "data" / "processed").rglob("*.csv"),
                       *(ROOT / "examples").rglob("*.csv")])

# messy but clean-structured: every record on one line with the header's number of fields
MESSY = ('project_id,collectivite_id, Label ,domain,status\n'
         'p1,c1,"Vidéo-protection, centre ville",Sécurité, réalisé \n'
         'p2,c1,  Portail  citoyen ,"e-citoyenneté",\n'
         'p3,c2,"Le ""wifi"" public",dev eco,en cours\n'
         'p4,c2,"x"y,Énergie,\u00a0terminé\u00a0\n'
         'p5,c3,12" écran tactile,énergie,à l\'étude\n'
         'p6,c3,,Transports,""\n'
         'p7,c3,\tBornes de recharge\t,transport,En cours\n')
# each of these must leave the fast path (the careful path decides: load with exact lines, or fail precisely)
CAREFUL_ONLY = {
    "blank line": "a,b\n1,2\n\n3,4\n",
    "row of empty fields": "a,b\n1,2\n , \n3,4\n",
    "short row": "a,b,c\n1,2,3\n4,5\n6,7,8\n",
    "long row": "a,b\n1,2\n3,4,5\n",
    "trailing separators": "a,b,,\n1,2,,\n3,4,,\n",
    "line break in quotes": 'a,b\n1,"two\nlines"\n3,4\n',
    "windows line ends": "a,b\r\n1,2\r\n3,4\r\n",
    "unbalanced quote": 'a,b\n1,"2\n3,4\n',
    "header only": "a,b\n",
    "comma in quotes, short row": 'a,b,c\n1,"x,y"\n4,5,6\n',
}


def careful(text: str, sep: str = ",") -> pd.DataFrame:
    return vio._read_careful(text, "t.csv", sep)


def write(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_fast_reader_equals_careful_reader_on_messy_text(sep, tmp_path):
    text = (MESSY if sep != "\t" else MESSY.replace("\t", " ")).replace(",", sep)
    fast = vio._read_clean_text(text, sep)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, careful(text, sep))
    assert list(fast.columns) == ["project_id", "collectivite_id", "Label", "domain", "status"]
    assert fast.loc[3, "Label"] == "xy" and fast.loc[4, "Label"] == '12" écran tactile'
    assert fast["status"].isna().tolist() == [False, True, False, False, False, True, False]
    for encoding in ("utf-8", "utf-8-sig", "cp1252"):
        path = write(tmp_path, text, encoding=encoding)
        pd.testing.assert_frame_equal(vio.read_csv_robust(path), careful(text, sep))


def test_fast_reader_keeps_duplicate_and_odd_headers():
    text = "a, a ,b\n1,2,3\n4,5,6\n"
    fast = vio._read_clean_text(text, ",")
    assert list(fast.columns) == ["a", "a", "b"]
    pd.testing.assert_frame_equal(fast, careful(text))


@pytest.mark.parametrize("case", sorted(CAREFUL_ONLY))
def test_files_the_fast_reader_leaves_to_the_careful_reader(case, tmp_path):
    text = CAREFUL_ONLY[case]
    assert vio._read_clean_text(text, ",") is None
    path = write(tmp_path, text)
    try:
        expected = careful(text)
    except InputError as err:
        with pytest.raises(InputError) as got:
            vio.read_csv_robust(path)
        assert [str(p) for p in got.value.problems] == [str(p) for p in err.problems]
    else:
        pd.testing.assert_frame_equal(vio.read_csv_robust(path), expected)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fast_reader_equals_careful_reader_on_corpus_files(path):
    """Every CSV of the bad-input corpus, the processed data and the examples: same frame, or the careful path."""
    try:
        text = vio.decode_bytes(path.read_bytes(), path.name)
        sep = vio.sniff_separator(text, path.name)
    except InputError:
        return
    fast = vio._read_clean_text(text, sep)
    if fast is not None:  # the careful path must then load it, to the same frame
        pd.testing.assert_frame_equal(fast, careful(text, sep))


def reference_normalise(label: str) -> str:
    """normalise_text for one string, written out plainly."""
    marks = r"[’'`´ʼ_\-\u2010-\u2013]"
    s = re.sub(marks, " ", label)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"\s*([/+&,])\s*", r"\1", re.sub(marks, " ", s))
    return re.sub(r"\s+", " ", s).strip()


LABELS = ["Vidéo-protection du centre", "VIDEO PROTECTION du centre", "vidéo–protection  du centre", None,
          "Portail citoyen / Application mobile", "", "Wi-Fi public", "Éclairage public", "Wi-Fi public",
          "Caméras piétons", "Open Data", "open-data", "Télé-assistance des seniors", "Bornes de recharge",
          "Vidéo-protection du centre", None, "Stationnement + parkings", "Médiathèque en ligne"]
DOMAINS = ["securite", "securite", "transport", "securite", "e_citoyennete", "energie", "dev_economique", "energie",
           "transport", "securite", None, "e_citoyennete", "sante_social", "transport", "securite", None, "transport",
           "loisirs_culture"]


def pandas_chain_normalise(values: pd.Series) -> pd.Series:
    """normalise_text as first written: pandas string methods over every cell."""
    marks = r"[’'`´ʼ_\-\u2010-\u2013]"
    s = values.astype("string").str.replace(marks, " ", regex=True)
    s = s.str.normalize("NFKD").str.encode("ascii", errors="ignore").str.decode("ascii").str.lower()
    s = s.str.replace(marks, " ", regex=True)
    s = s.str.replace(r"\s*([/+&,])\s*", r"\1", regex=True)
    return s.str.replace(r"\s+", " ", regex=True).str.strip()


@pytest.mark.parametrize("dtype", ["string", "str", object])
def test_normalise_text_on_uniques_equals_per_value(dtype):
    odd = [" À l’Étude ", "Loisirs / Culture", "x ,  y & z", "a\u00a0 b\tc\u2003", "\x1c a \x1f", "ﬁ–x", "Ａ＿b", "  "]
    texts = (LABELS + odd) * 3
    values = pd.Series(texts, index=np.arange(len(texts))[::-1], name="label", dtype=dtype)
    got = taxonomy.normalise_text(values)
    assert all((pd.isna(g) and v is None) or g == reference_normalise(v) for g, v in zip(got, texts))
    pd.testing.assert_series_equal(got, pandas_chain_normalise(values))  # index, name, dtype, missing values
    pd.testing.assert_series_equal(taxonomy._normalise_strings(values), pandas_chain_normalise(values))
    pd.testing.assert_series_equal(taxonomy.normalise_text(values.iloc[:0]), pandas_chain_normalise(values.iloc[:0]))


def reference_classify(projects: pd.DataFrame, catalogue: pd.DataFrame, match_domain: bool) -> tuple[list, list]:
    """Row by row: every catalogue regex on every normalised label."""
    patterns = [(t, re.compile(k) if isinstance(k, str) and k.strip() else None, d if isinstance(d, str) else "")
                for t, k, d in zip(catalogue["project_type"], catalogue["keywords"], catalogue["domain"])]
    types, counts = [], []
    for label, domain in zip(projects["label"], projects["domain"]):
        norm = None if pd.isna(label) else reference_normalise(label)
        own = "" if pd.isna(domain) else domain
        hits = [t for t, rx, d in patterns if rx is not None and norm is not None and rx.search(norm)
                and (not match_domain or d in ("", own))]
        types.append(hits[0] if hits else flagship.UNMATCHED)
        counts.append(len(hits))
    return types, counts


@pytest.mark.parametrize("match_domain", [True, False])
def test_classify_on_unique_pairs_equals_row_by_row(match_domain):
    catalogue = flagship.load_catalogue()
    extra = pd.DataFrame({"project_type": ["empty_kw", "any_domain"], "domain": ["energie", None],
                          "keywords": ["", r"\bpublic\b"]}).astype("string")
    catalogue = pd.concat([catalogue, extra], ignore_index=True)
    projects = pd.DataFrame({"label": LABELS, "domain": DOMAINS}, dtype="string",
                            index=pd.RangeIndex(len(LABELS)) * 3 + 5)
    out = flagship.classify_projects(projects, catalogue, match_domain=match_domain)
    types, counts = reference_classify(projects, catalogue, match_domain)
    assert out["project_type_classified"].tolist() == types
    assert out["n_type_matches"].tolist() == counts
    assert out.index.equals(projects.index)
    assert out.attrs == {"n_unmatched": counts.count(0), "n_ambiguous": sum(c > 1 for c in counts)}


def test_classify_no_projects():
    out = flagship.classify_projects(pd.DataFrame({"label": [], "domain": []}, dtype="string"),
                                     flagship.load_catalogue())
    assert len(out) == 0 and out.attrs == {"n_unmatched": 0, "n_ambiguous": 0}


def test_load_survey_same_through_fast_and_careful_readers(tmp_path):
    """A small messy wave loads to the same tables whether its files take the fast path (LF) or not (CRLF)."""
    source = ROOT / "examples" / "wave-demo"
    if not (source / "projects.csv").is_file():
        source = ROOT / "data" / "processed" / "2013" / "survey"
    loaded = {}
    for ends in ("\n", "\r\n"):
        d = tmp_path / repr(ends)
        d.mkdir()
        for name in ("collectivites.csv", "objectives.csv", "projects.csv"):
            text = vio.decode_bytes((source / name).read_bytes(), name)
            lines = [line.replace(",", " , ", 1) for line in text.splitlines()]  # spaces around a field
            (d / name).write_bytes(ends.join(lines).encode("utf-8") + ends.encode())
        loaded[ends] = load_survey(d)
    fast, slow = loaded["\n"], loaded["\r\n"]
    for table in ("collectivites", "objectives", "projects"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(slow, table))
    pd.testing.assert_frame_equal(fast.set_aside, slow.set_aside)


def test_parse_french_number_on_uniques_equals_per_value():
    texts = ["1", "2", " 3 ", None, "x", "1 234,5", "16 %", "16,0%", "\u22123", "1\u00a0000", "", "4,5"] * 4
    values = pd.Series(texts, dtype="string", index=pd.RangeIndex(len(texts))[::-1], name="rank")
    pd.testing.assert_series_equal(vio.parse_french_number(values), vio._parse_numbers(values))


def test_to_code_on_uniques_equals_per_value():
    spellings = ["Énergie", "energies", None, "inconnu", "Transports et mobilité", "ÉNERGIE ", "Énergie"] * 3
    values = pd.Series(spellings, dtype="string", index=pd.RangeIndex(len(spellings)) + 10, name="domain")
    q = load_questionnaire("2013")
    got = q.to_code(values, "domain")
    mapping = q.spellings("domain")
    expected = [None if v is None else mapping.get(reference_normalise(v)) for v in spellings]
    assert got.index.equals(values.index) and got.name == "domain" and str(got.dtype) == "string"
    assert [None if pd.isna(g) else g for g in got] == expected


def test_classify_real_labels_and_odd_patterns_equal_row_by_row():
    """The literal pre-filter of the regexes never drops a match (catalogue + patterns it cannot shortcut)."""
    source = ROOT / "data" / "processed" / "2013" / "survey" / "projects.csv"
    real = pd.read_csv(source, dtype="string")[["label", "domain"]] if source.is_file() else pd.DataFrame()
    odd = pd.DataFrame({"project_type": ["nocase", "digits", "grouped", "lookahead", "newline"],
                        "domain": [None] * 5,
                        "keywords": [r"(?i)PORTAIL", r"\d+", r"(?:appli|site)(?: mobile| web)+",
                                     r"(?=wifi)w", "x\ny|\\bent\\b"]}).astype("string")
    catalogue = pd.concat([flagship.load_catalogue(), odd], ignore_index=True)
    projects = pd.concat([real, pd.DataFrame({"label": LABELS + ["Appli mobile web", "2 sites web", "wifi"],
                                              "domain": DOMAINS + ["transport"] * 3}, dtype="string")],
                         ignore_index=True)
    for match_domain in (True, False):
        out = flagship.classify_projects(projects, catalogue, match_domain=match_domain)
        types, counts = reference_classify(projects, catalogue, match_domain)
        assert out["project_type_classified"].tolist() == types
        assert out["n_type_matches"].tolist() == counts


def test_required_literals():
    req = flagship._required_literals
    assert req(re.compile(r"\bvelos?\b|\bcyclables?\b")) == ["velo", "cyclable"]
    assert req(re.compile(r"(?i)portail")) is None and req(re.compile(r"\d+")) is None
    assert req(re.compile(r"\bsignal(?:er|ements?)\b")) == ["signal"]
    assert req(re.compile(r"\bwi ?fi\b|(?:hot|access) ?spots?")) == ["wi", "spot"]
    assert req(re.compile(r"(?:appli|site)(?: mobile| web)+")) is None and req(re.compile(r"(?=wifi)w")) is None


def test_spreadsheet_prefilter_keeps_every_cell_the_regexes_match():
    """codebook._maybe_junk (first characters, at once) flags every cell either spreadsheet regex matches."""
    from villenum import codebook

    cells = ["#N/A", "#n/d", "ERR:502", "err:502", "eRr:5", "Err", "e", "", "=SUM(A1)", "+A1", "-B2", "@x(",
             "-5", "+3,5", " =x", "Érr:502", "réalisé", "a=b", "ｅrr:502", "#", "=", "\n=x", "x\n#N/A", "🙂=1"] * 2
    values = pd.Series(cells + [None], dtype="string", index=pd.RangeIndex(len(cells) + 1) * 2 + 3)
    flagged = codebook._maybe_junk(values)
    for cell, flag in zip(values, flagged):
        if pd.isna(cell):
            assert not flag
        elif codebook._SPREADSHEET_ERROR.fullmatch(cell.lower()) or re.fullmatch(
                codebook._SPREADSHEET_ERROR.pattern, cell, re.IGNORECASE) or codebook._FORMULA.match(cell):
            assert flag, cell
    assert codebook._maybe_junk(values.iloc[:0]).shape == (0,)
