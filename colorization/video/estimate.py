"""How long a job takes: a cost model of each stage, from speeds measured on this machine.

The app shows its prediction before a visitor commits to a long video and weights the progress
bar's stages by it; the benchmark reports prediction / actual. Network time scales with the
square of the render size; everything else with the frame's pixels or the frame count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import defaults
from ..color import lightness
from ..pipeline import Colorizer, Prediction
from . import temporal
from .ffmpeg import VideoInfo, grab_frames
from .keyframes import TrustRule, trust_loss

if TYPE_CHECKING:
    from ..backends import Backend
    from .options import VideoOptions

# Measured on the 2-core CI machine (720p, the benchmark's pan), relative to composing one output
# pixel, which the app times at startup: decoding for the network, and decoding again plus
# encoding with x264 veryfast for the output.
_READ_PER_RENDER = 0.7
_WRITE_PER_RENDER = 1.45


@dataclass(frozen=True)
class Speeds:
    """Seconds per unit of work: `measure` times them on the loaded model, `typical` assumes them."""

    network: float  # one 224x224 frame through the network, warm, in a batch
    render_pixel: float  # composing one output pixel (lightness, a/b upsampling, Lab to RGB)
    per_frame: float = 0.004  # flow both ways, smoothing and bookkeeping, at render size 224

    @classmethod
    def typical(cls, backend: Backend | None = None) -> Speeds:
        """Numbers of a 2-core machine, for when nothing was measured (the backend's own, else ONNX Runtime's)."""
        return cls(network=backend.typical_seconds if backend is not None else 0.14, render_pixel=6e-9)

    @classmethod
    def measure(cls, colorizer: Colorizer) -> Speeds:
        """Time the network (warm, batch of 4 at 224) and one 720p render; about a second."""
        batch = np.zeros((4, 1, defaults.RENDER_SIZE, defaults.RENDER_SIZE), np.float32)
        network = best(lambda: colorizer.backend.run(batch), repeat=2) / len(batch)
        gray = np.tile(np.linspace(0, 255, 1280, dtype=np.float32).astype(np.uint8), (720, 1))
        frame = np.repeat(gray[..., None], 3, axis=2)
        prediction = Prediction(np.full((720, 1280), 50.0, np.float32), np.full((56, 56, 2), 10.0, np.float32))
        render = best(lambda: Prediction(lightness(frame), prediction.ab).render(), repeat=2)
        return cls(network=network, render_pixel=render / (1280 * 720))

    def network_seconds(self, render_size: int) -> float:
        return self.network * (render_size / defaults.RENDER_SIZE) ** 2


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of `repeat` timed calls, after one untimed call (first runs allocate and warm caches)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


TYPICAL_LOSS = 0.03  # trust lost per frame by a clip whose motion was not sampled: real footage, panning


def expected_keyframes(frames: int, max_interval: int, motion: float | None = None) -> float:
    """Network runs to expect: keyframes come at most `max_interval` apart, and sooner the faster the
    carried colors lose trust (`motion`: the share of the picture per frame that can no longer be
    traced back, see `video.sample_motion`; unknown motion is taken as `TYPICAL_LOSS`)."""
    if max_interval <= 1:
        return float(frames)
    loss = TYPICAL_LOSS if motion is None else max(0.0, motion)
    per_frame = loss / (1.0 - TrustRule().min_traced)
    return frames * min(1.0, max(1.0 / max_interval, per_frame)) + 1


def video_stage_seconds(info: VideoInfo, options: VideoOptions, speeds: Speeds,
                        motion: float | None = None) -> dict[str, float]:
    """Predicted seconds of each stage of a video job: colorizing, smoothing, writing."""
    frames = info.frame_count
    pixels = info.width * info.height
    scale = (options.render_size / defaults.RENDER_SIZE) ** 2
    keys = expected_keyframes(frames, options.keyframes, motion)
    smoothing = 0.0 if options.smoothing == 0.0 and options.keyframes == 1 else frames * speeds.per_frame * scale / 2
    return {
        "colorizing": keys * speeds.network_seconds(options.render_size)
        + frames * (pixels * speeds.render_pixel * _READ_PER_RENDER + speeds.per_frame * scale / 2),
        "smoothing": smoothing,
        "writing": frames * pixels * speeds.render_pixel * (1 + _WRITE_PER_RENDER),
    }


def video_seconds(info: VideoInfo, options: VideoOptions, speeds: Speeds, motion: float | None = None) -> float:
    """Predicted seconds of a whole video job."""
    return sum(video_stage_seconds(info, options, speeds, motion).values())


def image_seconds(render_size: int, speeds: Speeds, pixels: int = 0) -> float:
    """Predicted seconds to colorize one photo at `render_size` (network plus composing)."""
    return speeds.network_seconds(render_size) + pixels * speeds.render_pixel


def sample_motion(src: str | Path, info: VideoInfo, colorizer: Colorizer, samples: int = 6) -> float:
    """How fast carried colors lose trust (`keyframes.trust_loss`, a share of the picture per frame)
    from a few pairs of neighbouring frames spread over the video: what the time estimate needs,
    without decoding it. Six pairs, not three: on real footage motion comes in bursts (bikes: 3 pairs
    expected 33 network runs of the 54 made, 6 pairs 47), for about 0.3 s more."""
    size = colorizer.render_size
    motions = []
    last_pair = max(0.0, (info.frame_count - 2) / float(info.fps))  # a pair must fit: a short film has few
    for at in sorted({min(info.duration * (index + 1) / (samples + 1), last_pair) for index in range(samples)}):
        frames = grab_frames(src, info, at, 2)
        if len(frames) < 2:  # a film of one frame has no motion to measure
            continue
        pair = [temporal.flow_lightness(colorizer.network_input(frame, size)) for frame in frames]
        flow = temporal.pair_flow(pair[0], pair[1], (size // 4, size // 4))
        if not flow.is_cut:
            motions.append(trust_loss(flow))
    return float(np.mean(motions)) if motions else 0.0
