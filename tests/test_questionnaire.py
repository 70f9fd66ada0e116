"""villenum.questionnaire: a wave's categories as data; every spelling maps to its code, none to two; the file
format's errors; where a wave's questionnaire is found; colours that stay with their category."""

from __future__ import annotations

import dataclasses
import shutil

import pandas as pd
import pytest

from villenum import paths, taxonomy
from villenum.errors import InputError
from villenum.questionnaire import FIELDS, find_questionnaire, load_questionnaire, parse_questionnaire

Q = load_questionnaire("2013")
TAX = Q.table


def test_table_columns_and_fields():
    assert list(TAX.columns[:8]) == ["field", "code", "label_fr", "gloss_en", "colour", "role", "spelling", "source"]
    assert set(TAX["field"]) == set(FIELDS)
    assert TAX[["field", "code", "label_fr", "gloss_en", "colour", "spelling"]].ne("").all().all()
    assert Q.rank_scale == 4 and Q.wave == "2013"


def test_one_label_gloss_and_colour_per_code():
    per_code = TAX.groupby(["field", "code"])[["label_fr", "gloss_en", "colour"]].nunique()
    assert (per_code == 1).all().all()


@pytest.mark.parametrize("field", FIELDS)
def test_every_spelling_maps_to_its_code(field):
    rows = TAX[TAX["field"] == field]
    assert Q.to_code(rows["spelling"], field).tolist() == rows["code"].tolist()


@pytest.mark.parametrize("field", FIELDS)
def test_canonical_label_and_code_map_to_themselves(field):
    codes = Q.codes(field)
    labels = Q.labels_fr(field)
    assert Q.to_code(pd.Series(codes), field).tolist() == codes
    assert Q.to_code(pd.Series([labels[c] for c in codes]), field).tolist() == codes


def test_no_normalised_spelling_maps_to_two_codes():
    keys = pd.concat([TAX.assign(key=taxonomy.normalise_text(TAX[col]))[["field", "key", "code"]]
                      for col in ("spelling", "label_fr", "code")]).drop_duplicates()
    clashes = keys[keys.duplicated(["field", "key"], keep=False)]
    assert clashes.empty, clashes


@pytest.mark.parametrize("wave", ["2013", "2014", "2015"])
def test_cached_mappings_are_those_of_the_table(wave):
    """The per-field mappings, built once per questionnaire, are exactly what filtering `table` gives."""
    q = load_questionnaire(wave)
    for field in FIELDS:
        rows = q.table[q.table["field"] == field]
        assert q.codes(field) == list(dict.fromkeys(rows["code"]))
        for method, column in ((q.labels_fr, "label_fr"), (q.glosses_en, "gloss_en"), (q.colours, "colour")):
            got = method(field)
            assert got == dict(zip(rows["code"], rows[column])) and list(got) == list(dict.fromkeys(rows["code"]))
    statuses = q.table[q.table["field"] == "status"]
    for role in ("realised", "in_progress", "under_study", "no such role"):
        found = statuses.loc[statuses["role"] == role, "code"]
        assert q.status(role) == (str(found.iloc[0]) if len(found) else None)


def test_cached_mappings_are_copies_and_follow_a_new_table():
    q = parse_questionnaire(paths.questionnaire_file("2013"))
    q.labels_fr("domain")["loisirs_culture"] = "changed by a caller"
    q.codes("domain").append("changed")
    assert q.labels_fr("domain")["loisirs_culture"] != "changed by a caller" and "changed" not in q.codes("domain")
    table = q.table.assign(label_fr=q.table["label_fr"].where(q.table["code"] != "loisirs_culture", "Autre libellé"))
    assert dataclasses.replace(q, table=table).labels_fr("domain")["loisirs_culture"] == "Autre libellé"
    with pytest.raises(KeyError, match="known: objective, domain"):
        q.labels_fr("colour")


def test_unknown_and_missing_labels_are_na():
    out = Q.to_code(pd.Series(["Culturre", None, "", "énergie"], dtype="object"), "domain")
    assert out.isna().tolist() == [True, True, True, False]
    assert out.dtype == "string"


def test_unknown_field_is_a_clear_error():
    with pytest.raises(KeyError, match="known: objective, domain"):
        Q.spellings("colour")


def test_hand_typed_variants():
    cases = {"A l’étude": "a_l_etude", " EN-COURS ": "en_cours", "Réalisée": "realise"}
    assert Q.to_code(pd.Series(list(cases)), "status").tolist() == list(cases.values())
    cases = {"e-Citoyenneté": "e_citoyennete", "LOISIRS / CULTURE": "loisirs_culture", "santé  et social": "sante_social"}
    assert Q.to_code(pd.Series(list(cases)), "domain").tolist() == list(cases.values())


def test_normalise_text_examples():
    got = taxonomy.normalise_text(pd.Series(["  À l’Étude ", "Loisirs / Culture", "e-citoyenneté", "commune + EPCI"]))
    assert got.tolist() == ["a l etude", "loisirs/culture", "e citoyennete", "commune+epci"]
    assert taxonomy.normalise_one("Développement  durable") == "developpement durable"


def test_allowed_text_lists_codes_and_labels():
    assert Q.allowed_text("status") == "realise (réalisé), en_cours (en cours), a_l_etude (à l'étude)"


def test_every_code_label_and_gloss_is_in_the_codebook_doc():
    doc = (paths.ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    for field in FIELDS:
        for code in Q.codes(field):
            assert f"`{code}`" in doc, (field, code)
            assert Q.labels_fr(field)[code] in doc, (field, code)
            assert Q.glosses_en(field)[code] in doc, (field, code)


def write(tmp_path, text: str):
    path = tmp_path / "questionnaire.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """rank_scale = 2
[[objective]]
code = "a"
label_fr = "A"
[[objective]]
code = "b"
label_fr = "B"
[[domain]]
code = "d"
label_fr = "D"
[[status]]
code = "fait"
label_fr = "fait"
role = "realised"
[[kind]]
code = "commune"
label_fr = "commune"
"""


def test_a_minimal_questionnaire_reads(tmp_path):
    q = parse_questionnaire(write(tmp_path, MINIMAL))
    assert q.codes("objective") == ["a", "b"] and q.rank_scale == 2 and q.status("realised") == "fait"
    assert q.status("under_study") is None
    assert q.to_code(pd.Series(["  a ", "B", "c"]), "objective").tolist()[:2] == ["a", "b"]


def test_every_problem_of_a_questionnaire_is_reported_at_once(tmp_path):
    bad = MINIMAL.replace("rank_scale = 2", "rank_scale = -1").replace('code = "b"', 'code = "B b"')
    bad += '[[domain]]\ncode = "e"\nlabel_fr = "D"\ncolour = "red"\nrole = "realised"\n'
    with pytest.raises(InputError) as err:
        parse_questionnaire(write(tmp_path, bad))
    text = str(err.value)
    for part in ("rank_scale", "malformed code", "malformed colour", "unknown role", "maps to two codes"):
        assert part in text, part


def test_a_missing_field_and_a_toml_error_are_errors(tmp_path):
    with pytest.raises(InputError, match=r"no \[\[kind\]\] category"):
        parse_questionnaire(write(tmp_path, MINIMAL.split("[[kind]]")[0]))
    with pytest.raises(InputError, match="cannot read the questionnaire"):
        parse_questionnaire(write(tmp_path, "rank_scale = = 2"))


def test_the_survey_folder_questionnaire_comes_first_then_the_edition_then_2013(tmp_path):
    assert find_questionnaire("2013") == paths.questionnaire_file("2013")
    assert find_questionnaire("no-such-wave", tmp_path) == paths.questionnaire_file("2013")
    write(tmp_path, MINIMAL)
    assert find_questionnaire("2013", tmp_path) == tmp_path / "questionnaire.toml"


def test_a_new_category_gets_a_new_colour_without_moving_the_others(tmp_path):
    shutil.copy(paths.questionnaire_file("2013"), tmp_path / "questionnaire.toml")
    with (tmp_path / "questionnaire.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[domain]]\ncode = "environnement"\nlabel_fr = "Environnement"\n')
    q = parse_questionnaire(tmp_path / "questionnaire.toml")
    old, new = Q.colours("domain"), q.colours("domain")
    assert {c: new[c] for c in old} == old
    assert new["environnement"] not in old.values()
    assert Q.codes("domain") == q.codes("domain")[:-1]


@pytest.mark.parametrize("label, field", [("réalisé ❌", "status"), ("Transports 🚲", "domain"),
                                          ("commune 🏛", "kind"), ("Еducation", "domain")])
def test_folding_never_deletes_what_it_does_not_understand(label, field):
    assert pd.isna(Q.to_code(pd.Series([label]), field).iloc[0])


def test_folding_keeps_symbols_and_ligatures_as_letters():
    got = taxonomy.normalise_text(pd.Series(["réalisé ❌", "Œuvre", "ﬁ–x", "İ"])).tolist()
    assert got == ["realise ❌", "oeuvre", "fi x", "i"]
