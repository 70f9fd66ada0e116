"""The scaffold's edits of the data files: a finding's template claim row in 2013's claims.csv and its entry in
the `finding` enum of data/raw/datapackage.json, and their removal (see villenum.scaffold)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from villenum.atomic import write_atomic

CLAIMS = Path("data/raw/published/2013/claims.csv")
DATAPACKAGE = Path("data/raw/datapackage.json")


def _source_of(root: Path, figure_id: str) -> tuple[str, str]:
    """(sources, source_urls) of a published figure of 2013's panel table."""
    with (root / "data" / "raw" / "published" / "2013" / "panel.csv").open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["figure_id"] == figure_id)
    return row["sources"], row["source_urls"]


def add_claim(root: Path, name: str) -> Path:
    """Append the template claim row of the finding `name` to 2013's claims.csv; return its path."""
    path = root / CLAIMS
    sources, urls = _source_of(root, "panel_size")
    row = [f"{name}_template", name,
           "L'étude porte sur 24 collectivités (modèle écrit par new-finding : remplacez-le par l'énoncé publié "
           "du résultat).",
           "TEMPLATE written by new-finding: the panel size recomputed from the placeholder table; replace with "
           "this finding's published statement(s).",
           "value", f"table={name}_counts; column=n_collectivites; agg=sum; op===; target=published:panel:panel_size; "
           "what=collectivités", sources, urls,
           "Template row written by `python -m villenum new-finding` (docs/claims.md): replace it."]
    text = path.read_text(encoding="utf-8")
    line = _csv_line(row)
    return write_atomic(path, text + ("" if text.endswith("\n") else "\n") + line)


def _csv_line(row: list[str]) -> str:
    """One CSV record as the claims files write them (minimal quoting, LF)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    return buf.getvalue()


def remove_claims(root: Path, name: str) -> list[Path]:
    """Drop the claim rows of the finding `name` from every wave's claims.csv (other lines kept byte for byte); return
    the files that changed."""
    changed = []
    for path in sorted((root / "data" / "raw" / "published").glob("*/claims.csv")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not _is_claim_of(line, name)]
        if kept != lines:
            changed.append(write_atomic(path, "".join(kept)))
    return changed


def _is_claim_of(line: str, name: str) -> bool:
    """Whether one line of a claims file is a whole record whose `finding` (second column) is `name`."""
    rows = list(csv.reader([line]))
    return len(rows) == 1 and len(rows[0]) > 2 and rows[0][1] == name


def set_enum(root: Path, name: str, add: bool) -> Path | None:
    """Add `name` to the `finding` enum of 2013's claims resource in datapackage.json (or remove it from the enum
    of every wave's claims resource); return the file's path if it changed, else None."""
    path = root / DATAPACKAGE
    package = json.loads(path.read_text(encoding="utf-8"))
    wanted = {CLAIMS.relative_to("data/raw").as_posix()} if add else {
        p.relative_to(root / "data" / "raw").as_posix() for p in (root / "data/raw/published").glob("*/claims.csv")}
    changed = False
    for resource in (r for r in package["resources"] if r.get("path") in wanted):
        field = next(x for x in resource["schema"]["fields"] if x["name"] == "finding")
        enum = field["constraints"]["enum"]
        if (name in enum) != add:
            field["constraints"]["enum"] = [*enum, name] if add else [e for e in enum if e != name]
            changed = True
    return write_atomic(path, json.dumps(package, indent=2, ensure_ascii=False) + "\n") if changed else None
