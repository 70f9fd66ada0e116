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
    """The questionnaire kept for an edition under data/raw (may not exist: see questionnaire.find_questionnaire)."""
    return RAW / "questionnaires" / f"{wave}.toml"
