"""The bad-input corpus (tests/bad_inputs/): every case loads or fails exactly as its expected.json says,
through the library and through the command line (`validate`, and `reproduce`, which validates first).

Every failing case is checked to write nothing; every loading case's data runs `reproduce` end to end (two
notebooks at a time, into a temporary folder): valid data, however degenerate, never crashes a notebook. Cases
that load into the very same tables (the same data spelt in another encoding, separator or header) share one
reproduction: the notebooks read the survey through `load_survey` only (`context.open_context`), so they are
given the same data; each such case still loads, validates and is checked on its own."""

from __future__ import annotations

import hashlib
import warnings
import subprocess
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from corpus import CASES, CORPUS, FAILING, LOADING, expected, run_cli
from villenum import paths
from villenum.errors import InputError, InputWarning
from villenum.survey import load_survey


def loaded_digest(case: Path) -> str:
    """What the notebooks are given for a case: sha256 of `load_survey`'s tables (columns, dtypes, index and
    values), the rows set aside and the warnings. The case's own name if it does not load (its test then says why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            survey = load_survey(case)
    except Exception:  # noqa: BLE001 - reported by test_loading_case_gives_clean_tables, not at collection
        return case.name
    h = hashlib.sha256(repr(survey.warnings).encode())
    for name in ("collectivites", "objectives", "projects", "set_aside"):
        t = getattr(survey, name)
        h.update(repr((name, list(t.columns), [str(d) for d in t.dtypes], list(t.index))).encode())
        h.update(pd.util.hash_pandas_object(t, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


# case -> the data its notebooks get; the loading cases' reproductions are shared by it (one run per distinct data)
SAME_DATA = {c.name: loaded_digest(c) for c in LOADING}


def test_corpus_is_large_and_mixed():
    assert len(CASES) >= 74
    assert len(FAILING) >= 50 and len(LOADING) >= 20
    for case in CASES:
        assert {p.name for p in case.iterdir()} <= {"collectivites.csv", "objectives.csv", "projects.csv",
                                                     "expected.json"}, case.name


@pytest.mark.parametrize("case", FAILING, ids=lambda c: c.name)
def test_failing_case_reports_every_problem(case):
    exp = expected(case)
    with pytest.raises(InputError) as info:
        load_survey(case)
    got = Counter((p.file, p.row, p.column, p.value) for p in info.value.problems)
    want = Counter((p["file"], p["row"], p["column"], p["value"]) for p in exp["problems"])
    assert got == want
    by_key = {(p.file, p.row, p.column, p.value): p for p in info.value.problems}
    for p in exp["problems"]:
        found = by_key[(p["file"], p["row"], p["column"], p["value"])]
        assert p["allowed_contains"] in found.allowed, (found.allowed, p)
        assert found.message


@pytest.mark.parametrize("case", LOADING, ids=lambda c: c.name)
def test_loading_case_gives_clean_tables(case, recwarn):
    exp = expected(case)
    survey = load_survey(case)
    tables = {"collectivites": survey.collectivites, "objectives": survey.objectives, "projects": survey.projects}
    assert {name: len(t) for name, t in tables.items()} == exp["counts"]
    for check in exp["values"]:
        table = tables[check["table"]]
        mask = pd.Series(True, index=table.index)
        for col, value in check["where"].items():
            mask &= (table[col] == value).fillna(False)
        assert mask.sum() == 1, check
        assert table.loc[mask, check["column"]].iloc[0] == check["value"], check
    for reason, rows in exp.get("set_aside", {}).items():
        got = survey.set_aside.loc[survey.set_aside["reason"].str.contains(reason, regex=False), "rows"]
        assert got.tolist() == [rows], reason
    warned = [str(w.message) for w in recwarn if issubclass(w.category, InputWarning)]
    if "warning_contains" in exp:
        assert any(exp["warning_contains"] in w for w in warned + survey.warnings)
        assert any(exp["warning_contains"] in w for w in survey.warnings)
    else:
        assert not survey.warnings and not warned


# These runs check that every notebook completes on awkward data, not the precision of intervals: fewer resamples.
SMALL_RESAMPLES = ("-p", "n_boot=100", "-p", "support_boot=40")


@pytest.fixture(scope="module")
def loading_runs(tmp_path_factory):
    """`reproduce --jobs 2` once per distinct loaded data (SAME_DATA), on the first case that asks for it (so `-k`
    selects), each into its own temporary folder; returns a function (case, own=False) -> (folder, completed
    process), `own=True` for a run on that very case's folder."""
    root = tmp_path_factory.mktemp("loading")
    runs: dict[str, tuple[Path, subprocess.CompletedProcess]] = {}

    def run(case: Path, own: bool = False) -> tuple[Path, subprocess.CompletedProcess]:
        key = case.name if own else SAME_DATA[case.name]
        if key not in runs:
            out = root / case.name
            runs[key] = (out, run_cli("reproduce", "--quiet", "--force", "--jobs", "2", "--wave", "awkward",
                                            "--survey-dir", str(case), "--output-dir", str(out / "processed"),
                                            "--report-dir", str(out / "reports"), *SMALL_RESAMPLES))
        return runs[key]
    return run


@pytest.mark.parametrize("case", LOADING, ids=lambda c: c.name)
def test_reproduce_completes_on_loading_case(case, loading_runs):
    """Windows-1252, BOM, zero projects, ratios of 0 and 1, nothing ranked...: every notebook runs to the end
    (on this case's folder, or on that of a case that loads into the same data: see the next test)."""
    out, done = loading_runs(case)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not list((out / "reports").glob("*.failed.ipynb"))  # (stderr may carry a kernel's shutdown noise)
    card = pd.read_csv(out / "processed" / "scorecard.csv")
    assert list(card["claim_id"]) == list(pd.read_csv(paths.published_dir("2013") / "claims.csv")["claim_id"])
    exp = expected(case)
    if exp.get("notebooks_warn"):  # degenerate results are stated in the notebooks, with a figure, not a crash
        text = "".join(p.read_text(encoding="utf-8") for p in (out / "reports").glob("0[1-5]_*.ipynb"))
        assert "DegenerateDataWarning" in text or "InputWarning" in text
    card = card.set_index("claim_id")
    notes = card["note"].astype("string").fillna("")
    cannot = notes.str.startswith("cannot compute: ")
    assert set(exp.get("cannot_compute", [])) <= set(notes.index[cannot]), notes[notes != ""].to_dict()
    assert card.loc[cannot, "holds"].isna().all() and (notes[cannot].str.len() > len("cannot compute: ") + 10).all()
    on_nan = card["computed"].astype("string").str.contains(r"\bnan\b", case=False) & card["holds"].notna()
    assert not on_nan.any(), card.loc[on_nan, "computed"].to_dict()  # no verdict on an unknown number
    for table in (out / "processed").glob("*.csv"):  # nothing a spreadsheet would execute is written back
        cells = pd.read_csv(table, dtype=str, keep_default_na=False).stack()
        assert not cells.str.match(r"[=@]|#(N/A|REF!|VALUE!|VALEUR!)").any(), table.name


SHARED = max(Counter(SAME_DATA.values()).items(), key=lambda kv: kv[1])[0]  # the data most cases load into


def test_cases_loading_the_same_data_reproduce_the_same_results(loading_runs):
    """The premise of the shared reproductions: the case whose folder the largest group's shared run read, and
    another case of that group (another spelling of the same data) reproduced from its own folder, give
    byte-identical result tables."""
    group = [c for c in LOADING if SAME_DATA[c.name] == SHARED]
    assert len(group) > 1  # some reproductions are shared: this test is needed
    shared_out, shared_done = loading_runs(group[0])  # its folder is named after the case it ran on
    other = group[-1] if shared_out.name != group[-1].name else group[0]
    own_out, own_done = loading_runs(other, own=True)
    files = [{p.name: p.read_bytes() for p in folder.glob("*.csv")} for folder in (CORPUS / shared_out.name, other)]
    assert shared_out.name != other.name and files[0] != files[1]
    assert shared_done.returncode == 0 and own_done.returncode == 0, own_done.stderr[-3000:]
    tables = [{p.name: p.read_bytes() for p in (out / "processed").glob("*.csv")} for out in (shared_out, own_out)]
    assert tables[0] == tables[1] and "scorecard.csv" in tables[0]
