"""`colorize image`: photos and folders of photos, here or on a Ray cluster."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from ..model.settings import ModelSettings
from .common import warn


def _image_files(inputs: Sequence[Path]) -> list[Path]:
    from ..images import FORMATS

    files = []
    for item in inputs:
        if item.is_dir():
            files.extend(sorted(p for p in item.iterdir() if p.suffix.lower() in FORMATS and p.is_file()))
        else:
            files.append(item)
    return files


def run_images(args: argparse.Namespace, colorizer, adjustments) -> int:
    from tqdm import tqdm

    from ..errors import InputError, OutputError
    from ..outputs import check_folder, plan_names, refusal

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
            warn(f"{path}: skipped: {problem}")
            continue
        try:
            colorizer.colorize_file(path, target, adjustments, args.render_size, args.hints, args.overwrite)
        except (InputError, OutputError) as exc:
            failures += 1
            warn(f"{path}: {exc}")
    return 1 if failures else 0


def _run_images_on_ray(args: argparse.Namespace, files: list[Path], targets: list[Path], adjustments) -> int:
    from tqdm import tqdm

    from .. import cluster

    cluster.start(args.ray_address)
    with tqdm(total=len(files), unit="image", disable=args.quiet) as bar:
        failures = cluster.colorize_photos(files, targets, ModelSettings.named(vars(args)), adjustments,
                                           args.render_size, args.hints, args.overwrite, progress=lambda: bar.update(1))
    for path, reason in failures:
        warn(f"{path}: {reason}")
    if failures:
        warn(f"{len(failures)} of {len(files)} photo(s) not colorized")
    return 1 if failures else 0
