"""Decode and encode image files ourselves, so every kind a user uploads behaves the same.

Pillow decodes; we add what a colorizer needs: a pixel limit read from the header before any
decoding, EXIF rotation applied, 16-bit gray scaled (not clipped), CMYK and palette converted,
the first frame of animations, and ICC profile plus EXIF carried to the saved result.
"""

from __future__ import annotations

import io
import logging
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputError
from .outputs import atomic_write

log = logging.getLogger("colorization")

MAX_PIXELS = 50_000_000  # about 8000 x 6000; a 12-MP photo fits four times over
ORIENTATION_TAG = 0x0112
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP", ".bmp": "BMP",
           ".tif": "TIFF", ".tiff": "TIFF"}  # what is read and written: suffix -> Pillow's format
FORMAT_NAMES = "JPEG, PNG, GIF, WebP, BMP, TIFF"  # the same, as people name them
_NOT_AN_IMAGE = f"This file is not an image we can read (supported: {FORMAT_NAMES})."
_DAMAGED = "The image file is damaged or truncated."


@dataclass(frozen=True)
class LoadedImage:
    """Decoded pixels (uint8 HxW, HxWx3 or HxWx4) and the metadata worth keeping."""

    pixels: np.ndarray
    icc_profile: bytes | None = None
    exif: bytes | None = None
    format: str | None = None


def _existing(source: str | os.PathLike) -> Path:
    """The path of a file that exists and is not empty."""
    path = Path(source)
    if not path.is_file():
        raise InputError(f"No such file: {path.name}")
    if path.stat().st_size == 0:
        raise InputError("The file is empty.")
    return path


def _read(source: str | os.PathLike | bytes) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = _existing(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    if not data:
        raise InputError("The file is empty.")
    return data


def read_size(source: str | os.PathLike | bytes, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """(width, height) from the file's header, without decoding the pixels.

    Raises:
        InputError: missing, empty, not an image we can read, or larger than `max_pixels`.
    """
    stream = io.BytesIO(_read(source)) if isinstance(source, bytes) else _existing(source)
    with _pillow_errors(max_pixels, "Reading the header"), Image.open(stream) as image:
        return _within(image.size, max_pixels)


def load_image(source: str | os.PathLike | bytes, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Decode an image file (path or bytes).

    Raises:
        InputError: not an image, damaged, or larger than `max_pixels`.
    """
    data = _read(source)
    with _pillow_errors(max_pixels, "Decoding"):
        image = Image.open(io.BytesIO(data))
        _within(image.size, max_pixels)  # from the header, before any pixel is decoded
        image.seek(0)
        image.load()
        pixels = _to_array(ImageOps.exif_transpose(image) if _rotated(image) else image)
    return LoadedImage(pixels, image.info.get("icc_profile"), _exif_without_orientation(image), image.format)


@contextmanager
def _pillow_errors(max_pixels: int, doing: str) -> Iterator[None]:
    """Pillow's many failures as our three sentences; the detail (decoder internals) only in the log."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    except InputError:
        raise
    except UnidentifiedImageError:
        raise InputError(_NOT_AN_IMAGE) from None
    except Image.DecompressionBombError as exc:  # Pillow's own, far larger, limit tripped first
        raise _bomb(exc, max_pixels) from None
    except (OSError, SyntaxError, ValueError) as exc:
        log.info("%s failed: %s", doing, exc)
        raise InputError(_DAMAGED) from None


def _within(size: tuple[int, int], max_pixels: int) -> tuple[int, int]:
    width, height = size
    if width * height > max_pixels:
        raise _too_large(f"{width}x{height} pixels", max_pixels)
    return width, height


def _bomb(exc: Exception, max_pixels: int) -> InputError:
    pixels_declared = re.search(r"\((\d+) pixels\)", str(exc))
    declared = f"{int(pixels_declared.group(1)) / 1e6:.0f} megapixels" if pixels_declared else "huge"
    return _too_large(declared, max_pixels)


def _too_large(size: str, max_pixels: int) -> InputError:
    return InputError(f"The image is {size}, too large: the limit is {max_pixels / 1e6:.0f} megapixels.")


def _rotated(image: Image.Image) -> bool:
    return image.getexif().get(ORIENTATION_TAG, 1) not in (1, None)


def _exif_without_orientation(image: Image.Image) -> bytes | None:
    exif = image.getexif()
    if not exif:
        return None
    exif[ORIENTATION_TAG] = 1
    return exif.tobytes()


def _to_array(image: Image.Image) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        wide = np.asarray(image).astype(np.float64)
        top = 65535.0 if mode.startswith("I;16") or wide.max() > 255 else 255.0
        return np.clip(np.rint(wide * (255.0 / top)), 0, 255).astype(np.uint8)
    if mode == "F":  # float TIFFs come either in [0, 1] or in [0, 255]
        values = np.asarray(image, dtype=np.float64)
        scale = 255.0 if values.size and values.max() <= 1.0 else 1.0
        return np.clip(np.rint(values * scale), 0, 255).astype(np.uint8)
    if mode == "1":
        image = image.convert("L")
    elif mode == "P" or mode == "PA":
        image = image.convert("RGBA" if "transparency" in image.info or mode == "PA" else "RGB")
    elif mode == "LA":
        image = image.convert("RGBA")
    elif mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX
    return np.asarray(image, dtype=np.uint8).copy()


def save_image(pixels: np.ndarray, destination: str | os.PathLike, *, icc_profile: bytes | None = None,
               exif: bytes | None = None, quality: int = 95, overwrite: bool = False) -> Path:
    """Encode pixels by the file's extension, keeping ICC profile and EXIF where the format allows.

    The file appears complete or not at all (see `outputs.atomic_write`); an existing file is
    replaced only with `overwrite`.

    Raises:
        OutputError: the file exists (without `overwrite`) or cannot be written.
    """
    path = Path(destination)
    extension = path.suffix.lower()
    image = Image.fromarray(pixels)
    options: dict = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if exif and extension in (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff"):
        options["exif"] = exif
    if extension in (".jpg", ".jpeg"):
        image = image.convert("RGB")
        options.update(quality=quality, subsampling=0)
    elif extension == ".webp":
        options.update(quality=quality)
    elif extension == ".png":
        options.update(compress_level=3)  # PNG level 6+ costs seconds on 12 MP for a few % of size
    with atomic_write(path, overwrite) as partial:
        image.save(partial, format=FORMATS.get(extension), **options)
    return path

