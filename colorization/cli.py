"""Command line: `colorize image IN... -o OUTDIR` and `colorize video IN -o OUT.mp4`.

Heavy imports (OpenCV, the model) happen inside the commands, so --help and --version are
instant. Only the package's own errors become messages (exit 2, or 1 when some inputs failed);
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import config, controls
from .controls import Control

if TYPE_CHECKING:
    from .video import VideoOptions



def _flag(parser: argparse.ArgumentParser, control: Control) -> None:
    """A control's flag, with the table's words and default."""
    parser.add_argument(control.flag, dest=control.name, type=int if control.whole else float, default=control.default,
                        help=f"{control.help.rstrip('.')}; default {control.default:g}")


def _controls(parser: argparse.ArgumentParser) -> None:
    from .backends import BACKENDS

    for control in controls.PHOTO:
        _flag(parser, control)
    parser.add_argument("--model", default=None,
                        help="model folder or Hub repo id (default: $COLORIZATION_MODEL, ./models, the Hub)")
    parser.add_argument("--backend", choices=list(BACKENDS), default=None,
                        help="inference backend (default: fastest installed)")
    parser.add_argument("--precision", choices=config.PRECISIONS, default=None,
                        help="auto (default, or $COLORIZATION_PRECISION): int8 when its cached self-check on these "
                             "weights passed; int8: forced, built on first use (onnxruntime only)")
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
    from . import __version__

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
                       help='color hints for every photo: a JSON list of strokes, [{"points": [[x, y], ...], '
                            '"color": "#rrggbb", "size": 0.02}], x and y as fractions of the width and height')
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
                       help='color hints painted on frames: a JSON list of strokes, [{"time": 12.4, "points": [[x, y], '
                            '...], "color": "#rrggbb", "size": 0.02}], time in seconds from the start, x and y as '
                            "fractions of the width and height; each is carried through its shot")
    video.add_argument("--quality", type=int, default=None, metavar="CRF",
                       help="H.264 quality, x264's crf: 0 (lossless, few players) to 51 (worst); default 18")
    video.add_argument("--lossless", action="store_true",
                       help="an archive master: FFV1 in Matroska (.mkv), every pixel exact; browsers cannot play it")
    _controls(video)
    return parser


def _image_files(inputs: Sequence[Path]) -> list[Path]:
    from .images import FORMATS

    files = []
    for item in inputs:
        if item.is_dir():
            files.extend(sorted(p for p in item.iterdir() if p.suffix.lower() in FORMATS and p.is_file()))
        else:
            files.append(item)
    return files


def _warn(message: str) -> None:
    """One line on stderr, above the progress bar when one is drawn; the library's "pass overwrite=True" as the flag."""
    from tqdm import tqdm

    from .outputs import ASK_TO_REPLACE

    tqdm.write(f"colorize: {message.replace(ASK_TO_REPLACE, 'use --overwrite to replace it')}", file=sys.stderr)


def _run_images(args: argparse.Namespace, colorizer, adjustments) -> int:
    from tqdm import tqdm

    from .errors import InputError, OutputError
    from .outputs import check_folder, plan_names, refusal

    files = _image_files(args.inputs)
    if not files:
        raise InputError("No images found in the given inputs.")
    check_folder(args.output)
    if args.ray:
        return _run_images_on_ray(args, files, plan_names(files, args.output, args.format), adjustments)
    failures = 0
    for path, target in tqdm(list(zip(files, plan_names(files, args.output, args.format))), unit="image",
                             disable=args.quiet):
        problem = refusal(target, files, args.overwrite)
        if problem:
            failures += 1
            _warn(f"{path}: skipped: {problem}")
            continue
        try:
            colorizer.colorize_file(path, target, adjustments, args.render_size, args.hints, args.overwrite)
        except (InputError, OutputError) as exc:
            failures += 1
            _warn(f"{path}: {exc}")
    return 1 if failures else 0


def _run_images_on_ray(args: argparse.Namespace, files: list[Path], targets: list[Path], adjustments) -> int:
    from tqdm import tqdm

    from . import cluster

    cluster.start(args.ray_address)
    with tqdm(total=len(files), unit="image", disable=args.quiet) as bar:
        failures = cluster.colorize_photos(files, targets, _model_choice(args), adjustments, args.render_size,
                                           args.hints, args.overwrite, progress=lambda: bar.update(1))
    for path, reason in failures:
        _warn(f"{path}: {reason}")
    if failures:
        _warn(f"{len(failures)} of {len(files)} photo(s) not colorized")
    return 1 if failures else 0


def _model_choice(args: argparse.Namespace):
    from .cluster import ModelChoice

    return ModelChoice(str(args.model) if args.model else None, args.backend, args.precision)


def _run_video_on_ray(args: argparse.Namespace, adjustments) -> int:
    from tqdm import tqdm

    from . import cluster, pieces

    piece_frames = pieces.PIECE_FRAMES if args.piece_frames is None else args.piece_frames
    pieces.check_sizes(piece_frames)  # before Ray starts
    options = _video_options(args, adjustments)
    cluster.start(args.ray_address)
    with tqdm(total=1, disable=args.quiet, bar_format="{desc}: {n_fmt}/{total_fmt}|{bar}|") as bar:
        def progress(stage: str, done: int, total: int) -> None:
            bar.set_description_str(stage, refresh=False)
            bar.total, bar.n = total, done
            bar.refresh()

        result = cluster.colorize_film(args.input, _video_target(args), _model_choice(args), options,
                                       args.overwrite, piece_frames, progress=progress)
    if not args.quiet:
        print(f"{result.path}: {result.frames} frames at {result.fps} fps in {result.seconds:.1f} s on the cluster")
    return 0


def _read_hints(path: Path | None, parse=None) -> list:
    """The strokes of a --hints file, checked (by `parse`, photo strokes by default) before any work."""
    from .errors import InputError
    from .hints import MAX_FILE_BYTES, MAX_POINTS, MAX_STROKES, parse_hints

    if path is None:
        return []
    parse = parse or parse_hints
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # bounded: the path may name /dev/zero or a huge file
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the hints file {path}: {getattr(exc, 'strerror', None) or exc}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"The hints file {path} is larger than {MAX_FILE_BYTES >> 20} MB; hints are at most "
                         f"{MAX_STROKES} strokes and {MAX_POINTS} points.")
    return parse(text)


def _video_target(args: argparse.Namespace) -> Path:
    suffix = ".mkv" if args.lossless else ".mp4"
    return args.output / f"{args.input.stem}{suffix}" if args.output.is_dir() else args.output


def _check_video_settings(args: argparse.Namespace) -> None:
    """The film's hints file and encoding settings, checked before the model loads."""
    from .errors import InputError
    from .film_hints import parse_film_hints
    from .video import VideoOptions

    if args.lossless and args.quality is not None:
        raise InputError("--quality sets H.264's loss; --lossless writes FFV1 with none: give one or the other.")
    args.quality = 18 if args.quality is None else args.quality
    args.hints = tuple(_read_hints(args.hints, parse_film_hints))
    VideoOptions(crf=args.quality)  # the range check


def _video_options(args: argparse.Namespace, adjustments) -> VideoOptions:
    """The film's settings from the command line: the table's rows by name, then the output's quality."""
    from .video import VideoOptions

    return VideoOptions.named(adjustments, vars(args), crf=args.quality, hints=args.hints, lossless=args.lossless)


def _run_video(args: argparse.Namespace, colorizer, adjustments) -> int:
    from tqdm import tqdm

    from .video import VideoLimits, colorize_video

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
        _warn(f"warning: {warning}")
    if not args.quiet:
        print(f"{result.path}: {result.frames} frames at {result.fps} fps in {result.seconds:.1f} s "
              f"({result.network_frames} through the network)")
    return 0


def _check_video_paths(args: argparse.Namespace) -> None:
    """Refuse a bad output before the model loads (the input's own path, an existing file); create its folder."""
    from .outputs import check_folder
    from .video import check_output

    target = _video_target(args)
    check_output(args.input, target, args.overwrite, missing_folder_ok=True, lossless=args.lossless)
    check_folder(target.parent)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="colorize: %(message)s")
    from .color import Adjustments
    from .errors import ColorizationError
    from .pipeline import Colorizer, check_render_size

    try:  # every setting is checked before the model loads
        adjustments = Adjustments.named(vars(args))
        check_render_size(args.render_size)
        args.ray = args.ray or args.ray_address is not None
        if args.ray:
            from .cluster import require_ray

            try:
                require_ray()
            except ColorizationError as exc:
                raise type(exc)(f"--ray: {exc}") from None
        if args.command == "video":
            _check_video_settings(args)
            _check_video_paths(args)
            if args.ray:
                return _run_video_on_ray(args, adjustments)
        else:
            args.hints = _read_hints(args.hints)
        if args.ray:  # the workers load the model, each on its own node
            return _run_images(args, None, adjustments)
        colorizer = Colorizer.from_pretrained(args.model, backend=args.backend, precision=args.precision)
        run = _run_images if args.command == "image" else _run_video
        return run(args, colorizer, adjustments)
    except ColorizationError as exc:
        _warn(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        _warn("interrupted")
        return 130
