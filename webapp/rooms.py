"""Waiting rooms: photos and films wait apart, each with its own number of places.

Gradio's queue has one size for everything, so a burst of photos could lock film users out.
Each kind of job enters its own room: a few run at once, a few more wait in arrival order, and
one more is turned away at once with a message that says why. Waiting visitors are told their
place in line. One client (an address) holds at most `per_client` places of a room, running or
waiting, so that one script cannot take them all.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from colorization import Cancelled, ColorizationError


class RoomFull(ColorizationError):
    """Every running and waiting place of a room is taken."""


class WaitingRoom:
    """At most `workers` jobs inside at once and `waiting` more in line, at most `per_client` of them one
    client's; first come, first served."""

    def __init__(self, name: str, workers: int, waiting: int, per_client: float = math.inf) -> None:
        self.name, self.workers, self.waiting, self.per_client = name, workers, waiting, per_client
        self._lock = threading.Condition()
        self._running = 0
        self._line: list[object] = []
        self._clients: Counter[str] = Counter()

    @property
    def occupancy(self) -> tuple[int, int]:
        """(running, waiting) right now."""
        with self._lock:
            return self._running, len(self._line)

    @contextmanager
    def enter(self, on_wait: Callable[[int], None] | None = None,
              cancelled: Callable[[], bool] | None = None, client: str | None = None) -> Iterator[None]:
        """Hold a running place for the block; wait in line for one, or raise RoomFull.

        on_wait(ahead) is called whenever the number of jobs waiting ahead changes; cancelled() is
        polled while waiting and leaves the line with `Cancelled`. `client` (None: not counted) may
        hold at most `per_client` places.
        """
        ticket = object()
        with self._lock:
            if self._running >= self.workers and len(self._line) >= self.waiting:
                raise RoomFull(f"The {self.name} queue is full ({self.workers} running, {self.waiting} waiting); "
                               "please try again in a few minutes.")
            if client is not None and self._clients[client] >= self.per_client:
                raise RoomFull(f"You already have {self.per_client} {self.name} jobs running or waiting; "
                               "please wait for one to finish.")
            if client is not None:
                self._clients[client] += 1
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
                self._leave(client)
                raise
            self._line.pop(0)
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                self._leave(client)

    def _leave(self, client: str | None) -> None:
        if client is not None:
            self._clients[client] -= 1
            if self._clients[client] <= 0:
                del self._clients[client]
        self._lock.notify_all()
