"""Which frames of a video the network must see: keyframes chosen by trust in the carried colors.

Between keyframes, colors are carried by optical flow (see `temporal`), forwards from the keyframe
before and backwards from the keyframe after. Distance moved does not spoil them: a pan along a
trusted flow carries every color it shows. What spoils them is a pixel that cannot be traced back
to the last keyframe: the flow fails the forward-backward check (occlusion, motion blur, a flash),
or it points outside the previous frame (new content entering at an edge). So the chooser keeps,
per a/b-grid pixel, how far the current frame's colors can be traced back to the last keyframe
(`temporal.PairFlow.conf_to_prev`, multiplied along the flow); a keyframe is due when the share
of the picture so traced falls below `TrustRule.min_traced`, or at a cut. Content that entered
since the last keyframe is colored backwards from the next one, which sees it.

Never more than `max_interval` frames apart: every frame whose index is a multiple of it is a
keyframe, and all state restarts at a keyframe, so a piece of a film that starts elsewhere (see
`pieces`) makes the same choices as the whole film once it has passed one such frame. 1 means every
frame. Static shots and steady pans, the bulk of old films, then need few network runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .temporal import PairFlow, reliance, warp

TRACED = 0.5  # a pixel whose carried confidence is at least this still shows the keyframe's colors


@dataclass(frozen=True)
class TrustRule:
    """When carried colors stop being reliable. Tuned on real camera footage (see docs/video.md)."""

    min_traced: float = 0.6  # share of the picture traced back to the last keyframe with confidence


def carry_trust(trust: np.ndarray, flow: PairFlow) -> np.ndarray:
    """Per-pixel trust of frame t's carried colors, from frame t-1's: followed along the flow, times
    the flow's own confidence (0 where it is inconsistent or comes from outside the picture)."""
    return warp(trust, flow.to_prev) * reliance(flow.conf_to_prev)


def traced_share(trust: np.ndarray) -> float:
    """The share of the picture whose carried colors are still trusted."""
    return float((trust >= TRACED).mean())


def trust_loss(flow: PairFlow) -> float:
    """The share of a frame whose colors cannot be carried from the previous one: what a clip's
    motion costs in keyframes (`estimate.expected_keyframes`), from a single pair of frames."""
    return 1.0 - traced_share(carry_trust(np.ones_like(flow.conf_to_prev), flow))


class KeyframeChooser:
    """Feed it each frame's flow to the previous one (None for the first); it names the keyframes.

    The first and last frame of every shot are always keyframes (smoothing needs a prediction at
    both ends), so a cut makes the frame before it a keyframe too, after the fact.
    """

    def __init__(self, max_interval: int, rule: TrustRule = TrustRule(), first_index: int = 0) -> None:
        if max_interval < 1:
            raise ValueError(f"the keyframe interval must be 1 or more, got {max_interval}")
        self.max_interval = max_interval
        self.rule = rule
        self._first = first_index  # the film's index of the first frame fed: keeps the grid of forced keyframes
        self._index = -1
        self._last_key = -1
        self._trust: np.ndarray | None = None
        self.traced: list[float] = []  # per frame fed: the share traced back to the last keyframe, before it was due

    def next(self, flow: PairFlow | None) -> list[int]:
        """Indices that become keyframes now: this frame's, and the previous frame's at a cut."""
        self._index += 1
        index = self._index
        starts_shot = flow is None or flow.is_cut
        keys = []
        if starts_shot and index > 0 and self._last_key != index - 1:
            keys.append(index - 1)
        traced = 1.0
        if not starts_shot and self.max_interval > 1:
            if self._trust is None or self._trust.shape != flow.conf_to_prev.shape:
                self._trust = np.ones_like(flow.conf_to_prev)
            self._trust = carry_trust(self._trust, flow)
            traced = traced_share(self._trust)
        self.traced.append(traced)
        due = starts_shot or (self._first + index) % self.max_interval == 0 or traced < self.rule.min_traced
        if due:
            keys.append(index)
            self._last_key, self._trust = index, None
        return keys

    def finish(self) -> list[int]:
        """The last frame, if it is not a keyframe yet (it ends the last shot)."""
        if self._index >= 0 and self._last_key != self._index:
            self._last_key = self._index
            return [self._index]
        return []


def choose(flows: Sequence[PairFlow | None], max_interval: int, rule: TrustRule = TrustRule()) -> list[bool]:
    """Keyframe flags for a whole sequence of flows (flows[t] relates frame t to t-1)."""
    chooser = KeyframeChooser(max_interval, rule)
    flags = [False] * len(flows)
    for flow in flows:
        for index in chooser.next(flow):
            flags[index] = True
    for index in chooser.finish():
        flags[index] = True
    return flags
