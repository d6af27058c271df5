"""Disk space per client and for the server: what one visitor's uploads and results may take.

Uploads and results are kept for `keep_results_seconds` (an hour), so one visitor could fill the
disk by uploading or colorizing in a loop. Each stored file is charged to the address that caused it
for as long as it is kept: an upload by the bytes of its request, a result by its size (a result
written again under the same name, as the page does when a slider moves, is charged once, at its
latest size). A request that would pass the client's share or the server's total is refused with a
sentence before anything is stored.
"""

from __future__ import annotations

import threading
import time

from colorization import InputError


class QuotaFull(InputError):
    """The client's disk share, or the server's, is used up for now."""


class DiskQuota:
    """Bytes charged per client within the last `window` seconds, against `per_client` and `total`."""

    def __init__(self, per_client: int, total: int, window: float) -> None:
        self.per_client, self.total, self.window = per_client, total, window
        self._entries: dict[str, tuple[str, int, float]] = {}  # key -> (client, bytes, when)
        self._lock = threading.Lock()

    def usage(self, client: str | None = None) -> int:
        """Bytes charged to `client` (None: to everyone) and still kept."""
        with self._lock:
            self._expire()
            return sum(size for who, size, _ in self._entries.values() if client is None or who == client)

    def left(self, client: str | None) -> int:
        """Bytes `client` may still store: the smaller of its share and the server's."""
        with self._lock:
            self._expire()
            everyone = sum(size for _, size, _ in self._entries.values())
            mine = sum(size for who, size, _ in self._entries.values() if who == client)
        return max(0, min(self.total - everyone, self.per_client - mine if client is not None else self.total))

    def check(self, client: str | None, more: int = 0) -> None:
        """Raise QuotaFull when storing `more` bytes for `client` would pass its share or the server's."""
        with self._lock:
            self._expire()
            everyone = sum(size for _, size, _ in self._entries.values())
            mine = sum(size for who, size, _ in self._entries.values() if who == client)
        minutes = max(1, round(self.window / 60))
        if client is not None and mine + more > self.per_client:
            raise QuotaFull(f"Your uploads and results fill your {self.per_client >> 20} MB on this server; each is "
                            f"deleted {minutes} minutes after it was made, so please try again later.")
        if everyone + more > self.total:
            raise QuotaFull(f"The server's {self.total >> 20} MB of space for visitors' files is full; files are "
                            f"deleted {minutes} minutes after they were made, so please try again later.")

    def charge(self, client: str | None, key: str, size: int) -> None:
        """Count `size` bytes stored under `key` (a path, or an upload's id) against `client`, from now."""
        with self._lock:
            self._entries[key] = (client or "", size, time.monotonic())

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, (_, _, when) in self._entries.items() if now - when > self.window]:
            del self._entries[key]
