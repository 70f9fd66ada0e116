"""One schema, written once: validation, the documentation and Frictionless all follow codebook.schema.json."""

from __future__ import annotations

import importlib.util
import json

import pytest

from villenum import codebook, paths
from villenum.questionnaire import load_questionnaire

frictionless = pytest.importorskip("frictionless")
spec = importlib.util.spec_from_file_location("codebook_doc", paths.ROOT / "scripts" / "codebook_doc.py")
codebook_doc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(codebook_doc)


def test_the_document_s_column_tables_are_the_schema_s():
    text = codebook_doc.DOC.read_text(encoding="utf-8")
    assert codebook_doc.render(text) == text, "docs/codebook.md disagrees with the schema: run scripts/codebook_doc.py"
    for table in codebook.TABLES:
        assert f"<!-- schema:{table.name} " in text


def test_the_validation_columns_are_the_schema_s():
    schema = codebook.load_schema()
    for table, spec_ in zip(codebook.TABLES, schema["tables"]):
        assert table.file == spec_["path"] and list(table.key) == spec_["primaryKey"]
        assert table.column_names == [f["name"] for f in spec_["fields"]]
        for col, field in zip(table.columns, spec_["fields"]):
            assert col.nullable is not field["constraints"]["required"]
            assert col.required is (field["x-column"] == "required")


def test_a_changed_schema_changes_the_document(monkeypatch):
    table = codebook.TABLES[0]
    changed = codebook.Table(table.name, table.file, (table.columns[0].__class__(
        table.columns[0].name, "id", doc="CHANGED"), *table.columns[1:]), table.key)
    monkeypatch.setattr(codebook_doc, "TABLES", (changed, *codebook.TABLES[1:]))
    text = codebook_doc.DOC.read_text(encoding="utf-8")
    assert codebook_doc.render(text) != text


@pytest.mark.parametrize("table", codebook.TABLES, ids=lambda t: t.name)
def test_the_2013_reconstruction_is_valid_against_the_schema_and_questionnaire(table):
    schema = codebook.table_schema(table, load_questionnaire("2013"))
    resource = frictionless.Resource(path=table.file, basepath=str(paths.survey_dir("2013")),
                                     schema=frictionless.Schema.from_descriptor(schema))
    report = resource.validate()
    assert report.valid, json.dumps(report.flatten(["rowNumber", "fieldName", "type", "note"])[:10])


def test_a_code_outside_the_questionnaire_fails_frictionless(tmp_path):
    (tmp_path / "p.csv").write_text("project_id,collectivite_id,label,domain,status,project_type,reconstructed\n"
                                    "p1,c1,x,environnement,realise,,true\n", encoding="utf-8")
    schema = codebook.table_schema(codebook.PROJECTS, load_questionnaire("2013"))
    report = frictionless.Resource(path="p.csv", basepath=str(tmp_path),
                                   schema=frictionless.Schema.from_descriptor(schema)).validate()
    assert not report.valid
