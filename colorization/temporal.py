"""Steady colors across frames: flow-guided recursive smoothing of the predicted a/b.

Everything runs at the network's low resolution (a/b at S/4, flow on L at S/2), where it costs
about a millisecond a frame. For each pair of neighbouring frames we keep the flow both ways and
a per-pixel confidence (forward-backward consistency and brightness constancy). A forward and a
backward recursive filter, `ab_t = a c warp(ab_t-1) + (1 - a c) pred_t`, are averaged, which
removes the lag of a one-way filter; both restart at scene cuts so no color crosses a cut.
Frames without a prediction (between keyframes) take the warped colors of both neighbours.
"""

from __future__ import annotations

import threading
from collections.abc import MutableSequence, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from . import defaults

BRIGHTNESS_SIGMA = 8.0  # in 0..255 lightness units
CUT_CONFIDENT_FRACTION = 0.3
CUT_HISTOGRAM_DISTANCE = 0.6

_engines = threading.local()  # a DIS object keeps state between calls: one per thread


def _flow_engine() -> cv2.DISOpticalFlow:
    if not hasattr(_engines, "dis"):
        _engines.dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    return _engines.dis


def optical_flow(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Dense flow F with src(x) ~ dst(x + F(x)); uint8 inputs, HxWx2 float32 output."""
    return _flow_engine().calc(src, dst, None)


def warp(data: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample `data` at x + flow(x) (bilinear, edges replicated)."""
    h, w = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(data, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def consistent(flow: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Forward-backward check (Sundaram et al.): True where following `flow` then `back` returns home."""
    back_at = warp(back, flow)
    total = flow + back_at
    lhs = (total**2).sum(axis=2)
    rhs = 0.01 * ((flow**2).sum(axis=2) + (back_at**2).sum(axis=2)) + 0.5
    return lhs <= rhs


@dataclass(frozen=True)
class FlowStats:
    """Three numbers that summarise how frame t follows frame t-1."""

    confident_fraction: float  # share of pixels whose flow passes the forward-backward check
    histogram_distance: float  # L1 distance of the lightness histograms, 0..2
    motion: float  # mean displacement, in a/b-grid pixels

    @property
    def is_cut(self) -> bool:
        return self.confident_fraction < CUT_CONFIDENT_FRACTION or self.histogram_distance > CUT_HISTOGRAM_DISTANCE


@dataclass(frozen=True)
class PairFlow:
    """How frame t relates to frame t-1, at a/b resolution, with confidences in [0, 1]."""

    to_prev: np.ndarray  # at frame t's pixels: displacement into frame t-1
    conf_to_prev: np.ndarray
    from_prev: np.ndarray  # at frame t-1's pixels: displacement into frame t
    conf_from_prev: np.ndarray
    stats: FlowStats

    @property
    def is_cut(self) -> bool:
        return self.stats.is_cut

    @property
    def confident_fraction(self) -> float:
        return self.stats.confident_fraction

    @property
    def motion(self) -> float:
        return self.stats.motion


def _histogram(L: np.ndarray) -> np.ndarray:
    hist = np.bincount((L >> 3).ravel(), minlength=32).astype(np.float32)
    return hist / max(hist.sum(), 1.0)


def pair_flow(prev_L: np.ndarray, L: np.ndarray, ab_shape: tuple[int, int]) -> PairFlow:
    """Flow both ways between two uint8 lightness frames, reduced to the a/b grid."""
    to_prev, from_prev = optical_flow(L, prev_L), optical_flow(prev_L, L)
    ok_to_prev, ok_from_prev = consistent(to_prev, from_prev), consistent(from_prev, to_prev)
    bright_to_prev = np.abs(L.astype(np.float32) - warp(prev_L.astype(np.float32), to_prev))
    bright_from_prev = np.abs(prev_L.astype(np.float32) - warp(L.astype(np.float32), from_prev))
    conf_to_prev = ok_to_prev * np.exp(-((bright_to_prev / BRIGHTNESS_SIGMA) ** 2))
    conf_from_prev = ok_from_prev * np.exp(-((bright_from_prev / BRIGHTNESS_SIGMA) ** 2))
    h, w = ab_shape
    scale = np.float32(w / L.shape[1])

    def shrink(array: np.ndarray) -> np.ndarray:
        return cv2.resize(array.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)

    small_to_prev = shrink(to_prev) * scale
    stats = FlowStats(
        confident_fraction=float(ok_to_prev.mean()),
        histogram_distance=float(np.abs(_histogram(L) - _histogram(prev_L)).sum()),
        motion=float(np.sqrt((small_to_prev**2).sum(axis=2)).mean()),
    )
    return PairFlow(small_to_prev, shrink(conf_to_prev), shrink(from_prev) * scale, shrink(conf_from_prev), stats)


def _blend(warped: np.ndarray, confidence: np.ndarray, prediction: np.ndarray | None, strength: float) -> np.ndarray:
    if prediction is None:
        return warped
    weight = (strength * confidence)[..., None]
    return weight * warped + (1.0 - weight) * prediction


def smooth(
    predictions: Sequence[np.ndarray | None],
    flows: Sequence[PairFlow | None],
    strength: float = defaults.SMOOTHING,
    out: MutableSequence[np.ndarray] | None = None,
    forward_store: MutableSequence[np.ndarray] | None = None,
) -> MutableSequence[np.ndarray]:
    """Bidirectional flow-guided smoothing of per-frame a/b.

    predictions[t] is the network's a/b for frame t, or None where it was not run (the first and
    last frame of every shot must have one). flows[t] relates frame t to t-1; None or a cut
    starts a new shot. Sequences may be lists or disk-backed stores: each is read in order once
    forwards and once backwards, so memory stays flat. Strength 0 returns the predictions.
    """
    n = len(predictions)
    out = out if out is not None else [None] * n  # type: ignore[list-item]
    forward = forward_store if forward_store is not None else [None] * n  # type: ignore[list-item]
    since_key = np.zeros(n, np.int32)
    starts: list[bool] = []
    previous = None
    for t in range(n):
        prediction, flow = predictions[t], flows[t]
        starts.append(t == 0 or flow is None or flow.is_cut)
        if starts[t]:
            if prediction is None:
                raise ValueError(f"frame {t} starts a shot but has no prediction")
            current = prediction
        else:
            current = _blend(warp(previous, flow.to_prev), flow.conf_to_prev, prediction, strength)
            since_key[t] = 0 if prediction is not None else since_key[t - 1] + 1
        forward[t] = current
        previous = current
    following = None
    until_key = 0
    for t in range(n - 1, -1, -1):
        prediction = predictions[t]
        ends_shot = t == n - 1 or starts[t + 1]
        if ends_shot:
            if prediction is None:
                raise ValueError(f"frame {t} ends a shot but has no prediction")
            current, until_key = prediction, 0
        else:
            flow = flows[t + 1]
            current = _blend(warp(following, flow.from_prev), flow.conf_from_prev, prediction, strength)
            until_key = 0 if prediction is not None else until_key + 1
        following = current
        if prediction is not None:
            out[t] = prediction if strength == 0 else 0.5 * (forward[t] + current)
        else:
            w_forward, w_backward = 1.0 / (since_key[t] + 1), 1.0 / (until_key + 1)
            out[t] = (w_forward * forward[t] + w_backward * current) / (w_forward + w_backward)
    return out
