"""`colorize video`: one film, here or in pieces on a Ray cluster; its settings and output checked first."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..model.settings import ModelSettings
from .common import read_hints, warn

if TYPE_CHECKING:
    from ..video import VideoOptions


def run_video_on_ray(args: argparse.Namespace, adjustments) -> int:
    from tqdm import tqdm

    from .. import cluster
    from ..video import pieces

    piece_frames = pieces.PIECE_FRAMES if args.piece_frames is None else args.piece_frames
    pieces.check_sizes(piece_frames)  # before Ray starts
    options = _video_options(args, adjustments)
    cluster.start(args.ray_address)
    with tqdm(total=1, disable=args.quiet, bar_format="{desc}: {n_fmt}/{total_fmt}|{bar}|") as bar:
        def progress(stage: str, done: int, total: int) -> None:
            bar.set_description_str(stage, refresh=False)
            bar.total, bar.n = total, done
            bar.refresh()

        result = cluster.colorize_film(args.input, _video_target(args), ModelSettings.named(vars(args)), options,
                                       args.overwrite, piece_frames, progress=progress)
    if not args.quiet:
        print(f"{result.path}: {result.frames} frames at {result.fps} fps in {result.seconds:.1f} s on the cluster")
    return 0


def _video_target(args: argparse.Namespace) -> Path:
    suffix = ".mkv" if args.lossless else ".mp4"
    return args.output / f"{args.input.stem}{suffix}" if args.output.is_dir() else args.output


def check_video_settings(args: argparse.Namespace) -> None:
    """The film's hints file and encoding settings, checked before the model loads."""
    from ..errors import InputError
    from ..video import VideoOptions
    from ..video.film_hints import parse_film_hints

    if args.lossless and args.quality is not None:
        raise InputError("--quality sets H.264's loss; --lossless writes FFV1 with none: give one or the other.")
    args.quality = 18 if args.quality is None else args.quality
    args.hints = tuple(read_hints(args.hints, parse_film_hints))
    VideoOptions(crf=args.quality)  # the range check


def _video_options(args: argparse.Namespace, adjustments) -> VideoOptions:
    """The film's settings from the command line: the table's rows by name, then the output's quality."""
    from ..video import VideoOptions

    return VideoOptions.named(adjustments, vars(args), crf=args.quality, hints=args.hints, lossless=args.lossless)


def run_video(args: argparse.Namespace, colorizer, adjustments) -> int:
    from tqdm import tqdm

    from ..video import VideoLimits, colorize_video

    bar = tqdm(total=1000, unit="‰", disable=args.quiet, bar_format="{desc}: {percentage:3.0f}%|{bar}| {remaining}")

    def progress(update) -> None:
        bar.set_description_str(update.describe(), refresh=False)
        bar.update(round(update.fraction * 1000) - bar.n)

    try:
        options = _video_options(args, adjustments)
        result = colorize_video(args.input, _video_target(args), colorizer, adjustments, **options.keywords(),
                                limits=VideoLimits(max_seconds=args.max_seconds), progress=progress,
                                overwrite=args.overwrite)
    finally:
        bar.close()
    for warning in result.warnings:
        warn(f"warning: {warning}")
    if not args.quiet:
        print(f"{result.path}: {result.frames} frames at {result.fps} fps in {result.seconds:.1f} s "
              f"({result.network_frames} through the network)")
    return 0


def check_video_paths(args: argparse.Namespace) -> None:
    """Refuse a bad output before the model loads (the input's own path, an existing file); create its folder."""
    from ..outputs import check_folder
    from ..video import check_output

    target = _video_target(args)
    check_output(args.input, target, args.overwrite, missing_folder_ok=True, lossless=args.lossless)
    check_folder(target.parent)
