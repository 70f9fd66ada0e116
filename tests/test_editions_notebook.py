"""Notebook 07 (the editions compared) run by the runner in a real kernel: on the 2013 results (the committed
reference tables, exactly what a default run of 2013 writes) and the published figures of 2014 and 2015, which
have no run; then on one edition only. Its verdicts are those of the scorecard's evaluators on the published
tables; its figures and sentences are there even where the data are degenerate."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from villenum import paths, pipeline
from villenum.published import load_tables

COMPARISON = paths.NOTEBOOKS / "07_editions.ipynb"


def run(tmp_path: Path, **params: object) -> tuple[str, Path, Path]:
    out, rep = tmp_path / "out", tmp_path / "rep"
    common = {"published_dir": str(paths.RAW / "published"), "output_dir": str(out), "figure_dir": str(rep / "figures")}
    (outcome,) = pipeline.run([COMPARISON], {**common, **params}, {}, report_dir=rep, output_dir=out, progress=False)
    assert outcome.status in ("ran", "cached"), outcome.message
    return outcome.status, out, rep


def text_of(executed: Path) -> str:
    nb = nbformat.read(executed, as_version=4)
    return "\n".join(str(o.get("data", {}).get("text/markdown", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("editions")
    results = {"2013": str(paths.reference_results("2013")), "2014": str(tmp / "none"), "2015": str(tmp / "none")}
    status, out, rep = run(tmp, results_dirs=results)
    assert status == "ran"
    return out, rep


def test_verdicts_across_editions(compared):
    out, _ = compared
    verdicts = pd.read_csv(out / "editions_verdicts.csv").set_index("claim_id")
    assert verdicts.loc["domains_education_4th_to_2nd", "verdict"] == "reproduced"
    assert verdicts.loc["domains_transport_still_leading", "verdict"] == "contradicted"
    assert verdicts.loc["objectives_qualite_loses_a_place", "wave"] == 2015
    assert verdicts["certainty"].notna().all()
    assert verdicts.loc["domains_transport_still_leading", "computed_ranks"].startswith("2013 : rang ")


def test_published_and_computed_side_by_side(compared):
    out, rep = compared
    panel = pd.read_csv(out / "editions_panel.csv").set_index("wave")
    for wave in (2013, 2014, 2015):
        assert panel.loc[wave, "published"] == load_tables(str(wave))["panel"].set_index("figure_id").loc["panel_size", "value"]
    assert panel.loc[2013, "computed"] == panel.loc[2013, "published"]  # the run of 2013 finds its panel
    assert panel.loc[[2014, 2015], "computed"].isna().all()  # no run: published only
    domains = pd.read_csv(out / "editions_domains.csv")
    assert set(domains.query("wave == 2013")["source"]) == {"publié", "calculé"}
    assert set(domains.query("wave == 2014")["source"]) == {"publié"}
    computed = domains.query("source == 'calculé'")
    assert (computed["ci_low"] <= computed["value"]).all() and (computed["rank_best"] <= computed["rank"]).all()
    text = text_of(rep / "07_editions.ipynb")
    assert "Sans résultats calculés" in text and "ce ne sont pas les mêmes collectivités" in text.lower()
    for name in ("editions_domains", "editions_objectives"):
        assert (rep / "figures" / f"{name}.png").is_file()
        assert "2013" in (rep / "figures" / f"{name}.alt.txt").read_text(encoding="utf-8")


def test_a_second_run_is_cached_and_a_changed_edition_table_reruns_it(tmp_path):
    results = tmp_path / "r2013"
    results.mkdir()
    for name in ("panel_counts", "domains_counts", "objectives_scores"):
        (results / f"{name}.csv").write_bytes((paths.reference_results("2013") / f"{name}.csv").read_bytes())
    params = {"results_dirs": {"2013": str(results)}, "waves": ["2013"]}
    assert run(tmp_path, **params)[0] == "ran"  # one edition only: a figure and a sentence, no crash
    assert run(tmp_path, **params)[0] == "cached"
    (results / "panel_counts.csv").write_text("figure_id,value,published\npanel_size,23,24.0\n", encoding="utf-8")
    status, out, _ = run(tmp_path, **params)
    assert status == "ran"
    assert pd.read_csv(out / "editions_panel.csv")["difference"].tolist() == [-1]  # 23 computed - 24 published


def test_the_comparison_step_of_reproduce_editions_writes_its_page(tmp_path, capsys):
    import argparse

    from villenum.editions_run import run_comparison

    args = argparse.Namespace(output_dir=tmp_path / "o", report_dir=tmp_path / "r", force=False, kernel="villenum",
                              quiet=True)
    runs = {"2013": (str(paths.reference_results("2013")), str(tmp_path / "r2013"))}
    assert run_comparison(args, [COMPARISON], {}, runs, {"2014": "no data"}) == 0
    index = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert 'href="07_editions.html"' in index and 'title="no data">2014 :' in index
    assert (tmp_path / "o" / "editions_verdicts.csv").is_file()
    assert "left unchanged" in capsys.readouterr().err  # not the default comparison: the front page is not rewritten
