"""Command line: `python -m villenum reproduce|generate|validate`.

`reproduce` does only the work whose inputs changed: the reconstruction is regenerated only when its
MANIFEST.json no longer matches the assumptions, published figures, reference and generator code; the
survey is validated again only when its files or the library changed; notebooks re-run only when their
cache key changed (see villenum.runner); the HTML report is rebuilt only when something it shows changed.
Every such decision compares content hashes, never timestamps. Heavy imports (pandas, papermill) happen
only when there is work to do.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from villenum import paths
from villenum.digest import sha256_file
from villenum.errors import InputError
from villenum.runner import _read_json

EXIT_INPUT, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130
STAMPS = ".cache"  # hidden: never part of a survey's data, ignored by git
RECONSTRUCTION_STAMP = "reconstruction.json"
REFERENCE_ENV = "VILLENUM_REFERENCE_DIR"


def _parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="villenum", description=__doc__.split("\n\n")[0])
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


# ------------------------------------------------------------------------------------------------- stamps
def _write_stamp(path: Path, data: dict) -> None:
    """Record a stamp; a stamp that cannot be written only costs the work again next time."""
    from villenum.io import write_atomic

    try:
        write_atomic(path, json.dumps(data, indent=1, sort_keys=True))
    except OSError as err:
        print(f"warning: could not record {path} ({err.strerror or err}): the work will be redone next time",
              file=sys.stderr)


def _generator_state(assumptions: Path, seed: int | None, out: Path) -> dict:
    """What the reconstruction depends on besides the files its MANIFEST lists (hashed there)."""
    from villenum.runner import environment_digest, library_digest

    return {"generator": library_digest(), "environment": environment_digest(), "seed": seed,
            "assumptions": str(Path(assumptions).resolve()), "out": str(Path(out).resolve()),
            "reference_env": os.environ.get(REFERENCE_ENV)}


def reconstruction_is_fresh(assumptions: Path, out: Path, seed: int | None = None) -> bool:
    """True if `out` holds exactly what regenerating would write: the stamp of the last generation matches
    the generator code, environment and seed, and its MANIFEST.json matches every current input file (the
    assumptions, published figures, reference, catalogue) and every written table."""
    out = Path(out)
    manifest_file, stamp = out / "MANIFEST.json", _read_json(out / STAMPS / RECONSTRUCTION_STAMP)
    if not manifest_file.is_file() or not stamp or not Path(assumptions).is_file():
        return False
    if stamp.get("state") != _generator_state(assumptions, seed, out) or stamp.get("manifest") != sha256_file(manifest_file):
        return False
    manifest = _read_json(manifest_file)
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


def generate(wave: str, seed: int | None = None, assumptions: Path | None = None, out: Path | None = None,
             *, if_stale: bool = False) -> Path:
    """Regenerate a wave's reconstruction into its survey directory (only if stale when asked); return it."""
    out = Path(out or paths.survey_dir(wave))
    assumptions = Path(assumptions or assumptions_file(wave))
    if if_stale and reconstruction_is_fresh(assumptions, out, seed):
        return out
    from villenum.reconstruct import main_generate

    try:
        main_generate(seed, assumptions, out)
    except InputError:
        raise
    except (ValueError, KeyError, FileNotFoundError) as err:
        from villenum.runner import RunError

        raise RunError(f"cannot regenerate the reconstruction of wave {wave} from {assumptions}: "
                       f"{type(err).__name__}: {err}") from None
    _write_stamp(out / STAMPS / RECONSTRUCTION_STAMP,
                 {"state": _generator_state(assumptions, seed, out), "manifest": sha256_file(out / "MANIFEST.json")})
    return out


def validate(survey: Path, stamp: Path) -> None:
    """Validate the survey (villenum.survey.load_survey) unless its files and the library are those of the
    last successful validation recorded in `stamp`; warnings of that validation are shown again."""
    from villenum.runner import _digest_files, environment_digest, library_digest

    files = [p for p in Path(survey).iterdir() if p.is_file() and not p.name.startswith(".")] \
        if Path(survey).is_dir() else []
    state = {"survey": str(survey), "files": _digest_files(files), "library": library_digest(),
             "environment": environment_digest()}
    record = _read_json(stamp)
    if record.get("state") == state:
        for note in record.get("warnings", []):
            print(f"warning: {note}", file=sys.stderr)
        return
    import warnings

    from villenum.survey import load_survey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shown once below, and again whenever the validation is skipped
        loaded = load_survey(survey)
    for note in loaded.warnings:
        print(f"warning: {note}", file=sys.stderr)
    _write_stamp(stamp, {"state": state, "warnings": list(loaded.warnings)})


def report(report_dir: Path, output_dir: Path, outcomes: list, params: dict) -> Path:
    """build_report, skipped when everything it shows is what it showed last time and its pages are intact."""
    import datetime

    from villenum.runner import CACHE, _digest_files, environment_digest, library_digest

    report_dir, output_dir = Path(report_dir), Path(output_dir)
    figure_dir = Path(params.get("figure_dir") or report_dir / "figures")
    shown = [o.output for o in outcomes if Path(o.output).is_file()]
    inputs = [p for key in ("survey_dir", "published_dir") if params.get(key) and Path(params[key]).is_dir()
              for p in Path(params[key]).iterdir() if p.is_file()]
    state = {
        "outcomes": [[o.notebook, o.status, str(o.output)] for o in outcomes],
        "params": json.loads(json.dumps(params, sort_keys=True, default=str)),
        "files": _digest_files(shown + [p for p in output_dir.glob("*.csv") if p.is_file()] + inputs
                               + ([p for p in figure_dir.iterdir() if p.is_file()] if figure_dir.is_dir() else [])),
        "library": library_digest(), "environment": environment_digest(), "date": datetime.date.today().isoformat(),
    }
    stamp = report_dir / CACHE / "report.json"
    record = _read_json(stamp)
    index = report_dir / "index.html"
    pages = sorted(p for p in report_dir.glob("*.html") if p.is_file())
    if record.get("state") == state and index.is_file() and record.get("pages") == _digest_files(pages):
        return index
    from villenum.report import build_report

    built = Path(build_report(report_dir, output_dir, outcomes, params))
    pages = sorted(p for p in report_dir.glob("*.html") if p.is_file())
    _write_stamp(stamp, {"state": state, "pages": _digest_files(pages)})
    return built


# ---------------------------------------------------------------------------------------------- reproduce
def reproduce(args: argparse.Namespace) -> int:
    """Validate the wave's survey, run its notebooks, write the report; return the exit code."""
    from villenum import runner

    wave = args.wave
    if args.jobs < 1:
        raise runner.RunError(f"--jobs {args.jobs}: at least 1 notebook at a time")
    notebooks = runner.discover(paths.NOTEBOOKS, args.only)
    extra = dict(_split(p) for p in args.parameter)
    report_dir = (args.report_dir or paths.report_dir(wave)).resolve()
    survey = args.survey_dir
    if survey is None and "survey_dir" not in extra and assumptions_file(wave).is_file():
        survey = generate(wave, if_stale=True)
    survey = (survey or paths.survey_dir(wave)).resolve()
    common = {
        "wave": wave,
        "survey_dir": str(survey),
        "published_dir": str((args.published_dir or paths.published_dir(wave)).resolve()),
        "reference_dir": str(paths.RAW / "reference"),
        "output_dir": str((args.output_dir or paths.output_dir(wave)).resolve()),
        "figure_dir": str(((args.report_dir or paths.report_dir(wave)) / "figures").resolve()),
    }
    runner.check_parameters(notebooks, common, extra)  # bad -p values fail before any work
    validate(Path(extra.get("survey_dir") or survey), report_dir / runner.CACHE / "survey.json")
    outcomes = runner.run(notebooks, common, extra, report_dir=report_dir, output_dir=Path(common["output_dir"]),
                          jobs=args.jobs, force=args.force, kernel=args.kernel, progress=not args.quiet,
                          on_work=None if args.only else _import_report_soon)
    for o in outcomes:
        print(f"{o.status:>6}  {o.notebook}  -> {o.output}")
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        print(f"error: {o.message}", file=sys.stderr)
    if failed:
        return EXIT_FAILED
    if not args.only:
        print(f"report  {report(report_dir, Path(common['output_dir']), outcomes, {**common, **extra})}")
    return 0


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

    if argv is None:  # the command itself (not a caller in the same process): spare it a slow optional import
        _skip_optional_slow_imports()
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
    except OSError as err:  # disk full, read-only or missing directory...: say what could not be done
        where = f" {err.filename}" if err.filename else ""
        print(f"error: could not access{where}: {err.strerror or err}", file=sys.stderr)
        return EXIT_FAILED
    return 0
