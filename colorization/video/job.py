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
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import color, defaults
from ..color import NEUTRAL, Adjustments
from ..errors import ColorizationError, InputError, said
from ..outputs import atomic_write
from ..pipeline import Colorizer, Prediction
from . import estimate, film_hints, temporal
from .ffmpeg import VideoInfo, audio_codec, read_frames
from .keyframes import KeyframeChooser
from .limits import VideoLimits, check_output, check_video
from .options import Span, VideoOptions, VideoResult
from .progress import ProgressCallback, Tracker
from .stores import DiskArray, Flows, Predictions

log = logging.getLogger("colorization")
WORK_PREFIX = "colorize-work-"  # a job's intermediates, in the system's temporary folder (swept if a process died)


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
    **more: Any,
) -> VideoResult:
    """Colorize the video at `src` into an MP4 at `dst`; return what was written.

    smoothing is the temporal strength (0 = per-frame output, exactly); keyframe_interval K is the
    longest run of frames without a network run (1 = every frame): within it, keyframes are chosen
    by trust in the carried colors (`keyframes`) and colors are carried between them by optical flow.
    progress(JobProgress) is called as frames are done; cancel() returning True stops the job with
    `Cancelled`, leaving no file.
    `dst` must not be `src`, and must not exist unless `overwrite`. hints: strokes painted on frames
    (`film_hints`: a photo stroke plus "time" in seconds), carried through each one's shot. crf: x264's
    quality (0 lossless, 51 worst). lossless: an FFV1 master in a .mkv instead (every pixel exact). `more`:
    any other field of `VideoOptions`, by name.

    Raises:
        InputError: unreadable, damaged or over-limit video, or a setting out of range.
        OutputError: `dst` is not allowed or cannot be written (checked before any work).
        Cancelled: cancel() asked to stop.
        ColorizationError: encoding failed.
    """
    options = VideoOptions(adjustments, smoothing, keyframe_interval, render_size or colorizer.render_size,
                           batch_size, preset, crf, film_hints.parse_film_hints(hints), lossless, **more)
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
    job = _VideoJob(src, info, colorizer, options, limits, Tracker(costs, progress, cancel), span, audio)
    first = 0 if span is None else span.start
    job.painted = {k - first: v for k, v in painted.items() if k >= first and (span is None or k < first + span.count)}
    with tempfile.TemporaryDirectory(prefix=WORK_PREFIX) as work:
        keys, final = job.analyse_and_smooth(work)
        with atomic_write(dst, overwrite) as partial:
            written = job.write(partial, final, len(keys), work)
    return VideoResult(dst, written, info.fps, sum(keys), time.monotonic() - started, tuple(job.warnings))


@dataclass
class _VideoJob:
    """One video (or a span of one) through the three passes; keeps what the passes share."""

    src: Path
    info: VideoInfo
    colorizer: Colorizer
    options: VideoOptions
    limits: VideoLimits
    tracker: Tracker
    span: Span | None = None
    audio: bool = True
    warnings: list[str] = field(default_factory=list)
    painted: dict = field(default_factory=dict)  # this job's frame index -> strokes (`film_hints`)
    corrections: film_hints.ShotCorrections | None = None

    @property
    def ab_shape(self) -> tuple[int, int]:
        return self.options.render_size // 4, self.options.render_size // 4

    def analyse_and_smooth(self, work: str) -> tuple[list[bool], DiskArray | Predictions]:
        """Passes 1 and 2: keyframe flags, and the final a/b of every frame."""
        predictions = DiskArray(work, self.ab_shape + (2,))
        flows = Flows(DiskArray(work, self.ab_shape + (6,)))
        if self.painted:
            self.corrections = film_hints.ShotCorrections(self.painted, *self.frame_size,
                                                          lambda shape: DiskArray(work, shape))
        keys = self._analyse(predictions, flows)
        self.tracker.begin("smoothing", len(keys))
        if self.options.smoothing == 0.0 and all(keys):
            final = predictions
        else:
            final = DiskArray(work, self.ab_shape + (2,))
            temporal.smooth(Predictions(predictions, keys), flows, self.options.smoothing, out=final,
                            forward_store=DiskArray(work, self.ab_shape + (3,)))
        if self.corrections is not None:
            self.corrections.solve(final)
        return keys, final

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) written: yuv420p needs even sizes, so odd ones lose a row or column."""
        return self.info.width - self.info.width % 2, self.info.height - self.info.height % 2

    def _analyse(self, predictions: DiskArray, flows: Flows) -> list[bool]:
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
            flow_L = temporal.flow_lightness(inputs[index])
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
                    audio_codec=audio_codec(info, options.lossless),
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
