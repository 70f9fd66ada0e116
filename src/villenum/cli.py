"""Command line: `python -m villenum reproduce|generate|validate`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from villenum import paths
from villenum.errors import InputError

EXIT_INPUT, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130


def _parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="villenum", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="run every finding's notebook for a wave")
    rep.add_argument("--wave", default="2013", help="wave name (default 2013)")
    rep.add_argument("--only", nargs="+", metavar="NN", help="run only these notebook numbers")
    rep.add_argument("--survey-dir", type=Path, help="record-level survey directory (default: the wave's)")
    rep.add_argument("--published-dir", type=Path, help="published figures of the wave (default: data/raw/published/WAVE)")
    rep.add_argument("--output-dir", type=Path, help="result tables (default: data/processed/WAVE)")
    rep.add_argument("--report-dir", type=Path, help="executed notebooks and figures (default: reports/WAVE)")
    rep.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once (default: cores)")
    rep.add_argument("--force", action="store_true", help="re-run every notebook, ignoring the cache")
    rep.add_argument("--kernel", default="villenum", help="Jupyter kernel name (default villenum)")
    rep.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="notebook parameter (Python literal), repeatable; unknown names are errors")
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    gen = sub.add_parser("generate", help="regenerate the record-level reconstruction of a wave")
    gen.add_argument("--wave", default="2013")
    gen.add_argument("--seed", type=int, default=None, help="default: the assumptions file's seed")
    gen.add_argument("--assumptions", type=Path, default=None)
    gen.add_argument("--out", type=Path, default=None)
    val = sub.add_parser("validate", help="check a survey directory against the codebook")
    val.add_argument("directory", type=Path)
    return parser


def assumptions_file(wave: str) -> Path:
    """The reconstruction assumptions of a wave (exists for reconstructed waves only)."""
    return paths.RAW / "assumptions" / f"reconstruction-{wave}.toml"


def generate(wave: str, seed: int | None = None, assumptions: Path | None = None, out: Path | None = None) -> Path:
    """Regenerate a wave's reconstruction into its survey directory; return that directory."""
    from villenum.reconstruct import main_generate

    out = out or paths.survey_dir(wave)
    main_generate(seed, assumptions or assumptions_file(wave), out)
    return out


def reproduce(args: argparse.Namespace) -> int:
    """Validate the wave's survey, run its notebooks, write the report; return the exit code."""
    from villenum import runner
    from villenum.survey import load_survey

    wave = args.wave
    survey = args.survey_dir
    if survey is None and assumptions_file(wave).is_file():
        survey = generate(wave)
    survey = (survey or paths.survey_dir(wave)).resolve()
    load_survey(survey)
    common = {
        "wave": wave,
        "survey_dir": str(survey),
        "published_dir": str((args.published_dir or paths.published_dir(wave)).resolve()),
        "reference_dir": str(paths.RAW / "reference"),
        "output_dir": str((args.output_dir or paths.output_dir(wave)).resolve()),
        "figure_dir": str(((args.report_dir or paths.report_dir(wave)) / "figures").resolve()),
    }
    extra = dict(_split(p) for p in args.parameter)
    notebooks = runner.discover(paths.NOTEBOOKS, args.only)
    report_dir = (args.report_dir or paths.report_dir(wave)).resolve()
    outcomes = runner.run(notebooks, common, extra, report_dir=report_dir, output_dir=Path(common["output_dir"]),
                          jobs=args.jobs, force=args.force, kernel=args.kernel, progress=not args.quiet)
    for o in outcomes:
        print(f"{o.status:>6}  {o.notebook}  -> {o.output}")
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        print(f"error: {o.message}", file=sys.stderr)
    if failed:
        return EXIT_FAILED
    if not args.only:
        from villenum.report import build_report

        print(f"report  {build_report(report_dir, Path(common['output_dir']), outcomes, {**common, **extra})}")
    return 0


def _split(text: str) -> tuple[str, object]:
    """`name=value` -> (name, literal value)."""
    from villenum.runner import RunError, parse_cli_value

    if "=" not in text:
        raise RunError(f"parameter {text!r} is not NAME=VALUE")
    name, value = text.split("=", 1)
    return name.strip(), parse_cli_value(value)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    from villenum.runner import RunError

    args = _parser().parse_args(argv)
    try:
        if args.command == "reproduce":
            return reproduce(args)
        if args.command == "generate":
            print(f"wrote {generate(args.wave, args.seed, args.assumptions, args.out)}")
            return 0
        if args.command == "validate":
            from villenum.survey import load_survey

            survey = load_survey(args.directory)
            print(f"{args.directory}: valid ({len(survey.collectivites)} collectivités, "
                  f"{len(survey.objectives)} objective answers, {len(survey.projects)} projects)")
            print(survey.set_aside.to_string(index=False))
            return 0
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
    return 0
