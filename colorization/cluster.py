"""Archives on a Ray cluster: folders of photos and long films colorized by a pool of workers.

Ray (an optional extra: `pip install "colorization[cluster]"`) runs locally with no address and
joins an existing cluster with one (`ray://host:10001` or `auto`). Each worker is a Ray actor that
loads the model once (from its own Hub cache or $COLORIZATION_MODEL) and asks for one GPU when the
cluster has them, else one CPU. Inputs and the output folder must be at the same path on every node
(a shared filesystem); a worker that cannot see an input says so. Photos follow the one-machine
rules exactly (names, formats, no overwriting, the same encoder, byte-identical files). A film is
split into pieces (`pieces`), colorized by the workers, and joined; pieces that finished survive a
failure or Ctrl-C and are reused, checked, by the next run. A worker that dies is restarted and its
piece retried; a piece that fails every attempt fails the job with its reason and no output.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from .color import Adjustments
from .errors import ColorizationError, InputError, OutputError, said
from .model.settings import ModelSettings
from .outputs import refusal
from .video import Span, VideoOptions, VideoResult, check_output, check_video, colorize_span, film_hints, pieces

log = logging.getLogger("colorization")

RETRIES = 2  # attempts after the first, for a piece or a photo whose worker died


def require_ray():
    """The ray module, or an InputError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError('Running on a cluster needs Ray, an optional extra: '
                         'pip install "colorization[cluster]"') from None
    return ray


def start(address: str | None = None, **local_options) -> None:
    """Connect to the cluster at `address`, or start a local Ray instance on this machine."""
    ray = require_ray()
    if ray.is_initialized():
        return
    if address and address != "auto":
        _check_reachable(address)
    options = {} if address else local_options
    try:
        ray.init(address=address or None, log_to_driver=False, include_dashboard=False, **options)
    except (ConnectionError, TimeoutError) as exc:
        raise ColorizationError(f"Could not join the Ray cluster at {address}: {exc}.") from None


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds when nothing listens at a cluster's address (Ray itself retries for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"A Ray address looks like ray://host:10001 or host:6379, not {address!r}.")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ColorizationError(f"Nothing answers at the Ray cluster address {address} "
                                f"({exc.strerror or exc}).") from None


class Worker:
    """One Ray actor: the model, loaded once, colorizing photos and film pieces on its node."""

    def __init__(self, model: ModelSettings, threads: int) -> None:
        from .pipeline import Colorizer

        self.colorizer = Colorizer.from_pretrained(settings=replace(model, threads=threads))
        self.node = socket.gethostname()

    def _visible(self, path: Path) -> None:
        if not path.is_file():
            raise InputError(f"The worker on {self.node} cannot see {path}: inputs and outputs must be at the same "
                             "path on every node (a shared filesystem).")

    def photo(self, src: str, target: str, adjustments: Adjustments, render_size: int, hints: list,
              overwrite: bool) -> str | None:
        """Colorize one photo into `target`; None when done, else the reason it could not be."""
        try:
            self._visible(Path(src))
            self.colorizer.colorize_file(src, target, adjustments, render_size, hints, overwrite)
        except (InputError, OutputError) as exc:
            return str(exc)
        return None

    def piece(self, src: str, target: str, span: Span, options: VideoOptions) -> tuple[int, int]:
        """Colorize one piece of a film into `target`; (frames written, network runs)."""
        self._visible(Path(src))
        result = colorize_span(src, target, self.colorizer, span, options, overwrite=True)
        return result.frames, result.network_frames


class Pool:
    """Workers on every CPU (or GPU) of the cluster, each asking for one; results as they finish.

    `worker` is the actor class: `Worker`, or a subclass of it (the tests' workers that die on purpose).
    """

    def __init__(self, model: ModelSettings, workers: int | None = None, worker: type[Worker] = Worker) -> None:
        ray = require_ray()
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        count = workers or gpus or max(1, int(resources.get("CPU", 1)))
        actor = ray.remote(num_gpus=1 if gpus else 0, num_cpus=0 if gpus else 1, max_restarts=RETRIES,
                           max_task_retries=RETRIES)(worker)
        self.ray = ray
        threads = 1 if not gpus else max(1, os.cpu_count() or 1)
        self.workers = [actor.remote(model, threads=threads) for _ in range(count)]
        self._running: dict = {}  # ObjectRef -> (call index, worker), while `run` runs

    def run(self, calls: Sequence[Callable], done: Callable[[int, object], None]) -> dict[int, BaseException]:
        """Submit calls (worker -> ObjectRef) across the workers; `done(i, result)` as each finishes.
        Returns the calls that failed, by index, with their exceptions."""
        ray = self.ray
        pending = list(enumerate(calls))
        running = self._running
        failed: dict[int, BaseException] = {}
        last: BaseException = RuntimeError("no worker could be started")
        idle = list(self.workers)
        while pending or running:
            while pending and idle:
                index, call = pending.pop(0)
                worker = idle.pop()
                running[call(worker)] = (index, worker)
            if not running:  # every worker is gone for good: what is left cannot run
                failed.update((index, last) for index, _ in pending)
                break
            ready, _ = ray.wait(list(running), num_returns=1)
            index, worker = running.pop(ready[0])
            try:
                result = ray.get(ready[0])
            except ray.exceptions.RayError as exc:  # failed every attempt: raised on the worker, or the worker died
                log.debug("Call %d failed on every attempt", index, exc_info=exc)
                failed[index] = last = exc
                if not isinstance(exc, ray.exceptions.ActorDiedError):  # a dead worker (restarts spent) gets no more
                    idle.append(worker)
                continue
            idle.append(worker)
            done(index, result)
        return failed

    def stop(self, wait: float = 10.0) -> None:
        """Kill the workers, then wait (at most `wait` seconds) until the calls they were running have
        ended: Ray kills asynchronously, and a worker must not finish a piece after the caller has
        cleaned up (Ctrl-C)."""
        for worker in self.workers:
            self.ray.kill(worker)
        if self._running:
            self.ray.wait(list(self._running), num_returns=len(self._running), timeout=wait)


def colorize_photos(sources: Sequence[Path], targets: Sequence[Path], model: ModelSettings, adjustments: Adjustments,
                    render_size: int, hints: list, overwrite: bool, progress: Callable[[], None] | None = None,
                    workers: int | None = None) -> list[tuple[Path, str]]:
    """Colorize photos on the cluster; returns (photo, reason) for each one that could not be."""
    failures: list[tuple[Path, str]] = []
    todo = []
    for src, target in zip(sources, targets):
        problem = refusal(target, sources, overwrite)
        if problem:
            failures.append((src, f"skipped: {problem}"))
        else:
            todo.append((src, target))
    pool = Pool(model, workers)

    def done(index: int, reason: object) -> None:
        if reason:
            failures.append((todo[index][0], str(reason)))
        if progress is not None:
            progress()

    try:
        calls = [lambda w, s=s, t=t: w.photo.remote(str(s), str(t), adjustments, render_size, hints, overwrite)
                 for s, t in todo]
        for index, exc in pool.run(calls, done).items():
            failures.append((todo[index][0], _reason(exc)))
    finally:
        pool.stop()
    return failures


def colorize_film(src: Path, dst: Path, model: ModelSettings, options: VideoOptions, overwrite: bool = False,
                  piece_frames: int = pieces.PIECE_FRAMES, warmup: int = pieces.WARMUP_FRAMES,
                  progress: Callable[[str, int, int], None] | None = None, workers: int | None = None) -> VideoResult:
    """Colorize a film in pieces on the cluster and join them into `dst` with the source's sound.

    Raises:
        InputError / OutputError: as for `colorize_video`, checked before any work.
        ColorizationError: a piece failed every attempt (finished pieces are kept for a rerun).
    """
    started = time.monotonic()
    pieces.check_sizes(piece_frames, warmup)
    check_output(src, dst, overwrite, lossless=options.lossless)
    info = check_video(src)
    painted = film_hints.painted_frames(options.hints, info)  # bad times refused before any decoding
    cuts = pieces.find_cuts(src, info, options.render_size,
                            lambda done: progress("Finding the cuts", done, info.frame_count) if progress else None)
    plan = pieces.reach_hints(pieces.plan(info.frame_count, cuts, piece_frames, warmup), cuts, list(painted))
    workspace = pieces.Workspace(src, dst, options, plan)
    todo = [p for p in plan if not workspace.finished(p)]
    if len(todo) < len(plan):
        log.warning("Reusing %d finished piece(s) from an earlier run", len(plan) - len(todo))
    finished, network = [len(plan) - len(todo)], [0]

    def done(index: int, counts: object) -> None:
        finished[0] += 1
        network[0] += counts[1]
        if progress is not None:
            progress("Colorizing pieces", finished[0], len(plan))

    pool = Pool(model, workers) if todo else None
    try:
        calls = [lambda w, p=p: w.piece.remote(str(src), str(workspace.path(p)), p.span, options) for p in todo]
        failed = pool.run(calls, done) if pool else {}
        if failed:
            index, exc = next(iter(failed.items()))
            raise ColorizationError(f"Piece {todo[index].index} (frames {todo[index].start}-{todo[index].end - 1}) "
                                    f"failed on every attempt ({1 + RETRIES}): {_reason(exc)}. The {finished[0]} "
                                    f"finished piece(s) are kept in {workspace.folder} for the next run.")
    finally:
        if pool is not None:
            pool.stop()
        workspace.remove_partials()
    if progress is not None:
        progress("Joining the pieces", len(plan), len(plan))
    pieces.join([workspace.path(p) for p in plan], src, info, dst, overwrite, lossless=options.lossless)
    workspace.clear()
    return VideoResult(dst, info.frame_count, info.fps, network[0], time.monotonic() - started)


def _reason(exc: BaseException) -> str:
    """The line that says what went wrong on a worker, without Ray's wrapping and traceback."""
    cause = getattr(exc, "cause", None) or exc
    own = [line for line in str(cause).splitlines() if not line.startswith(("Traceback", "  ", "ray."))]
    return said("\n".join(own), default=type(cause).__name__)
