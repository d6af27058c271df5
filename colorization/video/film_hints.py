"""Hints on a film: a color painted on one frame corrects the object through its whole shot.

A film hint is a photo stroke (`hints`) plus `"time"`, seconds from the start: the frame shown at
that time is the painted frame. On it the correction is exactly the photo path's for that frame
(its smoothed prediction and its own edges, `propagate`): reach * (fill - start), the hints' colors
spread along the edges (fill) blended with the frame's start by the hints' reach. From there what the
painter asked for, the hinted colors and how fully they hold (reach * fill and reach, on the hint
grid), is carried frame by frame forwards and backwards through the shot with the optical flow the
video path measures (`temporal.pair_flow`, here on the hint grid), and each frame's correction is
taken against that frame's own start: reach * fill - reach * start. (Carrying the painted frame's
correction itself would carry the negative of its start's texture, which the flow cannot move
exactly and which no later start shares: the object's colors flickered.) Where the flow is not
trusted (occlusions, uncovered background, low confidence) the carried values are dropped and
re-spread from the trusted ones along the frame's own edges, so color is not dragged into the
background. Carrying stops at the shot's cuts. Two painted frames in a shot each hold at their frame
and blend linearly between; before the first and after the last, the nearest one holds.
Hints never touch lightness, never run the network again, and the color adjustments act on the
correction as on photos (intensity and hue before the upsampling, saturation on the composed frame).

Memory stays flat: per-frame lightness grids and corrections go to temporary files, kept only for
shots that carry hints (and the shot being read).

Cost: the carrying flow is measured, and re-spreading solved, only in boxes around the values carried;
a frame's correction is upsampled and added only in boxes around its pieces, the rest of the frame
being composed exactly as without hints. Without hints none of this exists.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import ndimage

from .. import color
from ..color import Adjustments
from ..errors import InputError
from ..hints import FILM_STROKE, Stroke, draw, parse_hints, propagate
from . import temporal
from .ffmpeg import VideoInfo

TRUSTED = 0.5  # flow confidence (forward-backward and brightness, 0..1) above which a carried value is kept
EDGE_SIGMA = 4.0  # lightness difference (L units) at which re-spreading starts to stop at an edge
FADE = 0.02  # pull of re-spread values towards no correction, per unit of edge weight: far from trusted pixels it fades
FINEST_SCALE = 1  # DIS's fast preset stops at scale 2; one finer level halves the lag of a carried correction
FLOW_BLUR = 7  # Gaussian window (grid pixels) over the carrying flow: a correction moves as a piece, not pixel by pixel
CARRIED_FLOOR = 0.1  # a carried reach at or below this is dropped (the painted frame keeps the photo path's floor)
RESPREAD_FLOOR = 0.3  # and a re-spread one at or below this: faint color re-spread into uncovered background
# would stay there (still background carries it as it is), a trail along the object's path widening every step's work
SPREAD = 4  # 4-connected steps from a carried value within which untrusted pixels are re-spread
MARGIN = 16  # grid pixels around the held values (beyond their motion) over which the carrying flow is measured

_GRAY_LIGHTNESS = color.lightness(np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2))[0]


def _flow(src: np.ndarray, dst: np.ndarray, fine: bool = True) -> np.ndarray:
    """Dense flow F with src(x) ~ dst(x + F(x)): DIS fast (`fine`: one pyramid level finer).

    A correction is carried through every frame of a shot, so a flow that falls short by a tenth of
    the motion (DIS fast: 2.8 of 3.2 pixels a frame on the test object) erodes it from the leading edge.
    """
    return temporal.dis_flow(src, dst, cv2.DISOPTICAL_FLOW_PRESET_FAST, FINEST_SCALE if fine else None)


def _trusted(L_to: np.ndarray, L_from: np.ndarray, there: np.ndarray,
             back: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The carrying flow (lightly smoothed) and how far it is trusted (0..1): forward-backward consistency
    and brightness constancy, as `temporal.pair_flow`."""
    confidence = temporal.trust(L_to, L_from, there, temporal.consistent(there, back))
    return cv2.GaussianBlur(there, (FLOW_BLUR, FLOW_BLUR), 0), confidence


Box = tuple[tuple[int, int], tuple[int, int]]  # rows and columns, each [start, stop)


def _pieces(mask: np.ndarray) -> list[tuple[slice, slice]]:
    """The bounding box of each connected piece of a mask (8-connected): OpenCV's labels, SciPy's boxes
    (OpenCV's labelling with statistics cost several times as much inside the video job)."""
    _, labels = cv2.connectedComponents(mask.astype(np.uint8))
    return [piece for piece in ndimage.find_objects(labels) if piece is not None]


def _disjoint(boxes: list[Box], gap: int) -> list[Box]:
    """Boxes nearer than `gap` (touching ones included) joined into their bounding box, until none are."""
    boxes = list(boxes)
    joined = True
    while joined:
        joined = False
        for i, j in itertools.combinations(range(len(boxes)), 2):
            (rows, columns), (rows_2, columns_2) = boxes[i], boxes[j]
            if all(p[0] <= q[1] + gap and q[0] <= p[1] + gap for p, q in ((rows, rows_2), (columns, columns_2))):
                boxes[i] = ((min(rows[0], rows_2[0]), max(rows[1], rows_2[1])),
                            (min(columns[0], columns_2[0]), max(columns[1], columns_2[1])))
                del boxes[j]
                joined = True
                break
    return boxes


def carry_boxes(support: np.ndarray, motion: float) -> list[tuple[slice, slice]]:
    """The parts of the grid a carrying step needs: around each separate piece of the held values (a
    moving object, a patch left where it was painted), as far as they may move (`motion` grid pixels)
    plus MARGIN for the fine flow's patches; disjoint."""
    reach = MARGIN + math.ceil(motion)
    height, width = support.shape
    boxes = [((rows.start - reach, rows.stop + reach), (columns.start - reach, columns.stop + reach))
             for rows, columns in _pieces(support)]
    return [(slice(max(0, rows[0]), min(height, rows[1])), slice(max(0, columns[0]), min(width, columns[1])))
            for rows, columns in _disjoint(boxes, 0)]


def carry(held: np.ndarray, L_to: np.ndarray, L_from: np.ndarray, L_grid: np.ndarray,
          motion: float | None = None) -> tuple[np.ndarray, float]:
    """Carry held values (HxWxC, zero where nothing is held) from frame `L_from` to its neighbour `L_to`
    (uint8 lightness, `temporal.to_flow_input`; `L_grid` the neighbour's lightness grid): moved along the flow
    where it is trusted, re-spread along the neighbour's edges elsewhere, a reach at or below
    CARRIED_FLOOR dropped (RESPREAD_FLOOR where re-spread). Returns them and how far they moved.

    The flow that carries is DIS one level finer than `temporal`'s, measured both ways (each the other's
    check) only in boxes around the held values (`carry_boxes`); outside them the result is zero in any
    case. The boxes' room for the motion: `motion`, how far the values moved at the step before (the
    frames of a shot move smoothly; MARGIN absorbs a change), else a coarse flow over the whole grid.
    """
    out = np.zeros_like(held)
    support = held[..., 2] > CARRIED_FLOOR  # fainter ones are carried to at most as faint: dropped
    if not support.any():
        return out, 0.0
    if motion is None:
        motion = float(np.abs(_flow(L_from, L_to, fine=False)[support]).max())
    moved = 0.0
    for box in carry_boxes(support, motion):
        to, source = np.ascontiguousarray(L_to[box]), np.ascontiguousarray(L_from[box])
        there, confidence = _trusted(to, source, _flow(to, source), _flow(source, to))
        trusted = confidence >= TRUSTED
        part = respread(temporal.warp(held[box], there), trusted, L_grid[box])
        part[part[..., 2] <= np.where(trusted, CARRIED_FLOOR, RESPREAD_FLOOR)] = 0.0
        out[box] = part
        kept = (part[..., 2] > 0) & trusted
        if kept.any():
            moved = max(moved, float(np.abs(there[kept]).max()))
    return out, moved


@dataclass(frozen=True)
class FilmStroke:
    """A checked stroke painted on the frame shown at `time` seconds."""

    time: float
    stroke: Stroke


def parse_film_hints(value: Any) -> tuple[FilmStroke, ...]:
    """Check film strokes given as a list (or a JSON string of one); None, "" and [] mean no hints.

    Each stroke is a photo stroke plus "time" (seconds from the start, a finite number from 0).
    The photo limits hold for the whole film (MAX_STROKES strokes, MAX_POINTS points together).

    Raises:
        InputError: anything `hints.parse_hints` refuses, or a missing, negative or non-finite time.
    """
    if value is None or value == "" or value == [] or value == ():
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InputError("The hints are not valid JSON: expected a list of strokes with times.") from None
    if isinstance(value, tuple) and all(isinstance(item, FilmStroke) for item in value):
        return value
    if not isinstance(value, list):
        raise InputError(f"The film hints must be a list of strokes like {FILM_STROKE}.")
    strokes = parse_hints(value)  # the photo checks first: count limits before looking at every item
    times = []
    for number, item in enumerate(value, start=1):
        moment = item.get("time")
        if isinstance(moment, bool) or not isinstance(moment, (int, float)):
            raise InputError(f"Hint stroke {number} has no time: give \"time\", the seconds from the film's start "
                             "at which the stroke is painted.")
        if not math.isfinite(moment) or moment < 0:
            raise InputError(f"Hint stroke {number}: the time must be a number of seconds from 0, got {moment!r}.")
        times.append(float(moment))
    return tuple(FilmStroke(t, s) for t, s in zip(times, strokes))


def frame_at(seconds: float, info: VideoInfo) -> int:
    """The index of the frame shown at `seconds` (frames are sampled at the film's rate from its start)."""
    return min(math.floor(seconds * float(info.fps) + 1e-6), info.frame_count - 1)


def painted_frames(hints: Sequence[FilmStroke], info: VideoInfo) -> dict[int, list[Stroke]]:
    """The strokes of each painted frame, by the film's frame index; refuses a time past the film's end.

    Read from the header only, so a bad time is refused before any decoding.
    """
    frames: dict[int, list[Stroke]] = {}
    for number, hint in enumerate(hints, start=1):
        if hint.time > info.duration:
            raise InputError(f"Hint stroke {number} is at {hint.time:.3f} s, past the end of the film "
                             f"({info.duration:.3f} s).")
        frames.setdefault(frame_at(hint.time, info), []).append(hint.stroke)
    return dict(sorted(frames.items()))


def lightness_grid(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """The lightness of a frame (cropped to width x height) on its hint grid, as the photo path builds it."""
    grid_h, grid_w = propagate.work_size(height, width)
    frame = frame[:height, :width]
    red, green, blue = cv2.split(frame)  # gray when all three are equal: OpenCV tells in half numpy's time
    if cv2.norm(red, green, cv2.NORM_INF) == 0 and cv2.norm(green, blue, cv2.NORM_INF) == 0:
        L = cv2.LUT(red, _GRAY_LIGHTNESS)  # `color.lightness`'s table, looked up by OpenCV: the same values
    else:
        L = color.lightness(np.ascontiguousarray(frame))
    return cv2.resize(L, (grid_w, grid_h), interpolation=cv2.INTER_AREA)


def respread(carried: np.ndarray, trusted: np.ndarray, L_grid: np.ndarray) -> np.ndarray:
    """Replace the untrusted values of carried data (HxWxC) by spreading the trusted ones along the
    frame's own edges (a harmonic fill over the untrusted pixels, 4-connected, weights that fall at
    lightness edges, and a slight pull towards no correction so isolated regions fade).

    Only untrusted pixels within SPREAD steps of a carried value are filled (the others are zero, and
    so are the fill's bounds there): further out the fill falls under the carried floor anyway (on the
    tests' clip no kept value lay more than two steps out) and solving it was most of the time. Each
    connected region of them is a separate system: one that borders no carried value stays exactly
    zero, so only the regions next to one are solved."""
    out = np.where(trusted[..., None], carried, np.float32(0.0))
    carrying = (carried != 0).any(axis=2) & trusted
    if trusted.all() or not carrying.any():
        return out
    h, w = trusted.shape
    steps = cv2.distanceTransform((~carrying).astype(np.uint8), cv2.DIST_L1, 3)
    unknown = ~trusted & (steps <= SPREAD)
    _, regions = cv2.connectedComponents(unknown.astype(np.uint8), connectivity=4)
    unknown &= np.isin(regions, np.unique(regions[unknown & (steps <= 1)]))
    if not unknown.any():
        return out
    ys, xs = np.nonzero(unknown)
    count = ys.size
    index = np.full((h, w), -1, np.int64)
    index[ys, xs] = np.arange(count)
    diagonal = np.zeros(count)
    rows, cols, values = [], [], []
    channels = carried.shape[2]
    rhs = np.zeros((count, channels))
    for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        ny, nx = ys + dy, xs + dx
        inside = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
        me, ny, nx = np.flatnonzero(inside), ny[inside], nx[inside]
        weight = np.exp(-((L_grid[ys[me], xs[me]] - L_grid[ny, nx]) ** 2) / (2 * EDGE_SIGMA**2)).astype(np.float64)
        diagonal += np.bincount(me, weight, minlength=count) * (1 + FADE)
        other = index[ny, nx]
        free = other >= 0
        rows.append(me[free])
        cols.append(other[free])
        values.append(-weight[free])
        known = ~free
        given = out[ny[known], nx[known]].astype(np.float64) * weight[known, None]
        for c in range(channels):
            rhs[:, c] += np.bincount(me[known], given[:, c], minlength=count)
    diagonal = np.maximum(diagonal, 1e-9)
    system = sp.coo_matrix((np.concatenate(values + [diagonal]),
                            (np.concatenate(rows + [np.arange(count)]), np.concatenate(cols + [np.arange(count)]))),
                           shape=(count, count)).tocsc()
    solved = spla.splu(system, permc_spec="COLAMD").solve(rhs)
    out[ys, xs] = solved.astype(np.float32)
    return out


def upsample_boxes(correction: np.ndarray, L_grid: np.ndarray, L: np.ndarray) -> list[color.Patch]:
    """`propagate.upsample` computed only around where the grid correction is not zero: disjoint boxes of
    the frame outside which it is exactly zero, and its values in them (none: zero everywhere).

    The full upsampling is exactly zero more than one grid pixel (its bounds) plus one (its
    interpolation) away from the correction, so only a box around each separate piece of it is
    computed (a moving object and a patch left where it was painted are two), with a margin for the
    guided filter's two box filters, aligned so that the crop's scale is the frame's. Equal to the full
    upsampling within float rounding of the interpolation weights (about 1e-3 a/b units).
    """
    grid_h, grid_w = correction.shape[:2]
    height, width = L.shape
    if (grid_h, grid_w) == (height, width):
        return [((slice(0, height), slice(0, width)), correction)]
    nonzero = (correction != 0).any(axis=2)
    if not nonzero.any():
        return []
    shows = 3  # grid pixels beyond the correction where the upsampled one may not be zero
    margin = 2 * propagate.GUIDE_RADIUS + 2  # the box filters twice, the bounds and the interpolation
    boxes = [((rows.start - shows, rows.stop + shows), (columns.start - shows, columns.stop + shows))
             for rows, columns in _pieces(nonzero)]
    pieces = []  # disjoint (touching ones could share a frame pixel), and one wherever their crops would overlap
    for rows, columns in _disjoint(boxes, 2 * margin):
        pieces.append([])
        for (low, high), grid, size in ((rows, grid_h, height), (columns, grid_w, width)):
            step = grid // math.gcd(grid, size)  # grid lines that fall on a whole frame pixel
            start = max(0, low - margin) // step * step
            stop = min(grid, -(-(high + margin) // step) * step)
            low, high = max(0, low), min(grid, high)
            pieces[-1].append((start, stop, start * size // grid, stop * size // grid,
                               low * size // grid, -(-high * size // grid)))
    if sum((gy1 - gy0) * (gx1 - gx0) for (gy0, gy1, *_), (gx0, gx1, *_) in pieces) > 0.5 * grid_h * grid_w:
        return [((slice(0, height), slice(0, width)), propagate.upsample(correction, L_grid, L))]
    parts = []
    for (gy0, gy1, y0, y1, sy0, sy1), (gx0, gx1, x0, x1, sx0, sx1) in pieces:
        part = propagate.upsample(correction[gy0:gy1, gx0:gx1], L_grid[gy0:gy1, gx0:gx1], L[y0:y1, x0:x1])
        parts.append(((slice(sy0, sy1), slice(sx0, sx1)), part[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0]))
    return parts


def upsample_around(correction: np.ndarray, L_grid: np.ndarray, L: np.ndarray) -> np.ndarray | None:
    """`upsample_boxes` as a full-frame correction (None: zero everywhere)."""
    parts = upsample_boxes(correction, L_grid, L)
    if not parts:
        return None
    full = np.zeros(L.shape + (2,), np.float32)
    for box, part in parts:
        full[box] = part
    return full


def render(L: np.ndarray, ab: np.ndarray, correction: np.ndarray | None, L_grid: np.ndarray | None,
           adjustments: Adjustments, exact: bool = True) -> np.ndarray:
    """Compose one frame as `Prediction.render` composes a photo with hints: the correction (on the
    hint grid) adjusted like the prediction, upsampled along the frame's full-resolution edges.

    `exact`: upsampled over the whole frame, as the photo path does. Else only in the boxes where it is
    not zero (`upsample_boxes`), and added only there: outside them the frame is exactly the one
    without hints.
    """
    ab = color.adjust_ab(ab, adjustments)
    if correction is None or adjustments.intensity == 0.0:
        return color.finish(L, ab, adjustments)
    correction = color.adjust_ab(correction, adjustments)
    if exact:
        return color.finish(L, ab, adjustments, propagate.upsample(correction, L_grid, L))
    return color.finish(L, ab, adjustments, upsample_boxes(correction, L_grid, L))


class ShotCorrections:
    """The corrections of one video job: fed every decoded frame (pass 1), solved once the final a/b
    is known (after smoothing), read while writing.

    `painted` maps the job's own frame indices (0 = its first decoded frame) to strokes; `store`
    makes a disk-backed array of a given per-item shape (the video job's temporary folder).
    """

    def __init__(self, painted: dict[int, list[Stroke]], width: int, height: int, store) -> None:
        self.painted = painted
        self.width, self.height = width, height
        self.grid = propagate.work_size(height, width)
        self._store = store
        self._lightness = store(self.grid)
        self._corrections = store(self.grid + (2,))
        self._slot: dict[int, int] = {}  # frame index -> slot in the lightness file
        self._next_slot = 0
        self._shot: list[int] = []  # frames of the shot being read
        self._starts: list[bool] = []
        self._solved: set[int] = set()
        self._last_painted = max(painted, default=-1)
        self._reading = True  # the shot being read may hold a painted frame

    def observe(self, index: int, frame: np.ndarray, starts_shot: bool) -> None:
        """Pass 1: keep this frame's lightness grid while its shot may carry hints (a shot that begins
        after the last painted frame cannot: its frames are not looked at)."""
        if starts_shot:
            self._close_shot()
            self._reading = index <= self._last_painted
        self._starts.append(starts_shot)
        if not self._reading:
            return
        self._shot.append(index)
        self._slot[index] = self._next_slot
        self._lightness[self._next_slot] = lightness_grid(frame, self.width, self.height)
        self._next_slot += 1

    def _close_shot(self) -> None:
        """A shot ended: without a painted frame, its lightness grids are not needed (their slots are reused)."""
        if self._shot and not any(i in self.painted for i in self._shot):
            self._next_slot = self._slot[self._shot[0]]
            for index in self._shot:
                del self._slot[index]
        self._shot = []

    def solve(self, final_ab: Sequence[np.ndarray]) -> None:
        """Corrections of every frame in a shot with hints, from the final (smoothed) a/b of its painted frames."""
        self._close_shot()
        frames = len(self._starts)
        bounds = [i for i, s in enumerate(self._starts) if s or i == 0] + [frames]
        for start, end in itertools.pairwise(bounds):
            keys = [k for k in self.painted if start <= k < end]
            if keys:
                self._solve_shot(start, end, keys, final_ab)

    def _L(self, index: int) -> np.ndarray:
        return self._lightness[self._slot[index]]

    def _base(self, index: int, final_ab: Sequence[np.ndarray]) -> np.ndarray:
        """A frame's final a/b on the hint grid, as the photo path starts from it."""
        grid_h, grid_w = self.grid
        return np.stack(color.upsample_ab(np.asarray(final_ab[index], np.float32), grid_h, grid_w), axis=-1)

    def _painted(self, index: int, final_ab: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Exactly the photo path's correction for this frame (its final a/b, its edges, its strokes), and
        what is carried from it: the hinted colors held and how fully, (reach * fill, reach)."""
        grid_h, grid_w = self.grid
        base = self._base(index, final_ab)
        grid = propagate.Grid.of(self._L(index))
        strokes = draw(self.painted[index], grid_w, grid_h)
        correction = grid.correction(base, strokes)  # reach * (fill - base) where the reach shows, else 0
        reach = grid.reach(strokes)
        reach = np.where(reach > propagate.REACH_FLOOR, reach, 0.0).astype(np.float32)[..., None]
        return correction, np.concatenate([correction + reach * base, reach], axis=-1)

    def _solve_shot(self, start: int, end: int, keys: list[int], final_ab: Sequence[np.ndarray]) -> None:
        held = {}
        for k in keys:
            correction, held[k] = self._painted(k, final_ab)
            self._put(k, correction)

        def carried(k: int, frames: range) -> Iterator[tuple[int, np.ndarray]]:
            """Painted frame k's held colors (reach * fill, reach) carried through `frames` one neighbour at
            a time (`carry`), each frame's correction taken against its own start."""
            current, motion, before = held[k], None, temporal.to_flow_input(self._L(k))
            for t in frames:
                L = self._L(t)
                here = temporal.to_flow_input(L)
                current, motion = carry(current, here, before, L, motion)
                before = here
                yield t, current[..., :2] - current[..., 2:] * self._base(t, final_ab)

        for t, correction in carried(keys[0], range(keys[0] - 1, start - 1, -1)):  # before the first: it holds
            self._put(t, correction)
        for t, correction in carried(keys[-1], range(keys[-1] + 1, end)):  # after the last: it holds
            self._put(t, correction)
        for left, right in itertools.pairwise(keys):  # between two: each carried towards the other, blended
            for t, correction in carried(left, range(left + 1, right)):
                self._put(t, correction)
            for t, correction in carried(right, range(right - 1, left, -1)):
                share = (t - left) / (right - left)
                self._put(t, (1.0 - share) * self._corrections[self._slot[t]] + share * correction)

    def _put(self, index: int, value: np.ndarray) -> None:
        self._corrections[self._slot[index]] = value
        self._solved.add(index)

    def correction(self, index: int) -> np.ndarray | None:
        """The hint-grid correction of a frame, None when its shot has no hints."""
        return self._corrections[self._slot[index]] if index in self._solved else None

    def render(self, index: int, L: np.ndarray, ab: np.ndarray, adjustments: Adjustments) -> np.ndarray | None:
        """The frame composed with its correction; None when it has none (the caller renders as without hints)."""
        correction = self.correction(index)
        if correction is None:
            return None
        # the grid kept in pass 1 (from the same L); a painted frame is upsampled exactly as the photo path does
        return render(L, ab, correction, self._L(index), adjustments, exact=index in self.painted)
