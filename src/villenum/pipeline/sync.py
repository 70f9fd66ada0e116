"""How the notebook workers wait for each other: slots for executing cells, and gates between stages; and how
the main thread learns of Ctrl-C while they run."""

from __future__ import annotations

import signal
import threading
from typing import Any

from villenum.pipeline.kernels import Stop


class Slots:
    """At most `jobs` notebooks execute cells at once. One more may start its kernel meanwhile (and import
    what its first cell imports), then waits here: kernel start-up overlaps with the others' work."""

    def __init__(self, jobs: int, stop: Stop) -> None:
        self.semaphore = threading.BoundedSemaphore(max(1, jobs))
        self.stop = stop

    def acquire(self) -> None:
        """Wait for a free slot; KeyboardInterrupt if the run is stopped meanwhile."""
        while not self.semaphore.acquire(timeout=0.1):
            if self.stop.event.is_set():
                raise KeyboardInterrupt
        if self.stop.event.is_set():
            self.semaphore.release()
            raise KeyboardInterrupt

    def release(self) -> None:
        """Free a slot."""
        self.semaphore.release()


class Gate:
    """Holds notebooks of a later stage whose kernels were started early: opened when the earlier stages are
    done (the notebook then decides whether it must run), or cancelled if one of them failed."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.cancelled = False

    def open(self, cancel: bool = False) -> None:
        """Let the waiting notebooks go on (or give up, with `cancel`)."""
        self.cancelled = cancel
        self.opened.set()

    def wait(self, stop: Stop) -> None:
        """Wait until opened; KeyboardInterrupt if the run is stopped meanwhile."""
        while not self.opened.wait(0.1):
            if stop.event.is_set():
                raise KeyboardInterrupt


class Skip(Exception):
    """Raised by a gated notebook that turns out to be cached (or cancelled) once its gate opens."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Interrupts:
    """While a run's workers run (a context manager, in the main thread): Ctrl-C sets `hit` instead of raising
    KeyboardInterrupt wherever the main thread happens to be; `check()` raises it at safe points.

    Why: a KeyboardInterrupt raised between a lock's acquire and the `with` block that releases it (inside
    concurrent.futures.wait, threading.Event.wait) leaves that lock held for ever; the worker that next
    completes a future blocks on it, and the interrupted run never ends. Only Python's default handler is
    replaced (a caller's own handler, or SIG_IGN, stays); in another thread, nothing changes. A Ctrl-C not
    seen by `check()` raises KeyboardInterrupt when the block ends without an exception. (`hit` is a plain
    attribute: the handler runs in the main thread, between any two bytecodes, so it must take no lock.)
    """

    def __init__(self) -> None:
        self.hit = False
        self.previous: Any = None

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def _handler(self, *_: Any) -> None:
        self.hit = True

    def check(self) -> None:
        """KeyboardInterrupt if Ctrl-C was pressed since the last check."""
        if self.hit:
            self.hit = False
            raise KeyboardInterrupt

    def __exit__(self, kind: type | None, *_: Any) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None
        if kind is None:
            self.check()
