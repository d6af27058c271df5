"""Which files a request may name: uploads of this page and the app's own examples, nothing else.

Handlers get file values raw (`preprocess=False`, so that 16-bit, CMYK and EXIF survive), and a
raw value is whatever the caller sent: `{"path": "/etc/passwd"}` included. Every file value
passes through `upload_path` first. Anything not a regular file inside an allowed folder (symlinks
followed) gets one and the same message, so a caller learns nothing about the server's files.
Links are refused (see `guard`): the API takes files, not addresses.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from colorization import InputError

NOT_AVAILABLE = ("That file is not available on the server (uploads are kept for a limited time); "
                 "please upload it again.")
LINKS_REFUSED = "Links are not fetched: please upload the file itself."
URL_PREFIXES = ("http://", "https://", "ftp://", "file:", "data:")


def upload_folder() -> Path:
    """Gradio's folder for uploads and results (GRADIO_TEMP_DIR, or <tmp>/gradio)."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder())


def is_link(text: str) -> bool:
    return text.strip().lower().startswith(URL_PREFIXES)


def upload_path(value: Any, what: str, roots: Sequence[Path]) -> Path:
    """The real path of an uploaded file named by `value` (a FileData dict or a path string).

    Raises:
        InputError: nothing was given ("Please upload a photo first."), a link, or anything
            that is not a regular file under one of `roots` (one message for all of those).
    """
    if isinstance(value, dict):
        value = value.get("path")
    if value is None or value == "":
        raise InputError(f"Please upload {what} first.")
    if not isinstance(value, (str, os.PathLike)):
        raise InputError(NOT_AVAILABLE)
    if isinstance(value, str) and is_link(value):
        raise InputError(LINKS_REFUSED)
    try:
        real = Path(value).resolve(strict=True)
        mode = real.stat().st_mode
    except (OSError, RuntimeError, ValueError):
        raise InputError(NOT_AVAILABLE) from None
    if not stat.S_ISREG(mode) or not any(real.is_relative_to(root.resolve()) for root in roots):
        raise InputError(NOT_AVAILABLE)
    return real


def upload_paths(values: Any, what: str, roots: Sequence[Path]) -> list[Path]:
    """`upload_path` for a list of file values; an empty or missing list asks for files."""
    if not values:
        raise InputError(f"Please upload {what} first.")
    if not isinstance(values, (list, tuple)):
        values = [values]
    return [upload_path(value, what, roots) for value in values]
