"""What both commands share: a warning line above the progress bar, and reading a --hints file."""

from __future__ import annotations

import sys
from pathlib import Path


def warn(message: str) -> None:
    """One line on stderr, above the progress bar when one is drawn; the library's "pass overwrite=True" as the flag."""
    from tqdm import tqdm

    from ..outputs import ASK_TO_REPLACE

    tqdm.write(f"colorize: {message.replace(ASK_TO_REPLACE, 'use --overwrite to replace it')}", file=sys.stderr)


def read_hints(path: Path | None, parse=None) -> list:
    """The strokes of a --hints file, checked (by `parse`, photo strokes by default) before any work."""
    from ..errors import InputError
    from ..hints import MAX_FILE_BYTES, MAX_POINTS, MAX_STROKES, parse_hints

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
