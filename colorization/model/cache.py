"""Files derived from the model files (ONNX translation, int8 copy, its verdict), cached by digest.

A derived file is named by a key over the weights' sha256, the prototxt, the points and the
version of the code that derives it, so new weights or a new converter never reuse an old file.
It lives beside the weights when that folder is writable, else in $COLORIZATION_CACHE or
~/.cache/colorization. Writes go to a temporary name and are renamed (`outputs.atomic_write`), so a
reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from .. import config
from ..outputs import atomic_write
from .files import ModelFiles, sha256_file

log = logging.getLogger("colorization")



def cache_key(files: ModelFiles, version: str) -> str:
    """A short digest of everything a derived file depends on."""
    digest = hashlib.sha256(version.encode())
    digest.update((files.weights_sha256 or sha256_file(files.weights)).encode())
    digest.update(files.prototxt.read_bytes())
    digest.update(files.points.read_bytes())
    return digest.hexdigest()[:20]


def cache_dirs(files: ModelFiles) -> list[Path]:
    """Where derived files are looked for and written, in order of preference."""
    dirs = [files.weights.parent]
    if config.cache_dir():
        dirs.insert(0, config.cache_dir())
    dirs.append(config.user_cache_dir())
    return dirs


def find(files: ModelFiles, name: str) -> Path | None:
    """The first cached copy of `name` that this process can read, or None."""
    for folder in cache_dirs(files):
        path = folder / name
        if path.is_file() and os.access(path, os.R_OK):
            return path
    return None


def store(files: ModelFiles, name: str, data: bytes) -> Path | None:
    """Write `data` as `name` in the first writable cache folder; None when none is writable."""
    for folder in cache_dirs(files):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with atomic_write(folder / name, overwrite=True) as partial:
                partial.write_bytes(data)
        except OSError as exc:  # OutputError included
            log.debug("cannot cache %s in %s: %s", name, folder, exc)
            continue
        log.info("Cached %s", folder / name)
        return folder / name
    return None
