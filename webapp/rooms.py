"""Waiting rooms: photos and films wait apart, each with its own number of places.

Gradio's queue has one size for everything, so a burst of photos could lock film users out.
Each kind of job enters its own room: a few run at once, a few more wait in arrival order, and
one more is turned away at once with a message that says why. Waiting visitors are told their
place in line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from colorization import Cancelled, ColorizationError


class RoomFull(ColorizationError):
    """Every running and waiting place of a room is taken."""


class WaitingRoom:
    """At most `workers` jobs inside at once and `waiting` more in line; first come, first served."""

    def __init__(self, name: str, workers: int, waiting: int) -> None:
        self.name, self.workers, self.waiting = name, workers, waiting
        self._lock = threading.Condition()
        self._running = 0
        self._line: list[object] = []

    @property
    def occupancy(self) -> tuple[int, int]:
        """(running, waiting) right now."""
        with self._lock:
            return self._running, len(self._line)

    @contextmanager
    def enter(self, on_wait: Callable[[int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> Iterator[None]:
        """Hold a running place for the block; wait in line for one, or raise RoomFull.

        on_wait(ahead) is called whenever the number of jobs waiting ahead changes; cancelled() is
        polled while waiting and leaves the line with `Cancelled`.
        """
        ticket = object()
        with self._lock:
            if self._running >= self.workers and len(self._line) >= self.waiting:
                raise RoomFull(f"The {self.name} queue is full ({self.workers} running, {self.waiting} waiting); "
                               "please try again in a few minutes.")
            self._line.append(ticket)
            reported = None
            try:
                while self._running >= self.workers or self._line[0] is not ticket:
                    ahead = self._line.index(ticket)
                    if on_wait is not None and ahead != reported:
                        reported = ahead
                        on_wait(ahead)
                    if cancelled is not None and cancelled():
                        raise Cancelled("Cancelled while waiting.")
                    self._lock.wait(timeout=0.5)
            except BaseException:
                self._line.remove(ticket)
                self._lock.notify_all()
                raise
            self._line.pop(0)
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                self._lock.notify_all()
