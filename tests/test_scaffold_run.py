"""A scaffolded finding runs end to end, and its removal leaves nothing behind: in a temporary copy of the
repository (never in the repository itself), with the copy's own `villenum` (PYTHONPATH), real kernels."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from test_scaffold import copy_repository, git_status

from villenum import paths

# What is checked does not depend on the number of resamples: few of them, which makes the run an experiment
# (data/processed/2013/experiments/<id>/), so that removing the findings is checked to clean experiments too.
FEW_PARAMS = {"n_boot": 100, "support_boot": 40}
FEW = [arg for name, value in FEW_PARAMS.items() for arg in ("-p", f"{name}={value}")]
FINDING_FILES = ("kinds_", "08_kinds", ".08_kinds", "kinds.", "test_kinds", "extra_", "09_extra", ".09_extra",
                 "extra.", "test_extra")


def run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """`python <args>` in the copy, with the copy's source first on the path (byte code written: its removal is
checked too); fails the test on a non-zero exit."""
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}
    done = subprocess.run([sys.executable, *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def left_behind(repo: Path) -> list[str]:
    """Files of the copy (outside .git) whose names belong to the two scaffolded findings."""
    return sorted(str(p.relative_to(repo)) for p in repo.rglob("*")
                  if ".git" not in p.relative_to(repo).parts and p.is_file() and p.name.startswith(FINDING_FILES))


def test_scaffold_run_and_remove(tmp_path):
    repo = copy_repository(tmp_path / "repo")
    run(repo, "-m", "villenum", "new-finding", "08", "kinds")
    run(repo, "-m", "villenum", "new-finding", "09", "extra", "--exploratory")
    tests = run(repo, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_kinds.py", "tests/test_extra.py")
    assert "4 passed" in tests.stdout
    run(repo, "-m", "ruff", "check", "src/villenum/kinds.py", "src/villenum/extra.py", "tests/test_kinds.py",
        "tests/test_extra.py")

    run(repo, "-m", "villenum", "reproduce", "--quiet", "--jobs", "2", *FEW)
    out, reports = (repo / d.relative_to(paths.ROOT) for d in paths.experiment_dirs("2013", FEW_PARAMS))
    counts = pd.read_csv(out / "kinds_counts.csv")
    by_hand = pd.read_csv(repo / paths.survey_dir("2013").relative_to(paths.ROOT) / "collectivites.csv")["kind"].value_counts()
    assert dict(zip(counts["kind"], counts["n_collectivites"])) == {k: by_hand.get(k, 0) for k in counts["kind"]}
    assert counts["n_collectivites"].sum() == 24
    for name in ("kinds_counts", "extra_counts"):
        assert (reports / "figures" / f"{name}.png").stat().st_size > 1000
        assert (reports / "figures" / f"{name}.alt.txt").read_text().strip()
    card = pd.read_csv(out / "scorecard.csv")
    [row] = card[card["finding"] == "kinds"].itertuples()
    assert (row.claim_id, row.notebook) == ("kinds_template", "08_kinds") and "24" in row.computed
    assert "extra" not in set(card["finding"]), "an exploratory finding has no claim"
    assert "aucun énoncé publié" in (reports / "09_extra.ipynb").read_text(encoding="utf-8")
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'id="exploratory"' in index and "09_extra.html" in index and "08_kinds.html" in index

    run(repo, "-m", "villenum", "remove-finding", "08", "kinds")
    run(repo, "-m", "villenum", "remove-finding", "09", "extra")
    assert left_behind(repo) == []
    assert git_status(repo) == "", "sources, claims, datapackage and the reconstruction's manifest as before"
    # the scorecard alone re-runs on that experiment's tables (named: it declares support_boot, not n_boot)
    run(repo, "-m", "villenum", "reproduce", "--quiet", "--only", "06", "-p", "support_boot=40",
        "--output-dir", str(out), "--report-dir", str(reports))
    assert "kinds" not in set(pd.read_csv(out / "scorecard.csv")["finding"])
    assert left_behind(repo) == [] and git_status(repo) == ""
