"""Execution of one notebook with papermill, inside its transaction: the previous outputs are kept until the
run succeeded; a failing cell keeps `NAME.failed.ipynb`; an interruption leaves nothing partial."""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from villenum.pipeline import cache
from villenum.pipeline.forkserver import ForkServer
from villenum.pipeline.kernels import KERNEL, KERNEL_ARGUMENTS, Stop, kernel_manager_class, preimport_arguments
from villenum.pipeline.notebooks import read_notebook
from villenum.pipeline.outcome import Outcome
from villenum.pipeline.sync import Gate, Skip, Slots
from villenum.pipeline.transaction import Transaction

Decide = Callable[[], "tuple[dict, str] | None"]


def execute_notebook(notebook: Path, output: Path, params: dict, kernel: str, cwd: Path, km_class: type,
                     extra_arguments: list[str] | None = None, on_notebook_start: Callable | None = None) -> None:
    """Papermill's Python API, the one call that runs a notebook (tests replace it).

    The kernel starts in `cwd` (nbclient's `resources.metadata.path`): papermill's own `cwd=` would `chdir`
    the whole process, which other notebooks' threads share.
    """
    import papermill as pm

    pm.execute_notebook(notebook, output, parameters=params, kernel_name=kernel, language="python",
                        progress_bar=False, request_save_on_cell_execute=False, kernel_manager_class=km_class,
                        extra_arguments=list(extra_arguments or KERNEL_ARGUMENTS), on_notebook_start=on_notebook_start,
                        resources={"metadata": {"path": str(cwd)}})


def failed_cell_message(notebook: Path, err: Any, failed: Path) -> str:
    """Name the notebook and the failing cell as the author sees it (1-based, injected cell not counted)."""
    index = err.cell_index
    try:
        nb = json.loads(failed.read_text(encoding="utf-8"))
        cells = [c for c in nb["cells"] if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
        index -= sum(1 for c in cells[:index] if "injected-parameters" in c.get("metadata", {}).get("tags", []))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    first = next((line for line in str(err.source).splitlines() if line.strip()), "")
    return (f"{notebook.name}: cell {index + 1} (In [{err.exec_count}]: {first.strip()[:80]}) raised "
            f"{err.ename}: {err.evalue}. Partial notebook kept at {failed}")


class NotebookRun:
    """One notebook's run: waits at its gate and for a slot, executes, then commits or rolls back."""

    def __init__(self, notebook: Path, params: dict, report_dir: Path, output_dir: Path, stop: Stop,
                 slots: Slots) -> None:
        self.notebook, self.params = notebook, params
        self.report_dir, self.output_dir = Path(report_dir), Path(output_dir)
        figure = params.get("figure_dir")
        self.figure_dir = Path(figure) if figure else None
        self.stop, self.slots = stop, slots
        self.record = cache.notebook_record(report_dir, notebook)
        self.tx = Transaction(notebook, self.report_dir, self.output_dir, self.figure_dir, self.record.path)
        self.failed = self.report_dir / f"{notebook.stem}.failed.ipynb"
        self.parts: dict = {}
        self.reason = ""
        self.held = False
        self.started = time.perf_counter()
        self.doing = f"start the kernel of {notebook.name}"

    def ready(self, gate: Gate | None, decide: Decide | None) -> None:
        """The kernel is up: pass the gate, set the previous outputs aside, wait for a free slot."""
        if gate is not None:
            gate.wait(self.stop)
            if gate.cancelled:
                raise Skip("cancelled")
            decided = decide() if decide is not None else None
            if decide is not None and decided is None:
                raise Skip("cached")
            if decided is not None:
                self.parts, self.reason = decided
        self.doing = f"set aside the previous outputs of {self.notebook.name}"
        self.tx.begin()
        self.doing = f"run {self.notebook.name}"
        self.slots.acquire()
        self.held = True
        self.started = time.perf_counter()

    def execute(self, kernel: str, server: ForkServer | None, gate: Gate | None, decide: Decide | None) -> None:
        """Run the notebook into its partial file, then save it and write its cache record."""
        km_class = kernel_manager_class(self.stop, self.notebook.name, server)
        arguments = KERNEL_ARGUMENTS + preimport_arguments(read_notebook(self.notebook).imports)
        try:
            execute_notebook(self.notebook, self.tx.partial, self.params, kernel, self.notebook.parent, km_class,
                             arguments, lambda **_: self.ready(gate, decide))
        finally:
            if not self.tx.begun:  # failed or skipped before the first cell: the kernel may still be up
                self.stop.kill(self.notebook.name)
            self.stop.unregister(self.notebook.name)
            if self.held:
                self.slots.release()
        if self.stop.event.is_set():
            raise KeyboardInterrupt
        self.doing = f"save the executed notebook {self.tx.final}"
        os.replace(self.tx.partial, self.tx.final)
        self.doing = f"record the cache entry {self.record.path}"
        produced = cache.produced(self.report_dir, self.notebook, self.output_dir, self.figure_dir)
        self.record.write(self.parts, duration=round(time.perf_counter() - self.started, 3), **produced)

    def fail(self, err: BaseException) -> Outcome:
        """Put the previous outputs back and say what happened."""
        name, elapsed = self.notebook.name, time.perf_counter() - self.started
        if isinstance(err, Skip):
            self.tx.rollback()
            return Outcome(name, err.status, self.tx.final, "", elapsed)
        from_cell = type(err).__name__ == "PapermillExecutionError"
        if isinstance(err, KeyboardInterrupt) or self.stop.event.is_set() or (
                from_cell and getattr(err, "ename", "") == "KeyboardInterrupt"):
            self.stop.event.set()
            self.stop.kill()  # the other notebooks stop too
            self.tx.rollback()
            return Outcome(name, "interrupted", self.tx.final, f"{name}: interrupted", elapsed)
        if from_cell:
            try:
                os.replace(self.tx.partial, self.failed)
                message = failed_cell_message(self.notebook, err, self.failed)
            except OSError as werr:
                message = (f"{name}: cell {getattr(err, 'cell_index', '?')} raised {getattr(err, 'ename', '')}: "
                           f"{getattr(err, 'evalue', '')} (the partial notebook could not be kept: {werr})")
            return Outcome(name, "failed", self.failed, message + self.tx.rollback(), elapsed)
        return Outcome(name, "failed", self.tx.final, self._message(err) + self.tx.rollback(), elapsed)

    def _message(self, err: BaseException) -> str:
        """What could not be done, for an error outside the notebook's cells."""
        if isinstance(err, OSError):
            what = f" ({err.filename})" if err.filename and str(err.filename) not in self.doing else ""
            full = " - is the disk full?" if err.errno in (errno.ENOSPC, errno.EDQUOT) else ""
            return (f"{self.notebook.name}: could not {self.doing}{what}: {err.strerror or err}{full}; "
                    f"the previous outputs are left in place")
        return f"{self.notebook.name}: could not {self.doing}: {type(err).__name__}: {err}"


def execute(notebook: Path, params: dict, report_dir: Path, kernel: str = KERNEL, *,
            output_dir: Path | None = None, parts: dict | None = None, reason: str = "",
            stop: Stop | None = None, slots: Slots | None = None, gate: Gate | None = None,
            decide: Decide | None = None, server: ForkServer | None = None) -> Outcome:
    """Run one notebook into `report_dir`, keeping the previous outputs until the run succeeded.

    With a `gate`, the kernel starts at once but the first cell waits for the gate; `decide()` then returns
    the (parts, reason) to run with, or None if the notebook is cached after all (its kernel is then stopped).
    Returns the notebook's Outcome; never raises for a failure of the notebook.
    """
    stop = stop or Stop()
    run = NotebookRun(notebook, params, report_dir, Path(output_dir or params.get("output_dir") or report_dir),
                      stop, slots or Slots(1, stop))
    run.parts, run.reason = parts or {}, reason
    if stop.event.is_set():
        return Outcome(notebook.name, "interrupted", run.tx.final, f"{notebook.name}: not started (interrupted)")
    try:
        run.execute(kernel, server, gate, decide)
    except BaseException as err:  # noqa: BLE001 - every path must put the previous outputs back
        return run.fail(err)
    run.tx.commit()
    run.failed.unlink(missing_ok=True)
    return Outcome(notebook.name, "ran", run.tx.final, "", time.perf_counter() - run.started, run.reason)
