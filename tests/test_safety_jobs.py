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


@pytest.fixture()
def photo_app(fixed_colorizer, tmp_path, monkeypatch):
    """A served app with one photo worker, recording how many photo jobs were inside the room whenever
    a full-size render or a PNG encode ran."""
    import colorization.pipeline as pipeline
    import webapp.handlers as handlers_module

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "server-cache"))
    handlers = ColorizeApp(fixed_colorizer, limits=AppLimits(image_workers=1))
    seen: list[tuple[str, int]] = []
    render, save = pipeline.Prediction.render, handlers_module.save_image

    def watched_render(self, *args, **kwargs):
        seen.append(("render", handlers.image_room.occupancy[0]))
        return render(self, *args, **kwargs)

    def watched_save(*args, **kwargs):
        seen.append(("encode", handlers.image_room.occupancy[0]))
        return save(*args, **kwargs)

    monkeypatch.setattr(pipeline.Prediction, "render", watched_render)
    monkeypatch.setattr(handlers_module, "save_image", watched_save)
    with serving(handlers) as (url, demo):
        yield url, demo, handlers, seen


def test_the_full_size_render_and_png_encode_happen_inside_the_photo_room(photo_app, tmp_path):
    url, demo, handlers, seen = photo_app
    photo = tmp_path / "p.png"
    Image.fromarray(np.linspace(0, 255, 64 * 48, dtype=np.uint8).reshape(48, 64)).save(photo)
    uploaded = file_value(in_uploads(photo, "p.png"))
    session = "roomcheck01"
    for event, data in (("colorize_image", [uploaded, *PHOTO_SETTINGS, None]),
                        ("on_upload", [uploaded, *PHOTO_SETTINGS]),
                        ("on_render_size", [None, 1.0, 1.0, 0.0, 256, None]),
                        ("on_controls", [None, 1.2, 1.0, 0.0, None]),
                        ("on_download", [None, 1.2, 1.0, 0.0, None])):
        seen.clear()
        answer = raw.call(url, raw.fn_index(demo, event), data, session_hash=session)
        assert not answer.refused, (event, answer)
        assert {kind for kind, _ in seen} >= ({"render", "encode"} if event != "on_controls" else {"render"}), event
        assert all(inside == 1 for _, inside in seen), (event, seen)  # never outside the room
    assert handlers.image_room.occupancy == (0, 0)


def test_an_editor_value_listing_2000_layers_is_refused_before_any_decoding(photo_app, tmp_path, monkeypatch):
    import webapp.handlers as handlers_module

    url, demo, handlers, seen = photo_app
    photo = tmp_path / "p.png"
    Image.new("L", (64, 48), 90).save(photo)
    uploaded = file_value(in_uploads(photo, "p.png"))
    layer = tmp_path / "layer.png"
    Image.new("RGBA", (1414, 1414), (200, 30, 30, 255)).save(layer)
    painted = file_value(in_uploads(layer, "layer.png"))
    session = "layers01"
    assert not raw.call(url, raw.fn_index(demo, "on_upload"), [uploaded, *PHOTO_SETTINGS], session_hash=session).refused
    decoded = []
    load = handlers_module.load_image
    monkeypatch.setattr(handlers_module, "load_image", lambda *a, **k: decoded.append(a) or load(*a, **k))
    editor = {"background": uploaded, "layers": [painted] * 2000, "composite": None}
    for event in ("on_controls", "on_download", "on_render_size"):
        data = [None, 1.0, 1.0, 0.0, editor] if event != "on_render_size" else [None, 1.0, 1.0, 0.0, 224, editor]
        answer = raw.call(url, raw.fn_index(demo, event), data, session_hash=session)
        assert answer.refused and answer.error == "The hint editor has 1 layer; this request sent 2000.", answer
    assert decoded == []
    one = {"background": uploaded, "layers": [painted], "composite": None}  # what the page sends: it works
    seen.clear()
    answer = raw.call(url, raw.fn_index(demo, "on_controls"), [None, 1.0, 1.0, 0.0, one], session_hash=session)
    assert not answer.refused and len(decoded) == 1 and all(inside == 1 for _, inside in seen)
