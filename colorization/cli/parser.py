"""The command line's words: its commands, their flags (the color and film controls from `controls`, the
model's from `ModelSettings`) and their help."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import controls
from ..controls import Control
from ..hints import FILM_STROKE, STROKE
from ..model.settings import ModelSettings


def _flag(parser: argparse.ArgumentParser, control: Control) -> None:
    """A control's flag, with the table's words and default."""
    parser.add_argument(control.flag, dest=control.name, type=int if control.whole else float, default=control.default,
                        help=f"{control.help.rstrip('.')}; default {control.default:g}")


def _controls(parser: argparse.ArgumentParser) -> None:
    for control in controls.PHOTO:
        _flag(parser, control)
    for flag, options in ModelSettings.flags():
        parser.add_argument(flag, **options)
    parser.add_argument("--overwrite", action="store_true",
                        help="replace existing output files (an input is never replaced)")
    parser.add_argument("--ray", action="store_true",
                        help='spread the work over a Ray cluster (pip install "colorization[cluster]"); '
                             "inputs and outputs must be at the same path on every node")
    parser.add_argument("--ray-address", default=None, metavar="ADDR",
                        help="an existing Ray cluster (ray://host:10001, or auto); default: a local one "
                             "(implies --ray)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="colorize", description="Colorize grayscale photos and films.",
        epilog="Results never replace an input; an existing result is skipped unless --overwrite is given.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    image = commands.add_parser("image", help="colorize images or folders of images",
                                description="Each result is OUTDIR/<input name>.<format>; inputs with the same "
                                            "name get -2, -3, ... in the order given.")
    image.add_argument("inputs", nargs="+", type=Path, help="image files or folders")
    image.add_argument("-o", "--output", type=Path, required=True, help="folder for the results (created if missing)")
    image.add_argument("--format", choices=["png", "jpg", "webp"], default="png", help="output format (default png)")
    image.add_argument("--hints", type=Path, default=None, metavar="FILE.json",
                       help=f"color hints for every photo: a JSON list of strokes, [{STROKE}], x and y as fractions "
                            "of the width and height")
    _controls(image)
    video = commands.add_parser("video", help="colorize a video")
    video.add_argument("input", type=Path)
    video.add_argument("-o", "--output", type=Path, required=True,
                       help="output .mp4 (.mkv with --lossless), or an existing folder: <input name>.mp4 (.mkv) "
                            "inside it")
    for control in controls.FILM_ONLY:
        _flag(video, control)
    video.add_argument("--max-seconds", type=float, default=float("inf"), help="refuse videos longer than this")
    video.add_argument("--piece-frames", type=int, default=None,
                       help="with --ray: most frames in one piece (default 720)")
    video.add_argument("--hints", type=Path, default=None, metavar="FILE.json",
                       help=f"color hints painted on frames: a JSON list of strokes, [{FILM_STROKE}], time in "
                            "seconds from the start, x and y as fractions of the width and height; each is carried "
                            "through its shot")
    video.add_argument("--quality", type=int, default=None, metavar="CRF",
                       help="H.264 quality, x264's crf: 0 (lossless, few players) to 51 (worst); default 18")
    video.add_argument("--lossless", action="store_true",
                       help="an archive master: FFV1 in Matroska (.mkv), every pixel exact; browsers cannot play it")
    _controls(video)
    return parser
