"""The one colorization pipeline that the app, the command line and the video path all call.

Array contract: images in are uint8, HxW (gray), HxWx3 (RGB) or HxWx4 (RGBA); images out are
uint8 RGB (RGBA when the input had alpha, which passes through untouched) of the same height
and width. Only the input's lightness matters: a color photo is colorized anew from its L.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from . import color, controls, defaults
from .backends import Backend, int8_backend, load_backend, self_test
from .color import NEUTRAL, Adjustments
from .errors import InputError
from .hints import HintMap, Stroke, draw, parse_hints, propagate
from .images import load_image, save_image
from .model.fetch import resolve_model_files
from .model.files import KNOWN_SOURCES, HubSource, ModelFiles
from .model.settings import ModelSettings

Hints = HintMap | Sequence[Stroke] | Sequence[dict] | str | None


def check_render_size(size: int) -> int:
    """The network input side: a multiple of 8 (three stride-2 stages) within a sane range."""
    return controls.RENDER_SIZE.check(size)


def fit_within(image: np.ndarray, size: int | None) -> np.ndarray:
    """The image scaled down (area-averaged) so its long side is at most `size`; unchanged if it fits."""
    height, width = image.shape[:2]
    if not size or max(height, width) <= size:
        return image
    scale = size / max(height, width)
    fit = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, fit, interpolation=cv2.INTER_AREA)


def split_image(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Check an input array and return (RGB uint8 HxWx3, alpha HxW or None)."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise InputError("The image must be a uint8 array (HxW gray, HxWx3 RGB or HxWx4 RGBA).")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        rgb, alpha = np.repeat(image[..., None], 3, axis=2), None
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        rgb, alpha = image[..., :3], (image[..., 3] if image.shape[2] == 4 else None)
    else:
        raise InputError(f"Unsupported image shape {image.shape}: expected HxW, HxWx3 or HxWx4.")
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise InputError("The image is empty (zero width or height).")
    return np.ascontiguousarray(rgb), alpha


@dataclass(frozen=True)
class Prediction:
    """The network's answer for one image, cheap to render again with any adjustments and hints.

    L is the input's full-resolution lightness (kept exactly), ab the low-resolution prediction.
    A Prediction belongs to its caller: the app keeps one per visitor's photo. Hints (strokes, see
    `hints`) correct the colors where they are wrong without running the network again.
    """

    L: np.ndarray
    ab: np.ndarray
    alpha: np.ndarray | None = None
    _fitted: dict = field(default_factory=dict, compare=False, repr=False)
    _hinting: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.L.shape[:2]

    @property
    def hint_grid(self) -> tuple[int, int]:
        """(height, width) of the grid hints are solved on."""
        return propagate.work_size(*self.shape)

    def render(self, adjustments: Adjustments = NEUTRAL, size: int | None = None, hints: Hints = None) -> np.ndarray:
        """Compose the colorized image, optionally fitted within `size` pixels on its long side.

        Without hints (None, [] or "") the output is exactly the prediction's; with them, the hinted
        regions take the hints' chroma, the photo's lightness stays its own.
        """
        L, alpha = self._fit(size)
        correction = None if adjustments.intensity == 0.0 else self._correction(adjustments, L, hints)
        out = color.finish(L, color.adjust_ab(self.ab, adjustments), adjustments, correction)
        return out if alpha is None else np.dstack([out, alpha])

    def chroma(self, adjustments: Adjustments = NEUTRAL, size: int | None = None, hints: Hints = None) -> np.ndarray:
        """The a/b that `render` composes (HxWx2, before saturation and before clipping to RGB)."""
        L, _ = self._fit(size)
        a, b = color.upsample_ab(color.adjust_ab(self.ab, adjustments), *L.shape)
        correction = self._correction(adjustments, L, hints)
        out = np.stack([a, b], axis=-1)
        return out if correction is None else out + correction

    def hint_map(self, hints: Hints) -> HintMap | None:
        """Hints drawn on this photo's grid; None when there are none."""
        if hints is None or isinstance(hints, HintMap):
            return None if hints is None or hints.empty else hints
        if isinstance(hints, (list, tuple)) and hints and all(isinstance(h, Stroke) for h in hints):
            strokes = list(hints)
        else:
            strokes = parse_hints(hints)
        if not strokes:
            return None
        height, width = self.hint_grid
        return draw(strokes, width, height)

    def prepare_hints(self) -> tuple[np.ndarray, np.ndarray, propagate.Grid]:
        """The photo's hint grid (lightness, prediction and graph on it), built once; the app builds
        it at upload so that the first stroke answers as fast as the next."""
        cache = self._hinting
        if "grid" not in cache:
            height, width = self.hint_grid
            L_grid = cv2.resize(self.L, (width, height), interpolation=cv2.INTER_AREA)
            base = np.stack(color.upsample_ab(self.ab, height, width), axis=-1)
            cache["grid"] = (L_grid, base, propagate.Grid.of(L_grid))
        return cache["grid"]

    def _correction(self, adjustments: Adjustments, L: np.ndarray, hints: Hints) -> np.ndarray | None:
        """The hints' full-size a/b correction, solved once per set of hints, adjusted like the prediction."""
        hint_map = self.hint_map(hints)
        if hint_map is None:
            return None
        L_grid, base, grid = self.prepare_hints()
        cache = self._hinting  # each entry is one tuple, replaced whole: safe between threads
        key = hint_map.key()
        solved = cache.get("solved")
        if solved is None or solved[0] != key:
            solved = cache["solved"] = (key, grid.correction(base, hint_map))
        return propagate.upsample(color.adjust_ab(solved[1], adjustments), L_grid, L)

    def _fit(self, size: int | None) -> tuple[np.ndarray, np.ndarray | None]:
        """L and alpha within `size` on the long side, computed once per size (slider re-renders reuse it)."""
        if not size or max(self.L.shape) <= size:
            return self.L, self.alpha
        if size not in self._fitted:
            alpha = None if self.alpha is None else fit_within(self.alpha, size)
            self._fitted[size] = (fit_within(self.L, size), alpha)
        return self._fitted[size]


class Colorizer:
    """Colorizes images with the Zhang et al. (ECCV 2016) network. Safe to share between threads."""

    def __init__(self, backend: Backend, files: ModelFiles | None = None, render_size: int = defaults.RENDER_SIZE):
        self.backend = backend
        self.files = files
        self.render_size = check_render_size(render_size)
        self._count_lock = threading.Lock()
        self.network_calls = 0

    @classmethod
    def from_pretrained(
        cls,
        source: str | os.PathLike | None = None,
        *,
        hub_sources: Sequence[HubSource] = KNOWN_SOURCES,
        cache_dir: str | Path | None = None,
        render_size: int = defaults.RENDER_SIZE,
        settings: ModelSettings | None = None,
        **named: Any,
    ) -> Colorizer:
        """Fetch (or find), verify, load and self-test the model; see `fetch.resolve_model_files`.

        settings (`ModelSettings`), or any of its fields by name: backend, precision ("auto", the default, or
        $COLORIZATION_PRECISION: int8 when a cached self-check on these weights passed, else fp32; "fp32";
        "int8": forced, built on first use, see `quantize`), device, threads (for one network run; default
        $COLORIZATION_THREADS, else every core). `source` is the settings' source.

        Raises:
            ModelUnavailableError: no usable copy of the files was found.
            ModelInvalidError: the files do not form a working network.
            InputError: an unknown backend or precision, or int8 asked of OpenCV.
        """
        if source is not None:
            named["source"] = source
        settings = replace(settings or ModelSettings(), **named)
        files = resolve_model_files(settings.source, hub_sources=hub_sources, cache_dir=cache_dir)
        return cls(load_backend(files, settings), files, render_size)

    @property
    def precision(self) -> str:
        return getattr(self.backend, "precision", "fp32")

    def use_int8_if_checked(self) -> bool:
        """Swap in the int8 network when its cached self-check passed (the app calls this when its
        background build ends); runs in flight finish on the old one. True when int8 is now used."""
        if self.files is None or not self.backend.supports_int8 or self.precision == "int8":
            return self.precision == "int8"
        candidate = int8_backend(self.files)
        if candidate is None:
            return False
        self_test(candidate)
        self.backend = candidate
        return True

    def network_input(self, rgb: np.ndarray, size: int) -> np.ndarray:
        """RGB uint8 -> the net's input 1x1xSxS: resized in RGB (bilinear), then L - 50.

        A gray image resizes one channel instead of three: the same numbers, a third of the work.
        """
        if color.is_gray(rgb):
            one = cv2.resize(color.to_rgb_float(rgb[..., 0]), (size, size), interpolation=cv2.INTER_LINEAR)
            small = cv2.merge([one, one, one])
        else:
            small = cv2.resize(color.to_rgb_float(rgb), (size, size), interpolation=cv2.INTER_LINEAR)
        return color.network_lightness(small)

    def run_network(self, batch: np.ndarray) -> np.ndarray:
        """N x 1 x S x S centred L -> N x S/4 x S/4 x 2 a/b (channels last)."""
        with self._count_lock:
            self.network_calls += 1
        return self.backend.run(batch).transpose(0, 2, 3, 1)

    def predict(self, image: np.ndarray, render_size: int | None = None) -> Prediction:
        """Run the network once on an image; render the result with `Prediction.render`."""
        return self.predict_many([image], render_size)[0]

    def predict_many(self, images: Sequence[np.ndarray], render_size: int | None = None) -> list[Prediction]:
        """Predict several images in one network call (they may differ in size)."""
        size = check_render_size(render_size or self.render_size)
        parts = [split_image(image) for image in images]
        batch = np.concatenate([self.network_input(rgb, size) for rgb, _ in parts])
        ab = self.run_network(batch)
        return [
            Prediction(color.lightness(rgb), np.ascontiguousarray(ab[i]), alpha)
            for i, (rgb, alpha) in enumerate(parts)
        ]

    def colorize(self, image: np.ndarray, adjustments: Adjustments | None = None,
                 render_size: int | None = None) -> np.ndarray:
        """Colorize one image: RGB/gray/RGBA uint8 in, RGB (or RGBA) uint8 out, same size."""
        return self.predict(image, render_size).render(adjustments or NEUTRAL)

    def colorize_file(self, src: str | os.PathLike, target: str | os.PathLike, adjustments: Adjustments | None = None,
                      render_size: int | None = None, hints: Hints = None, overwrite: bool = False) -> Path:
        """Colorize a photo file into `target` (format by its extension), with its ICC profile and EXIF.

        The command line and the cluster's workers both write through here, so their files are the same bytes.
        Raises InputError (unreadable photo, bad hints) and OutputError (see `images.save_image`).
        """
        loaded = load_image(src)
        result = self.predict(loaded.pixels, render_size).render(adjustments or NEUTRAL, hints=hints)
        return save_image(result, target, icc_profile=loaded.icc_profile, exif=loaded.exif, overwrite=overwrite)
