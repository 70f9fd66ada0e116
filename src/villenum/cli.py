"""Command line: `python -m villenum reproduce|generate|validate|reference|new-finding|remove-finding`.

`reproduce` does only the work whose inputs changed (see villenum.pipeline): the reconstruction, the survey's
validation, each notebook and the report are redone only when what they depend on changed, and each re-run
says why. A run with non-default parameters (or another survey) is an experiment: unless told where to write,
it writes under data/processed/<wave>/experiments/<id>/ and reports/<wave>/experiments/<id>/. The reference
result tables (tests/reference/<wave>/) are changed only by `reference update`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from villenum import paths, scaffold
from villenum.errors import InputError
from villenum.pipeline.outcome import RunError

EXIT_INPUT, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130


def _parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="villenum", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="run every finding's notebook for a wave")
    rep.add_argument("--wave", default=paths.DEFAULT_WAVE, help=f"wave name (default {paths.DEFAULT_WAVE})")
    rep.add_argument("--editions", action="store_true",
                     help="run every edition with published figures (data/raw/published/*), then the notebooks that "
                          "compare them (data/processed/editions, reports/editions); --output-dir/--report-dir then "
                          "apply to the comparison")
    rep.add_argument("--only", nargs="+", metavar="NN", help="run only these notebook numbers")
    rep.add_argument("--survey-dir", type=Path, help="record-level survey directory (default: the wave's)")
    rep.add_argument("--published-dir", type=Path, help="published figures of the wave (default: data/raw/published/WAVE)")
    rep.add_argument("--output-dir", type=Path, help="result tables (default: data/processed/WAVE, or an experiment's)")
    rep.add_argument("--report-dir", type=Path, help="executed notebooks and figures (default: reports/WAVE, or an experiment's)")
    rep.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once (default: cores)")
    rep.add_argument("--force", action="store_true", help="re-run every notebook, ignoring the cache")
    rep.add_argument("--kernel", default="villenum", help="Jupyter kernel name (default villenum)")
    rep.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="notebook parameter (Python literal), repeatable; unknown names are errors")
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    gen = sub.add_parser("generate", help="regenerate the record-level reconstruction of a wave")
    gen.add_argument("--wave", default=paths.DEFAULT_WAVE)
    gen.add_argument("--seed", type=int, default=None, help="default: the assumptions file's seed")
    gen.add_argument("--assumptions", type=Path, default=None)
    gen.add_argument("--out", type=Path, default=None)
    val = sub.add_parser("validate", help="check a survey directory against the codebook")
    val.add_argument("directory", type=Path)
    val.add_argument("--wave", default=paths.DEFAULT_WAVE,
                     help="whose questionnaire reads it when the folder has none (default: the first edition's)")
    ref = sub.add_parser("reference", help="compare a run's result tables with the reference, or update it")
    ref.add_argument("action", choices=["check", "update"])
    ref.add_argument("--wave", default=paths.DEFAULT_WAVE)
    ref.add_argument("--output-dir", type=Path, help="check: the run's result tables (default: data/processed/WAVE)")
    scaffold.add_parsers(sub)
    return parser


def _experiment(args: argparse.Namespace, changed: dict) -> dict:
    """What makes this run an experiment: non-default parameters, or a survey/published folder that is not
    the wave's own."""
    out = dict(changed)
    if args.survey_dir and args.survey_dir.resolve() != paths.survey_dir(args.wave).resolve():
        out["survey"] = str(args.survey_dir.resolve())
    if args.published_dir and args.published_dir.resolve() != paths.published_dir(args.wave).resolve():
        out["published"] = str(args.published_dir.resolve())
    return out


def _directories(args: argparse.Namespace, experiment: dict) -> tuple[Path, Path]:
    """(output, report) directories: as given, else the experiment's, else the wave's defaults."""
    guarded = bool(experiment) and paths.reference_results(args.wave).is_dir()  # a wave with reference tables
    out, rep = (paths.experiment_dirs(args.wave, experiment) if guarded
                else (paths.output_dir(args.wave), paths.report_dir(args.wave)))
    out, rep = (args.output_dir or out).resolve(), (args.report_dir or rep).resolve()
    if guarded and not args.output_dir:
        names = ", ".join(f"{k}={v!r}" for k, v in experiment.items())
        print(f"experiment ({names}): results in {out}; the default run's results and the reference are "
              f"untouched (--output-dir to choose)", file=sys.stderr)
    return out, rep


def reproduce(args: argparse.Namespace) -> int:
    """Validate the wave's survey, run its notebooks, write the report (or, with --editions, every edition then
    their comparison: villenum.editions_run); return the exit code."""
    if getattr(args, "editions", False):
        from villenum.editions_run import reproduce_editions

        return reproduce_editions(args)
    return run_wave(args)[0]


def wave_notebooks(only: list[str] | None) -> list[Path]:
    """The notebooks of one wave's run: every numbered notebook but those comparing editions (metadata
    `villenum_scope`), which `reproduce --editions` runs after every edition."""
    from villenum import pipeline
    from villenum.pipeline.notebooks import compares_editions

    found = pipeline.discover(paths.NOTEBOOKS, only)
    notebooks = [nb for nb in found if not compares_editions(nb)]
    if only and len(notebooks) < len(found):
        names = ", ".join(nb.name for nb in found if nb not in notebooks)
        raise RunError(f"{names} compares the editions, not one wave: run `python -m villenum reproduce --editions`")
    return notebooks


def run_wave(args: argparse.Namespace) -> tuple[int, Path, Path]:
    """Validate the wave's survey, run its notebooks, write the report; return (exit code, result tables
    directory, report directory)."""
    from villenum import pipeline

    if args.jobs < 1:
        raise RunError(f"--jobs {args.jobs}: at least 1 notebook at a time")
    notebooks = wave_notebooks(args.only)
    extra = dict(pipeline.split_assignment(p) for p in args.parameter)
    output_dir, report_dir = _directories(args, _experiment(args, pipeline.changed_parameters(notebooks, extra)))
    survey = args.survey_dir
    if survey is None and "survey_dir" not in extra:
        from villenum.editions_run import why_not_run

        if why_not_run(args.wave):
            compared = "; `python -m villenum reproduce --editions` compares its published figures" \
                if paths.published_dir(args.wave).is_dir() else ""
            raise RunError(f"{why_not_run(args.wave).split(': not run')[0]}: nothing to run (--survey-dir to give "
                           f"its data){compared}")
    if survey is None and "survey_dir" not in extra and paths.assumptions_file(args.wave).is_file():
        survey = pipeline.generate(args.wave, if_stale=True)
    common = {
        "wave": args.wave,
        "survey_dir": str((survey or paths.survey_dir(args.wave)).resolve()),
        "published_dir": str((args.published_dir or paths.published_dir(args.wave)).resolve()),
        "reference_dir": str(paths.RAW / "reference"),
        "output_dir": str(output_dir),
        "figure_dir": str(report_dir / "figures"),
    }
    pipeline.check_parameters(notebooks, common, extra)  # bad -p values fail before any work
    pipeline.validate(Path(extra.get("survey_dir") or common["survey_dir"]), report_dir / pipeline.CACHE / "survey.json",
                      args.wave)
    outcomes = pipeline.run(notebooks, common, extra, report_dir=report_dir, output_dir=output_dir, jobs=args.jobs,
                            force=args.force, kernel=args.kernel, progress=not args.quiet,
                            on_work=None if args.only else _import_report_soon)
    return _conclude(args, outcomes, report_dir, output_dir, {**common, **extra}), output_dir, report_dir


def print_outcomes(outcomes: list) -> bool:
    """Print each notebook's outcome (and why it ran), then the error of each failed one; True if none failed."""
    for o in outcomes:
        why = f"  ({o.reason})" if o.status == "ran" and o.reason else ""
        print(f"{o.status:>6}  {o.notebook}  -> {o.output}{why}")
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        print(f"error: {o.message}", file=sys.stderr)
    return not failed


def _conclude(args: argparse.Namespace, outcomes: list, report_dir: Path, output_dir: Path, params: dict) -> int:
    """Print each notebook's outcome (and why it ran), then build the report; return the exit code."""
    from villenum import pipeline

    if not print_outcomes(outcomes):
        return EXIT_FAILED
    if args.only:
        print(f"note: --only: {_stale(outcomes)}; run without --only to update them", file=sys.stderr)
        return 0
    index = pipeline.report(report_dir, output_dir, outcomes, params)
    print(f"report  {index}")
    return 0


def _stale(outcomes: list) -> str:
    """What a run with --only left stale: the notebooks of later stages that read its results, and the report."""
    from villenum import pipeline

    ran = {o.notebook for o in outcomes}
    try:
        stages = {nb.name: pipeline.read_notebook(nb).stage for nb in wave_notebooks(None)}
    except RunError:  # another notebook is unreadable: it will say so when it runs
        stages = {}
    first = min((stage for name, stage in stages.items() if name in ran), default=0)
    later = [name for name, stage in stages.items() if name not in ran and stage > first]
    return (f"{', '.join(later)} (which read{'s' if len(later) == 1 else ''} these results) and the report were "
            f"not rebuilt") if later else "the report was not rebuilt"


def reference(args: argparse.Namespace) -> int:
    """`reference check`: compare a run's tables with the reference; `reference update`: run the default
    reproduction of the wave and make its tables the reference. Returns the exit code."""
    from villenum.pipeline import guard

    output_dir, reference_dir = guard.default_run_dirs(args.wave)
    if args.action == "update":
        code = main(["reproduce", "--wave", args.wave, "--quiet"])
        if code != 0:
            return code
        changed = guard.update(output_dir, reference_dir)
        print(f"reference {reference_dir}: {', '.join(changed) if changed else 'unchanged'}")
        return 0
    problems = guard.compare(args.output_dir or output_dir, reference_dir)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        print("if the change is intended: `make update-reference`, then commit tests/reference/ saying why",
              file=sys.stderr)
    return EXIT_FAILED if problems else 0


def _import_report_soon() -> None:
    """Notebooks are about to run, so the report will be rebuilt: import its modules meanwhile, in the
    background, rather than after the last notebook (where nothing else would run)."""
    import threading

    def load() -> None:
        try:
            import nbconvert.exporters.html  # noqa: F401

            import villenum.report  # noqa: F401
        except Exception:  # noqa: BLE001 - the import is done again, and reported, when the report is built
            pass

    threading.Thread(target=load, name="import-report", daemon=True).start()


def _skip_optional_slow_imports() -> None:
    """jsonschema (imported by nbformat, so by papermill and the report) imports `rfc3987_syntax` if it is
    installed, only to check the optional "iri" string format, which the notebook schema does not use; that
    import compiles 38 grammars (~0.8 s of every run that executes a notebook). The command line does not need
    it: mark it unavailable, as if it were not installed (only in this process, and only if not yet imported)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def _command(args: argparse.Namespace) -> int:
    """Run one sub-command; return its exit code."""
    if args.command == "reproduce":
        return reproduce(args)
    if args.command == "reference":
        return reference(args)
    if args.command in ("new-finding", "remove-finding"):
        return scaffold.command(args)
    if args.command == "generate":
        from villenum.pipeline import generate

        print(f"wrote {generate(args.wave, args.seed, args.assumptions, args.out)}")
        return 0
    from villenum.questionnaire import load_questionnaire
    from villenum.survey import load_survey

    survey = load_survey(args.directory, load_questionnaire(args.wave, args.directory))
    print(f"{args.directory}: valid ({len(survey.collectivites)} collectivités, "
          f"{len(survey.objectives)} objective answers, {len(survey.projects)} projects)")
    print(survey.set_aside.to_string(index=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    if argv is None:  # the command itself (not a caller in the same process): spare it a slow optional import
        _skip_optional_slow_imports()
    args = _parser().parse_args(argv)
    try:
        return _command(args)
    except InputError as err:
        print(f"error: invalid input in {getattr(args, 'survey_dir', None) or getattr(args, 'directory', '')}\n{err}",
              file=sys.stderr)
        return EXIT_INPUT
    except RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted: partial outputs discarded, previous results left intact; re-run to resume",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as err:  # disk full, read-only or missing directory...: say what could not be done
        where = f" {err.filename}" if err.filename else ""
        print(f"error: could not access{where}: {err.strerror or err}", file=sys.stderr)
        return EXIT_FAILED
