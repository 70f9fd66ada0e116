"""The bad-input corpus (tests/bad_inputs/): its cases, what each expects, and how the command line prints
problems. Shared by tests/test_bad_inputs.py (through the library; reproductions of the loading cases) and
tests/test_bad_inputs_cli.py (through the command line): two modules, so that pytest-xdist's `--dist loadfile`
(`make test`) runs their costly parts on two workers at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from villenum import paths

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name[:2].isdigit())
FAILING = [c for c in CASES if not json.loads((c / "expected.json").read_text(encoding="utf-8")).get("loads")]
LOADING = [c for c in CASES if c not in FAILING]



def expected(case: Path) -> dict:
    """The case's expected.json."""
    return json.loads((case / "expected.json").read_text(encoding="utf-8"))


def snapshot(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file under `roots` with its size and modification time."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for r in roots if r.exists()
            for p in sorted(r.rglob("*")) if p.is_file()}


def where(p: dict) -> str:
    """How the CLI prints the location and value of a problem (see errors.Problem.__str__)."""
    text = p["file"]
    text += "" if p["row"] is None else f", row {p['row']}"
    text += "" if p["column"] is None else f", column '{p['column']}'"
    return text + ("" if p["value"] is None else f": value {p['value']!r}")


def printed(problems: list[dict]) -> list[str]:
    """What the CLI must print for the expected problems: one line per problem, except that the same value in
    the same file and column on several rows is one line, `file, rows a, b, c, d, e, ... (n rows), column...`."""
    groups: dict[tuple, list[dict]] = {}
    for p in problems:
        groups.setdefault((p["file"], p["column"], p["value"]), []).append(p)
    out = []
    for (file, column, value), group in groups.items():
        if len(group) == 1:
            out.append(where(group[0]))
            continue
        rows = [str(p["row"]) for p in group]
        text = f"{file}, rows {', '.join(rows[:5])}{', ...' if len(rows) > 5 else ''} ({len(rows)} rows)"
        text += "" if column is None else f", column '{column}'"
        out.append(text + ("" if value is None else f": value {value!r}"))
    return out


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m villenum ARGS` from the repository root."""
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run([sys.executable, "-m", "villenum", *args], capture_output=True, text=True,
                          cwd=paths.ROOT, env=env, timeout=120)
