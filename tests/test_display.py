"""Tables as a French reader reads them (villenum.display): headers, labels, numbers, intervals, ties, no cut."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from villenum.display import MISSING, Table, by_method, display_table, format_value
from villenum.questionnaire import load_questionnaire
from villenum.report_front import scorecard_table, statements

NNBSP = "\u202f"


@pytest.fixture(scope="module")
def q():
    return load_questionnaire("2013")


@pytest.mark.parametrize(("value", "kind", "shown"), [
    (24.0, "int", "24"), (1385927.0, "int", f"1{NNBSP}385{NNBSP}927"), (63.636364, "pct", f"63,6{NNBSP}%"),
    (9.0, "pct0", f"9{NNBSP}%"), (0.5524861878, "prop", f"55,2{NNBSP}%"), (3.0, "dec2", "3,00"),
    (-0.0000001, "dec2", "0,00"), (-0.42018, "dec2", "\u22120,42"), (2.75e-05, "pval", f"<{NNBSP}0,001"),
    (0.2601587, "pval", "0,260"), (0.1237639, "pp", f"+12,4{NNBSP}points"), (True, "bool", "oui"),
    (math.nan, "int", MISSING), (None, "dec1", MISSING),
])
def test_numbers_are_written_for_a_french_reader(value, kind, shown):
    assert format_value(value, kind) == shown


def test_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="unknown display format"):
        format_value(1.0, "roman")


def test_codes_become_labels_headers_french_intervals_merged(q):
    counts = pd.DataFrame({"domain": ["energie", "transport"], "n_projects": [102, 169], "share": [9.0425, 14.98],
                           "ci_low": [7.505, 13.0185], "ci_high": [10.858, 17.18], "published_share": [9.0, math.nan]})
    table = display_table(counts, q, confidence=0.95, caption="Projets")
    assert list(table.frame.columns) == ["Domaine", "Projets", "Part", f"Intervalle à 95{NNBSP}%", "Part publiée"]
    assert table.frame.iloc[0].tolist() == ["Énergie", "102", f"9,0{NNBSP}%", f"[7,5{NNBSP}% ; 10,9{NNBSP}%]",
                                            f"9{NNBSP}%"]
    assert table.frame.iloc[1, -1] == MISSING
    assert "Domaine" not in table.numeric and "Projets" in table.numeric


def test_columns_empty_everywhere_are_left_out_unless_asked(q):
    df = pd.DataFrame({"chi2": [109.5], "dropped": [math.nan], "warning": [math.nan]})
    assert list(display_table(df, q).frame.columns) == ["χ²"]
    assert list(display_table(df, q, ["chi2", "warning"]).frame.columns) == ["χ²", "Avertissement"]


def test_groups_of_codes_and_status_columns(q):
    df = pd.DataFrame({"group": ["dev_economique, securite"], "n_a_l_etude": [3], "difference": [0.21],
                       "difference_ci_low": [0.14], "difference_ci_high": [0.277]})
    table = display_table(df, q)
    assert table.frame.iloc[0, 0] == "Développement économique, Sécurité/sûreté/protection des citoyens"
    assert "Projets : à l'étude" in table.frame.columns
    assert table.frame.iloc[0, -1] == f"[+14,0 ; +27,7]{NNBSP}points"


def test_ties_are_written_as_ties(q):
    scores = pd.DataFrame({"method": ["first_share"] * 3 + ["mean_rank"] * 3,
                           "objective": ["qualite_service", "bonne_gestion", "attractivite"] * 2,
                           "position": [1, 2, 2, 1, 2, 3], "position_stability": [1.0, 1.0, 0.992, 1, 1, 1]})
    table = by_method(scores, q, caption="Positions selon quatre méthodes")
    assert list(table.frame.columns) == ["Objectif", "Part classée en premier", "Rang moyen"]
    assert table.frame["Part classée en premier"].tolist() == ["1", "2 ex æquo", "2 ex æquo"]
    assert table.frame["Rang moyen"].tolist() == ["1", "2", "3"]
    assert by_method(scores, q, "position_stability").frame.iloc[2, 1] == f"99,2{NNBSP}%"


def test_long_text_is_never_cut_and_html_is_the_same_at_every_call(q):
    long = "ni classé ni cité (réponse manquante) : hors des scores de rang"
    table = display_table(pd.DataFrame({"table": ["objectives"], "reason": [
        "neither ranked nor cited (answer missing): left out of rank scores"], "rows": [0.0]}), q)
    assert long[:1].upper() + long[1:] in table.to_html() and "..." not in repr(table)
    assert table.to_html() == display_table(pd.DataFrame({"table": ["objectives"], "reason": [
        "neither ranked nor cited (answer missing): left out of rank scores"], "rows": [0.0]}), q)._repr_html_()
    assert "<td" in table.to_html() and ">0<" in table.to_html() and "0.0" not in table.to_html()
    assert isinstance(table, Table) and repr(table).splitlines()[0].split()[0] == "Table"


def test_scorecard_in_french_with_quotes_marked(q):
    card = pd.DataFrame({"claim_id": ["c1"], "finding": ["domains"], "claim_fr": ["Neuf domaines : transport…"],
                         "sources": ["FD;IR"], "notebook": ["03_domains"],
                         "computed": ["n_projects : transport 15, energie 9.04"], "holds": [True], "support": [0.955],
                         "evidence": ["survey data"], "verdict": ["reproduced"],
                         "explanation": ["L'affirmation tient."], "note": [""]})
    table = scorecard_table(card, q)
    html = table.to_html()
    assert '<td class="quote"' in html and "reproduit" in html and f"95,5{NNBSP}%" in html
    assert "Transports et mobilité 15, Énergie 9,04" in html and "energie" not in html
    text = statements(card, q)
    assert '<span class="quote">« Neuf domaines : transport… »</span> (FD, IR)' in text and "**reproduit**" in text
