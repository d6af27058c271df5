"""Visitors' photos between events: the cached prediction behind the sliders, within a memory budget.

A page keeps only a small `PhotoRef` in its session; the heavy part (full-size lightness, the
prediction, the preview) lives here, shared by all visitors under one byte budget. When the
budget is exceeded the least recently used photo goes first, and a photo unused for `ttl` seconds
goes too (`expire`, called by `webapp.memory`); a visitor whose photo went is served by running the
network again on their upload (still on disk), or asked to upload again.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from colorization import Prediction


@dataclass(frozen=True)
class PhotoRef:
    """What a session keeps: the key of its photo here, and how to make it again."""

    key: str
    source: Path
    render_size: int
    motion: float | None = None  # share of a video frame its colors cannot be carried into, per frame: the estimate


@dataclass
class Picture:
    """One uploaded photo, or a film's frame on the video tab, ready to re-render: prediction, 'before' preview
    and what saving needs."""

    prediction: Prediction
    before: np.ndarray
    name: str
    icc_profile: bytes | None = None
    exif: bytes | None = None
    folder: Path | None = None  # where this photo's downloads are written
    used: float = field(default_factory=time.monotonic)

    @property
    def nbytes(self) -> int:
        parts = [self.prediction.L, self.prediction.ab, self.before]
        if self.prediction.alpha is not None:
            parts.append(self.prediction.alpha)
        return sum(part.nbytes for part in parts) * 5 // 4  # previews and hint caches ride along


class PhotoStore:
    """Photos by key, least recently used dropped first beyond `budget` bytes or after `ttl` seconds."""

    def __init__(self, budget: int, ttl: float) -> None:
        self.budget, self.ttl = budget, ttl
        self._photos: OrderedDict[str, Picture] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, photo: Picture, key: str | None = None) -> str:
        """Keep `photo` (under `key`, or a new one) and return its key."""
        key = key or uuid.uuid4().hex
        with self._lock:
            self._photos[key] = photo
            self._trim(keep=key)
        return key

    def get(self, key: str) -> Picture | None:
        with self._lock:
            photo = self._photos.get(key)
            if photo is None or time.monotonic() - photo.used > self.ttl:
                self._photos.pop(key, None)
                return None
            photo.used = time.monotonic()
            self._photos.move_to_end(key)
            return photo

    def expire(self, now: float | None = None) -> int:
        """Drop the photos unused for `ttl` seconds (the memory keeper calls this); return how many went."""
        now = time.monotonic() if now is None else now
        with self._lock:
            old = [key for key, photo in self._photos.items() if now - photo.used > self.ttl]
            for key in old:
                del self._photos[key]
        return len(old)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(photo.nbytes for photo in self._photos.values())

    def _trim(self, keep: str) -> None:
        total = sum(photo.nbytes for photo in self._photos.values())
        for key in list(self._photos):
            if total <= self.budget:
                break
            if key != keep:
                total -= self._photos.pop(key).nbytes
