"""A film job's per-frame arrays kept on disk, so that memory stays flat in the film's length."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from . import temporal


class DiskArray:
    """A list of equally shaped float32 arrays kept in a temporary file, read and written by index."""

    def __init__(self, folder: str, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self._size = int(np.prod(shape)) * 4
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (open as long as the store: closed by close())

    def __getitem__(self, index: int) -> np.ndarray:
        data = os.pread(self._file.fileno(), self._size, index * self._size)
        return np.frombuffer(data, np.float32).reshape(self.shape)

    def __setitem__(self, index: int, value: np.ndarray) -> None:
        os.pwrite(self._file.fileno(), np.ascontiguousarray(value, np.float32).tobytes(), index * self._size)


class Predictions:
    """Network a/b per frame, None where the network did not run."""

    def __init__(self, store: DiskArray, keys: list[bool]) -> None:
        self.store, self.keys = store, keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index: int) -> np.ndarray | None:
        return self.store[index] if self.keys[index] else None


class Flows:
    """PairFlow per frame: its maps in a disk record of 6 channels, its summary numbers in memory."""

    def __init__(self, store: DiskArray) -> None:
        self.store = store
        self.stats: list[temporal.FlowStats | None] = []

    def append(self, flow: temporal.PairFlow | None) -> None:
        index = len(self.stats)
        self.stats.append(None if flow is None else flow.stats)
        if flow is not None:
            self.store[index] = np.dstack([flow.to_prev, flow.conf_to_prev, flow.from_prev, flow.conf_from_prev])

    def __len__(self) -> int:
        return len(self.stats)

    def __getitem__(self, index: int) -> temporal.PairFlow | None:
        stats = self.stats[index]
        if stats is None:
            return None
        record = self.store[index]
        return temporal.PairFlow(record[..., 0:2], record[..., 2], record[..., 3:5], record[..., 5], stats)
