"""The work around the notebooks, skipped through the same cache records as the notebooks: regenerating a
reconstruction, validating a survey, building the report. Each is redone only when something it depends on
changed (content hashes, never timestamps), and says why."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

from villenum import paths
from villenum.digest import sha256_file
from villenum.errors import InputError
from villenum.pipeline import fingerprint
from villenum.pipeline.cache import CACHE, Record
from villenum.pipeline.outcome import Outcome, RunError



def _write(record: Record, parts: dict, **produced: object) -> None:
    """Write a record; one that cannot be written only costs the work again next time."""
    try:
        record.write(parts, **produced)
    except OSError as err:
        print(f"warning: could not record {record.path} ({err.strerror or err}): the work will be redone next time",
              file=sys.stderr)


# ------------------------------------------------------------------------------------------- reconstruction
def _generator_parts(assumptions: Path, seed: int | None, out: Path) -> dict:
    """What the reconstruction depends on besides the files its MANIFEST lists (hashed there)."""
    return {"library": fingerprint.library_digest(), "environment": fingerprint.environment_digest(), "seed": seed,
            "assumptions": str(Path(assumptions).resolve()), "out": str(Path(out).resolve()),
            "reference_env": os.environ.get(paths.REFERENCE_ENV)}


def _manifest_holds(manifest: dict, assumptions: Path, seed: int | None, out: Path) -> bool:
    """True if every input and written file the MANIFEST lists still has its recorded hash."""
    try:
        if manifest["assumptions"]["sha256"] != sha256_file(assumptions):
            return False
        if seed is not None and int(manifest["seed"]) != seed:
            return False
        for entry in manifest["inputs"]:
            file = paths.ROOT / entry["file"]
            if not Path(entry["file"]).parts or Path(entry["file"]).is_absolute() or not file.is_file():
                return False  # recorded outside the repository: cannot be checked, regenerate
            if sha256_file(file) != entry["sha256"]:
                return False
        return all((out / e["file"]).is_file() and sha256_file(out / e["file"]) == e["sha256"] for e in manifest["files"])
    except (KeyError, TypeError, ValueError):
        return False


def reconstruction_is_fresh(assumptions: Path, out: Path, seed: int | None = None) -> bool:
    """True if `out` holds exactly what regenerating would write: its record matches the generator code,
    environment and seed, and its MANIFEST.json matches every current input file and every written table."""
    out = Path(out)
    manifest_file, record = out / "MANIFEST.json", Record(out / CACHE / "reconstruction.json")
    if not manifest_file.is_file() or not Path(assumptions).is_file():
        return False
    if not record.matches(_generator_parts(assumptions, seed, out)) or \
            record.read().get("manifest") != sha256_file(manifest_file):
        return False
    return _manifest_holds(fingerprint.read_json(manifest_file), Path(assumptions), seed, out)


def generate(wave: str, seed: int | None = None, assumptions: Path | None = None, out: Path | None = None,
             *, if_stale: bool = False) -> Path:
    """Regenerate a wave's reconstruction into its survey directory (only if stale when asked); return it."""
    out = Path(out or paths.survey_dir(wave))
    assumptions = Path(assumptions or paths.assumptions_file(wave))
    if if_stale and reconstruction_is_fresh(assumptions, out, seed):
        return out
    from villenum.generate import main_generate

    try:
        main_generate(seed, assumptions, out)
    except InputError:
        raise
    except (ValueError, KeyError, FileNotFoundError) as err:
        raise RunError(f"cannot regenerate the reconstruction of wave {wave} from {assumptions}: "
                       f"{type(err).__name__}: {err}") from None
    _write(Record(out / CACHE / "reconstruction.json"), _generator_parts(assumptions, seed, out),
           manifest=sha256_file(out / "MANIFEST.json"))
    return out


# ----------------------------------------------------------------------------------------------- validation
def validate(survey: Path, stamp: Path, wave: str = paths.DEFAULT_WAVE) -> None:
    """Validate the survey (villenum.survey.load_survey, with the wave's questionnaire: the survey folder's, else
    the edition's, else 2013's) unless its files, that questionnaire and the library are those of the last
    successful validation recorded in `stamp`; warnings of that validation are shown again."""
    files = [p for p in Path(survey).iterdir() if p.is_file() and not p.name.startswith(".")] \
        if Path(survey).is_dir() else []
    files.append(paths.find_questionnaire(wave, survey if Path(survey).is_dir() else None))
    parts = {"survey": str(survey), "inputs": fingerprint.digest_files(files), "library": fingerprint.library_digest(),
             "environment": fingerprint.environment_digest()}
    record = Record(stamp)
    if record.matches(parts):
        for note in record.read().get("warnings", []):
            print(f"warning: {note}", file=sys.stderr)
        return
    import warnings

    from villenum.questionnaire import load_questionnaire
    from villenum.survey import load_survey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shown once below, and again whenever the validation is skipped
        loaded = load_survey(survey, load_questionnaire(wave, survey))
    for note in loaded.warnings:
        print(f"warning: {note}", file=sys.stderr)
    _write(record, parts, warnings=list(loaded.warnings))


# --------------------------------------------------------------------------------------------------- report
def _report_parts(report_dir: Path, output_dir: Path, outcomes: list[Outcome], params: dict) -> dict:
    """Everything the report shows: statuses, parameters, tables, figures, input files, code, date."""
    figure_dir = Path(params.get("figure_dir") or report_dir / "figures")
    shown = [o.output for o in outcomes if Path(o.output).is_file()]
    inputs = [p for key in ("survey_dir", "published_dir") if params.get(key) and Path(params[key]).is_dir()
              for p in Path(params[key]).iterdir() if p.is_file()]
    figures = [p for p in figure_dir.iterdir() if p.is_file()] if figure_dir.is_dir() else []
    return {
        "outcomes": [[o.notebook, o.status, str(o.output)] for o in outcomes],
        "parameters": {k: str(v) for k, v in sorted(params.items())},
        "inputs": fingerprint.digest_files(shown + list(output_dir.glob("*.csv")) + inputs + figures),
        "library": fingerprint.library_digest(), "environment": fingerprint.environment_digest(),
        "date": datetime.date.today().isoformat(),
    }


def report(report_dir: Path, output_dir: Path, outcomes: list[Outcome], params: dict) -> Path:
    """build_report, skipped when everything it shows is what it showed last time and its pages are intact;
    returns the index page."""
    report_dir, output_dir = Path(report_dir), Path(output_dir)
    parts = _report_parts(report_dir, output_dir, outcomes, params)
    record, index = Record(report_dir / CACHE / "report.json"), report_dir / "index.html"
    pages = sorted(p for p in report_dir.glob("*.html") if p.is_file())
    if record.matches(parts) and index.is_file() and record.read().get("pages") == fingerprint.digest_files(pages):
        return index
    from villenum.report import build_report

    built = Path(build_report(report_dir, output_dir, outcomes, params))
    pages = sorted(p for p in report_dir.glob("*.html") if p.is_file())
    _write(record, parts, pages=fingerprint.digest_files(pages))
    return built
