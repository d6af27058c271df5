"""Test media with known ground truth: camera moves over real color photographs, cut, with sound.

The tests and the benchmark build their clips here, so the numbers in docs/benchmarks.md can be
reproduced from nothing but the repository.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from colorization import color
from colorization.pipeline import Prediction
from colorization.video import temporal
from colorization.video.ffmpeg import ffmpeg_exe


def camera_move(photo: np.ndarray, frames: int, size: tuple[int, int], pan: float = 0.25,
                zoom: float = 1.25) -> Iterator[np.ndarray]:
    """RGB frames of `size` (w, h) panning across `photo` and zooming in, smoothly, sub-pixel."""
    ph, pw = photo.shape[:2]
    width, height = size
    base = min(pw / width, ph / height) / zoom
    for index in range(frames):
        progress = index / max(frames - 1, 1)
        scale = base * (1.0 + (zoom - 1.0) * progress)  # photo pixels per output pixel
        view_w, view_h = width * scale, height * scale
        cx = pw / 2 + (progress - 0.5) * pan * (pw - view_w)
        cy = ph / 2 + (progress - 0.5) * pan * 0.5 * (ph - view_h)
        matrix = np.float32([[scale, 0, cx - view_w / 2], [0, scale, cy - view_h / 2]])
        yield cv2.warpAffine(photo, matrix, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REFLECT)


def steady_pan(photos: Sequence[np.ndarray], frames: int, size: tuple[int, int], step: int) -> Iterator[np.ndarray]:
    """RGB frames of `size` (w, h) panning sideways by `step` pixels a frame across the photos set side
    by side (each scaled to the frame's height, the strip repeated as needed): pure new content entering."""
    width, height = size
    strip = np.concatenate([cv2.resize(p, (round(p.shape[1] * height / p.shape[0]), height),
                                       interpolation=cv2.INTER_AREA) for p in photos], axis=1)
    needed = width + step * max(frames - 1, 0)
    strip = np.concatenate([strip] * -(-needed // strip.shape[1]), axis=1)
    for index in range(frames):
        yield strip[:, index * step : index * step + width]


def shots(photos: Sequence[np.ndarray], frames_per_shot: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """One camera move per photo, joined by hard cuts."""
    for photo in photos:
        yield from camera_move(photo, frames_per_shot, size)


def static_shots(photos: Sequence[np.ndarray], frames_per_shot: int, size: tuple[int, int], grain: float = 2.0,
                 seed: int = 0) -> Iterator[np.ndarray]:
    """A locked-off camera on each photo, as in many old films: the same picture, new film grain each frame."""
    rng = np.random.default_rng(seed)
    for photo in photos:
        still = next(camera_move(photo, 1, size, pan=0.0, zoom=1.0)).astype(np.float32)
        for _ in range(frames_per_shot):
            noise = rng.normal(0, grain, still.shape[:2])[..., None]
            yield np.clip(still + noise, 0, 255).astype(np.uint8)


def to_gray(frame: np.ndarray) -> np.ndarray:
    """The grayscale film of a color frame (3 equal channels)."""
    return np.repeat(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)


def simulated_predictions(photos: Sequence[np.ndarray], frames_per_shot: int = 24, seed: int = 0):
    """Camera moves over color photos with stand-in network output whose truth is known.

    Returns (truth RGB frames, their gray film, predictions, flows): predictions are the true a/b
    at 56x56 plus per-frame noise, a global color cast and three locally flipped patches; flows
    are `temporal.pair_flow` between neighbouring gray frames (None for the first).
    """
    rng = np.random.default_rng(seed)
    truth = list(shots(photos, frames_per_shot, (224, 224)))
    gray = [to_gray(frame) for frame in truth]
    predictions, flow_L = [], []
    for frame, g in zip(truth, gray):
        ab = cv2.resize(color.rgb_to_lab(frame)[..., 1:], (56, 56), interpolation=cv2.INTER_AREA)
        noisy = ab + rng.normal(0, 6, ab.shape) + rng.normal(0, 5, 2)
        for _ in range(3):
            y, x = rng.integers(0, 44, 2)
            noisy[y : y + 12, x : x + 12] *= -1
        predictions.append(noisy.astype(np.float32))
        flow_L.append(cv2.resize(g[..., 0], (112, 112), interpolation=cv2.INTER_AREA))
    flows = [None] + [temporal.pair_flow(flow_L[t - 1], flow_L[t], (56, 56)) for t in range(1, len(flow_L))]
    return truth, gray, predictions, flows


def render_predictions(gray: Sequence[np.ndarray], abs_: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each gray frame colored with its a/b, as the image pipeline renders a prediction."""
    return [Prediction(color.lightness(g), np.asarray(ab, np.float32)).render() for g, ab in zip(gray, abs_)]


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: Fraction | str, size: tuple[int, int], *,
                audio_seconds: float | None = None, rotate: int = 0, codec: str = "libx264") -> Path:
    """Encode RGB frames (with a 440 Hz tone as audio when asked) into a video file."""
    path = Path(path)
    width, height = size
    pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
    cmd = [ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{width}x{height}", "-r", str(fps), "-i", "-"]
    if audio_seconds:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={audio_seconds}"]
        cmd += ["-map", "0:v:0", "-map", "1:a:0", "-c:a", "aac"]
    if codec == "libx264":
        cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", pix_fmt]
    else:
        cmd += ["-c:v", codec, "-q:v", "2"]
    target = path if not rotate else path.with_suffix(".unrotated" + path.suffix)
    process = subprocess.Popen(cmd + [str(target)], stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for frame in frames:
            process.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
    finally:
        process.stdin.close()
        error = process.stderr.read().decode(errors="replace")
        process.wait()
    if process.returncode:
        raise RuntimeError(f"ffmpeg failed writing {path.name}: {error}")
    if rotate:
        subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-display_rotation", str(rotate), "-i", str(target),
                        "-c", "copy", str(path)], check=True)
        target.unlink()
    return path


@dataclass(frozen=True)
class MovingObject:
    """A clip with known motion: where the object is in each frame, and where its shots begin."""

    frames: list[np.ndarray]  # gray RGB frames
    masks: list[np.ndarray]  # HxW bool: the object's pixels in each frame
    cuts: list[int]  # frames that start a new shot (0 excluded)
    step: int  # the object's motion, pixels a frame


def moving_object(photos: Sequence[np.ndarray], frames_per_shot: Sequence[int] = (48, 24),
                  size: tuple[int, int] = (320, 240), step: int = 4, object_size: tuple[int, int] = (80, 80),
                  seed: int = 0) -> MovingObject:
    """Gray shots of a textured object (a disc cut from one photo, lighter than its ground) sliding
    `step` pixels a frame over a still textured background (another photo), hard cuts between shots;
    each shot takes the next two photos (object, background) of `photos`, cycling."""
    rng = np.random.default_rng(seed)
    width, height = size
    ow, oh = object_size
    frames, masks, cuts = [], [], []
    for shot, count in enumerate(frames_per_shot):
        if shot:
            cuts.append(len(frames))
        texture = to_gray(next(camera_move(photos[(2 * shot) % len(photos)], 1, (ow, oh), pan=0.0)))[..., 0]
        ground = to_gray(next(camera_move(photos[(2 * shot + 1) % len(photos)], 1, size, pan=0.0)))[..., 0]
        ground = (ground.astype(np.float32) * 0.5).astype(np.uint8)  # darker ground, lighter object: an edge
        texture = (128 + texture.astype(np.float32) * 0.5).astype(np.uint8)
        disc = np.zeros((oh, ow), np.uint8)
        cv2.ellipse(disc, (ow // 2, oh // 2), (ow // 2 - 1, oh // 2 - 1), 0, 0, 360, 1, -1)
        x0 = int(rng.integers(8, 24))
        y0 = (height - oh) // 2 + int(rng.integers(-10, 10))
        for index in range(count):
            x = x0 + step * index
            frame, mask = ground.copy(), np.zeros((height, width), bool)
            region = (slice(y0, y0 + oh), slice(x, x + ow))
            inside = disc.astype(bool) & (np.arange(ow)[None, :] + x < width)
            visible = inside[:, : max(0, min(ow, width - x))]
            frame[region][visible] = texture[:, : visible.shape[1]][visible]
            mask[region][visible] = True
            frames.append(np.repeat(frame[..., None], 3, axis=2))
            masks.append(mask)
    return MovingObject(frames, masks, cuts, step)
