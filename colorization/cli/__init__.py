"""Command line: `colorize image IN... -o OUTDIR` and `colorize video IN -o OUT.mp4`.

Heavy imports (OpenCV, the model) happen inside the commands, so --help and --version are
instant. Only the package's own errors become messages (exit 2, or 1 when some inputs failed);
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ..model.settings import ModelSettings
from .common import read_hints, warn
from .films import check_video_paths, check_video_settings, run_video, run_video_on_ray
from .parser import build_parser
from .photos import run_images

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="colorize: %(message)s")
    from ..color import Adjustments
    from ..errors import ColorizationError
    from ..pipeline import Colorizer, check_render_size

    try:  # every setting is checked before the model loads
        adjustments = Adjustments.named(vars(args))
        check_render_size(args.render_size)
        args.ray = args.ray or args.ray_address is not None
        if args.ray:
            from ..cluster import require_ray

            try:
                require_ray()
            except ColorizationError as exc:
                raise type(exc)(f"--ray: {exc}") from None
        if args.command == "video":
            check_video_settings(args)
            check_video_paths(args)
            if args.ray:
                return run_video_on_ray(args, adjustments)
        else:
            args.hints = read_hints(args.hints)
        if args.ray:  # the workers load the model, each on its own node
            return run_images(args, None, adjustments)
        colorizer = Colorizer.from_pretrained(settings=ModelSettings.named(vars(args)))
        run = run_images if args.command == "image" else run_video
        return run(args, colorizer, adjustments)
    except ColorizationError as exc:
        warn(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        warn("interrupted")
        return 130
