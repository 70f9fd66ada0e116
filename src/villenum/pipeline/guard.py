"""The regression guard: the reference result tables of a wave live in tests/reference/<wave>/, apart from what
a run writes; `compare` lists every difference of a run's tables with them, and `update` is the one
deliberate way to change them (`python -m villenum reference update`, `make update-reference`)."""

from __future__ import annotations

from pathlib import Path

from villenum import paths


def result_tables(directory: Path) -> dict[str, Path]:
    """The result tables (`*.csv`) directly in a directory, by file name."""
    return {p.name: p for p in sorted(Path(directory).glob("*.csv")) if p.is_file()}


def compare(output_dir: Path, reference_dir: Path) -> list[str]:
    """Every difference between a run's result tables and the reference, one sentence each ([] if none):
    tables added, removed, or whose bytes differ."""
    fresh, reference = result_tables(output_dir), result_tables(reference_dir)
    if not reference:
        return [f"no reference tables in {reference_dir}: run `python -m villenum reference update` once"]
    problems = [f"{n}: written by the run but not in the reference" for n in sorted(set(fresh) - set(reference))]
    problems += [f"{n}: in the reference but not written by the run" for n in sorted(set(reference) - set(fresh))]
    problems += [f"{n}: differs from the reference" for n in sorted(set(fresh) & set(reference))
                 if fresh[n].read_bytes() != reference[n].read_bytes()]
    return problems


def update(output_dir: Path, reference_dir: Path) -> list[str]:
    """Make the reference exactly the run's result tables (copy new and changed ones, delete removed ones);
    return the names of the tables that changed."""
    fresh, reference = result_tables(output_dir), result_tables(reference_dir)
    if not fresh:
        raise FileNotFoundError(f"no result tables in {output_dir}: nothing to take as the reference")
    Path(reference_dir).mkdir(parents=True, exist_ok=True)
    changed = []
    for name in sorted(set(reference) - set(fresh)):
        reference[name].unlink()
        changed.append(name)
    from villenum.io import write_atomic

    for name, path in fresh.items():
        if name not in reference or reference[name].read_bytes() != path.read_bytes():
            write_atomic(Path(reference_dir) / name, path.read_bytes())
            changed.append(name)
    return sorted(changed)


def default_run_dirs(wave: str) -> tuple[Path, Path]:
    """(result tables, reference) directories of a wave's default run."""
    return paths.output_dir(wave), paths.reference_results(wave)
