"""Pure color math of the pipeline: Lab conversion, composition and the color controls.

No I/O and no model here, so every function tests on its own. Arrays follow one contract:
RGB is float32 in [0, 1] or uint8 in [0, 255], HxWx3; L is float32 0..100, HxW;
ab is float32 HxWx2 in Lab units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from . import controls, defaults

L_CENTER = 50.0  # the network sees L - 50


@dataclass(frozen=True)
class Adjustments:
    """The color controls; the defaults leave the prediction untouched.

    intensity scales the predicted a/b (0 = the grayscale input), saturation multiplies the HSV
    saturation of the composed image, hue rotates the a/b plane by that many degrees.
    """

    intensity: float = defaults.INTENSITY
    saturation: float = defaults.SATURATION
    hue: float = defaults.HUE

    def __post_init__(self) -> None:
        for control in controls.COLOR:
            object.__setattr__(self, control.name, control.check(getattr(self, control.name)))

    @classmethod
    def named(cls, values: Mapping[str, Any]) -> Adjustments:
        """The color controls read by their names in the controls table (a parsed command line, an API
        call's parameters, a page's inputs), each checked."""
        return cls(**{control.name: values[control.name] for control in controls.COLOR})


NEUTRAL = Adjustments()
Patch = tuple[tuple[slice, slice], np.ndarray]  # a box of the picture (rows, columns) and an a/b correction there
Correction = np.ndarray | Sequence[Patch] | None  # what `compose` adds: full-size, disjoint patches, or nothing


def normalize_hue(degrees: float) -> float:
    """Map any angle to [-180, 180), so that 360 is exactly 0."""
    return float((degrees + 180.0) % 360.0 - 180.0)


def to_rgb_float(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB to float32 in [0, 1]."""
    return rgb.astype(np.float32) * np.float32(1.0 / 255.0)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """RGB (uint8 or float [0, 1]) to float32 Lab, as OpenCV's sample does."""
    if rgb.dtype == np.uint8:
        rgb = to_rgb_float(rgb)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)


_GRAY_LIGHTNESS = cv2.cvtColor(
    np.repeat(np.arange(256, dtype=np.float32)[None, :, None] / 255.0, 3, axis=2), cv2.COLOR_RGB2Lab
)[0, :, 0].copy()


def is_gray(rgb: np.ndarray) -> bool:
    """True when all three channels are equal (a grayscale photo or film frame)."""
    return bool(np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]))


def network_lightness(rgb: np.ndarray) -> np.ndarray:
    """What the network takes of an RGB image already at its input size: 1x1xHxW float32, L - 50."""
    return (lightness(rgb) - L_CENTER)[None, None].astype(np.float32, copy=False)


def lightness(rgb: np.ndarray) -> np.ndarray:
    """The L channel (0..100) of an RGB image.

    Gray uint8 input takes a 256-entry table computed by the same OpenCV conversion, so the
    values are identical and a 12-MP frame costs milliseconds instead of a float Lab pass.
    """
    if rgb.dtype == np.uint8 and rgb.ndim == 3 and is_gray(rgb):
        return _GRAY_LIGHTNESS[rgb[..., 0]]
    return rgb_to_lab(rgb)[..., 0]


def adjust_chroma(ab: np.ndarray, intensity: float = 1.0, hue: float = 0.0) -> np.ndarray:
    """Scale and rotate the a/b plane; returns the input itself when both are neutral."""
    hue = normalize_hue(hue)
    if intensity == 1.0 and hue == 0.0:
        return ab
    theta = np.deg2rad(hue)
    cos, sin = np.float32(np.cos(theta) * intensity), np.float32(np.sin(theta) * intensity)
    a, b = ab[..., 0], ab[..., 1]
    return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1)


def adjust_ab(ab: np.ndarray, adjustments: Adjustments) -> np.ndarray:
    """The controls that act on a/b, on the prediction and on a hint's correction alike (intensity, hue).
    A new control acting on chroma goes here, and so reaches photos, films and hints at once."""
    return adjust_chroma(ab, adjustments.intensity, adjustments.hue)


def finish(L: np.ndarray, ab: np.ndarray, adjustments: Adjustments, correction: Correction = None) -> np.ndarray:
    """The uint8 RGB output of full-size L with a/b already through `adjust_ab` (plus an optional correction,
    likewise, see `compose`): composed, then the controls that act on RGB (saturation). A new control acting on
    the composed picture goes here. Intensity 0 gives the gray photo exactly."""
    if adjustments.intensity == 0.0:
        return to_uint8(gray(L))
    return scale_saturation(to_uint8(compose(L, ab, correction)), adjustments.saturation)


def upsample_ab(ab: np.ndarray, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The a and b planes at height x width (bilinear, as the OpenCV sample does)."""
    a, b = (np.ascontiguousarray(ab[..., i]) for i in (0, 1))
    if ab.shape[:2] != (height, width):
        a = cv2.resize(a, (width, height), interpolation=cv2.INTER_LINEAR)
        b = cv2.resize(b, (width, height), interpolation=cv2.INTER_LINEAR)
    return a, b


def compose(L: np.ndarray, ab: np.ndarray, correction: Correction = None) -> np.ndarray:
    """Join full-size L with a/b (upsampled bilinearly when smaller) plus an optional a/b correction:
    full-size, or patches of one (disjoint boxes, outside which it is zero: a film's hints, which cover
    little of a frame, add nothing elsewhere); float32 RGB clipped to [0, 1]."""
    a, b = upsample_ab(ab, *L.shape)
    if isinstance(correction, np.ndarray):
        a, b = a + correction[..., 0], b + correction[..., 1]
    elif correction:
        for box, part in correction:  # a and b are new arrays: added in place
            a[box] += part[..., 0]
            b[box] += part[..., 1]
    rgb = cv2.cvtColor(cv2.merge([L, a, b]), cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0, out=rgb)  # out-of-gamut colors saturate, never wrap


def gray(L: np.ndarray) -> np.ndarray:
    """The grayscale image of a lightness channel: zero chroma, all three channels equal."""
    rgb = compose(L, np.zeros(L.shape + (2,), np.float32))
    return np.repeat(rgb.mean(axis=2, keepdims=True), 3, axis=2)


def scale_saturation(rgb: np.ndarray, factor: float) -> np.ndarray:
    """Multiply the HSV saturation of uint8 RGB by `factor`, keeping hue and value; S clips at 1.

    In HSV, scaling S with H and V fixed moves each channel towards (or away from) the max:
    c' = V - k (V - c). S reaching 1 means the min channel reaching 0, so k is capped at
    V / (V - min). Done on uint8 channels with OpenCV, many times faster than float numpy on a large
    photo (docs/benchmarks.md) and within one level of the float math.
    """
    if factor == 1.0:
        return rgb
    channels = cv2.split(rgb)
    value = cv2.max(cv2.max(channels[0], channels[1]), channels[2])
    if factor <= 1.0:
        out = [cv2.addWeighted(c, float(factor), value, 1.0 - float(factor), 0.0) for c in channels]
    else:
        spread = cv2.subtract(value, cv2.min(cv2.min(channels[0], channels[1]), channels[2]))
        k = cv2.min(cv2.divide(value, cv2.max(spread, 1), dtype=cv2.CV_32F), float(factor))
        out = [cv2.subtract(value, cv2.multiply(cv2.subtract(value, c), k, dtype=cv2.CV_8U)) for c in channels]
    return cv2.merge(out)


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    """float RGB in [0, 1] to uint8, rounding to nearest."""
    return cv2.convertScaleAbs(rgb, alpha=255.0)
