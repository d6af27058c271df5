"""The table of a job's controls: one row each, from which the sliders, the CLI flags, the API's parameter
descriptions and the validation all come.

Adding a control is one row here plus its color math. Plain Python only (no numpy, no OpenCV), so the
command line's --help stays instant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import InputError


@dataclass(frozen=True)
class Control:
    """One setting a person can change: its range, default, words and flag.

    `whole` controls take integers; `step` is the slider's step and, for whole controls, the multiple
    a value must be; `wraps` accepts any finite number (an angle) and leaves wrapping to the color math.
    """

    name: str
    default: float
    low: float
    high: float
    step: float
    label: str
    help: str
    flag: str
    whole: bool = False
    wraps: bool = False
    info: str | None = None  # a line under the slider on the page, where the label needs one

    @property
    def words(self) -> str:
        """How a person names it in a message: `render_size` -> `render size`."""
        return self.name.replace("_", " ")

    def check(self, value: Any) -> float | int:
        """The value as this control takes it, or an InputError with one sentence saying why not."""
        if isinstance(value, (bool, str)) or not isinstance(value, (int, float)):
            kind = "a whole number" if self.whole else "a number"
            raise InputError(f"{self.words} must be {kind}, got {value!r}")
        if not math.isfinite(value):
            raise InputError(f"{self.words} must be a {'number of degrees' if self.wraps else 'finite number'}, "
                             f"got {value}")
        if self.wraps:
            return float(value)
        if self.whole:
            if value != int(value):
                raise InputError(f"{self.words} must be a whole number, got {value!r}")
            value = int(value)
            step = int(self.step)
            if value % step or not self.low <= value <= self.high:
                multiple = f"a multiple of {step} " if step > 1 else "a whole number "
                raise InputError(f"{self.words} must be {multiple}between {self.low:g} and {self.high:g}, got {value}")
            return value
        if not self.low <= value <= self.high:
            raise InputError(f"{self.words} must be between {self.low:g} and {self.high:g}, got {value}")
        return float(value)

    def clamp(self, value: float) -> float | int:
        """The nearest value the control takes: what a slider shows for a typed number out of range."""
        if self.wraps:
            return float((value + 180.0) % 360.0 - 180.0)
        value = min(max(value, self.low), self.high)
        if self.whole:
            step = int(self.step)
            return int(min(max(round(value / step) * step, self.low), self.high))
        return float(value)


INTENSITY = Control(
    "intensity", 1.0, 0.0, 2.0, 0.05, "Color intensity",
    "How strong the colors are, 0 (gray) to 2; 1 is the network's own.", "--intensity",
    info="0 = gray, 1 = the network's colors, 2 = twice as strong.")
SATURATION = Control(
    "saturation", 1.0, 0.0, 2.0, 0.05, "Saturation",
    "Saturation multiplier, 0 to 2; 1 leaves it unchanged.", "--saturation")
HUE = Control(
    "hue", 0.0, -180.0, 180.0, 1, "Hue shift (degrees)",
    "Rotation of all hues in degrees, -180 to 180 (any angle is wrapped).", "--hue", wraps=True)
RENDER_SIZE = Control(
    "render_size", 224, 64, 1024, 8, "Render size",
    "The network's input side in pixels, 64 to 1024, a multiple of 8; 224 is what it was trained on.",
    "--render-size", whole=True, info="The network's input side; 224 is what it was trained on.")
SMOOTHING = Control(
    "smoothing", 0.85, 0.0, 1.0, 0.05, "Temporal smoothing",
    "How steady colors are over time, 0 (every frame on its own) to 1.", "--smoothing",
    info="0 = every frame on its own (flickers); higher = steadier.")
KEYFRAMES = Control(
    "keyframes", 8, 1, 16, 1, "Most frames between network runs",
    "Most frames between network runs, 1 (every frame) to 16; colors are carried by motion between them.",
    "--keyframes", whole=True, info="Colors are carried by motion in between. 1 = every frame (slowest).")

COLOR = (INTENSITY, SATURATION, HUE)  # fields of `Adjustments`
PHOTO = (*COLOR, RENDER_SIZE)
FILM_ONLY = (SMOOTHING, KEYFRAMES)  # fields of `VideoOptions` besides the colors and the render size
FILM = (*PHOTO, *FILM_ONLY)
BY_NAME = {control.name: control for control in FILM}
