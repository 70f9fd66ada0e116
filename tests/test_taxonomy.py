"""villenum.taxonomy: every spelling maps to its code, none to two, and docs/codebook.md lists every code."""

from __future__ import annotations

import pandas as pd
import pytest

from villenum import paths, taxonomy

TAX = taxonomy.load_taxonomy()


def test_taxonomy_columns_and_fields():
    assert list(TAX.columns[:6]) == ["field", "code", "canonical_fr", "gloss_en", "spelling", "source"]
    assert set(TAX["field"]) == set(taxonomy.FIELDS)
    assert TAX[["field", "code", "canonical_fr", "gloss_en", "spelling"]].ne("").all().all()


def test_one_label_and_gloss_per_code():
    per_code = TAX.groupby(["field", "code"])[["canonical_fr", "gloss_en"]].nunique()
    assert (per_code == 1).all().all()


@pytest.mark.parametrize("field", taxonomy.FIELDS)
def test_every_spelling_maps_to_its_code(field):
    rows = TAX[TAX["field"] == field]
    assert taxonomy.to_code(rows["spelling"], field).tolist() == rows["code"].tolist()


@pytest.mark.parametrize("field", taxonomy.FIELDS)
def test_canonical_label_and_code_map_to_themselves(field):
    codes = taxonomy.codes(field)
    labels = taxonomy.labels_fr(field)
    assert taxonomy.to_code(pd.Series(codes), field).tolist() == codes
    assert taxonomy.to_code(pd.Series([labels[c] for c in codes]), field).tolist() == codes


def test_no_normalised_spelling_maps_to_two_codes():
    keys = pd.concat([TAX.assign(key=taxonomy.normalise_text(TAX[col]))[["field", "key", "code"]]
                      for col in ("spelling", "canonical_fr", "code")]).drop_duplicates()
    clashes = keys[keys.duplicated(["field", "key"], keep=False)]
    assert clashes.empty, clashes


def test_unknown_and_missing_labels_are_na():
    out = taxonomy.to_code(pd.Series(["Culturre", None, "", "énergie"], dtype="object"), "domain")
    assert out.isna().tolist() == [True, True, True, False]
    assert out.dtype == "string"


def test_unknown_field_is_a_clear_error():
    with pytest.raises(KeyError, match="known: domain"):
        taxonomy.spellings("colour")


def test_hand_typed_variants():
    cases = {"A l’étude": "a_l_etude", " EN-COURS ": "en_cours", "Réalisée": "realise"}
    assert taxonomy.to_code(pd.Series(list(cases)), "status").tolist() == list(cases.values())
    cases = {"e-Citoyenneté": "e_citoyennete", "LOISIRS / CULTURE": "loisirs_culture", "santé  et social": "sante_social"}
    assert taxonomy.to_code(pd.Series(list(cases)), "domain").tolist() == list(cases.values())


def test_normalise_text_examples():
    got = taxonomy.normalise_text(pd.Series(["  À l’Étude ", "Loisirs / Culture", "e-citoyenneté", "commune + EPCI"]))
    assert got.tolist() == ["a l etude", "loisirs/culture", "e citoyennete", "commune+epci"]
    assert taxonomy.normalise_one("Développement  durable") == "developpement durable"


def test_allowed_text_lists_codes_and_labels():
    assert taxonomy.allowed_text("status") == "realise (réalisé), en_cours (en cours), a_l_etude (à l'étude)"


def test_every_code_label_and_gloss_is_in_the_codebook_doc():
    doc = (paths.ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    for field in taxonomy.FIELDS:
        for code in taxonomy.codes(field):
            assert f"`{code}`" in doc, (field, code)
            assert taxonomy.labels_fr(field)[code] in doc, (field, code)
            assert taxonomy.glosses_en(field)[code] in doc, (field, code)


@pytest.mark.parametrize("label, field", [("réalisé ❌", "status"), ("Transports 🚲", "domain"),
                                          ("commune 🏛", "kind"), ("Еducation", "domain")])
def test_folding_never_deletes_what_it_does_not_understand(label, field):
    assert pd.isna(taxonomy.to_code(pd.Series([label]), field).iloc[0])


def test_folding_keeps_symbols_and_ligatures_as_letters():
    got = taxonomy.normalise_text(pd.Series(["réalisé ❌", "Œuvre", "ﬁ–x", "İ"])).tolist()
    assert got == ["realise ❌", "oeuvre", "fi x", "i"]
