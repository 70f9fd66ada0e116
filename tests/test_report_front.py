"""The report's front page for a French reader: parameters as the run used them, paths relative, computed text
without codes and with French numbers."""

from __future__ import annotations

from pathlib import Path

import nbformat

from villenum import paths
from villenum.pipeline.outcome import Outcome
from villenum.report_front import display_path, french_computed, glossary, parameters_html, run_parameters


def _executed(path: Path, defaults: str, injected: dict) -> Outcome:
    cell = nbformat.v4.new_code_cell(defaults)
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["papermill"] = {"parameters": injected}
    nbformat.write(nb, path)
    return Outcome(path.name, "ran", path)


def test_parameters_follow_the_run_and_paths_are_relative(tmp_path):
    a = _executed(tmp_path / "02_a.ipynb", "wave = '2013'\nconfidence = 0.95\nn_boot = 1000\nseed = 2013",
                  {"wave": "2013", "confidence": 0.9, "survey_dir": str(paths.ROOT / "data" / "x")})
    b = _executed(tmp_path / "03_b.ipynb", "wave = '2013'\nseed = 7", {"wave": "2013"})
    shown = run_parameters([a, b], {"output_dir": str(tmp_path / "out")})
    assert shown["confidence"] == "90\u202f%"  # the injected value, not the default
    assert shown["n_boot"] == "1\u202f000" and shown["seed"] == "2013 (02), 7 (03)"
    assert shown["survey_dir"] == "data/x" and not shown["output_dir"].startswith("/")
    table = parameters_html(shown)
    assert "Niveau de confiance des intervalles" in table and 'title="confidence"' in table
    assert str(tmp_path) not in table


def test_display_path_never_absolute():
    assert display_path(paths.ROOT / "data" / "raw") == "data/raw"
    assert display_path("/somewhere/else/folder") == "(hors du dépôt) …/else/folder"


def test_folders_of_each_edition_are_shown_relative():
    from villenum.report_front import _value

    shown = _value("results_dirs", {"2013": str(paths.ROOT / "data" / "processed" / "2013"), "2014": "/tmp/x/2014"})
    assert shown == "2013 : data/processed/2013 ; 2014 : (hors du dépôt) …/x/2014"
    assert _value("waves", []) == "toutes" and _value("waves", ["2013", "2014"]) == "2013, 2014"


def test_computed_text_reads_in_french():
    words = glossary("2013")
    text = "mean_rank : qualite_service > bonne_gestion ; share_of_collectivites : open_data 62 ; 7.04 ; 50,396"
    out = french_computed(text, words)
    for code in ("mean_rank", "qualite_service", "bonne_gestion", "share_of_collectivites", "open_data"):
        assert code not in out
    assert "rang moyen" in out and "7,04" in out and "50\u202f396" in out
