"""The comparison of editions (villenum.editions): small hand-made editions, each value checked against a hand
computation; the verdicts of the statements across editions come from the scorecard's evaluators."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from villenum import editions as ed
from villenum import editions_text as tx
from villenum.editions_figures import bump_alt, bump_chart, ordinal
from villenum.editions_io import open_editions, read_results
from villenum.published import load_tables
from villenum.questionnaire import load_questionnaire

matplotlib.use("Agg")


def panel(n: float) -> pd.DataFrame:
    return pd.DataFrame({"figure_id": ["panel_size", "other"], "value": [n, 1.0]})


# Two hand-made editions: "a" published a share table of three domains (x 50 %, y 30 %, z 20 %) and has a run
# whose shares put y first; "b" published counts of two domains (y 30, w 10) out of 100 projects, and has no run.
PUBLISHED = {
    "a": {"panel": panel(4), "domain_shares": pd.DataFrame({"domain": ["x", "y", "z"], "share": [50.0, 30.0, 20.0]}),
          "objectives": pd.DataFrame({"objective": ["o1", "o2"], "rank_published": [1.0, 2.0]})},
    "b": {"panel": panel(6), "figures": pd.DataFrame({"figure_id": ["total_projects"], "value": [100.0]}),
          "domain_counts": pd.DataFrame({"domain": ["y", "w"], "n_projects": [30.0, 10.0], "share": [30.0, 10.0]}),
          "objectives_cited": pd.DataFrame({"objective": ["o2", "o1"], "share": [90.0, 60.0]})},
}
COMPUTED = {"a": {
    "panel_counts": pd.DataFrame({"figure_id": ["panel_size"], "value": [5]}),
    "domains_counts": pd.DataFrame({"domain": ["x", "y", "z"], "share": [25.0, 50.0, 25.0],
                                    "ci_low": [10.0, 40.0, 20.0], "ci_high": [30.0, 60.0, 35.0]}),
    "objectives_scores": pd.DataFrame({"method": ["mean_rank", "mean_rank", "borda"], "objective": ["o1", "o2", "o1"],
                                       "score": [1.2, 1.8, 9.0], "position": [1, 2, 1],
                                       "ci_low": [1.0, np.nan, 8.0], "ci_high": [1.5, np.nan, 10.0]})}}


def test_panel_sizes_side_by_side_with_the_difference():
    frame = ed.panel_sizes(PUBLISHED, COMPUTED)
    assert frame["wave"].tolist() == ["a", "b"]
    assert frame["published"].tolist() == [4, 6]
    assert frame.loc[0, "computed"] == 5 and frame.loc[0, "difference"] == 1  # 5 - 4
    assert math.isnan(frame.loc[1, "computed"]) and math.isnan(frame.loc[1, "difference"])  # no run: published only


def test_domain_ranks_published_and_computed_with_ties_and_partial_tables():
    ranks = ed.domain_ranks(PUBLISHED, COMPUTED).set_index(["wave", "source", "category"]).sort_index()
    assert ranks.loc[("a", ed.PUBLISHED, "x"), "rank"] == 1 and ranks.loc[("a", ed.PUBLISHED, "z"), "rank"] == 3
    assert ranks.loc[("a", ed.COMPUTED, "y"), "rank"] == 1
    assert ranks.loc[("a", ed.COMPUTED, "x"), "rank"] == 2 == ranks.loc[("a", ed.COMPUTED, "z"), "rank"]  # tie: best
    assert (ranks.loc[("b", ed.PUBLISHED), "n_ranked"] == 2).all()  # a partial table ranks only what it names
    assert ("b", ed.COMPUTED, "y") not in ranks.index
    # Wilson interval of 30 / 100 at 95 % (z = 1.96, z² = 3.8416): centre (0.3 + 0.019208) / 1.038416 = 0.30740,
    # half-width 1.96 * sqrt(0.0021 + 0.00009604) / 1.038416 = 0.08845, so 21.89 % to 39.59 %
    low, high = ranks.loc[("b", ed.PUBLISHED, "y"), ["ci_low", "ci_high"]]
    assert low == pytest.approx(21.89, abs=0.01) and high == pytest.approx(39.59, abs=0.01)
    assert math.isnan(ranks.loc[("a", ed.PUBLISHED, "x"), "ci_low"])  # shares only: no interval


def test_objective_positions_use_the_cited_shares_when_published_else_the_order():
    pos = ed.objective_positions(PUBLISHED, COMPUTED).set_index(["wave", "source", "category"]).sort_index()
    assert pos.loc[("a", ed.PUBLISHED, "o1"), "rank"] == 1 and pos.loc[("a", ed.PUBLISHED, "o1"), "measure"] == "objectives"
    assert pos.loc[("b", ed.PUBLISHED, "o2"), "rank"] == 1 and pos.loc[("b", ed.PUBLISHED, "o1"), "rank"] == 2
    assert pos.loc[("a", ed.COMPUTED, "o2"), "rank"] == 2
    assert len(pos.loc[("a", ed.COMPUTED)]) == 2  # one method only (mean_rank), not borda's row
    assert len(ed.objective_positions(PUBLISHED, COMPUTED, "borda").query("source == @ed.COMPUTED")) == 1


def test_side_by_side_and_presence():
    table = ed.side_by_side(ed.domain_ranks(PUBLISHED, COMPUTED)).set_index(["wave", "category"])
    assert table.loc[("a", "x"), "same_rank"] == False  # noqa: E712  published 1st, computed 2nd
    assert table.loc[("a", "z"), "same_rank"] == False  # noqa: E712  published 3rd, computed 2nd (tie)
    assert pd.isna(table.loc[("b", "w"), "same_rank"])  # no computed side
    seen = ed.presence(ed.domain_ranks(PUBLISHED, COMPUTED), ["a", "b"]).set_index("category")
    assert seen.loc["w"].tolist() == [False, True] and seen.loc["y"].tolist() == [True, True]
    sentence = tx.presence_sentence(seen.reset_index(), {"w": "Dubbel-vé"})
    assert "Dubbel-vé : b" in sentence and "x : a" in sentence and "y :" not in sentence


def test_rank_bounds_from_overlapping_intervals():
    ranks = ed.rank_bounds(ed.domain_ranks(PUBLISHED, COMPUTED)).set_index(["wave", "source", "category"])
    # computed a: y [40, 60], x [10, 30], z [20, 35]. y: nothing above it, x and z below -> 1..1.
    assert ranks.loc[("a", ed.COMPUTED, "y"), ["rank_best", "rank_worst"]].tolist() == [1, 1]
    # x: y wholly above (40 > 30) -> best 2; z reaches above 10 -> worst 3. z likewise: best 2, worst 3.
    assert ranks.loc[("a", ed.COMPUTED, "x"), ["rank_best", "rank_worst"]].tolist() == [2, 3]
    assert ranks.loc[("a", ed.COMPUTED, "z"), ["rank_best", "rank_worst"]].tolist() == [2, 3]
    assert ranks.loc[("a", ed.PUBLISHED, "x"), ["rank_best", "rank_worst"]].isna().all()  # no interval at all
    # objectives, lower is better: o2 has no interval (same in every resample) and counts as its value, 1.8;
    # o1 [1.0, 1.5] lies wholly better -> o1 1..1, o2 2..2.
    pos = ed.rank_bounds(ed.objective_positions(PUBLISHED, COMPUTED), lower_is_better=True)
    pos = pos.set_index(["wave", "source", "category"])
    assert pos.loc[("a", ed.COMPUTED, "o1"), ["rank_best", "rank_worst"]].tolist() == [1, 1]
    assert pos.loc[("a", ed.COMPUTED, "o2"), ["rank_best", "rank_worst"]].tolist() == [2, 2]


def test_empty_editions_give_empty_tables_not_errors():
    empty = {"c": {"panel": panel(3)}}
    assert ed.domain_ranks(empty, {}).empty and ed.objective_positions(empty, {}).empty
    assert list(ed.domain_ranks(empty, {}).columns) == ed.RANK_COLUMNS
    assert ed.edition_verdicts({}, {}).empty
    fig = bump_chart(ed.domain_ranks(empty, {}), ["c"], {"c": load_questionnaire("2013")}, "domain", "titre")
    assert len(fig.axes) == 2


def test_french_view_and_sentences():
    view = tx.french_view(pd.DataFrame({"category": ["x"], "value": [12.345], "same_rank": pd.array([pd.NA], "boolean"),
                                        "verdict": ["reproduced"]}), {"x": "Iks"}, decimals=1)
    assert view.frame.iloc[0].tolist() == ["Iks", "12,3", "—", "reproduit"]
    assert list(view.frame.columns) == ["Catégorie", "Valeur", "Même rang", "Verdict"]
    assert view.numeric == ("Valeur",) and "<th" in view.to_html() and ">0<" not in view.to_html()  # no index
    assert tx.panel_sentence(ed.panel_sizes(PUBLISHED, COMPUTED)).startswith("Panels publiés : 4 collectivités en a, 6 en b.")
    assert "b (pourquoi)" in tx.missing_sentence(["a", "b"], {"b": "pourquoi"})
    assert ordinal(1) == "1er" and ordinal(3) == "3e"


def test_edition_verdicts_use_the_scorecard_evaluators_on_the_published_tables():
    """The real claims of 2014 across editions, on the real published tables of 2013 and 2014."""
    published = {w: load_tables(w) for w in ("2013", "2014")}
    verdicts = ed.edition_verdicts(published, {w: load_questionnaire(w) for w in published}).set_index("claim_id")
    assert "domains_top_three_47_percent" not in verdicts.index  # compares 2014 with itself
    assert verdicts.loc["domains_education_4th_to_2nd", "verdict"] == "reproduced"
    assert verdicts.loc["domains_transport_still_leading", "verdict"] == "contradicted"
    assert (verdicts["evidence"] == "published aggregates").all() and verdicts["certainty"].str.startswith("sûr").all()


def test_a_verdict_follows_the_tables_not_a_constant():
    """Put transport first in 2013's share table: « reste le domaine phare » then holds."""
    published = {w: load_tables(w) for w in ("2013", "2014")}
    shares = published["2013"]["domain_shares"].copy()
    shares.loc[shares["domain"] == "transport", "share"] = 17.0
    published["2013"] = {**published["2013"], "domain_shares": shares}
    verdicts = ed.edition_verdicts(published, {w: load_questionnaire(w) for w in published}).set_index("claim_id")
    assert verdicts.loc["domains_transport_still_leading", "verdict"] == "reproduced"


def test_an_edition_without_its_run_is_shown_published_only(tmp_path):
    found, why = read_results(tmp_path / "nowhere")
    assert found == {} and "domains_counts.csv" in why
    series = open_editions(["2014"], {"2014": str(tmp_path)}, output_dir=str(tmp_path / "o"), figure_dir=str(tmp_path / "f"))
    assert series.computed == {"2014": {}} and "2014" in series.missing
    ranks = ed.domain_ranks(series.published, series.computed)
    assert set(ranks["source"]) == {ed.PUBLISHED}
    alt = bump_alt(ranks, series.waves, series.questionnaires, "domain", "des domaines")
    assert "calculé : aucune donnée" in alt and "1er sur 3" in alt
    series.save_table(ranks, "editions_domains")
    assert (tmp_path / "o" / "editions_domains.csv").is_file()


def test_the_runner_knows_the_comparison_by_its_metadata_not_its_name(tmp_path):
    from villenum import cli, paths
    from villenum.pipeline.notebooks import EDITIONS_SCOPE, compares_editions, read_notebook
    from villenum.pipeline.outcome import RunError

    comparing = [nb for nb in sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if compares_editions(nb)]
    assert [nb.name for nb in comparing] == ["07_editions.ipynb"]
    assert all(nb not in cli.wave_notebooks(None) for nb in comparing)  # never in one wave's run
    with pytest.raises(RunError, match="--editions"):
        cli.wave_notebooks(["07"])
    renamed = tmp_path / "01_anything.ipynb"
    renamed.write_bytes(comparing[0].read_bytes())
    assert read_notebook(renamed).scope == EDITIONS_SCOPE
    bad = tmp_path / "02_bad.ipynb"
    bad.write_text(comparing[0].read_text(encoding="utf-8").replace('"villenum_scope": "editions"',
                                                                     '"villenum_scope": "everything"'), encoding="utf-8")
    with pytest.raises(RunError, match="villenum_scope"):
        read_notebook(bad)


def test_an_edition_without_data_is_skipped_with_a_reason():
    from villenum.editions_run import why_not_run

    assert why_not_run("2013") == ""
    assert "not run; the comparison shows its published figures only" in why_not_run("no-such-wave")


def test_the_cache_of_the_comparison_reads_each_editions_tables(tmp_path):
    from villenum.pipeline.cache import input_files

    (tmp_path / "domains_counts.csv").write_text("domain,share\n", encoding="utf-8")
    files = input_files({"results_dirs": {"a": str(tmp_path), "b": str(tmp_path / "missing")}})
    assert tmp_path / "domains_counts.csv" in files
    assert any(f.name == "2014.toml" for f in files)  # every edition's questionnaire


def test_front_page_links_every_editions_scorecard_and_the_comparison(tmp_path):
    from villenum.report_editions import front_page

    (tmp_path / "a").mkdir()
    pd.DataFrame({"claim_id": ["c1", "c2", "c3"], "verdict": ["reproduced", "contradicted", "reproduced"]}).to_csv(
        tmp_path / "a" / "scorecard.csv", index=False)
    index = front_page(tmp_path, {"a": tmp_path / "a"}, {"b": "no data"}, tmp_path / "editions" / "index.html")
    text = index.read_text(encoding="utf-8")
    assert 'href="a/index.html"' in text and "3 affirmations : 2 reproduit, 1 contredit" in text
    assert 'data-wave="b" title="no data"' in text and "non exécutée" in text
    assert 'id="comparison" href="editions/index.html"' in text and "Éditions du baromètre : a, b." in text


@pytest.mark.parametrize("argv, message", [
    (["--only", "01"], "options of one wave's run"),
    (["-p", "no_such_parameter=1"], "unknown parameter"),
])
def test_reproduce_editions_refuses_what_belongs_to_one_wave(argv, message, capsys):
    from villenum import cli

    assert cli.main(["reproduce", "--editions", "--quiet", *argv]) == cli.EXIT_INPUT
    assert message in capsys.readouterr().err


def test_computed_ranks_of_a_claim_about_one_category():
    published = {"a": {"claims": pd.DataFrame({"claim_id": ["c", "d"], "params": [
        "category=x; field=domain; editions=a:domain_shares:share|b:domain_counts:share; ranks=1|1",
        "figure=a:panel:panel_size; op===; other=b:panel:panel_size"]})}}
    verdicts = pd.DataFrame({"wave": ["a", "a"], "claim_id": ["c", "d"]})
    ranks = {"domain": ed.rank_bounds(ed.domain_ranks(PUBLISHED, COMPUTED))}
    # x computed in a: 25 % [10, 30], 2nd (tied with z), ranks 2 to 3 (see test_rank_bounds...)
    assert ed.computed_ranks(verdicts, published, ranks).tolist() == [
        "a : rang 2 calculé, rangs 2 à 3 compatibles avec les intervalles", ""]


def test_verdicts_markdown_says_how_sure():
    published = {w: load_tables(w) for w in ("2013", "2014")}
    verdicts = ed.edition_verdicts(published, {w: load_questionnaire(w) for w in published})
    text = tx.verdicts_markdown(verdicts.assign(computed_ranks=["", "2013 : rang 4 calculé"] + [""] * (len(verdicts) - 2)))
    lines = text.split("\n")
    assert len(lines) == len(verdicts) and all("Certitude : sûr" in line for line in lines)
    assert lines[1].endswith("Nos données : 2013 : rang 4 calculé.") and "Nos données" not in lines[0]
    assert all("**reproduit**" in line or "**contredit**" in line for line in lines), lines  # French verdicts
    assert not any("reproduced" in line or "contradicted" in line for line in lines)
    assert tx.verdicts_markdown(verdicts.iloc[0:0]).startswith("Aucune affirmation")
