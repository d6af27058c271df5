"""Issue 17, the jobs: no live job's folder is swept, the heaviest work of a photo happens in its room,
rooms are not held by requests nobody reads, and one client cannot take every place.

Each attack goes through the real queue of a served app (raw HTTP, as the probe did)."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from colorization.ffmpeg import probe
from support import raw
from support.media import make_clip
from support.server import serving
from webapp.handlers import ColorizeApp
from webapp.limits import AppLimits
from webapp.sweep import sweep
from webapp.uploads import upload_folder

VIDEO_SETTINGS = [1.0, 1.0, 0.0, 0.85, 2, 224]
PHOTO_SETTINGS = [1.0, 1.0, 0.0, 224]


def file_value(path: Path) -> dict:
    return {"path": str(path), "meta": {"_type": "gradio.FileData"}}


def in_uploads(source: Path, name: str) -> Path:
    """Place a file where an upload lands (what the upload route does, without its own checks)."""
    folder = upload_folder() / f"test-safety-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_bytes(source.read_bytes())
    return target


@contextmanager
def room_held(room):
    """Hold every running place of `room` until the block ends."""
    entered, release = threading.Event(), threading.Event()

    def hold():
        with room.enter():
            entered.set()
            release.wait(300)

    holders = [threading.Thread(target=hold) for _ in range(room.workers)]
    for holder in holders:
        holder.start()
    try:
        deadline = time.monotonic() + 30
        while room.occupancy[0] < room.workers and time.monotonic() < deadline:
            time.sleep(0.02)
        yield
    finally:
        release.set()
        for holder in holders:
            holder.join(30)


def new_job_folders(before: set[Path]) -> list[Path]:
    return [p for p in upload_folder().glob("colorize-*") if p.is_dir() and p not in before]


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("event", ["colorize_video", "colorize_batch"])
def test_a_sweep_while_a_job_waits_and_works_leaves_its_folder(fixed_colorizer, tmp_path, monkeypatch, event):
    """The probe's case: a job's (still empty) folder older than the sweep's minute, swept mid-job."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "server-cache"))
    handlers = ColorizeApp(fixed_colorizer)
    if event == "colorize_video":
        source = in_uploads(make_clip(tmp_path / "film.mp4", frames_per_shot=4, audio=False), "film.mp4")
        room, data = handlers.video_room, [file_value(source), *VIDEO_SETTINGS]
    else:
        photo = tmp_path / "p.png"
        Image.new("L", (30, 20), 90).save(photo)
        room, data = handlers.image_room, [[file_value(in_uploads(photo, "p.png"))], *PHOTO_SETTINGS]
    before = set(upload_folder().glob("colorize-*"))
    answers = []
    with serving(handlers) as (url, demo):
        with room_held(room):
            caller = threading.Thread(target=lambda: answers.append(raw.call(url, raw.fn_index(demo, event), data)))
            caller.start()
            wait_for(lambda: room.occupancy[1] == 1 and new_job_folders(before))
            (folder,) = new_job_folders(before)
            old = time.time() - 7200
            os.utime(folder, (old, old))
            sweep(upload_folder(), float("inf"))  # the running sweeper's pass: empty folders a minute old
            sweep(upload_folder(), 3600)  # and the startup sweep's, for good measure
            assert folder.is_dir()
        caller.join(120)
        (answer,) = answers
        assert not answer.refused, answer
        value = answer.data[0]
        result = Path(value.get("video", value)["path"] if isinstance(value.get("video", value), dict) else value["path"])
        assert result.parent == folder and result.is_file()
        if event == "colorize_video":
            assert probe(result).frame_count == 8
