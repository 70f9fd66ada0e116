"""How the notebook workers wait for each other: slots for executing cells, and gates between stages."""

from __future__ import annotations

import threading

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
