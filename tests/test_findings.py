"""The findings end to end: the runner on the 2013 data, checked against the committed reference tables.

A changed finding fails here until the reference (tests/reference/2013/, which no run writes) is deliberately
updated: `make update-reference`, look at `git diff tests/reference/`, and commit the new tables saying why.
The 2013 reproduction (`run_2013`), `reproduce` and the `reference` fixture are in tests/conftest.py.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from conftest import digests, reproduce

from villenum import paths
from villenum.scorecard import CONTRADICTED, NOT_TESTABLE, REPRODUCED, SKIPPED

DEMO = paths.ROOT / "examples" / "wave-demo"
VERDICTS = {REPRODUCED, CONTRADICTED, NOT_TESTABLE, SKIPPED}
# the awkward inputs test that every notebook completes, not the bootstrap's precision: fewer resamples
AWKWARD_N_BOOT = "n_boot=100"


def test_every_result_table_matches_the_committed_reference(run_2013, reference):
    diff = reference.differences(run_2013 / "processed", reference.tables("2013"))
    assert not diff["added"] and not diff["removed"], f"result tables added or removed: {diff}; update the reference deliberately"
    assert not diff["changed"], f"findings changed: {diff['changed']}; if intended, run `make update-reference` and commit tests/reference/"


def test_scorecard_lists_every_claim_with_a_verdict(run_2013):
    card = pd.read_csv(run_2013 / "processed" / "scorecard.csv")
    claims = pd.read_csv(paths.published_dir("2013") / "claims.csv")
    assert list(card["claim_id"]) == list(claims["claim_id"])
    assert set(card["verdict"]) <= VERDICTS
    notes = card["note"].astype("string").fillna("")
    assert not notes.str.contains("no evaluator|missing|cannot compute").any(), card[["claim_id", "note"]]


def test_the_2013_verdicts_that_rest_on_published_aggregates(run_2013):
    card = pd.read_csv(run_2013 / "processed" / "scorecard.csv").set_index("claim_id")
    # The share table itself puts social (8 %) below énergie (9 %): "fewest in énergie..." is contradicted.
    assert card.loc["domains_fewest_projects", "verdict"] == CONTRADICTED
    assert card.loc["panel_size_25", "verdict"] == CONTRADICTED  # 5 + 13 + 6 = 24
    assert card.loc["energie_rank_6", "verdict"] == REPRODUCED
    assert card.loc["domains_most_projects", "verdict"] == REPRODUCED
    # Status counts were never published: the reconstruction cannot test realisation claims.
    assert card.loc["realisation_small_domains_higher", "verdict"] == NOT_TESTABLE


def test_every_figure_is_written_with_alt_text(run_2013):
    figures = sorted((run_2013 / "reports" / "figures").glob("*.png"))
    assert len(figures) >= 6
    for png in figures:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.with_suffix(".alt.txt").read_text().strip()


def rewritten(folder: Path, since: int) -> dict[str, bool]:
    """For every file under a folder: was it written after `since` (ns)? (atomic writes replace the file)"""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns > since for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_second_execution_gives_the_same_outputs_and_bytes(run_2013):
    """Determinism, on one second execution of the 2013 run: nbval re-runs each executed notebook (01 to 06, in
    that order) in a fresh kernel of its own, neither papermill nor forked, and compares every text output with
    the stored one; each notebook rewrites its result tables and figures in place (the folders injected into
    it), and every one of them must come out with the same bytes."""
    processed, figures = run_2013 / "processed", run_2013 / "reports" / "figures"
    before, start = (digests(processed), digests(figures)), time.time_ns()
    notebooks = sorted(str(p) for p in (run_2013 / "reports").glob("0[1-6]_*.ipynb"))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--nbval", "--nbval-kernel-name", "villenum", *notebooks],
                          capture_output=True, text=True, cwd=run_2013, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:]
    written = {**rewritten(processed, start), **rewritten(figures, start)}
    assert len(notebooks) == 6 and written and all(written.values()), f"not rewritten: {written}"
    assert (digests(processed), digests(figures)) == before


def test_a_new_wave_without_published_figures_runs_and_skips_comparisons(tmp_path):
    # counts and verdict kinds do not depend on the number of resamples: few of them (make test-fast)
    done = reproduce(tmp_path, "--wave", "demo", "--survey-dir", str(DEMO), "-p", "n_boot=100", "-p", "support_boot=40")
    assert done.returncode == 0, done.stderr[-3000:]
    card = pd.read_csv(tmp_path / "processed" / "scorecard.csv")
    assert set(card["verdict"]) <= {SKIPPED, NOT_TESTABLE}
    assert (card["verdict"] == SKIPPED).sum() >= 15
    counts = pd.read_csv(tmp_path / "processed" / "panel_counts.csv").set_index("figure_id")["value"]
    assert counts.to_dict() == {"panel_size": 6, "intercommunalites": 2, "communes": 3,
                                "joint_participations": 1, "over_100k": 5}
    domains = pd.read_csv(tmp_path / "processed" / "domains_counts.csv")
    assert domains["n_projects"].sum() == 32


def test_raw_data_are_never_written(run_2013, raw_before):
    assert digests(paths.RAW) == raw_before
    assert not subprocess.run(["git", "status", "--porcelain", "data/raw"], capture_output=True, text=True,
                              cwd=paths.ROOT).stdout.strip()
