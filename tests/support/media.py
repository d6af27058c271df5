"""Real video files for tests, and facts read back from them with the bundled ffmpeg."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np

from benchmarks import synthetic
from colorization.images import load_image
from colorization.video.ffmpeg import ffmpeg_exe

ORIGINALS = Path(__file__).resolve().parents[2] / "examples" / "images" / "originals"


def photo(name: str) -> np.ndarray:
    return load_image(ORIGINALS / f"{name}.jpg").pixels


def make_clip(path: Path, *, frames_per_shot: int = 12, size=(320, 240), fps: Fraction | str = Fraction(25),
              audio: bool = True, rotate: int = 0, photos=("astronaut", "coffee")) -> Path:
    """Gray film: a camera move over each photo, hard cuts between, a tone as sound."""
    frames = [synthetic.to_gray(f) for f in synthetic.shots([photo(p) for p in photos], frames_per_shot, size)]
    seconds = len(frames) / float(Fraction(fps))
    return synthetic.write_video(path, frames, fps, size, audio_seconds=seconds if audio else None, rotate=rotate)


def streams(path: Path) -> str:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def frame_times(path: Path) -> list[float]:
    """Presentation time of every video frame, read by decoding."""
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path), "-map", "0:v:0", "-vf", "showinfo",
                          "-f", "null", "-"], capture_output=True, text=True).stderr
    return [float(t) for t in re.findall(r"pts_time:([\d.]+)", out)]


def audio_seconds(path: Path) -> float:
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path), "-map", "0:a:0", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    times = re.findall(r"time=(\d+):(\d+):([\d.]+)", out)
    h, m, s = times[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


def decode(path: Path) -> list[np.ndarray]:
    from colorization.video.ffmpeg import probe, read_frames

    info = probe(path)
    return [frame.copy() for frame in read_frames(path, info)]


def top_level_boxes(path: Path) -> list[str]:
    """The types of an MP4's top-level boxes, in file order, read from their headers."""
    import struct

    boxes, data = [], path.read_bytes()
    position = 0
    while position + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[position:position + 8])
        if size == 1:
            size = struct.unpack(">Q", data[position + 8:position + 16])[0]
        elif size == 0:
            size = len(data) - position
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        position += size
    return boxes


def is_faststart(path: Path) -> bool:
    """True when the index (moov) comes before the media data (mdat): browsers can play while loading."""
    boxes = top_level_boxes(path)
    return "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")


def lying_duration(src: Path, dst: Path, seconds: float) -> Path:
    """A copy of an MP4 whose headers (mvhd, mdhd) declare `seconds` while it still holds every frame."""
    import struct

    data = bytearray(src.read_bytes())
    for box in (b"mvhd", b"mdhd"):
        at = data.find(box)
        assert data[at + 4] == 0, "version-0 header expected"
        timescale = struct.unpack(">I", data[at + 16:at + 20])[0]
        struct.pack_into(">I", data, at + 20, int(timescale * seconds))
    dst.write_bytes(bytes(data))
    return dst


def damaged_in_the_middle(src: Path, dst: Path) -> Path:
    """A copy of an MP4 with a stretch of its media data overwritten by noise: decodes, with errors."""
    data = bytearray(src.read_bytes())
    start = data.find(b"mdat") + 8
    middle = start + (len(data) - start) // 2
    data[middle:middle + 3000] = np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(bytes(data))
    return dst
