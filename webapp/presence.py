"""Who is still reading: the result streams open right now, so that a job nobody will receive leaves its line.

Gradio runs every event it queued, whether or not its caller ever opens the result stream: sixteen
`queue/join` posts from a script that never reads would hold every photo place. The guard (an ASGI
middleware) sees each stream open and close and notes it here by session hash or event id; a job
waiting in a room asks `abandoned` and leaves when nobody has listened for a grace period.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Listeners:
    """Open result streams, counted by key (a session hash or an event id)."""

    def __init__(self) -> None:
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def listening(self, key: str | None) -> Iterator[None]:
        """Count `key` as listened to for the block (a stream being answered)."""
        if not key:
            yield
            return
        with self._lock:
            self._open[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._open[key] -= 1
                if self._open[key] <= 0:
                    del self._open[key]

    def any(self, *keys: str | None) -> bool:
        with self._lock:
            return any(key and self._open.get(key) for key in keys)


LISTENERS = Listeners()


def abandoned(session: str | None, event_id: str | None, grace: float,
              listeners: Listeners = LISTENERS) -> Callable[[], bool]:
    """A check that turns True once nobody has listened to this job's stream for `grace` seconds on end.

    A job with neither a session nor an event id (a direct call) cannot be told apart: never abandoned.
    """
    if not session and not event_id:
        return lambda: False
    silent_since = [time.monotonic()]

    def check() -> bool:
        if listeners.any(session, event_id):
            silent_since[0] = time.monotonic()
            return False
        return time.monotonic() - silent_since[0] > grace

    return check
