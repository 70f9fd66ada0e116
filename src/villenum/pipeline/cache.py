"""One cache for every piece of work the pipeline may skip: notebooks, the reconstruction, the survey's
validation and the report.

Each piece of work has one JSON record (`Record`): the parts of what it depended on (each a JSON value) and
their hash (`key`), plus what it produced. Work is skipped when the parts are the same as in the record and
what it produced is still there, unchanged; otherwise `Record.reason` says why it is redone, naming the parts
that changed (as doit does). Every decision compares content hashes, never timestamps.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from villenum import paths
from villenum.pipeline import fingerprint
from villenum.pipeline.notebooks import finding_name, read_notebook, stage_of

CACHE = ".cache"  # hidden: never part of a survey's data, ignored by git
CACHE_FORMAT = 3
DIR_PARAMETERS = ("survey_dir", "published_dir", "reference_dir")  # directories whose files a notebook reads
RESULTS_PARAMETER = "results_dirs"  # {wave: directory}: the result tables (*.csv) of other runs a notebook reads
WHAT = {"notebook": "notebook edited", "parameters": "parameters changed", "inputs": "input files changed",
        "upstream": "tables of an earlier stage changed", "library": "villenum's code changed",
        "environment": "installed packages or kernel changed", "python": "Python changed"}


def key(parts: dict) -> str:
    """The hash of what a piece of work depends on."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Record:
    """The cache record of one piece of work, in a JSON file: `key`, `parts`, and what the work produced."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> dict:
        """The record, {} if missing or unreadable."""
        return fingerprint.read_json(self.path)

    def matches(self, parts: dict) -> bool:
        """True if the record was written for exactly these parts."""
        return self.read().get("key") == key(parts)

    def reason(self, parts: dict, produced_intact: bool = True) -> str:
        """Why the work must be redone, in a few words ("" if it need not)."""
        record = self.read()
        if not record:
            return "never run, or its record is gone"
        old = record.get("parts") or {}
        changed = [WHAT.get(name, f"{name} changed") for name in parts if old.get(name) != _plain(parts[name])]
        if changed:
            detail = _changed_parameters(old.get("parameters"), parts.get("parameters"))
            return "; ".join(c + (f" ({detail})" if c == WHAT["parameters"] and detail else "") for c in changed)
        return "" if produced_intact else "its outputs were changed or removed since"

    def write(self, parts: dict, **produced: object) -> None:
        """Record the parts and what the work produced (atomically)."""
        from villenum.io import write_atomic

        write_atomic(self.path, json.dumps({"key": key(parts), "parts": parts, **produced}, indent=1, sort_keys=True))


def _plain(value: object) -> object:
    """A value as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def _changed_parameters(old: object, new: object) -> str:
    """Names of the parameters whose value differs."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ""
    return ", ".join(sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k)))


# ------------------------------------------------------------------------------------------- notebooks
def notebook_record(report_dir: Path, notebook: Path) -> Record:
    """The cache record of a notebook run into `report_dir`."""
    return Record(Path(report_dir) / CACHE / f"{Path(notebook).stem}.json")


def _default_dir(name: str, params: dict) -> Path:
    """The directory a notebook uses when a directory parameter is empty (as `open_context` resolves it)."""
    wave = str(params.get("wave") or paths.DEFAULT_WAVE)
    return {"survey_dir": paths.survey_dir(wave), "published_dir": paths.published_dir(wave),
            "reference_dir": paths.RAW / "reference"}[name]


def input_files(params: dict) -> list[Path]:
    """Every file under the directories a notebook is given (survey, published, reference).

    An empty directory parameter means the wave's default. The published figures of every edition are inputs
    of a notebook given a published directory (a wave without its own is judged against 2013's claims, and
    claims across editions read other editions' figures); so is the questionnaire the survey is read with. A
    notebook comparing editions reads the result tables of each edition's run (`results_dirs`) and every
    edition's questionnaire.
    """
    files: list[Path] = []
    wave = str(params.get("wave") or paths.DEFAULT_WAVE)
    for name in DIR_PARAMETERS:
        if name not in params:
            continue
        directory = Path(params[name]) if params[name] else _default_dir(name, params)
        if directory.is_dir():
            files += fingerprint.tree(directory)
        if name == "published_dir" and (paths.RAW / "published").is_dir():
            files += [f for f in fingerprint.tree(paths.RAW / "published") if f not in files]
        if name == "survey_dir":
            files.append(paths.find_questionnaire(wave, directory))
    for directory in sorted((params.get(RESULTS_PARAMETER) or {}).values()):
        files += sorted(p for p in Path(directory).glob("*.csv") if p.is_file())
    if RESULTS_PARAMETER in params:
        files += [p for p in sorted(paths.RAW.glob("questionnaires/*.toml")) if p not in files]
    return files


def output_files(notebook: Path, output_dir: Path, figure_dir: Path | None = None) -> list[Path]:
    """What a notebook writes: `<finding>.csv` / `<finding>_*.csv` result tables (and figures of that prefix)."""
    name = finding_name(notebook)
    found = {*Path(output_dir).glob(f"{name}.csv"), *Path(output_dir).glob(f"{name}_*.csv")}
    if figure_dir is not None and Path(figure_dir).is_dir():
        found |= {p for p in Path(figure_dir).glob(f"{name}*")
                  if p.is_file() and (p.name.startswith(f"{name}.") or p.name.startswith(f"{name}_"))}
    return sorted(found)


def upstream_files(stage: int, all_notebooks: list[Path], output_dir: Path) -> list[Path]:
    """What a notebook of `stage` reads from the output directory: every result table except those of its own
    or later stages (earlier stages' tables, and any other table lying there)."""
    if stage <= min((stage_of(nb) for nb in all_notebooks), default=stage):
        return []
    later = {f for nb in all_notebooks if stage_of(nb) >= stage for f in output_files(nb, output_dir)}
    return sorted(p for p in Path(output_dir).glob("*.csv") if p.is_file() and p not in later)


def key_parts(notebook: Path, params: dict, upstream: list[Path], lib: str, env: str = "") -> dict:
    """The parts of a notebook's cache key, each a JSON value (kept in the record to explain a re-run)."""
    return {
        "format": CACHE_FORMAT,
        "notebook": read_notebook(notebook).digest,
        "parameters": _plain(params),
        "inputs": fingerprint.digest_files(input_files(params)),
        "upstream": fingerprint.digest_files(upstream),
        "library": lib,
        "environment": env,
        "python": sys.version,
    }


def produced(report_dir: Path, notebook: Path, output_dir: Path, figure_dir: Path | None) -> dict:
    """Digests of what a notebook run left: its executed notebook and its outputs."""
    executed = Path(report_dir) / Path(notebook).name
    return {"executed": fingerprint.digest_files([executed])[0][1] if executed.is_file() else None,
            "outputs": fingerprint.digest_files(output_files(notebook, output_dir, figure_dir))}


def cached(report_dir: Path, notebook: Path, parts: dict, output_dir: Path, figure_dir: Path | None = None) -> str:
    """"" if the last successful run had these parts and left outputs that are unchanged, else why it re-runs."""
    record = notebook_record(report_dir, notebook)
    intact = False
    if record.matches(parts):
        now, then = produced(report_dir, notebook, output_dir, figure_dir), record.read()
        intact = now["executed"] is not None and all(then.get(k) == v for k, v in now.items())
    return record.reason(parts, intact)


def last_duration(report_dir: Path, notebook: Path) -> float:
    """Duration of the last run (from the record or its backup), 1e9 if never run (a new notebook goes first)."""
    from villenum.pipeline.transaction import backup_path

    record = notebook_record(report_dir, notebook)
    data = record.read() or fingerprint.read_json(backup_path(record.path))
    try:
        return float(data.get("duration", 1e9))
    except (TypeError, ValueError):
        return 1e9
