"""Colorize a video, streaming: frames are decoded, colorized and encoded as they go.

Three passes keep memory flat in the video's length:
1. colorizing: decode, choose keyframes by trust in carried colors (`keyframes`), run the network on them in
   batches and measure flow between neighbours, all at the network's low resolution; per-frame
   results (about 100 KB) go to a temporary file;
2. smoothing: the a/b over time, forwards and backwards through that file (see `temporal`);
3. writing: decode again, join each full-resolution L with its smoothed a/b, and encode with
   MoviePy's FFmpeg writer: H.264 High, yuv420p, +faststart, the exact frame rate, the source's audio.
The output appears only when complete (see `outputs.atomic_write`).
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from . import color, controls, defaults, estimate, film_hints, temporal
from .color import NEUTRAL, Adjustments
from .errors import Cancelled, ColorizationError, InputError, OutputError, said
from .ffmpeg import VideoInfo, count_frames, grab_frames, probe, read_frames
from .keyframes import KeyframeChooser, trust_loss
from .outputs import atomic_write, check_folder, refusal
from .pipeline import Colorizer, Prediction, check_render_size

log = logging.getLogger("colorization")

COPYABLE_AUDIO = {"aac", "mp3", "opus"}  # copied into MP4 as is; browsers play these, others become AAC
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv"}
WORK_PREFIX = "colorize-work-"  # a job's intermediates, in the system's temporary folder (swept if a process died)


@dataclass(frozen=True)
class VideoLimits:
    """What a job may ask for: checked from the header before any work, and again while decoding.

    The library and the CLI set none by default (hour-long films stream with flat memory); the
    public app sets all of them. With any limit set, decoding also stops a little past the length
    the header declares, so a file whose header lies cannot make more work than it announced.
    """

    max_seconds: float = math.inf
    max_pixels: int = 3840 * 2160
    max_fps: float = math.inf
    max_frames: float = math.inf

    @property
    def bounded(self) -> bool:
        return any(math.isfinite(v) for v in (self.max_seconds, self.max_fps, self.max_frames))

    def check(self, info: VideoInfo) -> None:
        """Raise InputError when the header asks for more than these limits allow."""
        if info.duration > self.max_seconds:
            raise InputError(f"The video is {info.duration:.0f} s long; the limit is {self.max_seconds:.0f} s.")
        if info.width * info.height > self.max_pixels:
            raise InputError(f"The video is {info.width}x{info.height}; the limit is "
                             f"{self.max_pixels / 1e6:.1f} megapixels a frame.")
        if float(info.fps) > self.max_fps:
            raise InputError(f"The video has {float(info.fps):.4g} frames a second; the limit is {self.max_fps:.0f}.")
        if info.frame_count > self.max_frames:
            raise InputError(f"The video has {info.frame_count} frames; the limit is {self.max_frames:.0f}.")

    def frame_budget(self, info: VideoInfo) -> int | None:
        """How many frames decoding may deliver before the file is known to lie about its length."""
        if not self.bounded:
            return None
        declared = info.frame_count + max(5, info.frame_count // 50)
        return int(min(declared, self.max_frames))

    def decode_budget(self, info: VideoInfo) -> int | None:
        """How many frames may be decoded (and packets read), before sampling at the video's rate: twice
        the frame budget, for field-coded video and rates the header rounds; a file holding more is refused."""
        budget = self.frame_budget(info)
        return None if budget is None else 2 * budget + 10

    def check_packets(self, path: str | Path, info: VideoInfo) -> None:
        """Refuse a file that holds more frames than its header declares, counted from its packets
        (no decoding, and counting stops just past the budget)."""
        budget = self.decode_budget(info)
        if budget is not None and count_frames(path, stop_after=budget + 1) > budget:
            raise InputError(f"The video holds more frames than its header declares ({info.frame_count} frames in "
                             f"{info.duration:.1f} s); it was refused.")


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
class JobProgress:
    """Where a job is: its stage in words, frames done in it, and the whole job's weighted share."""

    stage: str  # "colorizing", "smoothing" or "writing"
    done: int
    total: int
    fraction: float  # of the whole job, each stage weighted by its cost
    seconds_left: float | None

    def describe(self) -> str:
        if self.stage == "smoothing":
            return "Smoothing the colors over time"
        if self.stage == "writing" and self.done >= self.total:
            return "Writing the video"
        verb = "Colorizing" if self.stage == "colorizing" else "Writing"
        return f"{verb} frame {min(self.done + 1, self.total)} of {self.total}"


ProgressCallback = Callable[[JobProgress], None]


class _Tracker:
    """Reports progress weighted by each stage's predicted cost, with a time left that converges,
    and stops the job when `cancel()` says so."""

    def __init__(self, costs: dict[str, float], callback: ProgressCallback | None,
                 cancel: Callable[[], bool] | None) -> None:
        self.costs, self.callback, self.cancel = costs, callback, cancel
        self.total_cost = sum(costs.values()) or 1.0
        self.start = time.monotonic()
        self.stage, self.stage_total, self.done_before = "", 1, 0.0

    def begin(self, stage: str, total: int) -> None:
        if self.stage:
            self.done_before += self.costs[self.stage]
        self.stage, self.stage_total = stage, max(total, 1)
        self.step(0)

    def step(self, done: int) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled("The video job was cancelled.")
        if self.callback is None:
            return
        done_cost = self.done_before + self.costs[self.stage] * min(done / self.stage_total, 1.0)
        elapsed = time.monotonic() - self.start
        # Predicted costs rescaled by the speed seen so far: exact at the end, sensible from the start.
        speed = elapsed / done_cost if done_cost > 0.02 * self.total_cost and elapsed > 1.0 else 1.0
        left = max(0.0, (self.total_cost - done_cost) * speed)
        self.callback(JobProgress(self.stage, done, self.stage_total, done_cost / self.total_cost, left))


class DiskArray:
    """A list of equally shaped float32 arrays kept in a temporary file, read and written by index."""

    def __init__(self, folder: str, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self._size = int(np.prod(shape)) * 4
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (open as long as the store: closed by close())

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
    """PairFlow per frame: its maps in a disk record of 6 channels, its summary numbers in memory."""

    def __init__(self, store: DiskArray) -> None:
        self.store = store
        self.stats: list[temporal.FlowStats | None] = []

    def append(self, flow: temporal.PairFlow | None) -> None:
        index = len(self.stats)
        self.stats.append(None if flow is None else flow.stats)
        if flow is not None:
            self.store[index] = np.dstack([flow.to_prev, flow.conf_to_prev, flow.from_prev, flow.conf_from_prev])

    def __len__(self) -> int:
        return len(self.stats)

    def __getitem__(self, index: int) -> temporal.PairFlow | None:
        stats = self.stats[index]
        if stats is None:
            return None
        record = self.store[index]
        return temporal.PairFlow(record[..., 0:2], record[..., 2], record[..., 3:5], record[..., 5], stats)


def flow_lightness(net_input: np.ndarray) -> np.ndarray:
    """The uint8 lightness at half the network's size on which flow is measured."""
    size = net_input.shape[-1] // 2
    small = cv2.resize(net_input[0, 0] + color.L_CENTER, (size, size), interpolation=cv2.INTER_AREA)
    return np.clip(small * 2.55 + 0.5, 0, 255).astype(np.uint8)


def sample_motion(src: str | Path, info: VideoInfo, colorizer: Colorizer, samples: int = 3) -> float:
    """How fast carried colors lose trust (`keyframes.trust_loss`, a share of the picture per frame)
    from a few pairs of neighbouring frames spread over the video: what the time estimate needs,
    without decoding it."""
    size = colorizer.render_size
    motions = []
    for index in range(samples):
        at = info.duration * (index + 1) / (samples + 1)
        pair = [flow_lightness(colorizer.network_input(frame, size)) for frame in grab_frames(src, info, at, 2)]
        flow = temporal.pair_flow(pair[0], pair[1], (size // 4, size // 4))
        if not flow.is_cut:
            motions.append(trust_loss(flow))
    return float(np.mean(motions)) if motions else 0.0


def check_video(path: str | Path, limits: VideoLimits = VideoLimits()) -> VideoInfo:
    """Probe a video and enforce the limits, before any decoding work."""
    info = probe(path)
    limits.check(info)
    return info


def check_output(src: Path, dst: Path, overwrite: bool = False, missing_folder_ok: bool = False,
                 lossless: bool = False) -> None:
    """Refuse, before any work, an output that would replace the input or an existing file, or that
    cannot be written (a missing folder too, unless the caller will create it). A lossless master is a .mkv."""
    if dst.suffix.lower() not in VIDEO_SUFFIXES:
        raise OutputError(f"The output must end in {', '.join(sorted(VIDEO_SUFFIXES))}, not {dst.name!r}.")
    if lossless and dst.suffix.lower() != ".mkv":
        raise OutputError(f"A lossless master is written as FFV1 in Matroska: the output must end in .mkv, "
                          f"not {dst.name!r}.")
    problem = refusal(dst, [src], overwrite)
    if problem:
        raise OutputError(problem[0].upper() + problem[1:] + ".")
    if dst.parent.exists() or not missing_folder_ok:
        check_folder(dst.parent, create=False)


def colorize_video(
    src: str | Path,
    dst: str | Path,
    colorizer: Colorizer,
    adjustments: Adjustments = NEUTRAL,
    *,
    smoothing: float = defaults.SMOOTHING,
    keyframe_interval: int = defaults.KEYFRAMES,
    render_size: int | None = None,
    batch_size: int | None = None,
    limits: VideoLimits = VideoLimits(),
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
    overwrite: bool = False,
    speeds: estimate.Speeds | None = None,
    preset: str = "veryfast",
    crf: int = 18,
    hints: Any = None,
    lossless: bool = False,
) -> VideoResult:
    """Colorize the video at `src` into an MP4 at `dst`; return what was written.

    smoothing is the temporal strength (0 = per-frame output, exactly); keyframe_interval K is the
    longest run of frames without a network run (1 = every frame): within it, keyframes are chosen
    by motion and colors are carried between them by optical flow. progress(JobProgress) is called
    as frames are done; cancel() returning True stops the job with `Cancelled`, leaving no file.
    `dst` must not be `src`, and must not exist unless `overwrite`. hints: strokes painted on frames
    (`film_hints`: a photo stroke plus "time" in seconds), carried through each one's shot. crf: x264's
    quality (0 lossless, 51 worst). lossless: an FFV1 master in a .mkv instead (every pixel exact).

    Raises:
        InputError: unreadable, damaged or over-limit video, or a setting out of range.
        OutputError: `dst` is not allowed or cannot be written (checked before any work).
        Cancelled: cancel() asked to stop.
        ColorizationError: encoding failed.
    """
    options = VideoOptions(adjustments, smoothing, keyframe_interval, render_size or colorizer.render_size,
                           batch_size, preset, crf, film_hints.parse_film_hints(hints), lossless)
    return _run(Path(src), Path(dst), colorizer, options, limits=limits, progress=progress, cancel=cancel,
                overwrite=overwrite, speeds=speeds)


def colorize_span(src: str | Path, dst: str | Path, colorizer: Colorizer, span: Span, options: VideoOptions,
                  *, overwrite: bool = False, cancel: Callable[[], bool] | None = None) -> VideoResult:
    """Colorize part of a video into a video-only MP4 of the span's kept frames.

    The piece of a longer job (see `pieces`): encoded as `colorize_video` encodes, so pieces join
    without re-encoding; the frames around the kept ones steady the colors across the join.
    """
    return _run(Path(src), Path(dst), colorizer, options, cancel=cancel, overwrite=overwrite, span=span, audio=False)


def _run(src: Path, dst: Path, colorizer: Colorizer, options: VideoOptions, *, limits: VideoLimits = VideoLimits(),
         progress: ProgressCallback | None = None, cancel: Callable[[], bool] | None = None, overwrite: bool = False,
         speeds: estimate.Speeds | None = None, span: Span | None = None, audio: bool = True) -> VideoResult:
    check_output(src, dst, overwrite, lossless=options.lossless)
    info = check_video(src, limits)
    painted = film_hints.painted_frames(options.hints, info)  # from the header: before any decoding
    limits.check_packets(src, info)
    started = time.monotonic()
    costs = estimate.video_stage_seconds(info, options, speeds or estimate.Speeds.typical(colorizer.backend))
    job = _VideoJob(src, info, colorizer, options, limits, _Tracker(costs, progress, cancel), span, audio)
    first = 0 if span is None else span.start
    job.painted = {k - first: v for k, v in painted.items() if k >= first and (span is None or k < first + span.count)}
    with tempfile.TemporaryDirectory(prefix=WORK_PREFIX) as work:
        keys, final = job.analyse_and_smooth(work)
        with atomic_write(dst, overwrite) as partial:
            written = job.write(partial, final, len(keys), work)
    return VideoResult(dst, written, info.fps, sum(keys), time.monotonic() - started, tuple(job.warnings))


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


@dataclass
class _VideoJob:
    """One video (or a span of one) through the three passes; keeps what the passes share."""

    src: Path
    info: VideoInfo
    colorizer: Colorizer
    options: VideoOptions
    limits: VideoLimits
    tracker: _Tracker
    span: Span | None = None
    audio: bool = True
    warnings: list[str] = field(default_factory=list)
    painted: dict = field(default_factory=dict)  # this job's frame index -> strokes (`film_hints`)
    corrections: film_hints.ShotCorrections | None = None

    @property
    def ab_shape(self) -> tuple[int, int]:
        return self.options.render_size // 4, self.options.render_size // 4

    def analyse_and_smooth(self, work: str) -> tuple[list[bool], DiskArray | _Predictions]:
        """Passes 1 and 2: keyframe flags, and the final a/b of every frame."""
        predictions = DiskArray(work, self.ab_shape + (2,))
        flows = _Flows(DiskArray(work, self.ab_shape + (6,)))
        if self.painted:
            self.corrections = film_hints.ShotCorrections(self.painted, *self.frame_size,
                                                          lambda shape: DiskArray(work, shape))
        keys = self._analyse(predictions, flows)
        self.tracker.begin("smoothing", len(keys))
        if self.options.smoothing == 0.0 and all(keys):
            final = predictions
        else:
            final = DiskArray(work, self.ab_shape + (2,))
            temporal.smooth(_Predictions(predictions, keys), flows, self.options.smoothing, out=final,
                            forward_store=DiskArray(work, self.ab_shape + (3,)))
        if self.corrections is not None:
            self.corrections.solve(final)
        return keys, final

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) written: yuv420p needs even sizes, so odd ones lose a row or column."""
        return self.info.width - self.info.width % 2, self.info.height - self.info.height % 2

    def _analyse(self, predictions: DiskArray, flows: _Flows) -> list[bool]:
        """Pass 1: keyframes by trust, their predictions in batches, and flow between neighbours."""
        size = self.options.render_size
        expected = self.info.frame_count if self.span is None else self.span.count
        batch_size = self.options.batch_size or getattr(self.colorizer.backend, "batch_size", 4)
        chooser = KeyframeChooser(self.options.keyframes, first_index=0 if self.span is None else self.span.start)
        budget = self.limits.frame_budget(self.info)
        keys: list[bool] = []
        inputs: dict[int, np.ndarray] = {}  # network inputs of this frame and the one before
        batch: list[tuple[int, np.ndarray]] = []
        errors: list[str] = []

        def run(indices: list[int], last: bool = False) -> None:
            for index in indices:
                keys[index] = True
                batch.append((index, inputs[index]))
            if len(batch) >= batch_size or (batch and last):
                ab = self.colorizer.run_network(np.concatenate([x for _, x in batch]))
                for (index, _), values in zip(batch, ab):
                    predictions[index] = values
                batch.clear()

        self.tracker.begin("colorizing", expected)
        previous_L = None
        start, count = (0, None) if self.span is None else (self.span.start, self.span.count)
        stop = self.limits.decode_budget(self.info) if self.span is None else None
        for index, frame in enumerate(read_frames(self.src, self.info, errors, start=start, count=count,
                                                  max_decoded=stop)):
            if budget is not None and index >= budget:
                raise InputError(f"The video holds more frames than its header declares ({expected} frames, "
                                 f"{self.info.duration:.1f} s); it was refused after {budget} frames.")
            inputs[index] = self.colorizer.network_input(frame, size)
            inputs.pop(index - 2, None)
            flow_L = flow_lightness(inputs[index])
            flow = temporal.pair_flow(previous_L, flow_L, self.ab_shape) if previous_L is not None else None
            flows.append(flow)
            if self.corrections is not None:
                self.corrections.observe(index, frame, flow is None or flow.is_cut)
            keys.append(False)
            run(chooser.next(flow))
            previous_L = flow_L
            self.tracker.step(index + 1)
        run(chooser.finish(), last=True)
        self._check_decoding(len(keys), expected, errors)
        return keys

    def _check_decoding(self, frames: int, expected: int, errors: list[str]) -> None:
        """Refuse a video that stopped early with decoder errors; warn about one damaged inside."""
        if not frames:
            raise InputError("No frame of this video could be decoded; it may be damaged.")
        if frames < expected - max(2, expected // 50):
            if errors:  # short without errors is fine: the audio may simply outlast the picture
                raise InputError(f"The video is damaged: only {frames} of its {expected} frames could be decoded.")
            log.info("%s: %d frames for a %.2f s container (the audio outlasts the picture)",
                     self.src.name, frames, self.info.duration)
        elif errors:
            self.warnings.append(f"The video is damaged in places: the decoder reported {len(errors)} error(s), "
                                 "so some frames may show broken or repeated pictures.")
            log.warning("%s: %d decoder errors, first: %s", self.src.name, len(errors), errors[0][:200])

    def write(self, partial: Path, final, frames: int, work: str) -> int:
        """Pass 3: full-resolution L joined with the smoothed a/b, encoded with the source's audio.
        Returns the number of frames written."""
        from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter

        info, options = self.info, self.options
        first, frames = (0, frames) if self.span is None else self.span.written(frames)
        start = first if self.span is None else self.span.start + first
        width, height = self.frame_size  # yuv420p: even sizes, cropped
        audio = info.has_audio and self.audio
        params = ["-map", "0:v:0"] + (["-map", "1:a:0"] if audio else [])
        params += ["-vf", f"setpts=N/({info.fps})/TB", "-r", str(info.fps)]
        if options.lossless:  # FFV1 level 3 on the RGB frames themselves: intra-only, a CRC per slice
            params += ["-pix_fmt", "bgr0", "-level", "3", "-g", "1", "-slicecrc", "1", "-f", "matroska"]
        else:
            profile = [] if options.crf == 0 else ["-profile:v", "high"]  # crf 0 is lossless: x264 picks its profile
            params += ["-crf", str(options.crf), *profile, "-movflags", "+faststart", "-f", "mp4"]
        log_path = Path(work) / "ffmpeg.log"
        self.tracker.begin("writing", frames)
        writer = None
        try:
            with open(log_path, "w+") as log_file:  # text: MoviePy's error path reads it back as str
                writer = FFMPEG_VideoWriter(
                    str(partial), (width, height), float(info.fps), codec="ffv1" if options.lossless else "libx264",
                    preset=options.preset,
                    audiofile="file:" + str(self.src.absolute()) if audio else None,  # the probed file, never a URL
                    audio_codec="copy" if info.audio_codec in COPYABLE_AUDIO or options.lossless else "aac",
                    ffmpeg_params=params, logfile=log_file)
                stop = self.limits.decode_budget(info) if self.span is None else None
                for index, frame in enumerate(read_frames(self.src, info, start=start, count=frames, max_decoded=stop)):
                    prediction = Prediction(color.lightness(frame[:height, :width]), final[first + index])
                    corrected = None if self.corrections is None else self.corrections.render(
                        first + index, prediction.L, prediction.ab, options.adjustments)
                    try:
                        writer.write_frame(prediction.render(options.adjustments) if corrected is None else corrected)
                    except OSError:
                        raise ColorizationError("The video encoder stopped unexpectedly: " + _tail(log_path)) from None
                    self.tracker.step(index + 1)
                process = writer.proc
                writer.close()
                writer = None
                if process.returncode != 0:
                    raise ColorizationError("The video encoder failed: " + _tail(log_path))
            return frames
        finally:
            if writer is not None and writer.proc is not None:
                writer.proc.kill()
                writer.close()


def _tail(log_path: Path) -> str:
    return said(log_path.read_bytes() if log_path.exists() else None, default="no message")
