"""Color hints: strokes a person paints to say "this is blue", checked and drawn onto a grid.

A stroke is `{"points": [[x, y], ...], "color": "#rrggbb", "size": s}`: x and y are fractions (0..1)
of the photo's width and height as displayed (after EXIF rotation), origin top left, y down;
`size` is the brush diameter as a fraction of the photo's shorter side. Only the painted color's
chroma (Lab a, b) counts; its lightness is ignored, the photo keeps its own. The API, the command
line and the library take strokes; the page's painting editor gives painted layers (`from_layer`).
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError

STROKE = '{"points": [[x, y], ...], "color": "#rrggbb", "size": 0.02}'  # as every message and help shows one
FILM_STROKE = '{"time": 12.4, ' + STROKE[1:]  # on a film: the time of its frame, in seconds
MAX_STROKES = 100
MAX_POINTS = 10_000
MAX_FILE_BYTES = 4 << 20  # a hints file: 10,000 points take well under 1 MB of JSON
DEFAULT_SIZE = 0.02
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Stroke:
    """One painted stroke, checked: points as fractions of the photo, an sRGB color, a brush diameter."""

    points: tuple[tuple[float, float], ...]
    color: str
    size: float = DEFAULT_SIZE

    @property
    def ab(self) -> tuple[float, float]:
        """The color's chroma (Lab a, b); its lightness is not used."""
        return hex_to_ab(self.color)


@dataclass(frozen=True)
class HintMap:
    """Hints drawn on a grid: the wanted a/b where `mask` is set (later strokes over earlier ones)."""

    ab: np.ndarray  # HxWx2 float32
    mask: np.ndarray  # HxW bool

    @property
    def empty(self) -> bool:
        return not self.mask.any()

    def key(self) -> bytes:
        """A digest-ready identity, so the same hints are not solved twice."""
        return np.packbits(self.mask).tobytes() + self.ab[self.mask].astype(np.float32).tobytes()


def hex_to_ab(color: str) -> tuple[float, float]:
    """The Lab chroma (a, b) of a #rrggbb color: all a hint keeps of it."""
    import cv2  # here, not at the top: the command line's --help names the stroke format without OpenCV

    rgb = np.array([[[int(color[i:i + 2], 16) for i in (1, 3, 5)]]], np.float32) / 255.0
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)[0, 0]
    return float(lab[1]), float(lab[2])


def parse_hints(value: Any) -> list[Stroke]:
    """Check strokes given as a list (or a JSON string of one); None, "" and [] mean no hints.

    Raises:
        InputError: not a list of strokes, a malformed color, an empty stroke, a point outside
            the photo, a bad size, or more than MAX_STROKES strokes / MAX_POINTS points.
    """

    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InputError("The hints are not valid JSON: expected a list of strokes.") from None
        except RecursionError:
            raise InputError("The hints are nested too deeply: expected a list of strokes.") from None
    if not isinstance(value, list):
        raise InputError(f"The hints must be a list of strokes like {STROKE}.")
    if len(value) > MAX_STROKES:
        raise InputError(f"{len(value)} hint strokes were given; the limit is {MAX_STROKES}.")
    strokes, points = [], 0
    for number, item in enumerate(value, start=1):
        stroke = _stroke(item, number)
        points += len(stroke.points)
        if points > MAX_POINTS:
            raise InputError(f"The hint strokes have more than {MAX_POINTS} points together.")
        strokes.append(stroke)
    return strokes


def _stroke(item: Any, number: int) -> Stroke:
    where = f"Hint stroke {number}"
    if not isinstance(item, dict):
        raise InputError(f"{where} is not an object like {STROKE}.")
    color = item.get("color")
    if not isinstance(color, str) or not _HEX.match(color):
        raise InputError(f"{where}: the color must look like #rrggbb, got {_brief(color)}.")
    raw_points = item.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise InputError(f"{where} has no points.")
    if len(raw_points) > MAX_POINTS:
        raise InputError(f"{where} has more than {MAX_POINTS} points.")
    points = []
    for point in raw_points:
        if (not isinstance(point, (list, tuple)) or len(point) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point)):
            raise InputError(f"{where}: each point must be [x, y], got {_brief(point)}.")
        if not all(0 <= v <= 1 for v in point):  # compared as given: a 401-digit number is no float
            raise InputError(f"{where}: the point {_brief(point)} lies outside the photo "
                             "(x and y are fractions of its width and height, from 0 to 1).")
        points.append((float(point[0]), float(point[1])))
    size = item.get("size", DEFAULT_SIZE)
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 < size <= 1 or not math.isfinite(size):
        raise InputError(f"{where}: the size must be a fraction of the photo's shorter side, above 0 and at most 1.")
    return Stroke(tuple(points), color.lower(), float(size))


def _brief(value: Any) -> str:
    """A value as a message may quote it: short, and safe however deeply it nests."""
    brief = reprlib.Repr()
    brief.maxlevel, brief.maxlist, brief.maxdict, brief.maxstring, brief.maxother, brief.maxlong = 3, 4, 4, 40, 40, 40
    return brief.repr(value)


def draw(strokes: Sequence[Stroke], width: int, height: int) -> HintMap:
    """Rasterize strokes onto a width x height grid of the photo; brush sizes follow its shorter side."""
    import cv2  # lazily, as in hex_to_ab

    mask = np.zeros((height, width), np.uint8)
    ab = np.zeros((height, width, 2), np.float32)
    short = min(width, height)
    for stroke in strokes:
        layer = np.zeros_like(mask)
        diameter = stroke.size * short
        xy = np.array([(x * width - 0.5, y * height - 0.5) for x, y in stroke.points], np.float64)
        shift = 4  # sub-pixel positions, as OpenCV's drawing takes them
        pts = np.round(xy * (1 << shift)).astype(np.int32)
        if len(pts) == 1 or np.ptp(pts, axis=0).max() == 0:
            cv2.circle(layer, tuple(int(v) for v in pts[0]), round(max(diameter, 1.0) / 2 * (1 << shift)), 1,
                       thickness=-1, lineType=cv2.LINE_8, shift=shift)
        else:
            cv2.polylines(layer, [pts.reshape(-1, 1, 2)], False, 1, thickness=max(1, round(diameter)),
                          lineType=cv2.LINE_8, shift=shift)
        painted = layer.astype(bool)
        mask |= painted
        ab[painted] = stroke.ab
    return HintMap(ab, mask.astype(bool))


def from_layer(rgba: np.ndarray, width: int, height: int) -> HintMap:
    """Hints from a painted layer (RGBA, any size): opaque pixels, their colors' chroma, on a
    width x height grid (a thin stroke survives the shrinking: a cell is hinted when a quarter is painted)."""
    import cv2  # lazily, as in hex_to_ab

    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise InputError("A painted layer must be an RGBA image.")
    painted = (rgba[..., 3] >= 128).astype(np.float32)
    lab = cv2.cvtColor(rgba[..., :3].astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    weight = cv2.resize(painted, (width, height), interpolation=cv2.INTER_AREA)
    ab = np.stack([cv2.resize(lab[..., c] * painted, (width, height), interpolation=cv2.INTER_AREA)
                   for c in (1, 2)], axis=-1)
    mask = weight >= 0.25
    ab[mask] /= weight[mask, None]
    ab[~mask] = 0
    return HintMap(ab.astype(np.float32), mask)
