"""Steady colors across frames: flow-guided recursive smoothing of the predicted a/b.

Everything runs at the network's low resolution (a/b at S/4, flow on L at S/2), where it costs
about a millisecond a frame. For each pair of neighbouring frames we keep the flow both ways and
a per-pixel confidence (forward-backward consistency, brightness constancy, and 0 where the flow
leaves the picture). A forward and a backward recursive filter carry colors with a per-pixel
weight along the flow and fuse them with each prediction; their weighted mean removes the lag of
a one-way filter, and both restart at scene cuts so no color crosses a cut. Frames without a
prediction (between keyframes) take the carried colors of both neighbours, each where it is trusted.
"""

from __future__ import annotations

from collections.abc import MutableSequence, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .. import color, defaults

BRIGHTNESS_SIGMA = 8.0  # in 0..255 lightness units
CUT_CONFIDENT_FRACTION = 0.3
CUT_HISTOGRAM_DISTANCE = 0.6
# Carried colors live on the a/b grid, twice as coarse as the flow: a round trip that misses home by up
# to a flow pixel (half a color cell) plus 5% of the motion still carries the right color. The strict
# check (Sundaram et al.: 1% and 0.5 px^2) stays the cut detector's statistic.
CARRY_ROUND_TRIP = (0.05, 1.0)  # (share of the squared motion, squared flow pixels)

# OpenCV's DIS refuses a side under 8 and kills the process (a segfault) on some narrow pictures: 8 to 15 rows of
# 40 to 256 columns (MEDIUM, and FAST one level finer), up to 31 rows of 80 to 512 (FAST); mapped up to 2048 columns
MIN_FLOW_SIDE = 32


def dis_flow(src: np.ndarray, dst: np.ndarray, preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
             finest_scale: int | None = None) -> np.ndarray:
    """Dense flow F with src(x) ~ dst(x + F(x)) by DIS; uint8 inputs, HxWx2 float32 output.

    A new engine each call (microseconds): a reused one brings buffers of its earlier calls into the
    result (up to 2 pixels seen after calls at other sizes), so a flow would depend on what the thread
    measured before. A side under MIN_FLOW_SIDE is padded (edges replicated) and the flow cropped back.
    """
    engine = cv2.DISOpticalFlow_create(preset)
    if finest_scale is not None:
        engine.setFinestScale(finest_scale)
    height, width = src.shape[:2]
    low, narrow = max(0, MIN_FLOW_SIDE - height), max(0, MIN_FLOW_SIDE - width)
    if not (low or narrow):
        return engine.calc(src, dst, None)
    padded = (cv2.copyMakeBorder(x, 0, low, 0, narrow, cv2.BORDER_REPLICATE) for x in (src, dst))
    return np.ascontiguousarray(engine.calc(*padded, None)[:height, :width])


def optical_flow(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The flow between neighbouring frames: `dis_flow` with DIS MEDIUM. Not FAST: at 112x112 it costs about a
    millisecond more a pair, and on real footage its flow passes the round trip far more often (bikes: fewer
    keyframes, half the flicker; docs/video.md)."""
    return dis_flow(src, dst)


def warp(data: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample `data` at x + flow(x) (bilinear, edges replicated)."""
    h, w = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(data, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def inside(flow: np.ndarray) -> np.ndarray:
    """True where x + flow(x) lands inside the picture: elsewhere the content is new, seen in no other frame."""
    h, w = flow.shape[:2]
    x = np.arange(w, dtype=np.float32)[None, :] + flow[..., 0]
    y = np.arange(h, dtype=np.float32)[:, None] + flow[..., 1]
    return (x >= -0.5) & (x <= w - 0.5) & (y >= -0.5) & (y <= h - 0.5)


def consistent(flow: np.ndarray, back: np.ndarray, tolerance: tuple[float, float] = (0.01, 0.5)) -> np.ndarray:
    """Forward-backward check (Sundaram et al.): True where following `flow` then `back` returns home,
    within `tolerance`: a share of the squared motion plus squared pixels. Channel by channel with
    OpenCV: a fifth of the time of the same sums over numpy's last axis."""
    fx, fy = cv2.split(flow)
    bx, by = cv2.split(warp(back, flow))
    tx, ty = fx + bx, fy + by
    return tx * tx + ty * ty <= tolerance[0] * ((fx * fx + fy * fy) + (bx * bx + by * by)) + tolerance[1]


def trust(L: np.ndarray, other: np.ndarray, flow: np.ndarray, passes: np.ndarray) -> np.ndarray:
    """How far `flow` from frame `L` into `other` (uint8 lightness) is trusted, 0..1: where it `passes` the
    geometric checks, by brightness constancy (Gaussian in the lightness difference, BRIGHTNESS_SIGMA)."""
    brightness = np.abs(L.astype(np.float32) - warp(other.astype(np.float32), flow))
    return passes * np.exp(-((brightness / BRIGHTNESS_SIGMA) ** 2))


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
    ok_to_prev = consistent(to_prev, from_prev, CARRY_ROUND_TRIP)
    ok_from_prev = consistent(from_prev, to_prev, CARRY_ROUND_TRIP)
    conf_to_prev = trust(L, prev_L, to_prev, ok_to_prev & inside(to_prev))
    conf_from_prev = trust(prev_L, L, from_prev, ok_from_prev & inside(from_prev))
    h, w = ab_shape
    scale = np.float32(w / L.shape[1])

    def shrink(array: np.ndarray) -> np.ndarray:
        return cv2.resize(array.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)

    small_to_prev = shrink(to_prev) * scale
    stats = FlowStats(
        confident_fraction=float(consistent(to_prev, from_prev).mean()),
        histogram_distance=float(np.abs(_histogram(L) - _histogram(prev_L)).sum()),
        motion=float(np.sqrt((small_to_prev**2).sum(axis=2)).mean()),
    )
    return PairFlow(small_to_prev, shrink(conf_to_prev), shrink(from_prev) * scale, shrink(conf_from_prev), stats)


CARRY_DECAY = 0.97  # a carried color counts a little less each frame it travels: the nearer keyframe weighs more
TRUSTED = 0.5  # a flow confidence from which carried colors are relied on fully (colors vary slowly; lightness may not)


def reliance(confidence: np.ndarray) -> np.ndarray:
    """How much a carried color is relied on, from its flow's confidence: fully from `TRUSTED` up."""
    return np.minimum(confidence * np.float32(1.0 / TRUSTED), np.float32(1.0))
_EPSILON = 1e-4


def _cap(strength: float) -> float:
    """The most weight carried colors get against a new prediction: `strength` of it, at steady state."""
    return strength / (1.0 - strength) if strength < 1.0 else 1e6


def _step(previous: tuple[np.ndarray, np.ndarray], flow: np.ndarray, confidence: np.ndarray,
          prediction: np.ndarray | None, cap: float) -> tuple[np.ndarray, np.ndarray]:
    """One step of a recursive filter: colors and their weight carried along `flow`, the weight
    lowered where the flow is not trusted, then fused with the frame's prediction, if any."""
    colors, weight = previous
    carried = warp(colors, flow)
    carried_weight = warp(weight, flow) * reliance(confidence) * np.float32(CARRY_DECAY)
    if prediction is None:
        return carried, carried_weight
    held = np.minimum(carried_weight, cap)
    return (held[..., None] * carried + prediction) / (held[..., None] + 1.0), held + 1.0


def smooth(
    predictions: Sequence[np.ndarray | None],
    flows: Sequence[PairFlow | None],
    strength: float = defaults.SMOOTHING,
    out: MutableSequence[np.ndarray] | None = None,
    forward_store: MutableSequence[np.ndarray] | None = None,
) -> MutableSequence[np.ndarray]:
    """Bidirectional flow-guided smoothing of per-frame a/b, filling frames without a prediction.

    predictions[t] is the network's a/b for frame t, or None where it was not run (the first and
    last frame of every shot must have one). flows[t] relates frame t to t-1; None or a cut
    starts a new shot. Two recursive filters carry colors along the flow, one forwards and one
    backwards, each with a per-pixel weight: 1 for a prediction, lowered by the flow's confidence
    as it travels (0 for content that was not in the frame it came from), capped at
    strength / (1 - strength) against a new prediction. Each frame is the weighted mean of the
    two, so content that entered since the last keyframe takes the next keyframe's colors, and a
    keyframe's new prediction arrives as a small step in both directions, never a switch.

    Sequences may be lists or disk-backed stores (`forward_store` takes arrays of 3 channels: a, b
    and weight): each is read in order once forwards and once backwards, so memory stays flat.
    Strength 0 returns the predictions where there are any.
    """
    n = len(predictions)
    cap = _cap(strength)
    out = out if out is not None else [None] * n  # type: ignore[list-item]
    forward = forward_store if forward_store is not None else [None] * n  # type: ignore[list-item]
    starts: list[bool] = []
    state: tuple[np.ndarray, np.ndarray] | None = None
    for t in range(n):
        prediction, flow = predictions[t], flows[t]
        starts.append(t == 0 or flow is None or flow.is_cut)
        if starts[t]:
            if prediction is None:
                raise ValueError(f"frame {t} starts a shot but has no prediction")
            state = (np.asarray(prediction, np.float32), np.ones(prediction.shape[:2], np.float32))
        else:
            state = _step(state, flow.to_prev, flow.conf_to_prev, prediction, cap)
        forward[t] = np.dstack(state)
    for t in range(n - 1, -1, -1):
        prediction = predictions[t]
        if t == n - 1 or starts[t + 1]:
            if prediction is None:
                raise ValueError(f"frame {t} ends a shot but has no prediction")
            state = (np.asarray(prediction, np.float32), np.ones(prediction.shape[:2], np.float32))
        else:
            flow = flows[t + 1]
            state = _step(state, flow.from_prev, flow.conf_from_prev, prediction, cap)
        if prediction is not None and strength == 0:
            out[t] = prediction
            continue
        ahead = forward[t]
        w_forward, w_backward = ahead[..., 2:3] + _EPSILON, state[1][..., None] + _EPSILON
        out[t] = (w_forward * ahead[..., :2] + w_backward * state[0]) / (w_forward + w_backward)
    return out


def flow_lightness(net_input: np.ndarray) -> np.ndarray:
    """The uint8 lightness at half the network's size on which flow is measured."""
    size = net_input.shape[-1] // 2
    return to_flow_input(cv2.resize(net_input[0, 0] + color.L_CENTER, (size, size), interpolation=cv2.INTER_AREA))


def to_flow_input(L: np.ndarray) -> np.ndarray:
    """Lightness (0..100) as the uint8 picture flow is measured on."""
    return np.clip(L * 2.55 + 0.5, 0, 255).astype(np.uint8)
