"""Generated grayscale scenes with known regions, where color hints are known to go wrong.

Each scene is a gray uint8 photo, an integer label per pixel (which object it belongs to, -1 on the
soft border between objects, where neither answer is wrong) and the strokes a person would paint.
The tests hold the spreading to them and the benchmark reports them; they are drawn, not shipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

RED, BLUE, ORANGE = "#d0202a", "#1e5aff", "#ff8a1e"


@dataclass(frozen=True)
class Scene:
    """A generated photo, its objects and the hint strokes painted on it (one per hinted object)."""

    name: str
    photo: np.ndarray  # HxW uint8 gray
    labels: np.ndarray  # HxW int: object number, -1 on a soft border
    strokes: tuple[dict, ...]
    hinted: tuple[int, ...]  # the object each stroke is painted on


def _grain(shape: tuple[int, int], amount: float, seed: int, scale: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, shape).astype(np.float32)
    if scale > 1:
        noise = cv2.GaussianBlur(noise, (0, 0), scale)
        noise /= noise.std() + 1e-6
    return amount * noise


def touching(width: int = 1200, height: int = 900) -> Scene:
    """A light saucer on a darker, coarsely textured table it touches; one stroke on each, the table's
    in a far corner (the table's texture is what made a hint's reach run out)."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    table = 95 + _grain((height, width), 14, 1, 3.0) + _grain((height, width), 6, 6)
    saucer = ((xx - 0.5 * width) / (0.3 * width)) ** 2 + ((yy - 0.45 * height) / (0.22 * height)) ** 2 <= 1
    photo = np.where(saucer, 200 + _grain((height, width), 5, 2), table)
    photo = cv2.GaussianBlur(photo, (0, 0), 1.2)
    labels = saucer.astype(np.int32)
    strokes = ({"points": [[0.45, 0.45], [0.55, 0.47]], "color": BLUE, "size": 0.02},
               {"points": [[0.08, 0.85], [0.14, 0.88]], "color": ORANGE, "size": 0.02})
    return Scene("touching regions (saucer on a table)", _to_uint8(photo), labels, strokes, (1, 0))


def stripes(width: int = 1500, height: int = 1000, count: int = 13, stripe: int = 16) -> Scene:
    """A flag of 13 thin horizontal stripes (16 pixels: under 3 grid pixels each), red and white as gray,
    in front of a mid-gray sky; one thin stroke along a red stripe in the middle. Objects are numbered
    by stripe from the top (1..13), the sky is 0."""
    yy, xx = np.mgrid[0:height, 0:width]
    top, left = (height - count * stripe) // 2, width // 6
    inside = (yy >= top) & (yy < top + count * stripe) & (xx >= left) & (xx < width - left)
    labels = np.where(inside, (yy - top) // stripe + 1, 0).astype(np.int32)
    photo = np.where(labels % 2 == 1, 75.0, 215.0)
    photo = np.where(inside, photo, 150.0) + _grain((height, width), 3, 3)
    photo = cv2.GaussianBlur(photo.astype(np.float32), (0, 0), 1.0)
    middle = count // 2 + 1 if (count // 2 + 1) % 2 == 1 else count // 2
    y = (top + (middle - 0.5) * stripe) / height
    strokes = ({"points": [[0.3, y], [0.7, y]], "color": RED, "size": 0.004},)
    return Scene("thin stripe between two others (flag)", _to_uint8(photo), labels, strokes, (middle,))


def blurred_edge(width: int = 1200, height: int = 900, blur: float = 12.0) -> Scene:
    """A dark hill against a brighter sky, its edge blurred (defocus) over about 3 sigma = `blur` * 3
    pixels; a stroke in the sky. With blur=0 the same scene with a sharp edge."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    horizon = 0.55 * height + 0.12 * height * np.sin(xx / width * 2 * np.pi)
    hill = yy > horizon
    sky = 150 + 40 * (1 - yy / height)  # a gradient, as skies have
    photo = np.where(hill, 95.0, sky)
    if blur > 0:
        photo = cv2.GaussianBlur(photo.astype(np.float32), (0, 0), blur)
    photo = photo + _grain((height, width), 2, 4)
    labels = hill.astype(np.int32)
    border = np.abs(yy - horizon) < max(3.0 * blur, 4.0)
    labels[border] = -1
    strokes = ({"points": [[0.2, 0.15], [0.4, 0.18]], "color": BLUE, "size": 0.02},)
    name = f"object behind a {'blurred' if blur else 'sharp'} edge"
    return Scene(name, _to_uint8(photo), labels, strokes, (0,))


def thin_object(width: int = 1600, height: int = 1200) -> Scene:
    """A thin dark mast (about one grid pixel wide) standing in a bright sky; a stroke in the sky."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    mast = (np.abs(xx - 0.5 * width) < 3.5) & (yy > 0.2 * height)
    photo = np.where(mast, 60.0, 185 - 25 * yy / height) + _grain((height, width), 2, 5)
    photo = cv2.GaussianBlur(photo.astype(np.float32), (0, 0), 0.8)
    labels = mast.astype(np.int32)
    strokes = ({"points": [[0.3, 0.3], [0.45, 0.35]], "color": BLUE, "size": 0.02},)
    return Scene("thin mast in the sky", _to_uint8(photo), labels, strokes, (0,))


def _to_uint8(photo: np.ndarray) -> np.ndarray:
    return np.clip(np.round(photo), 0, 255).astype(np.uint8)


def share_of_hint(correction: np.ndarray, target: tuple[float, float]) -> np.ndarray:
    """Per pixel, how much of the hinted chroma change (`target`, from neutral) a correction carries."""
    t = np.asarray(target, np.float32)
    return (correction.reshape(-1, 2) @ t / float(t @ t)).reshape(correction.shape[:2])
