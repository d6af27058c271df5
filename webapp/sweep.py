"""Old uploads and results go, also after a restart: files past their age, then empty folders.

While the app runs, Gradio's own `delete_cache` removes what this process received and produced
(and keeps what it must, such as the examples' copies). It forgets what an earlier process wrote
when that process was killed (SIGTERM on a Space restart): this sweep removes those files at
startup, then keeps removing empty job folders and the work folders (`colorize-work-*`) of jobs
whose process died. The startup sweep runs before the page is built, because building it copies
the examples into the same folder with their old modification times.
A job's folder is empty while the job waits and works (its result appears only when complete):
the job holds it with `in_use` and no sweep removes it, however old, until the job is done.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from colorization.video import WORK_PREFIX

log = logging.getLogger("colorization.app")
_INLINE_FOLDER = re.compile(r"^[0-9a-f]{64}$")
_INLINE_FILE = re.compile(r"^file(\.[A-Za-z0-9]{1,8})?$")
_live: dict[Path, int] = {}
_live_lock = threading.Lock()


@contextmanager
def in_use(folder: Path) -> Iterator[Path]:
    """Hold a job's folder for the block: no sweep removes it or anything in it meanwhile."""
    key = Path(os.path.realpath(folder))
    with _live_lock:
        _live[key] = _live.get(key, 0) + 1
    try:
        yield folder
    finally:
        with _live_lock:
            _live[key] -= 1
            if not _live[key]:
                del _live[key]


def _held(path: Path) -> bool:
    real = Path(os.path.realpath(path))
    with _live_lock:
        return any(real == live or real.is_relative_to(live) for live in _live)


def sweep(folder: Path, max_age: float, now: float | None = None) -> int:
    """Delete files under `folder` older than `max_age` seconds and the folders left empty; count files."""
    now = time.time() if now is None else now
    removed, emptied = 0, set()
    if not folder.is_dir():
        return 0
    for root, dirs, files in os.walk(folder, topdown=False):
        if _held(Path(root)):
            continue
        for name in files:
            path = Path(root) / name
            try:
                if now - path.lstat().st_mtime > max_age:
                    path.unlink()
                    removed += 1
                    emptied.add(path.parent)
            except OSError:
                continue
        for name in dirs:
            path = Path(root) / name
            if _held(path):
                continue
            try:  # a folder emptied now, or empty for a minute (not one an upload is just being written into)
                if not path.is_symlink() and not any(path.iterdir()) and (
                        path in emptied or now - path.lstat().st_mtime > 60):
                    path.rmdir()
                    emptied.add(path.parent)
            except OSError:
                continue
    return removed


def sweep_inline(folder: Path, max_age: float, now: float | None = None) -> int:
    """Delete the files Gradio's MCP server decoded from base64 (`<folder>/<sha256>/file[.ext]`) older
    than `max_age` seconds: nothing else deletes them while the server runs. Returns how many went."""
    now = time.time() if now is None else now
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.glob("*/file*"):
        if not _INLINE_FOLDER.match(path.parent.name) or not _INLINE_FILE.match(path.name) or _held(path):
            continue
        try:
            if path.is_file() and not path.is_symlink() and now - path.lstat().st_mtime > max_age:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def sweep_work_folders(max_age: float, now: float | None = None) -> None:
    """Remove the work folders of video jobs whose process died before cleaning up."""
    now = time.time() if now is None else now
    for path in Path(tempfile.gettempdir()).glob(WORK_PREFIX + "*"):
        try:
            if now - path.stat().st_mtime > max_age:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def sweep_leftovers(folder: Path, max_age: float) -> None:
    """At startup, before the page is built: what a killed process left behind."""
    removed = sweep(folder, max_age)
    if removed:
        log.info("Swept %d old upload(s) and result(s) from %s", removed, folder)


def start_sweeper(folder: Path, every: float, work_age: float = 6 * 3600,
                  keep: float = 3600) -> threading.Thread:
    """Every `every` seconds, in a daemon thread: files sent inline over MCP older than `keep`, empty job
    folders, and work folders of dead jobs."""

    def loop() -> None:
        while True:
            sweep_inline(folder, keep)
            sweep(folder, float("inf"))  # no other file is old enough: only folders left empty
            sweep_work_folders(work_age)
            time.sleep(every)

    thread = threading.Thread(target=loop, name="sweeper", daemon=True)
    thread.start()
    return thread
