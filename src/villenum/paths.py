"""Where things live in the repository: one place for every default path, the default wave included."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
PROCESSED = ROOT / "data" / "processed"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
REFERENCE_RESULTS = ROOT / "tests" / "reference"
DEFAULT_WAVE = "2013"
EXPERIMENTS = "experiments"
REFERENCE_ENV = "VILLENUM_REFERENCE_DIR"  # another folder of INSEE reference tables (villenum.reference)


def survey_dir(wave: str) -> Path:
    """Default record-level survey directory of a wave (the 2013 one is the reconstruction)."""
    return PROCESSED / wave / "survey"


def output_dir(wave: str) -> Path:
    """Default directory of a wave's result tables (what a default run writes; not the reference)."""
    return PROCESSED / wave


def published_dir(wave: str) -> Path:
    """Directory of a wave's published figures (may not exist: comparisons are then skipped)."""
    return RAW / "published" / wave


def report_dir(wave: str) -> Path:
    """Directory of a wave's executed notebooks, figures and HTML report."""
    return REPORTS / wave


def questionnaire_file(wave: str) -> Path:
    """The questionnaire kept for an edition under data/raw (may not exist: see find_questionnaire)."""
    return RAW / "questionnaires" / f"{wave}.toml"


QUESTIONNAIRE_FILE = "questionnaire.toml"


def find_questionnaire(wave: str = DEFAULT_WAVE, survey_dir: str | Path | None = None) -> Path:
    """The questionnaire file of a wave: the survey folder's, else `data/raw/questionnaires/<wave>.toml`, else
    the first edition's (2013). Pure path logic, so that the runner's cache can name it without importing pandas."""
    candidates = [Path(survey_dir) / QUESTIONNAIRE_FILE] if survey_dir else []
    candidates += [questionnaire_file(wave), questionnaire_file(DEFAULT_WAVE)]
    return next(p for p in candidates if p.is_file())
def assumptions_file(wave: str) -> Path:
    """The reconstruction assumptions of a wave: data/raw/assumptions/reconstruction-<wave>.toml (reconstructed
    waves only)."""
    return RAW / "assumptions" / f"reconstruction-{wave}.toml"


def reference_results(wave: str) -> Path:
    """The committed reference result tables of a wave, which a run never writes (tests/reference/<wave>/)."""
    return REFERENCE_RESULTS / wave


def experiment_id(changed: dict) -> str:
    """A short stable name for a set of non-default parameters: `confidence=0.9` -> `confidence-0.9-1a2b3c4d`."""
    text = json.dumps(changed, sort_keys=True, default=str)
    label = "_".join(f"{k}-{v}" for k, v in sorted(changed.items()))
    label = "".join(c if c.isalnum() or c in "._-" else "-" for c in label)[:60]
    return f"{label}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def experiment_dirs(wave: str, changed: dict) -> tuple[Path, Path]:
    """(result tables, report) directories of an experiment: a run whose parameters differ from the defaults
    writes under data/processed/<wave>/experiments/<id>/ and reports/<wave>/experiments/<id>/, never over the
    default run's outputs."""
    name = experiment_id(changed)
    return output_dir(wave) / EXPERIMENTS / name, report_dir(wave) / EXPERIMENTS / name
