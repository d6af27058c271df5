"""The settings of one film job, the part of a film it covers, and what it wrote."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import controls, defaults
from ..color import NEUTRAL, Adjustments
from ..errors import InputError
from ..pipeline import check_render_size
from . import film_hints


@dataclass(frozen=True)
class VideoOptions:
    """The settings of one video job; the defaults are the app's and the CLI's."""

    adjustments: Adjustments = NEUTRAL
    smoothing: float = defaults.SMOOTHING
    keyframes: int = defaults.KEYFRAMES  # the network runs at least every this many frames
    render_size: int = defaults.RENDER_SIZE
    batch_size: int | None = None  # frames per network call; None: what the backend suits
    preset: str = "veryfast"
    crf: int = 18  # x264's quality, lower is better; 0 is lossless (tests compare pixels with it; browsers cannot)
    hints: tuple[film_hints.FilmStroke, ...] = ()  # checked by `film_hints.parse_film_hints`
    lossless: bool = False  # an archive master: FFV1 in Matroska, every frame exactly (see `write`)

    def __post_init__(self) -> None:
        if isinstance(self.crf, bool) or not isinstance(self.crf, int) or not 0 <= self.crf <= 51:
            raise InputError("the quality (x264's crf) must be a whole number from 0 (lossless) to 51, "
                             f"got {self.crf!r}")
        for control in controls.FILM_ONLY:
            object.__setattr__(self, control.name, control.check(getattr(self, control.name)))
        check_render_size(self.render_size)

    @classmethod
    def named(cls, adjustments: Adjustments, values: Mapping[str, Any], **rest: Any) -> VideoOptions:
        """A film's options read by their names in the controls table (its own rows and the render size)
        from `values` (a parsed command line, an API call's parameters, a page's inputs); `rest` sets the
        fields that are not controls (crf, hints, lossless)."""
        named = {control.name: values[control.name] for control in (*controls.FILM_ONLY, controls.RENDER_SIZE)}
        return cls(adjustments, **named, **rest)

    def keywords(self) -> dict[str, Any]:
        """Everything but the adjustments as `colorize_video` takes it, one keyword per field (it calls
        `keyframes` `keyframe_interval`, the name it was published with)."""
        return {("keyframe_interval" if name == "keyframes" else name): value
                for name, value in vars(self).items() if name != "adjustments"}


@dataclass(frozen=True)
class VideoResult:
    """What was written, and what a person should know about it."""

    path: Path
    frames: int
    fps: Fraction
    network_frames: int
    seconds: float
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Span:
    """Part of a video to colorize: frames [start, start + count) are analysed and smoothed; of them,
    those from `keep_from` on, `keep` of them, are written (the rest only steady the colors)."""

    start: int
    count: int
    keep_from: int = 0
    keep: int | None = None  # None: to the end of the span

    def written(self, frames: int) -> tuple[int, int]:
        """(first, count) of the frames to write, given how many the span turned out to hold."""
        count = frames - self.keep_from if self.keep is None else min(self.keep, frames - self.keep_from)
        return self.keep_from, max(0, count)
