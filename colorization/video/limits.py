"""What a film job may ask for, and the checks made before any work: the limits, the input, the output."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, OutputError
from ..outputs import check_folder, refusal
from .ffmpeg import VideoInfo, count_frames, probe

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv"}


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
