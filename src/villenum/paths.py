"""Where things live in the repository: one place for every default path."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
PROCESSED = ROOT / "data" / "processed"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"


def survey_dir(wave: str) -> Path:
    """Default record-level survey directory of a wave (the 2013 one is the reconstruction)."""
    return PROCESSED / wave / "survey"


def output_dir(wave: str) -> Path:
    """Default directory of a wave's result tables."""
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
FIRST_WAVE = "2013"  # the first edition: its questionnaire and claims are the fallback of a wave without its own


def find_questionnaire(wave: str = FIRST_WAVE, survey_dir: str | Path | None = None) -> Path:
    """The questionnaire file of a wave: the survey folder's, else `data/raw/questionnaires/<wave>.toml`, else
    the first edition's (2013). Pure path logic, so that the runner's cache can name it without importing pandas."""
    candidates = [Path(survey_dir) / QUESTIONNAIRE_FILE] if survey_dir else []
    candidates += [questionnaire_file(wave), questionnaire_file(FIRST_WAVE)]
    return next(p for p in candidates if p.is_file())
