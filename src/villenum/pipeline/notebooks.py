"""Notebook discovery and what a notebook declares: stage, parameters, leading imports, findings.

A notebook is read once as plain JSON (no nbformat: a cached run stays light). Its metadata says what the
pipeline and the report need to know, so that nobody reads its source text for it:

- `villenum_stage`: notebooks of a later stage read the result tables of earlier ones (default 1);
- `villenum_findings`: the findings (scorecard `finding` values) whose claims the notebook evaluates;
- `villenum_exploratory`: true for a finding with no published statement (no claim, no verdict: the report
  says so);
- `villenum_scope`: `"editions"` for a notebook that compares the editions (it reads every edition's results and
  runs after them, with `reproduce --editions`, never in one wave's run); default `"wave"`.

(The figures a notebook saves are marked at run time, in the metadata of the output that shows them: see
`Context.save_figure` and `report.FIGURE_KEY`.)
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from villenum import paths
from villenum.pipeline.outcome import RunError

STAGE_KEY = "villenum_stage"
FINDINGS_KEY = "villenum_findings"
EXPLORATORY_KEY = "villenum_exploratory"
SCOPE_KEY = "villenum_scope"
WAVE_SCOPE, EDITIONS_SCOPE = "wave", "editions"
PARTIAL_SUFFIX = ".partial.ipynb"


@dataclass
class Notebook:
    """A source notebook: bytes digest, stage, declared parameters (or why they cannot be read), leading
    imports, the findings its metadata declares, and whether it is exploratory (no published statement)."""

    path: Path
    digest: str
    stage: int
    parameters: dict[str, object]
    parameter_error: str = ""
    imports: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    exploratory: bool = False
    scope: str = WAVE_SCOPE


_READ: dict[tuple[str, int, int], Notebook] = {}


def source(cell: dict) -> str:
    """A cell's source as one string (nbformat stores it as a string or a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def read_notebook(path: Path) -> Notebook:
    """Parse a notebook's JSON once per (path, mtime, size); raise RunError if it is not a notebook."""
    path = Path(path)
    st = path.stat()
    memo = (str(path), st.st_mtime_ns, st.st_size)
    if memo not in _READ:
        _READ[memo] = _parse(path, path.read_bytes())
    return _READ[memo]


def _parse(path: Path, raw: bytes) -> Notebook:
    """The Notebook of a file's bytes."""
    try:
        nb = json.loads(raw)
        cells, meta = nb["cells"], nb.get("metadata", {})
    except (ValueError, KeyError, TypeError) as err:
        raise RunError(f"{path.name}: not a readable notebook ({err})") from None
    try:
        stage = int(meta.get(STAGE_KEY, 1))
    except (TypeError, ValueError):
        raise RunError(f"{path.name}: metadata {STAGE_KEY}={meta.get(STAGE_KEY)!r} is not a whole number") from None
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    params, error = _parameters(path, tagged)
    code = [c for c in cells if c.get("cell_type") == "code" and c not in tagged]
    scope = meta.get(SCOPE_KEY, WAVE_SCOPE)
    if scope not in (WAVE_SCOPE, EDITIONS_SCOPE):
        raise RunError(f"{path.name}: metadata {SCOPE_KEY}={scope!r} is not {WAVE_SCOPE!r} or {EDITIONS_SCOPE!r}")
    return Notebook(path, hashlib.sha256(raw).hexdigest(), stage, params, error, _leading_imports(code),
                    [str(f) for f in meta.get(FINDINGS_KEY, [])], meta.get(EXPLORATORY_KEY) is True, scope)


def _parameters(path: Path, tagged: list[dict]) -> tuple[dict[str, object], str]:
    """The literal assignments of the one `parameters` cell, and an error message if it cannot be read."""
    if len(tagged) != 1:
        return {}, f"{path.name}: needs exactly one cell tagged 'parameters', found {len(tagged)}"
    params: dict[str, object] = {}
    try:
        for node in ast.parse(source(tagged[0])).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                params[node.targets[0].id] = ast.literal_eval(node.value)
    except (SyntaxError, ValueError) as err:
        return {}, f"{path.name}: the parameters cell must assign literal values ({err})"
    return params, ""


def _leading_imports(cells: list[dict]) -> list[str]:
    """Modules imported by the notebook's first statements, up to its first statement that is not an import."""
    modules: list[str] = []
    for cell in cells:
        try:
            body = ast.parse(source(cell)).body
        except SyntaxError:
            return modules
        for node in body:
            if isinstance(node, ast.Import):
                modules += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.append(node.module)
                modules += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
            else:
                return modules
    return modules


def discover(notebooks_dir: Path | None = None, only: list[str] | None = None) -> list[Path]:
    """Numbered notebooks (`NN_name.ipynb`) in reading order, optionally only those whose number is listed."""
    notebooks_dir = Path(notebooks_dir or paths.NOTEBOOKS)
    found = sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb") if not p.name.endswith(PARTIAL_SUFFIX))
    if only:
        wanted = {o.strip().zfill(2) for o in only}
        unknown = wanted - {p.name[:2] for p in found}
        if unknown:
            raise RunError(f"no notebook numbered {', '.join(sorted(unknown))} in {notebooks_dir}; "
                           f"known: {', '.join(p.name for p in found) or 'none'}")
        found = [p for p in found if p.name[:2] in wanted]
    return found


def compares_editions(notebook: Path) -> bool:
    """Whether a notebook compares the editions (metadata `villenum_scope: "editions"`)."""
    return read_notebook(notebook).scope == EDITIONS_SCOPE


def finding_name(notebook: Path) -> str:
    """`02_objectives.ipynb` -> `objectives`: the prefix of the notebook's output files."""
    return Path(notebook).stem.split("_", 1)[1]


def declared_parameters(notebook: Path) -> dict[str, object]:
    """Names and default values of the `parameters` cell of a notebook (literal defaults only)."""
    nb = read_notebook(notebook)
    if nb.parameter_error:
        raise RunError(nb.parameter_error)
    return dict(nb.parameters)


def stage_of(notebook: Path) -> int:
    """A notebook's stage (metadata `villenum_stage`, default 1)."""
    return read_notebook(notebook).stage


def finding_notebooks(notebooks: list[Path]) -> dict[str, str]:
    """finding -> stem of the notebook that evaluates its claims, from each notebook's `villenum_findings`."""
    return {finding: Path(nb).stem for nb in notebooks for finding in read_notebook(nb).findings}
