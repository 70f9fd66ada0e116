"""Scheduling: notebooks run stage by stage, `jobs` at a time, longest first, skipping those whose cache
record still holds. One more kernel starts while the others run, and a later stage's kernels start during the
earlier stage, then wait at its gate. Ctrl-C kills every kernel and puts every previous output back."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from villenum.pipeline import cache, fingerprint
from villenum.pipeline.execute import Decide, execute
from villenum.pipeline.forkserver import ForkServer, shared, split_command
from villenum.pipeline.kernels import KERNEL, Stop, check_kernel
from villenum.pipeline.notebooks import discover, stage_of
from villenum.pipeline.outcome import Outcome
from villenum.pipeline.parameters import check_parameters, verify_injection
from villenum.pipeline.sync import Gate, Interrupts, Slots
from villenum.pipeline.transaction import Lock, recover


def _figure_dir(params: dict) -> Path | None:
    """The figure directory a notebook is given, if any."""
    return Path(params["figure_dir"]) if params.get("figure_dir") else None


def run(notebooks: list[Path], common: dict, extra: dict | None = None, *, report_dir: Path,
        output_dir: Path, jobs: int = 1, force: bool = False, kernel: str = KERNEL,
        progress: bool = True, on_work: Callable[[], None] | None = None) -> list[Outcome]:
    """Run notebooks stage by stage, `jobs` at a time (longest first), skipping those whose key is unchanged.

    Returns one Outcome per notebook, in the order given. `on_work()` is called once, when the first notebook
    is about to run (not at all if everything is cached). Raises KeyboardInterrupt after cleaning up if
    interrupted (previous outputs intact, no partial file).
    """
    chosen = check_parameters(notebooks, common, extra or {})
    report_dir, output_dir = Path(report_dir), Path(output_dir)
    (report_dir / cache.CACHE).mkdir(parents=True, exist_ok=True)
    with Lock(report_dir):
        recover(report_dir, [output_dir, *{d for d in map(_figure_dir, chosen.values()) if d}])
        return Scheduler(notebooks, chosen, report_dir, output_dir, jobs, force, kernel, progress, on_work).run()


class Scheduler:
    """The state of one run: the pool of workers, the stop signal, the gates of early-started stages."""

    def __init__(self, notebooks: list[Path], chosen: dict[Path, dict], report_dir: Path, output_dir: Path,
                 jobs: int, force: bool, kernel: str, progress: bool, on_work: Callable[[], None] | None) -> None:
        self.notebooks, self.chosen, self.report_dir, self.output_dir = notebooks, chosen, report_dir, output_dir
        self.jobs, self.force, self.kernel, self.progress, self.on_work = jobs, force, kernel, progress, on_work
        self.lib, self.env = fingerprint.library_digest(), fingerprint.environment_digest(kernel)
        self.everything = sorted(set(discover(notebooks[0].parent) if notebooks else []) | set(notebooks))
        self.outcomes: dict[str, Outcome] = {}
        self.stop = Stop()
        self.slots = Slots(jobs, self.stop)
        self.early: dict[int, tuple[Gate, list[Future]]] = {}
        self.futures: list[Future] = []
        self.interrupts = Interrupts()
        self.pool: ThreadPoolExecutor | None = None
        self.bar: Any = None
        self.server: ForkServer | None = None

    def decision(self, nb: Path) -> tuple[dict, str]:
        """The cache parts of a notebook now, and why it must run ("" if it is cached)."""
        parts = cache.key_parts(nb, self.chosen[nb], cache.upstream_files(stage_of(nb), self.everything,
                                                                          self.output_dir), self.lib, self.env)
        reason = "--force" if self.force else cache.cached(self.report_dir, nb, parts, self.output_dir,
                                                           _figure_dir(self.chosen[nb]))
        return parts, reason

    def decide_for(self, nb: Path) -> Decide:
        """The decision of a gated notebook, taken when its gate opens: None if cached."""
        def decide() -> tuple[dict, str] | None:
            parts, reason = self.decision(nb)
            return (parts, reason) if reason else None
        return decide

    def start_pool(self) -> ThreadPoolExecutor:
        """Start the workers (and the fork server) when the first notebook must run."""
        if self.pool is None:
            check_kernel(self.kernel)
            self._start_server()
            import jupyter_client.manager  # noqa: F401 - here, in one thread, before any other thread imports it
            import papermill  # noqa: F401

            if self.on_work is not None:
                self.on_work()
            if self.progress:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=len(self.notebooks), desc="notebooks", unit="nb", file=sys.stderr,
                                initial=len(self.outcomes))
            # one worker more than `jobs`: the next notebook's kernel starts while the others run
            self.pool = ThreadPoolExecutor(max_workers=max(1, self.jobs) + 1, thread_name_prefix="notebook")
        return self.pool

    def _start_server(self) -> None:
        """Take this process's fork server for the kernel's interpreter (started now, importing while the
        parent sets up; reused by the later runs); none with VILLENUM_FORKSERVER=0, read at each run."""
        import json

        spec = fingerprint.kernel_spec_file(self.kernel)
        try:
            split = split_command(json.loads(spec.read_text())["argv"]) if spec else None
        except (OSError, ValueError, KeyError, TypeError):
            split = None
        self.server = shared(split[0]) if split else None

    def ordered(self, nbs: list[Path]) -> list[Path]:
        """Check that every parameter is injected unchanged; order by last duration, longest first, so that
        the stage ends with every worker busy."""
        for nb in nbs:
            verify_injection(self.chosen[nb], self.kernel)
        return sorted(nbs, key=lambda nb: -cache.last_duration(self.report_dir, nb))

    def submit(self, nb: Path, **kw: Any) -> Future:
        """Run one notebook in a worker."""
        f = self.start_pool().submit(execute, nb, self.chosen[nb], self.report_dir, self.kernel,
                                     output_dir=self.output_dir, stop=self.stop, slots=self.slots,
                                     server=self.server, **kw)
        self.futures.append(f)
        f.add_done_callback(self.tick)
        return f

    def tick(self, future: Future) -> None:
        """Advance the progress bar."""
        if self.bar is not None and not future.cancelled() and future.exception() is None:
            o = future.result()
            if o.status != "cancelled":
                self.bar.update(1)
                self.bar.set_postfix_str(f"{o.notebook}: {o.status}")

    def launch(self, stage: int) -> list[Future]:
        """Submit the notebooks of a stage that must run (or open its gate if they were started early)."""
        if stage in self.early:  # kernels already started: let them decide (cached or run) now
            gate, futures = self.early.pop(stage)
            gate.open()
            return futures
        todo = [nb for nb in self.notebooks if stage_of(nb) == stage]
        decisions = {nb: self.decision(nb) for nb in todo}
        for nb, (_, reason) in decisions.items():
            if not reason:
                self.outcomes[nb.name] = Outcome(nb.name, "cached", self.report_dir / nb.name)
        to_run = [nb for nb in todo if decisions[nb][1]]
        if to_run:
            self.start_pool()
        return [self.submit(nb, parts=decisions[nb][0], reason=decisions[nb][1]) for nb in self.ordered(to_run)]

    def start_early(self, stage: int) -> None:
        """Start the kernels of a later stage now; they decide when its gate opens."""
        gate = Gate()
        ahead = self.ordered([nb for nb in self.notebooks if stage_of(nb) == stage])
        self.early[stage] = (gate, [self.submit(nb, gate=gate, decide=self.decide_for(nb)) for nb in ahead])

    def run(self) -> list[Outcome]:
        """Every stage in turn; returns the outcomes in the order of the notebooks given."""
        with self.interrupts:
            return self._run()

    def _run(self) -> list[Outcome]:
        """Every stage in turn (Ctrl-C seen by self.interrupts)."""
        stages = sorted({stage_of(nb) for nb in self.notebooks})
        try:
            for i, stage in enumerate(stages):
                futures = self.launch(stage)
                if futures and i + 1 < len(stages):
                    self.start_early(stages[i + 1])
                _wait_all(futures, self.interrupts)
                for f in futures:
                    o = f.result()
                    self.outcomes[o.notebook] = o
                if self.stop.event.is_set() or any(o.status == "interrupted" for o in self.outcomes.values()):
                    raise KeyboardInterrupt
                if any(o.status == "failed" for o in self.outcomes.values()):
                    break
        except KeyboardInterrupt:
            self.interrupted()
            raise
        finally:
            self.close()
        return [self.outcomes[nb.name] for nb in self.notebooks
                if nb.name in self.outcomes and self.outcomes[nb.name].status != "cancelled"]

    def close(self) -> None:
        """Cancel the stages that did not start (one failed), stop the workers and the bar (the fork server
        stays, for the next run)."""
        for gate, futures in self.early.values():
            gate.open(cancel=True)
            _wait_all(futures)  # cancelled: they end soon; a Ctrl-C meanwhile is raised when the run ends
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.bar is not None:
            self.bar.close()

    def interrupted(self) -> None:
        """After Ctrl-C: kill the kernels, let the workers put the previous outputs back (a second Ctrl-C
        while they do is absorbed for a few seconds), then return so that KeyboardInterrupt propagates."""
        for gate, _ in self.early.values():
            gate.open(cancel=True)
        self.stop.event.set()
        self.stop.kill()  # the kernels first, while their server still reaps them
        if self.server is not None:
            self.server.interrupt()
        if self.pool is None:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.pool.shutdown(wait=False, cancel_futures=True)
                if not wait(self.futures, timeout=0.5).not_done:
                    return
                self.interrupts.check()
            except KeyboardInterrupt:
                self.stop.kill()


def _wait_all(futures: list[Future], interrupts: Interrupts | None = None) -> None:
    """Wait for futures in short slices, so that Ctrl-C is seen at once."""
    pending = set(futures)
    while pending:
        if interrupts is not None:
            interrupts.check()
        _, pending = wait(pending, timeout=0.2)
