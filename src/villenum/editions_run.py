"""`python -m villenum reproduce --editions` (what `make reproduce` runs): every edition with published figures,
each through its own run (`reproduce --wave <wave>`, unchanged), then the notebooks that compare the editions
(metadata `villenum_scope: "editions"`), then the report pages that link them.

An edition with neither record-level data (data/processed/<wave>/survey/) nor reconstruction assumptions
(data/raw/assumptions/reconstruction-<wave>.toml) is not run, and says so: the comparison shows its published
figures only. The comparison writes its tables to data/processed/editions/ and its pages to reports/editions/
(under `experiments/<id>/` when a parameter differs from the notebooks' defaults, as a wave's run does); the
front page reports/index.html links every edition's scorecard and the comparison.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from villenum import paths
from villenum.editions_io import NAME, published_waves
from villenum.pipeline.outcome import RunError


def why_not_run(wave: str) -> str:
    """'' if the edition can be run (it has record-level data, or assumptions to reconstruct it), else why not."""
    survey, assumptions = paths.survey_dir(wave), paths.assumptions_file(wave)
    if survey.is_dir() or assumptions.is_file():
        return ""
    return (f"edition {wave}: no record-level data ({survey.relative_to(paths.ROOT)}/) and no reconstruction "
            f"assumptions ({assumptions.relative_to(paths.ROOT)}): not run; the comparison shows its published "
            f"figures only")


def _split(extra: dict, wave_nbs: list[Path], comparison: list[Path]) -> tuple[dict, dict]:
    """The -p parameters of the editions' runs and of the comparison (each goes where it is declared)."""
    from villenum.pipeline.notebooks import declared_parameters

    wave_names = {n for nb in wave_nbs for n in declared_parameters(nb)}
    comparison_names = {n for nb in comparison for n in declared_parameters(nb)}
    unknown = sorted(set(extra) - wave_names - comparison_names)
    if unknown:
        raise RunError(f"unknown parameter(s) {', '.join(unknown)}: no notebook declares them")
    return ({k: v for k, v in extra.items() if k in wave_names},
            {k: v for k, v in extra.items() if k in comparison_names})


def reproduce_editions(args: argparse.Namespace) -> int:
    """Run every edition, then the comparison; return the exit code."""
    from villenum import cli, pipeline
    from villenum.pipeline.notebooks import compares_editions

    if args.survey_dir or args.published_dir or args.only:
        raise RunError("--editions runs every edition on its own data: --survey-dir, --published-dir and --only "
                       "are options of one wave's run (--wave)")
    everything = pipeline.discover(paths.NOTEBOOKS)
    comparison = [nb for nb in everything if compares_editions(nb)]
    extra = dict(pipeline.split_assignment(p) for p in args.parameter)
    wave_extra, comparison_extra = _split(extra, cli.wave_notebooks(None), comparison)
    runs: dict[str, tuple[str, str]] = {}  # wave -> (result tables, report) of its run
    skipped: dict[str, str] = {}
    for wave in published_waves():
        skipped[wave] = why_not_run(wave)
        if skipped[wave]:
            print(f"  skip  {skipped[wave]}", file=sys.stderr)
            continue
        print(f"edition {wave}")
        wave_args = argparse.Namespace(**{**vars(args), "wave": wave, "output_dir": None, "report_dir": None,
                                          "parameter": [f"{k}={v!r}" for k, v in wave_extra.items()]})
        code, output_dir, report_dir = cli.run_wave(wave_args)
        if code:
            return code
        runs[wave] = (str(output_dir), str(report_dir))
    return run_comparison(args, comparison, comparison_extra, runs, {w: s for w, s in skipped.items() if s})


def _directories(args: argparse.Namespace, comparison: list[Path], extra: dict,
                 runs: dict[str, tuple[str, str]]) -> tuple[Path, Path]:
    """(tables, report) directories of the comparison: as given, else an experiment's when a parameter differs
    from the defaults or an edition ran as an experiment, else data/processed/editions and reports/editions."""
    from villenum import pipeline

    changed = dict(pipeline.changed_parameters(comparison, extra))
    changed.update({f"results_{w}": Path(out).name for w, (out, _) in runs.items()
                    if Path(out).resolve() != paths.output_dir(w).resolve()})
    out, rep = paths.experiment_dirs(NAME, changed) if changed else (paths.output_dir(NAME), paths.report_dir(NAME))
    return (args.output_dir or out).resolve(), (args.report_dir or rep).resolve()


def run_comparison(args: argparse.Namespace, comparison: list[Path], extra: dict, runs: dict[str, tuple[str, str]],
                   skipped: dict[str, str]) -> int:
    """Run the comparison's notebooks on every edition's results, then write its page and the front page."""
    from villenum import cli, pipeline
    from villenum.report_editions import editions_page, front_page

    if not comparison:
        print("note: no notebook compares the editions (metadata villenum_scope)", file=sys.stderr)
        return 0
    output_dir, report_dir = _directories(args, comparison, extra, runs)
    waves = published_waves()
    results = {w: runs[w][0] if w in runs else str(paths.output_dir(w)) for w in waves}
    common = {"results_dirs": results, "published_dir": str(paths.RAW / "published"), "output_dir": str(output_dir),
              "figure_dir": str(report_dir / "figures")}
    outcomes = pipeline.run(comparison, common, extra, report_dir=report_dir, output_dir=output_dir, jobs=1,
                            force=args.force, kernel=args.kernel, progress=not args.quiet)
    if not cli.print_outcomes(outcomes):
        return cli.EXIT_FAILED
    page = editions_page(report_dir, outcomes, skipped, waves)
    print(f"report  {page}")
    if report_dir != paths.report_dir(NAME).resolve():
        print(f"note: not the default comparison: {paths.REPORTS / 'index.html'} (the default runs' front page) "
              "left unchanged", file=sys.stderr)
        return 0
    print(f"report  {front_page(paths.REPORTS, {w: Path(r) for w, (_, r) in runs.items()}, skipped, page)}")
    return 0
