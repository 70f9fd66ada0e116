"""Rewrite the column tables of docs/codebook.md (section 3) from the codebook's Table Schema.

The schema (src/villenum/data/codebook.schema.json) is the one place where columns, types and constraints are
written; tests/test_codebook_schema.py fails when the document and the schema disagree. Run after editing it:
    .venv/bin/python scripts/codebook_doc.py
"""

from __future__ import annotations

import re

from villenum import paths
from villenum.codebook import TABLES, markdown_table
from villenum.io import write_atomic

DOC = paths.ROOT / "docs" / "codebook.md"


def render(text: str) -> str:
    """The document with every schema block replaced by the table rendered from the schema."""
    for table in TABLES:
        pattern = re.compile(rf"(<!-- schema:{table.name} [^>]*-->\n).*?(\n<!-- /schema:{table.name} -->)", re.S)
        text = pattern.sub(lambda m, t=table: m.group(1) + markdown_table(t) + m.group(2), text)
    return text


if __name__ == "__main__":
    write_atomic(DOC, render(DOC.read_text(encoding="utf-8")))
