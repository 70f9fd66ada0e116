"""A new finding in minutes: `python -m villenum new-finding NN name [--exploratory]`, and its undo.

`new_finding` writes, in a repository, everything a finding needs to run end to end: a library module
`src/villenum/<name>.py` (a placeholder computation, clearly marked as a template: collectivités counted by
kind), its test `tests/test_<name>.py` (a hand-computed case), a notebook `notebooks/NN_<name>.ipynb` (stored
stripped, a `parameters` cell, stage 1, `villenum_findings: ["<name>"]`, a table, a figure and a closing
scorecard cell) and either

- a template claim row in `data/raw/published/2013/claims.csv` (kind `value`: the panel size recomputed from
  the placeholder table, with the published figure's sources), the finding added to the `finding` enum of that
  resource in `data/raw/datapackage.json`; or
- with `exploratory`, no claim at all: the notebook's metadata says `villenum_exploratory: true`, its closing
  cell and the report say « exploratoire, sans énoncé publié ».

`remove_finding` deletes what the scaffold wrote (the claim rows of the finding, the enum entry) and every
output of the finding: result tables `<name>_*.csv` under data/processed/, executed notebooks, HTML pages,
figures and cache records under reports/, experiments included. Both refuse (ScaffoldError) a malformed
number or name, and `new_finding` a number or name already used.
"""

from __future__ import annotations

import argparse
import csv
import json
import keyword
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from villenum.atomic import write_atomic
from villenum.scaffold_claims import CLAIMS, DATAPACKAGE, add_claim, remove_claims, set_enum  # noqa: F401 - re-exported


SCAFFOLD_KEY = "villenum_scaffold"  # notebook metadata: "new-finding" marks what remove-finding may delete
TEMPLATES = Path(__file__).parent / "data" / "templates"
NAME = re.compile(r"^[a-z][a-z0-9]{1,29}$")  # no underscore: `<name>_` then prefixes this finding's files only
NUMBER = re.compile(r"^[0-9]{2}$")
OUTPUT_ROOTS = ("data/processed", "reports")


class ScaffoldError(Exception):
    """A request the scaffold refuses (bad or used number or name), with a message a person can act on."""


@dataclass(frozen=True)
class Finding:
    """What a finding's files are called, in a repository `root`."""

    root: Path
    number: str
    name: str

    @property
    def stem(self) -> str:
        """`07_kinds`: the notebook's file stem."""
        return f"{self.number}_{self.name}"

    @property
    def module(self) -> Path:
        """The library module, `src/villenum/<name>.py`."""
        return self.root / "src" / "villenum" / f"{self.name}.py"

    @property
    def test(self) -> Path:
        """The test file, `tests/test_<name>.py`."""
        return self.root / "tests" / f"test_{self.name}.py"

    @property
    def notebook(self) -> Path:
        """The notebook, `notebooks/NN_<name>.ipynb`."""
        return self.root / "notebooks" / f"{self.stem}.ipynb"


def check_syntax(number: str, name: str) -> None:
    """Raise ScaffoldError unless `number` is two digits (not 00) and `name` a lower-case word of 2–30 letters
    or digits, starting with a letter, that is not a Python keyword."""
    if not NUMBER.match(number) or number == "00":
        raise ScaffoldError(f"number {number!r}: two digits, 01 to 99 (e.g. 07)")
    if not NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(f"name {name!r}: 2 to 30 lower-case letters or digits, starting with a letter, no "
                            f"underscore, not a Python keyword (e.g. kinds)")


def used_findings(root: Path) -> set[str]:
    """Finding names in use: the notebooks' names and the `finding` values of every wave's claims."""
    names = {p.stem.split("_", 1)[1] for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for claims in (root / "data" / "raw" / "published").glob("*/claims.csv"):
        with claims.open(encoding="utf-8", newline="") as fh:
            names |= {row["finding"] for row in csv.DictReader(fh)}
    return names


def check_free(f: Finding) -> None:
    """Raise ScaffoldError if the finding's number, name, module or test file is already taken."""
    taken = sorted(p.name for p in (f.root / "notebooks").glob(f"{f.number}_*.ipynb"))
    if taken:
        raise ScaffoldError(f"number {f.number} is already used by notebooks/{taken[0]}")
    if f.name in used_findings(f.root):
        raise ScaffoldError(f"finding {f.name!r} already exists (a notebook or a claim uses it)")
    for path in (f.module, f.module.with_suffix(""), f.test):
        if path.exists():
            raise ScaffoldError(f"{path.relative_to(f.root)} already exists: choose another name")


def check_next(f: Finding) -> None:
    """Raise ScaffoldError unless the finding's number is the next one: notebooks are numbered 01, 02... without
    gaps (tests/test_notebooks.py)."""
    numbers = [int(p.name[:2]) for p in (f.root / "notebooks").glob("[0-9][0-9]_*.ipynb")]
    expected = max(numbers, default=0) + 1
    if int(f.number) != expected:
        raise ScaffoldError(f"number {f.number}: notebooks are numbered without gaps (tests/test_notebooks.py); "
                            f"the next one is {expected:02d}")


def check_removable(f: Finding, force: bool) -> None:
    """Raise ScaffoldError if removing `f` could delete what new-finding did not write: a notebook without the
    scaffold's mark (a finding of the study: only with `force`), or a module or test of that name without its
    notebook (e.g. `remove-finding 09 stats`, or the right name with the wrong number)."""
    if f.notebook.is_file():
        meta = json.loads(f.notebook.read_text(encoding="utf-8")).get("metadata", {})
        if meta.get(SCAFFOLD_KEY) != "new-finding" and not force:
            raise ScaffoldError(f"notebooks/{f.notebook.name} was not written by new-finding (a finding of the study?): "
                                f"nothing removed; pass --force to remove it anyway")
        return
    other = sorted((f.root / "notebooks").glob(f"[0-9][0-9]_{f.name}.ipynb"))
    if other:
        raise ScaffoldError(f"finding {f.name!r} is notebooks/{other[0].name}: remove-finding {other[0].name[:2]} {f.name}")
    present = [p for p in (f.module, f.test) if p.exists()]
    if present:
        raise ScaffoldError(f"no notebooks/{f.notebook.name}: {present[0].relative_to(f.root)} is not a scaffolded "
                            f"finding's; nothing removed")


def render(template: str, f: Finding) -> str:
    """A template of data/templates/ with `{name}` and `{number}` replaced."""
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    return text.replace("{name}", f.name).replace("{number}", f.number)


def new_finding(root: Path, number: str, name: str, exploratory: bool = False) -> list[Path]:
    """Scaffold finding `number`/`name` in the repository `root`; return the files written or changed."""
    from villenum.scaffold_notebook import notebook_bytes

    check_syntax(number, name)
    f = Finding(Path(root), number, name)
    check_free(f)
    check_next(f)
    write_atomic(f.module, render("module.py.tmpl", f))
    write_atomic(f.test, render("test.py.tmpl", f))
    write_atomic(f.notebook, notebook_bytes(f.number, f.name, exploratory))
    written = [f.module, f.test, f.notebook]
    if not exploratory:
        written += [add_claim(f.root, f.name), set_enum(f.root, f.name, add=True)]
    return written


def remove_finding(root: Path, number: str, name: str, force: bool = False) -> list[Path]:
    """Delete finding `number`/`name` from the repository `root`: its files, claim rows, enum entries and every
    output of its runs; return what was deleted or changed (nothing, if nothing was there). A notebook that
    new-finding did not write is removed only with `force` (see check_removable)."""
    check_syntax(number, name)
    f = Finding(Path(root), number, name)
    check_removable(f, force)
    gone = [p for p in (f.module, f.test, f.notebook) if p.is_file()]
    gone += sorted(f.module.parent.glob(f"__pycache__/{f.name}.*.pyc")) + sorted(f.test.parent.glob(
        f"__pycache__/{f.test.stem}.*.pyc")) + outputs(f)
    for path in gone:
        path.unlink()
    enum = set_enum(f.root, f.name, add=False)
    return gone + remove_claims(f.root, f.name) + ([enum] if enum else [])


def outputs(f: Finding) -> list[Path]:
    """Every file a run of the finding wrote under data/processed/ and reports/ (any wave, experiments too):
    tables and figures `<name>_*`, executed notebooks, pages and cache records `NN_<name>.*`. Survey folders
    (`data/processed/<wave>/survey/`: inputs, not outputs) are left alone."""
    found = []
    prefixes = (f"{f.name}_", f"{f.stem}.", f".{f.stem}.")
    for top in OUTPUT_ROOTS:
        found += [p for p in sorted((f.root / top).rglob("*")) if p.is_file() and p.name.startswith(prefixes)
                  and "survey" not in p.relative_to(f.root / top).parts]
    return found


class Subcommands(Protocol):
    """What `argparse.ArgumentParser.add_subparsers` returns, as far as `add_parsers` uses it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """A new sub-command's parser."""


def add_parsers(sub: Subcommands) -> None:
    """The `new-finding` and `remove-finding` sub-commands of `python -m villenum`."""
    new = sub.add_parser("new-finding", help="scaffold a finding: module, test, notebook, claim row (or exploratory)")
    rm = sub.add_parser("remove-finding", help="delete what new-finding wrote, and the finding's outputs")
    for p in (new, rm):
        p.add_argument("number", help="two digits, the notebook's number (e.g. 07)")
        p.add_argument("name", help="lower-case letters or digits (e.g. kinds)")
        p.add_argument("--root", type=Path, default=None, help="repository (default: the one villenum runs from)")
    rm.add_argument("--force", action="store_true", help="also a notebook that new-finding did not write")
    new.add_argument("--exploratory", action="store_true",
                     help="no published statement: no claim row, the notebook and the report say « exploratoire »")


def command(args: argparse.Namespace) -> int:
    """Run `new-finding` or `remove-finding`; print what changed; return the exit code (2 when refused)."""
    from villenum import paths

    root = Path(args.root or paths.ROOT).resolve()
    try:
        if args.command == "new-finding":
            done = new_finding(root, args.number, args.name, args.exploratory)
        else:
            done = remove_finding(root, args.number, args.name, args.force)
    except ScaffoldError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    verb = "wrote" if args.command == "new-finding" else "removed"
    for path in done:
        print(f"{'changed' if verb == 'removed' and path.exists() else verb}  {path.relative_to(root)}")
    if args.command == "new-finding":
        print(f"next: python -m villenum reproduce --only {args.number}; edit src/villenum/{args.name}.py, its test and "
              f"notebook; then make update-reference (README « Add a finding »)")
    elif not done:
        print(f"nothing to remove for {args.number}_{args.name}")
    else:
        print("note: the scorecard and the report list it until the next `python -m villenum reproduce`")
        if root == paths.ROOT.resolve() and root / CLAIMS in done:
            _refresh_reconstruction()
    return 0


def _refresh_reconstruction() -> None:
    """The 2013 reconstruction records the digest of its claims (survey/MANIFEST.json): after their rows are
    removed, regenerate it if a run had recorded the scaffolded claims, so that nothing of the finding is left."""
    from villenum import paths
    from villenum.pipeline import generate
    from villenum.pipeline.stamps import reconstruction_is_fresh

    wave = "2013"
    if paths.assumptions_file(wave).is_file() and not reconstruction_is_fresh(paths.assumptions_file(wave),
                                                                              paths.survey_dir(wave), None):
        print(f"changed  {generate(wave).relative_to(paths.ROOT)}/MANIFEST.json (it records the claims' digest)")
