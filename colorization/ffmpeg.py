"""FFmpeg: the binary (shipped by imageio-ffmpeg, no system ffmpeg needed), probing and decoding frames."""

from __future__ import annotations

import logging
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .errors import InputError

log = logging.getLogger("colorization")

_NTSC = {Fraction(24000, 1001), Fraction(30000, 1001), Fraction(60000, 1001), Fraction(120000, 1001),
         Fraction(48000, 1001)}


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def exact_rate(fps: float) -> Fraction:
    """The rational frame rate behind a rounded one: 29.97 -> 30000/1001, 25.0 -> 25."""
    for rate in _NTSC:
        if abs(float(rate) - fps) < 0.006:
            return rate
    return Fraction(fps).limit_denominator(1001)


@dataclass(frozen=True)
class VideoInfo:
    """What the pipeline needs to know about a video before decoding it."""

    width: int  # as displayed, rotation applied
    height: int
    fps: Fraction
    duration: float
    rotation: int
    audio_codec: str | None
    start_time: float = 0.0  # of the first timestamp, in seconds

    @property
    def frame_count(self) -> int:
        """Frames when sampled at `fps` over the duration, as the decoder delivers them."""
        return max(1, round(self.duration * self.fps))

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def probe(path: str | Path) -> VideoInfo:
    """Read a video's size, rate, duration, rotation and audio codec from ffmpeg's own report.

    Raises:
        InputError: the file is not a video ffmpeg can read, or has no video stream.
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError("The video file is empty or missing.")
    report = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
                            capture_output=True, text=True, errors="replace", timeout=60).stderr
    video = re.search(r"Stream #\d+:\d+[^\n]*?: Video: ([^\n]*)", report)
    if video is None:
        if re.search(r"Stream #\d+:\d+[^\n]*?: Audio:", report):
            raise InputError("This file has no video stream (is it audio only?).")
        raise InputError(f"This file is not a video we can read ({_last_line(report)}).")
    size = re.search(r", (\d{1,5})x(\d{1,5})[ ,\[]", video.group(1) + " ")
    rate = re.search(r"([\d.]+) (?:fps|tbr)", video.group(1))
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", report)
    if not size or not rate or not duration:
        raise InputError("The video reports no size, frame rate or duration; it may be damaged.")
    width, height = int(size.group(1)), int(size.group(2))
    hours, minutes, seconds = duration.groups()
    seconds_total = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    rotation_match = re.search(r"rotation of (-?[\d.]+) degrees", report) or re.search(r"rotate\s*:\s*(-?\d+)", report)
    rotation = round(abs(float(rotation_match.group(1)))) % 360 if rotation_match else 0
    if rotation in (90, 270):
        width, height = height, width
    audio = re.search(r"Stream #\d+:\d+[^\n]*?: Audio: (\w+)", report)
    if seconds_total <= 0 or float(rate.group(1)) <= 0:
        raise InputError("The video reports no duration or frame rate; it may be damaged.")
    start = re.search(r"Duration: [^,]*, start: (-?[\d.]+)", report)
    return VideoInfo(width, height, exact_rate(float(rate.group(1))), seconds_total, rotation,
                     audio.group(1) if audio else None, float(start.group(1)) if start else 0.0)


def _last_line(report: str) -> str:
    lines = [line.strip() for line in report.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "ffmpeg gave no reason"


def read_frames(path: str | Path, info: VideoInfo, errors: list[str] | None = None, *, start: int = 0,
                count: int | None = None, size: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Decode RGB frames sampled by time at the video's rate (so variable-rate video keeps sync),
    upright as displayed, from frame `start` on, at most `count` of them (scaled to `size`, w x h,
    by FFmpeg when given: a cheap look at a long film).

    What ffmpeg reported as errors is appended to `errors` when the stream ends.
    """
    width, height = size or (info.width, info.height)
    frame_bytes = width * height * 3
    seek, trim = [], ""
    if start > 0:  # seek two frames early keeping the file's own timestamps, then trim at frame `start` exactly
        rate = float(info.fps)
        seek = ["-ss", f"{info.start_time + max(0, start - 2) / rate:.6f}", "-copyts"]
        trim = f",trim=start={info.start_time + (start - 0.5) / rate:.6f}"
    limit = ["-frames:v", str(count)] if count is not None else []
    scale = f",scale={width}:{height}:flags=bilinear" if size else ""
    cmd = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", *seek, "-i", str(path), "-map", "0:v:0",
           "-vf", f"fps={info.fps}{trim}{scale}", *limit, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=frame_bytes)
    stderr_lines: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_lines.extend(process.stderr), daemon=True)
    reader.start()
    try:
        while True:
            data = process.stdout.read(frame_bytes)
            if len(data) < frame_bytes:
                break
            yield np.frombuffer(data, np.uint8).reshape(height, width, 3)
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


def grab_frames(path: str | Path, info: VideoInfo, seconds: float, count: int = 1) -> list[np.ndarray]:
    """`count` consecutive RGB frames from near `seconds` on, upright, without decoding what comes before."""
    cmd = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-ss", f"{max(0.0, seconds):.3f}", "-i", str(path),
           "-map", "0:v:0", "-frames:v", str(count), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    data = subprocess.run(cmd, capture_output=True, timeout=120).stdout
    size = info.width * info.height * 3
    if len(data) < size * count:
        raise InputError("No frame could be decoded from this video; it may be damaged.")
    return [np.frombuffer(data[i * size:(i + 1) * size], np.uint8).reshape(info.height, info.width, 3)
            for i in range(count)]


def grab_frame(path: str | Path, info: VideoInfo, seconds: float) -> np.ndarray:
    """One RGB frame near `seconds`, upright, without decoding what comes before it."""
    return grab_frames(path, info, seconds)[0]


def trim(src: str | Path, dst: str | Path, seconds: float) -> Path:
    """The first `seconds` of a video, re-encoded (near-lossless, fast) so it starts and ends on a frame."""
    dst = Path(dst)
    cmd = [ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-i", str(src), "-t", f"{seconds:.3f}",
           "-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10",
           "-pix_fmt", "yuv444p", "-c:a", "aac", str(dst)]
    done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=600)
    if done.returncode != 0 or not dst.is_file():
        raise InputError(f"This video could not be cut ({_last_line(done.stderr)}).")
    return dst


def count_frames(path: str | Path) -> int:
    """Frames in a video's first stream, counted from its packets (no decoding)."""
    report = subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path), "-map", "0:v:0", "-c", "copy",
                             "-f", "null", "-"], capture_output=True, text=True, errors="replace", timeout=600).stderr
    counts = re.findall(r"frame=\s*(\d+)", report)
    return int(counts[-1]) if counts else 0
