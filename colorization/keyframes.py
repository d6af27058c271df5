"""Which frames of a video the network must see: keyframes chosen by motion, online, frame by frame.

Between keyframes, colors are carried by optical flow (see `temporal`). Carried colors stay
right while the flow is trusted, so a new keyframe is due when that trust runs out: the share
of confidently tracked pixels since the last keyframe falls, the accumulated displacement
grows, or a cut starts a new shot. Never more than `max_interval` frames apart: every frame whose
index is a multiple of it is a keyframe, so a piece of a film that starts elsewhere (see `pieces`)
makes the same choices as the whole film once it has passed one such frame. 1 means every frame.
Static shots, common in old films, then need few network runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .temporal import PairFlow


@dataclass(frozen=True)
class MotionRule:
    """When carried colors stop being reliable. Tuned on the benchmark's simulated clips."""

    min_tracked: float = 0.9  # product of confidently tracked fractions since the last keyframe
    max_motion: float = 0.4  # accumulated mean displacement since the last keyframe, in a/b-grid pixels


class KeyframeChooser:
    """Feed it each frame's flow to the previous one (None for the first); it names the keyframes.

    The first and last frame of every shot are always keyframes (smoothing needs a prediction at
    both ends), so a cut makes the frame before it a keyframe too, after the fact.
    """

    def __init__(self, max_interval: int, rule: MotionRule = MotionRule(), first_index: int = 0) -> None:
        if max_interval < 1:
            raise ValueError(f"the keyframe interval must be 1 or more, got {max_interval}")
        self.max_interval = max_interval
        self.rule = rule
        self._first = first_index  # the film's index of the first frame fed: keeps the grid of forced keyframes
        self._index = -1
        self._last_key = -1
        self._tracked = 1.0
        self._motion = 0.0

    def next(self, flow: PairFlow | None) -> list[int]:
        """Indices that become keyframes now: this frame's, and the previous frame's at a cut."""
        self._index += 1
        index = self._index
        starts_shot = flow is None or flow.is_cut
        keys = []
        if starts_shot and index > 0 and self._last_key != index - 1:
            keys.append(index - 1)
        if not starts_shot:
            self._tracked *= flow.confident_fraction
            self._motion += flow.motion
        due = (
            starts_shot
            or (self._first + index) % self.max_interval == 0
            or self._tracked < self.rule.min_tracked
            or self._motion > self.rule.max_motion
        )
        if due:
            keys.append(index)
            self._last_key, self._tracked, self._motion = index, 1.0, 0.0
        return keys

    def finish(self) -> list[int]:
        """The last frame, if it is not a keyframe yet (it ends the last shot)."""
        if self._index >= 0 and self._last_key != self._index:
            self._last_key = self._index
            return [self._index]
        return []


def choose(flows: Sequence[PairFlow | None], max_interval: int, rule: MotionRule = MotionRule()) -> list[bool]:
    """Keyframe flags for a whole sequence of flows (flows[t] relates frame t to t-1)."""
    chooser = KeyframeChooser(max_interval, rule)
    flags = [False] * len(flows)
    for flow in flows:
        for index in chooser.next(flow):
            flags[index] = True
    for index in chooser.finish():
        flags[index] = True
    return flags
