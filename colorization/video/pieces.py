"""A long film in independent pieces: find the cuts cheaply, plan pieces, check finished ones, join them.

The colors restart at every cut anyway, so pieces begin at cuts; a shot longer than PIECE_FRAMES
is split into near-equal pieces, each of which also reads WARMUP_FRAMES on either side inside its
shot (analysed and smoothed, not written), so that no seam shows where a shot is split. Pieces are
encoded with identical settings (`video.colorize_span`) and joined by FFmpeg's concat demuxer
without re-encoding; the source's sound is added last. Whoever runs the pieces (one machine, or
`cluster` on Ray) needs nothing else from this module.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .. import color
from ..errors import ColorizationError, InputError, said
from ..outputs import atomic_write
from . import temporal
from .ffmpeg import VideoInfo, audio_codec, count_frames, ffmpeg_exe, input_args, read_frames
from .options import Span, VideoOptions

# Smoothing forgets at keyframes only (between them colors are carried), by 0.85 each: 48 warm-up
# frames are six keyframe intervals at the default of 8, after which a piece's colors differ from
# the whole film's by 0.2 gray levels on average and 0.9 at most (measured before encoding; with
# 24 frames it was 0.55 and 1.6). A piece of 720 frames (30 s at 24 fps) then repeats at most
# 2 x 48 / 720 = 13% of the colorizing pass, and none of the writing.
PIECE_FRAMES = 720
WARMUP_FRAMES = 48


@dataclass(frozen=True)
class Piece:
    """Frames [start, end) of the film written by one piece, with warm-up frames read on each side."""

    index: int
    start: int
    end: int
    before: int = 0
    after: int = 0

    @property
    def span(self) -> Span:
        return Span(self.start - self.before, self.before + self.end - self.start + self.after, self.before,
                    self.end - self.start)

    @property
    def frames(self) -> int:
        return self.end - self.start


def find_cuts(src: Path, info: VideoInfo, render_size: int = 224,
              progress: Callable[[int], None] | None = None) -> list[int]:
    """Frames where a new shot starts (0 excluded), from a low-resolution decode and no network:
    the same test as the colorizing pass (`temporal.FlowStats.is_cut`), on the same grid."""
    cuts, previous = [], None
    for index, frame in enumerate(read_frames(src, info, size=(render_size, render_size))):
        flow_L = temporal.flow_lightness(color.network_lightness(frame))
        if previous is not None and temporal.pair_flow(previous, flow_L, (render_size // 4,) * 2).is_cut:
            cuts.append(index)
        previous = flow_L
        if progress is not None:
            progress(index + 1)
    return cuts


def check_sizes(piece_frames: int, warmup: int = WARMUP_FRAMES) -> None:
    """Refuse, before any work, pieces of no frames or a negative warm-up."""
    if piece_frames < 1 or warmup < 0:
        raise InputError(f"A piece needs at least one frame and no negative warm-up, got {piece_frames} and {warmup}.")


def plan(frames: int, cuts: Sequence[int], piece_frames: int = PIECE_FRAMES,
         warmup: int = WARMUP_FRAMES) -> list[Piece]:
    """Pieces covering frames [0, frames): split at the cuts, long shots into near-equal pieces."""
    check_sizes(piece_frames, warmup)
    bounds = [0] + sorted(c for c in set(cuts) if 0 < c < frames) + [frames]
    pieces: list[Piece] = []
    for shot_start, shot_end in itertools.pairwise(bounds):
        parts = math.ceil((shot_end - shot_start) / piece_frames)
        edges = [shot_start + round(i * (shot_end - shot_start) / parts) for i in range(parts + 1)]
        for start, end in itertools.pairwise(edges):
            pieces.append(Piece(len(pieces), start, end, min(warmup, start - shot_start), min(warmup, shot_end - end)))
    return pieces


def reach_hints(plan_: Sequence[Piece], cuts: Sequence[int], painted: Sequence[int]) -> list[Piece]:
    """Pieces whose shot has painted frames (`film_hints`) read far enough to see them: a correction is
    carried from its painted frame through the whole shot, so a piece of a long shot starts its reading
    (not its writing) at the shot's first painted frame, or ends it at the last."""
    bounds = sorted(set(cuts))
    out = []
    for piece in plan_:
        shot_start = max([c for c in bounds if c <= piece.start], default=0)
        shot_end = min([c for c in bounds if c >= piece.end], default=None)
        mine = [k for k in painted if k >= shot_start and (shot_end is None or k < shot_end)]
        if mine:
            piece = replace(piece, before=max(piece.before, piece.start - min(mine)),
                            after=max(piece.after, max(mine) + 1 - piece.end))
        out.append(piece)
    return out


class Workspace:
    """The pieces of one job, in a hidden folder beside the output, kept for a rerun until the join.

    A rerun of the same job (same source bytes' identity, settings and plan) reuses the pieces
    that finished: each is checked by counting its frames, not trusted because it exists.
    """

    def __init__(self, src: Path, dst: Path, options: VideoOptions, pieces: Sequence[Piece]) -> None:
        self.folder = dst.parent / f".{dst.name}.pieces"
        stat = src.stat()
        identity = {"source": str(src.resolve()), "size": stat.st_size, "mtime": stat.st_mtime_ns,
                    "options": repr(options), "pieces": [asdict(p) for p in pieces]}
        self.key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
        self.suffix = ".mkv" if options.lossless else ".mp4"
        self.pieces = list(pieces)
        manifest = self.folder / "job.json"
        if self.folder.exists() and (not manifest.is_file() or json.loads(manifest.read_text()).get("key") != self.key):
            self.clear()
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps({"key": self.key, "source": str(src), "pieces": len(pieces)}))

    def path(self, piece: Piece) -> Path:
        return self.folder / f"piece-{piece.index:05d}{self.suffix}"

    def finished(self, piece: Piece) -> bool:
        path = self.path(piece)
        return path.is_file() and count_frames(path) == piece.frames

    def remove_partials(self) -> None:
        for partial in self.folder.glob(".*.partial*"):
            partial.unlink(missing_ok=True)

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def join(paths: Sequence[Path], src: Path, info: VideoInfo, dst: Path, overwrite: bool = False,
         lossless: bool = False) -> None:
    """Join pieces without re-encoding and add the source's sound; `dst` appears complete or not at all.
    Lossless pieces (FFV1, every frame a keyframe) join into Matroska, sound copied as it is."""
    listing = dst.parent / f".{dst.name}.concat.txt"
    listing.write_text("".join("file '" + str(p.resolve()).replace("'", "'\\''") + "'\n" for p in paths))
    audio_in = input_args(src) if info.has_audio else []
    audio = ["-map", "1:a:0", "-c:a", audio_codec(info, lossless)] if info.has_audio else []
    container = ["-f", "matroska"] if lossless else ["-movflags", "+faststart", "-f", "mp4"]
    try:
        with atomic_write(dst, overwrite) as partial:
            cmd = [ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0",
                   "-i", str(listing), *audio_in, "-map", "0:v:0", *audio, "-c:v", "copy", *container, str(partial)]
            done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=3600)
            if done.returncode != 0:
                raise ColorizationError("Joining the pieces failed: " + said(done.stderr, default="?"))
    finally:
        listing.unlink(missing_ok=True)
