"""FFmpeg: the binary (shipped by imageio-ffmpeg, no system ffmpeg needed), probing and decoding frames.

A video is opened only as a container of its own media. FFmpeg would also open a text file that names
other files (an HLS playlist, a concat list, an image sequence's pattern) and read those: a video that
shows whatever server file it names. So every input is first recognised by its bytes as one of the
containers in `CONTAINERS`, and FFmpeg is told that demuxer (no guessing) and may open plain files only.
"""

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

from ..errors import InputError, said

log = logging.getLogger("colorization")

_NTSC = {Fraction(24000, 1001), Fraction(30000, 1001), Fraction(60000, 1001), Fraction(120000, 1001),
         Fraction(48000, 1001)}


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


CONTAINERS = "MP4/MOV, MKV/WebM, AVI, MPEG-TS, MPEG-PS, FLV, Ogg, WMV or GIF"
NOT_A_CONTAINER = f"This file is not a video we can read (we read {CONTAINERS} files)."
_ALLOWED_DEMUXERS = {"mov", "matroska", "avi", "mpegts", "mpeg", "flv", "ogg", "asf", "gif"}
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot", b"uuid", b"styp", b"sidx", b"moof"}


def container(path: str | Path) -> str:
    """The FFmpeg demuxer for a video file, recognised by its first bytes (never by its name).

    Raises:
        InputError: not one of `CONTAINERS` (a playlist, a list of files, an image, text, anything else).
    """
    try:
        with open(path, "rb") as file:
            head = file.read(512)
    except OSError:
        raise InputError("The video file is empty or missing.") from None
    if head[4:8] in _MP4_BOXES:
        return "mov"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:
        return "mpegts"
    if len(head) > 388 and head[4] == head[196] == head[388] == 0x47:  # M2TS: 192-byte packets
        return "mpegts"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "mpeg"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "asf"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    raise InputError(NOT_A_CONTAINER)


def input_args(path: str | Path) -> list[str]:
    """FFmpeg's options to open `path`: its demuxer named, plain files only, the path as a file (not a URL)."""
    return ["-protocol_whitelist", "file", "-f", container(path), "-i", "file:" + str(Path(path).absolute())]


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


COPYABLE_AUDIO = {"aac", "mp3", "opus"}  # copied into MP4 as is: browsers play these


def audio_codec(info: VideoInfo, lossless: bool = False) -> str:
    """How a result carries the source's audio: copied when its container can (a lossless master always
    can), else re-encoded to AAC, which every browser plays."""
    return "copy" if lossless or info.audio_codec in COPYABLE_AUDIO else "aac"


def probe(path: str | Path) -> VideoInfo:
    """Read a video's size, rate, duration, rotation and audio codec from ffmpeg's own report.

    Raises:
        InputError: the file is not a video ffmpeg can read, or has no video stream.
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError("The video file is empty or missing.")
    report = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", *input_args(path)],
                            capture_output=True, text=True, errors="replace", timeout=60).stderr
    demuxer = re.search(r"^Input #0, ([\w,]+), from", report, re.MULTILINE)
    if demuxer and not set(demuxer.group(1).split(",")) & _ALLOWED_DEMUXERS:
        raise InputError(NOT_A_CONTAINER)
    video = re.search(r"Stream #\d+:\d+[^\n]*?: Video: ([^\n]*)", report)
    if video is None:
        if re.search(r"Stream #\d+:\d+[^\n]*?: Audio:", report):
            raise InputError("This file has no video stream (is it audio only?).")
        raise InputError(NOT_A_CONTAINER)
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


def read_frames(path: str | Path, info: VideoInfo, errors: list[str] | None = None, *, start: int = 0,
                count: int | None = None, size: tuple[int, int] | None = None,
                max_decoded: int | None = None) -> Iterator[np.ndarray]:
    """Decode RGB frames sampled by time at the video's rate (so variable-rate video keeps sync),
    upright as displayed, from frame `start` on, at most `count` of them (scaled to `size`, w x h,
    by FFmpeg when given: a cheap look at a long film). Decoding stops after `max_decoded` frames
    as decoded, before sampling (a file may pack any number of frames into one second).

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
    stop = f"trim=end_frame={max_decoded}," if max_decoded is not None else ""
    cmd = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", *seek, *input_args(path), "-map", "0:v:0",
           "-vf", f"{stop}fps={info.fps}{trim}{scale}", *limit, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
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
        log.info("ffmpeg reported while decoding %s: %s", Path(path).name, said(report))
        if errors is not None:
            errors.extend(report.splitlines())


def grab_frames(path: str | Path, info: VideoInfo, seconds: float, count: int = 1) -> list[np.ndarray]:
    """`count` consecutive RGB frames from near `seconds` on, upright, without decoding what comes before."""
    cmd = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-ss", f"{max(0.0, seconds):.3f}", *input_args(path),
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
    cmd = [ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", *input_args(src), "-t", f"{seconds:.3f}",
           "-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10",
           "-pix_fmt", "yuv444p", "-c:a", "aac", str(dst)]
    done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=600)
    if done.returncode != 0 or not dst.is_file():
        reason = said(done.stderr, limit=200, default="ffmpeg gave no reason")
        raise InputError(f"This video could not be cut ({reason}).")
    return dst


def count_frames(path: str | Path, stop_after: int | None = None) -> int:
    """Frames in a video's first stream, counted from its packets (no decoding); at most `stop_after`."""
    limit = ["-frames:v", str(stop_after)] if stop_after is not None else []
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", *input_args(path), "-map", "0:v:0", "-c", "copy", *limit,
           "-f", "null", "-"]
    report = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=600).stderr
    counts = re.findall(r"frame=\s*(\d+)", report)
    return int(counts[-1]) if counts else 0
