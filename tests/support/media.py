"""Real video files for tests, and facts read back from them with the bundled ffmpeg."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np

from colorization import synthetic
from colorization.ffmpeg import ffmpeg_exe
from colorization.images import load_image

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
    from colorization.ffmpeg import probe
    from colorization.video import read_frames

    info = probe(path)
    return [frame.copy() for frame in read_frames(path, info)]
