"""Command line: `colorize image IN... -o OUTDIR` and `colorize video IN -o OUT.mp4`.

Heavy imports (OpenCV, the model) happen inside the commands, so --help and --version are instant.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}


def _controls(parser: argparse.ArgumentParser) -> None:
    from .backends import BACKENDS

    parser.add_argument("--intensity", type=float, default=1.0, help="scale of the predicted colors, 0..2 (default 1)")
    parser.add_argument("--saturation", type=float, default=1.0, help="HSV saturation multiplier, 0..2 (default 1)")
    parser.add_argument("--hue", type=float, default=0.0, help="rotation of hues in degrees, -180..180 (default 0)")
    parser.add_argument("--render-size", type=int, default=224, help="network input side, multiple of 8 (default 224)")
    parser.add_argument("--model", default=None, help="model folder or Hub repo id (default: $COLORIZATION_MODEL, ./models, the Hub)")
    parser.add_argument("--backend", choices=list(BACKENDS), default=None, help="inference backend (default: fastest installed)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="colorize", description="Colorize grayscale photos and films.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    image = commands.add_parser("image", help="colorize images or folders of images")
    image.add_argument("inputs", nargs="+", type=Path, help="image files or folders")
    image.add_argument("-o", "--output", type=Path, required=True, help="folder for the results")
    image.add_argument("--format", choices=["png", "jpg", "webp"], default="png", help="output format (default png)")
    _controls(image)
    video = commands.add_parser("video", help="colorize a video")
    video.add_argument("input", type=Path)
    video.add_argument("-o", "--output", type=Path, required=True, help="output .mp4")
    video.add_argument("--smoothing", type=float, default=0.85, help="temporal smoothing strength 0..1, 0 = off (default 0.85)")
    video.add_argument("--keyframes", type=int, default=2, help="run the network every k-th frame, 1 = every frame (default 2)")
    video.add_argument("--max-seconds", type=float, default=float("inf"), help="refuse videos longer than this")
    _controls(video)
    return parser


def _image_files(inputs: Sequence[Path]) -> list[Path]:
    files = []
    for item in inputs:
        if item.is_dir():
            files.extend(sorted(p for p in item.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            files.append(item)
    return files


def _run_images(args: argparse.Namespace, colorizer, adjustments) -> int:
    from tqdm import tqdm

    from .errors import InputError
    from .images import load_image, save_image

    files = _image_files(args.inputs)
    if not files:
        raise InputError("No images found in the given inputs.")
    args.output.mkdir(parents=True, exist_ok=True)
    failures = 0
    for path in tqdm(files, unit="image", disable=args.quiet):
        try:
            loaded = load_image(path)
            result = colorizer.colorize(loaded.pixels, adjustments, args.render_size)
            save_image(result, args.output / f"{path.stem}.{args.format}", icc_profile=loaded.icc_profile, exif=loaded.exif)
        except InputError as exc:
            failures += 1
            print(f"colorize: {path}: {exc}", file=sys.stderr)
    return 1 if failures else 0


def _run_video(args: argparse.Namespace, colorizer, adjustments) -> int:
    from tqdm import tqdm

    from .video import VideoLimits, colorize_video

    bar = tqdm(total=0, unit="frame", disable=args.quiet)

    def progress(done: int, total: int, seconds_left: float | None) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        result = colorize_video(args.input, args.output, colorizer, adjustments, smoothing=args.smoothing,
                                keyframe_interval=args.keyframes, render_size=args.render_size,
                                limits=VideoLimits(max_seconds=args.max_seconds), progress=progress)
    finally:
        bar.close()
    if not args.quiet:
        print(f"{result.path}: {result.frames} frames at {result.fps} fps in {result.seconds:.1f} s "
              f"({result.network_frames} through the network)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="colorize: %(message)s")
    from .color import Adjustments
    from .errors import ColorizationError
    from .pipeline import Colorizer

    try:
        adjustments = Adjustments(args.intensity, args.saturation, args.hue)
        colorizer = Colorizer.from_pretrained(args.model, backend=args.backend)
        run = _run_images if args.command == "image" else _run_video
        return run(args, colorizer, adjustments)
    except (ColorizationError, ValueError) as exc:
        print(f"colorize: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("colorize: interrupted", file=sys.stderr)
        return 130
