"""A film job's progress: its stage, the share done weighted by each stage's cost, the time left, and cancelling."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import Cancelled


@dataclass(frozen=True)
class JobProgress:
    """Where a job is: its stage in words, frames done in it, and the whole job's weighted share."""

    stage: str  # "colorizing", "smoothing" or "writing"
    done: int
    total: int
    fraction: float  # of the whole job, each stage weighted by its cost
    seconds_left: float | None

    def describe(self) -> str:
        if self.stage == "smoothing":
            return "Smoothing the colors over time"
        if self.stage == "writing" and self.done >= self.total:
            return "Writing the video"
        verb = "Colorizing" if self.stage == "colorizing" else "Writing"
        return f"{verb} frame {min(self.done + 1, self.total)} of {self.total}"


ProgressCallback = Callable[[JobProgress], None]


class Tracker:
    """Reports progress weighted by each stage's predicted cost, with a time left that converges,
    and stops the job when `cancel()` says so."""

    def __init__(self, costs: dict[str, float], callback: ProgressCallback | None,
                 cancel: Callable[[], bool] | None) -> None:
        self.costs, self.callback, self.cancel = costs, callback, cancel
        self.total_cost = sum(costs.values()) or 1.0
        self.start = time.monotonic()
        self.stage, self.stage_total, self.done_before = "", 1, 0.0

    def begin(self, stage: str, total: int) -> None:
        if self.stage:
            self.done_before += self.costs[self.stage]
        self.stage, self.stage_total = stage, max(total, 1)
        self.step(0)

    def step(self, done: int) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled("The video job was cancelled.")
        if self.callback is None:
            return
        done_cost = self.done_before + self.costs[self.stage] * min(done / self.stage_total, 1.0)
        elapsed = time.monotonic() - self.start
        # Predicted costs rescaled by the speed seen so far: exact at the end, sensible from the start.
        speed = elapsed / done_cost if done_cost > 0.02 * self.total_cost and elapsed > 1.0 else 1.0
        left = max(0.0, (self.total_cost - done_cost) * speed)
        self.callback(JobProgress(self.stage, done, self.stage_total, done_cost / self.total_cost, left))
