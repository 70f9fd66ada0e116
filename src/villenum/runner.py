"""Execute the findings' notebooks with papermill: parameter checks, stages, parallel jobs, a cache, clear failures."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from villenum import paths
from villenum.io import write_atomic

KERNEL = "villenum"
STAGE_KEY = "villenum_stage"  # notebook metadata: notebooks of a later stage read the outputs of earlier ones


class RunError(RuntimeError):
    """A notebook run could not be set up or failed; the message names the notebook (and cell)."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one notebook: ran, cached or failed, with the executed notebook's path."""

    notebook: str
    status: str
    output: Path
    message: str = ""


def discover(notebooks_dir: Path = paths.NOTEBOOKS, only: list[str] | None = None) -> list[Path]:
    """Numbered notebooks (`NN_name.ipynb`) in reading order, optionally only those whose number is listed."""
    found = sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if only:
        wanted = {o.zfill(2) for o in only}
        unknown = wanted - {p.name[:2] for p in found}
        if unknown:
            raise RunError(f"no notebook numbered {', '.join(sorted(unknown))} in {notebooks_dir}; "
                           f"known: {', '.join(p.name for p in found)}")
        found = [p for p in found if p.name[:2] in wanted]
    return found


def finding_name(notebook: Path) -> str:
    """`02_objectives.ipynb` -> `objectives`: the prefix of the notebook's output files."""
    return notebook.stem.split("_", 1)[1]


def declared_parameters(notebook: Path) -> dict[str, object]:
    """Names and default values of the `parameters` cell of a notebook (literal defaults only)."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise RunError(f"{notebook.name}: needs exactly one cell tagged 'parameters', found {len(cells)}")
    declared = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            declared[node.targets[0].id] = ast.literal_eval(node.value)
    return declared


def check_parameters(notebooks: list[Path], common: dict, extra: dict) -> dict[Path, dict]:
    """Parameters for each notebook: the common ones it declares plus user ones, type-checked; unknown names fail."""
    declared = {nb: declared_parameters(nb) for nb in notebooks}
    names = set().union(*declared.values()) if declared else set()
    unknown = sorted(set(extra) - names)
    if unknown:
        raise RunError(f"unknown parameter(s) {', '.join(unknown)}: no selected notebook declares them "
                       f"(declared: {', '.join(sorted(names))})")
    chosen = {}
    for nb, params in declared.items():
        values = {k: v for k, v in {**common, **extra}.items() if k in params}
        for key, value in values.items():
            default = params[key]
            if default is not None and not _same_type(default, value):
                raise RunError(f"parameter {key}={value!r} has type {type(value).__name__}, but {nb.name} "
                               f"expects {type(default).__name__} (default {default!r})")
        chosen[nb] = values
    return chosen


def _same_type(default: object, value: object) -> bool:
    """Accept ints for floats, nothing else looser."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def parse_cli_value(text: str) -> object:
    """`-p name=value` values: Python literals (numbers, True, quoted strings), else the raw string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _digest_files(files: list[Path]) -> list[list[str]]:
    """[path, sha256] of each file, in a stable order (lists, so that a JSON round trip compares equal)."""
    return [[str(f), hashlib.sha256(f.read_bytes()).hexdigest()] for f in sorted(files)]


def library_digest() -> str:
    """Hash of the library's source and package data: a change of code re-runs every notebook."""
    pkg = Path(__file__).resolve().parent
    files = [p for p in pkg.rglob("*") if p.is_file() and p.suffix in {".py", ".csv", ".toml", ".json"}]
    listing = [[str(Path(f).relative_to(pkg)), h] for f, h in _digest_files(files)]
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def input_files(params: dict) -> list[Path]:
    """Every file under the directories a notebook is given (survey, published, reference)."""
    files: list[Path] = []
    for key in ("survey_dir", "published_dir", "reference_dir"):
        if params.get(key) and Path(params[key]).is_dir():
            files += [p for p in Path(params[key]).rglob("*") if p.is_file() and not p.name.startswith(".")]
    return files


def output_files(notebook: Path, output_dir: Path) -> list[Path]:
    """The result tables a notebook writes: `<finding>.csv` and `<finding>_*.csv` in the output directory."""
    name = finding_name(notebook)
    return sorted({*output_dir.glob(f"{name}.csv"), *output_dir.glob(f"{name}_*.csv")})


def cache_key(notebook: Path, params: dict, upstream: list[Path], lib: str) -> str:
    """Hash of what a run depends on: notebook, parameters, input files, upstream outputs, library."""
    parts = {
        "notebook": hashlib.sha256(notebook.read_bytes()).hexdigest(),
        "parameters": params,
        "inputs": _digest_files(input_files(params) + upstream),
        "library": lib,
        "python": sys.version,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _cache_file(report_dir: Path, notebook: Path) -> Path:
    return report_dir / ".cache" / f"{notebook.stem}.json"


def cached(report_dir: Path, notebook: Path, key: str, output_dir: Path) -> bool:
    """True if the last successful run had this key and its outputs are still there, unchanged."""
    record = _cache_file(report_dir, notebook)
    if not record.is_file() or not (report_dir / notebook.name).is_file():
        return False
    saved = json.loads(record.read_text())
    outputs = output_files(notebook, output_dir)
    return saved.get("key") == key and saved.get("outputs") == _digest_files(outputs)


def execute(notebook: Path, params: dict, report_dir: Path, kernel: str = KERNEL) -> Outcome:
    """Run one notebook with papermill into `report_dir`; on a failing cell keep `NAME.failed.ipynb`."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    final = report_dir / notebook.name
    partial = report_dir / f".{notebook.stem}.partial.ipynb"
    failed = report_dir / f"{notebook.stem}.failed.ipynb"
    try:
        pm.execute_notebook(notebook, partial, parameters=params, kernel_name=kernel, language="python",
                            progress_bar=False, cwd=str(notebook.parent))
    except PapermillExecutionError as err:
        os.replace(partial, failed)
        return Outcome(notebook.name, "failed", failed,
                       f"{notebook.name}: cell {err.cell_index} (execution count {err.exec_count}) "
                       f"raised {err.ename}: {err.evalue}. Partial notebook kept at {failed}")
    except Exception as err:  # kernel missing, unreadable notebook, disk full...: name the notebook
        partial.unlink(missing_ok=True)
        return Outcome(notebook.name, "failed", final, f"{notebook.name}: {type(err).__name__}: {err}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, final)
    failed.unlink(missing_ok=True)
    return Outcome(notebook.name, "ran", final)


def stage_of(notebook: Path) -> int:
    """A notebook's stage (metadata `villenum_stage`, default 1)."""
    return int(nbformat.read(notebook, as_version=4).metadata.get(STAGE_KEY, 1))


def run(notebooks: list[Path], common: dict, extra: dict | None = None, *, report_dir: Path,
        output_dir: Path, jobs: int = 1, force: bool = False, kernel: str = KERNEL,
        progress: bool = True) -> list[Outcome]:
    """Run notebooks stage by stage, `jobs` at a time, skipping those whose cache key is unchanged."""
    from tqdm.auto import tqdm

    chosen = check_parameters(notebooks, common, extra or {})
    report_dir.mkdir(parents=True, exist_ok=True)
    lib = library_digest()
    outcomes: list[Outcome] = []
    stages = sorted({stage_of(nb) for nb in notebooks})
    bar = tqdm(total=len(notebooks), desc="notebooks", unit="nb", disable=not progress, file=sys.stderr)
    for stage in stages:
        todo = [nb for nb in notebooks if stage_of(nb) == stage]
        upstream = [f for nb in discover(notebooks[0].parent) if stage_of(nb) < stage
                    for f in output_files(nb, output_dir)]
        keys = {nb: cache_key(nb, chosen[nb], upstream, lib) for nb in todo}

        def one(nb: Path) -> Outcome:
            if not force and cached(report_dir, nb, keys[nb], output_dir):
                return Outcome(nb.name, "cached", report_dir / nb.name)
            _cache_file(report_dir, nb).unlink(missing_ok=True)
            outcome = execute(nb, chosen[nb], report_dir, kernel)
            if outcome.status == "ran":
                record = {"key": keys[nb], "outputs": _digest_files(output_files(nb, output_dir))}
                write_atomic(_cache_file(report_dir, nb), json.dumps(record, indent=1))
            return outcome

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for outcome in pool.map(one, todo):
                outcomes.append(outcome)
                bar.update(1)
                bar.set_postfix_str(f"{outcome.notebook}: {outcome.status}")
        if any(o.status == "failed" for o in outcomes):
            break
    bar.close()
    return outcomes
