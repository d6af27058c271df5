"""Colorize a video, streaming: frames are decoded, colorized and encoded as they go.

Three passes keep memory flat in the video's length:
1. decode, run the network on keyframes in batches, and measure flow between neighbours, all at
   the network's low resolution; per-frame results (about 100 KB) go to a temporary file;
2. smooth the a/b over time forwards and backwards through that file (see `temporal`);
3. decode again, join each full-resolution L with its smoothed a/b, and encode with MoviePy's
   FFmpeg writer: H.264 High, yuv420p, +faststart, the exact frame rate, the source's audio.
The output appears only when complete: it is written to a temporary name and renamed.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from . import color, temporal
from .color import NEUTRAL, Adjustments
from .errors import Cancelled, ColorizationError, InputError
from .ffmpeg import VideoInfo, ffmpeg_exe, probe
from .pipeline import Colorizer, Prediction, check_render_size

log = logging.getLogger("colorization")

DEFAULT_KEYFRAME_INTERVAL = 2
DEFAULT_BATCH = 4
COPYABLE_AUDIO = {"aac", "mp3", "opus"}  # copied into MP4 as is; browsers play these, others become AAC
ProgressCallback = Callable[[int, int, float | None], None]


@dataclass(frozen=True)
class VideoLimits:
    """What a job may ask for; checked from the header before any work."""

    max_seconds: float = float("inf")
    max_pixels: int = 3840 * 2160


@dataclass(frozen=True)
class VideoResult:
    path: Path
    frames: int
    fps: Fraction
    network_frames: int
    seconds: float


class DiskArray:
    """A list of equally shaped float32 arrays kept in a temporary file, read and written by index."""

    def __init__(self, folder: str, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self._size = int(np.prod(shape)) * 4
        self._file = tempfile.TemporaryFile(dir=folder)

    def __getitem__(self, index: int) -> np.ndarray:
        data = os.pread(self._file.fileno(), self._size, index * self._size)
        return np.frombuffer(data, np.float32).reshape(self.shape)

    def __setitem__(self, index: int, value: np.ndarray) -> None:
        os.pwrite(self._file.fileno(), np.ascontiguousarray(value, np.float32).tobytes(), index * self._size)


class _Predictions:
    """Network a/b per frame, None where the network did not run."""

    def __init__(self, store: DiskArray, keys: list[bool]) -> None:
        self.store, self.keys = store, keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index: int) -> np.ndarray | None:
        return self.store[index] if self.keys[index] else None


class _Flows:
    """PairFlow per frame from a disk record of 6 channels plus two numbers kept in memory."""

    def __init__(self, store: DiskArray) -> None:
        self.store = store
        self.fractions: list[tuple[float, float] | None] = []

    def append(self, flow: temporal.PairFlow | None) -> None:
        index = len(self.fractions)
        if flow is None:
            self.fractions.append(None)
            return
        self.fractions.append((flow.confident_fraction, flow.histogram_distance))
        self.store[index] = np.dstack([flow.to_prev, flow.conf_to_prev, flow.from_prev, flow.conf_from_prev])

    def __len__(self) -> int:
        return len(self.fractions)

    def __getitem__(self, index: int) -> temporal.PairFlow | None:
        numbers = self.fractions[index]
        if numbers is None:
            return None
        record = self.store[index]
        return temporal.PairFlow(record[..., 0:2], record[..., 2], record[..., 3:5], record[..., 5], *numbers)


def read_frames(path: str | Path, info: VideoInfo, errors: list[str] | None = None) -> Iterator[np.ndarray]:
    """Decode RGB frames sampled by time at the video's rate (so variable-rate video keeps sync),
    upright as displayed. What ffmpeg reported as errors is appended to `errors` at the end."""
    frame_bytes = info.width * info.height * 3
    cmd = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:v:0",
           "-vf", f"fps={info.fps}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=frame_bytes)
    stderr_lines: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_lines.extend(process.stderr), daemon=True)
    reader.start()
    try:
        while True:
            data = process.stdout.read(frame_bytes)
            if len(data) < frame_bytes:
                break
            yield np.frombuffer(data, np.uint8).reshape(info.height, info.width, 3)
    finally:
        process.stdout.close()
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(timeout=5)
    report = b"".join(stderr_lines).decode(errors="replace").strip()
    if report:
        log.info("ffmpeg reported while decoding %s: %s", Path(path).name, report.splitlines()[-1][:300])
        if errors is not None:
            errors.extend(report.splitlines())


def grab_frame(path: str | Path, info: VideoInfo, seconds: float) -> np.ndarray:
    """One RGB frame near `seconds`, upright, without decoding what comes before it."""
    cmd = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-ss", f"{max(0.0, seconds):.3f}", "-i", str(path),
           "-map", "0:v:0", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    data = subprocess.run(cmd, capture_output=True, timeout=120).stdout
    size = info.width * info.height * 3
    if len(data) < size:
        raise InputError("No frame could be decoded from this video; it may be damaged.")
    return np.frombuffer(data[:size], np.uint8).reshape(info.height, info.width, 3)


def estimate_seconds(info: VideoInfo, network_seconds: float, keyframe_interval: int) -> float:
    """Rough time for a whole job: network runs on keyframes plus per-pixel work on every frame
    (decode twice, color math, encode: about 30 ns a pixel on two cores, measured at 720p)."""
    frames = info.frame_count
    return frames / keyframe_interval * network_seconds + frames * (info.width * info.height * 3e-8 + 0.003)


class _Clock:
    """Frames done, total and a time-left estimate for the progress callback."""

    def __init__(self, total: int, callback: ProgressCallback | None, cancel: Callable[[], bool] | None) -> None:
        self.total, self.done, self.callback, self.cancel = total, 0, callback, cancel
        self.start = time.monotonic()

    def tick(self, frames: int = 1) -> None:
        self.done += frames
        if self.cancel is not None and self.cancel():
            raise Cancelled("The video job was cancelled.")
        if self.callback is not None:
            elapsed = time.monotonic() - self.start
            left = elapsed / self.done * (self.total - self.done) if self.done else None
            self.callback(self.done, self.total, left)


def check_video(path: str | Path, limits: VideoLimits = VideoLimits()) -> VideoInfo:
    """Probe a video and enforce the limits, before any decoding work."""
    info = probe(path)
    if info.duration > limits.max_seconds:
        raise InputError(f"The video is {info.duration:.0f} s long; the limit is {limits.max_seconds:.0f} s.")
    if info.width * info.height > limits.max_pixels:
        raise InputError(f"The video is {info.width}x{info.height}; the limit is {limits.max_pixels / 1e6:.1f} megapixels a frame.")
    return info


def colorize_video(
    src: str | Path,
    dst: str | Path,
    colorizer: Colorizer,
    adjustments: Adjustments = NEUTRAL,
    *,
    smoothing: float = temporal.DEFAULT_STRENGTH,
    keyframe_interval: int = DEFAULT_KEYFRAME_INTERVAL,
    render_size: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    limits: VideoLimits = VideoLimits(),
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
    preset: str = "veryfast",
    crf: int = 18,
) -> VideoResult:
    """Colorize the video at `src` into an MP4 at `dst`; return what was written.

    smoothing is the temporal strength (0 = per-frame output, exactly); keyframe_interval k runs
    the network on every k-th frame (1 = every frame) and carries colors between by optical flow.
    progress(done, total, seconds_left) is called as frames are done; cancel() returning True stops
    the job with `Cancelled`, leaving no output file.

    Raises:
        InputError: unreadable, damaged or over-limit video.
        Cancelled: cancel() asked to stop.
        ColorizationError: encoding failed.
    """
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"smoothing must be between 0 and 1, got {smoothing}")
    if keyframe_interval < 1:
        raise ValueError(f"keyframe interval must be 1 or more, got {keyframe_interval}")
    size = check_render_size(render_size or colorizer.render_size)
    started = time.monotonic()
    info = check_video(src, limits)
    dst = Path(dst)
    clock = _Clock(2 * info.frame_count, progress, cancel)
    with tempfile.TemporaryDirectory(prefix="colorize-work-") as work:
        ab_shape = (size // 4, size // 4)
        predictions = DiskArray(work, ab_shape + (2,))
        flows = _Flows(DiskArray(work, ab_shape + (6,)))
        decode_errors: list[str] = []
        keys = _analyse(src, info, colorizer, size, keyframe_interval, batch_size, predictions, flows, clock,
                        decode_errors)
        frames, expected = len(keys), info.frame_count
        if frames < expected - max(2, expected // 50):
            if decode_errors:  # short without errors is fine: the audio may simply outlast the picture
                raise InputError(f"The video is damaged: only {frames} of its {expected} frames could be decoded.")
            log.info("%s: %d frames for a %.2f s container (the audio outlasts the picture)", src, frames, info.duration)
        clock.total = 2 * frames
        if smoothing == 0.0 and all(keys):
            final = predictions
        else:
            final = DiskArray(work, ab_shape + (2,))
            temporal.smooth(_Predictions(predictions, keys), flows, smoothing, out=final,
                            forward_store=DiskArray(work, ab_shape + (2,)))
        _render(src, dst, info, frames, final, adjustments, clock, preset, crf, work)
    return VideoResult(dst, frames, info.fps, sum(keys), time.monotonic() - started)


def _analyse(src, info: VideoInfo, colorizer: Colorizer, size: int, interval: int, batch_size: int,
             predictions: DiskArray, flows: _Flows, clock: _Clock, errors: list[str]) -> list[bool]:
    """Pass 1: keyframe predictions in batches, and flow between neighbouring frames."""
    keys: list[bool] = []
    batch: list[tuple[int, np.ndarray]] = []
    pending: tuple[int, np.ndarray] | None = None
    previous_L = None
    last_key = -interval
    ab_shape = (size // 4, size // 4)

    def flush() -> None:
        if batch:
            ab = colorizer.run_network(np.concatenate([x for _, x in batch]))
            for (index, _), values in zip(batch, ab):
                predictions[index] = values
            batch.clear()

    def make_key(index: int, net_input: np.ndarray) -> None:
        nonlocal last_key
        keys[index] = True
        last_key = index
        batch.append((index, net_input))
        if len(batch) >= batch_size:
            flush()

    for index, frame in enumerate(read_frames(src, info, errors)):
        net_input = colorizer.network_input(frame, size)
        flow_L = cv2.resize(net_input[0, 0] + color.L_CENTER, (size // 2, size // 2), interpolation=cv2.INTER_AREA)
        flow_L = np.clip(flow_L * 2.55 + 0.5, 0, 255).astype(np.uint8)
        flow = temporal.pair_flow(previous_L, flow_L, ab_shape) if previous_L is not None else None
        flows.append(flow)
        keys.append(False)
        starts_shot = flow is None or flow.is_cut
        if starts_shot and pending is not None:
            make_key(*pending)  # the last frame of a shot needs its own prediction
        pending = None
        if starts_shot or index - last_key >= interval:
            make_key(index, net_input)
        else:
            pending = (index, net_input)
        previous_L = flow_L
        clock.tick()
    if pending is not None:
        make_key(*pending)
    flush()
    if not keys:
        raise InputError("No frame of this video could be decoded; it may be damaged.")
    return keys


def _render(src, dst: Path, info: VideoInfo, frames: int, final, adjustments: Adjustments, clock: _Clock,
            preset: str, crf: int, work: str) -> None:
    """Pass 3: full-resolution L joined with the smoothed a/b, encoded with the source's audio."""
    from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter

    width, height = info.width - info.width % 2, info.height - info.height % 2  # yuv420p needs even sizes: crop
    audio = info.has_audio
    audio_codec = "copy" if info.audio_codec in COPYABLE_AUDIO else "aac"
    params = ["-map", "0:v:0"] + (["-map", "1:a:0"] if audio else [])
    params += ["-vf", f"setpts=N/({info.fps})/TB", "-r", str(info.fps), "-crf", str(crf), "-profile:v", "high",
               "-movflags", "+faststart"]
    handle, name = tempfile.mkstemp(dir=dst.parent if dst.parent.exists() else work, prefix=".partial-", suffix=".mp4")
    os.close(handle)  # ffmpeg writes the file by name
    partial = Path(name)
    log_path = Path(work) / "ffmpeg.log"
    writer = None
    try:
        with open(log_path, "w+") as log_file:  # text: MoviePy's error path reads it back as str
            writer = FFMPEG_VideoWriter(str(partial), (width, height), float(info.fps), codec="libx264", preset=preset,
                                        audiofile=str(src) if audio else None, audio_codec=audio_codec,
                                        ffmpeg_params=params, logfile=log_file)
            for index, frame in enumerate(read_frames(src, info)):
                if index >= frames:
                    break
                prediction = Prediction(color.lightness(frame[:height, :width]), final[index])
                try:
                    writer.write_frame(prediction.render(adjustments))
                except OSError:
                    raise ColorizationError("The video encoder stopped unexpectedly: " + _tail(log_path)) from None
                clock.tick()
            process = writer.proc
            writer.close()
            writer = None
            if process.returncode != 0:
                raise ColorizationError("The video encoder failed: " + _tail(log_path))
        os.replace(partial, dst)
    finally:
        if writer is not None and writer.proc is not None:
            writer.proc.kill()
            writer.close()
        partial.unlink(missing_ok=True)


def _tail(log_path: Path) -> str:
    text = log_path.read_text(errors="replace").strip() if log_path.exists() else ""
    return text.splitlines()[-1][:300] if text else "no message"

