"""Faults on purpose: Ray workers that die (for the cluster's fault tests, without a hook in the package), and
children that hear Ctrl-C.

`dying_worker` returns a subclass of the real `cluster.Worker` whose process exits while starting one
chosen piece of a film: the first time only, or every time. The class is made inside a function, so
Ray's cloudpickle sends it to the workers by value (they cannot import `support`); its base class
travels by reference, so the workers run the package's own code for every other piece.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from colorization import cluster
from colorization.model.settings import ModelSettings


def dying_worker(piece: int, markers: Path, always: bool = False) -> type[cluster.Worker]:
    """A Worker whose process exits (status 17) on piece number `piece` (its target is named
    piece-NNNNN.mp4, as `pieces.Workspace` names it); on its first attempt only, or on every one
    with `always`. A file in `markers` records that it died, for the next attempt to see."""

    class DyingWorker(cluster.Worker):
        def piece(self, src: str, target: str, *args, **kwargs) -> tuple[int, int]:
            if Path(target).name == f"piece-{piece:05d}.mp4":
                marker = Path(markers) / f"died-on-piece-{piece}"
                if always or not marker.exists():
                    marker.touch()
                    os._exit(17)
            return super().piece(src, target, *args, **kwargs)

    return DyingWorker


def pool_of(worker: type[cluster.Worker]):
    """A stand-in for `cluster.Pool` that builds its actors from `worker`."""
    real = cluster.Pool

    def pool(model: ModelSettings, workers: int | None = None) -> cluster.Pool:
        return real(model, workers, worker=worker)

    return pool


def hears_ctrl_c() -> None:
    """`preexec_fn` of a child a test interrupts: pytest-xdist's workers ignore SIGINT, and a child inherits
    that (Python then never raises KeyboardInterrupt in it); a terminal's Ctrl-C reaches it, so ours must."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
