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
from support import raw
from support.media import make_clip
from support.server import serving

from colorization.video.ffmpeg import probe
from webapp.limits import AppLimits
from webapp.state import AppState
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
    state = AppState(fixed_colorizer)
    if event == "colorize_video":
        source = in_uploads(make_clip(tmp_path / "film.mp4", frames_per_shot=4, audio=False), "film.mp4")
        room, data = state.video_room, [file_value(source), *VIDEO_SETTINGS, None]
    else:
        photo = tmp_path / "p.png"
        Image.new("L", (30, 20), 90).save(photo)
        room, data = state.image_room, [[file_value(in_uploads(photo, "p.png"))], *PHOTO_SETTINGS]
    before = set(upload_folder().glob("colorize-*"))
    answers = []
    with serving(state) as (url, demo):
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
        video = value.get("video", value)
        result = Path(video["path"] if isinstance(video, dict) else value["path"])
        assert result.parent == folder and result.is_file()
        if event == "colorize_video":
            assert probe(result).frame_count == 8


@pytest.fixture()
def photo_app(fixed_colorizer, tmp_path, monkeypatch):
    """A served app with one photo worker, recording how many photo jobs were inside the room whenever
    a full-size render or a PNG encode ran."""
    import colorization.pipeline as pipeline
    import webapp.jobs as jobs_module

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "server-cache"))
    state = AppState(fixed_colorizer, limits=AppLimits(image_workers=1))
    seen: list[tuple[str, int]] = []
    render, save = pipeline.Prediction.render, jobs_module.save_image

    def watched_render(self, *args, **kwargs):
        seen.append(("render", state.image_room.occupancy[0]))
        return render(self, *args, **kwargs)

    def watched_save(*args, **kwargs):
        seen.append(("encode", state.image_room.occupancy[0]))
        return save(*args, **kwargs)

    monkeypatch.setattr(pipeline.Prediction, "render", watched_render)
    monkeypatch.setattr(jobs_module, "save_image", watched_save)
    with serving(state) as (url, demo):
        yield url, demo, state, seen


def test_the_full_size_render_and_png_encode_happen_inside_the_photo_room(photo_app, tmp_path):
    url, demo, state, seen = photo_app
    photo = tmp_path / "p.png"
    Image.fromarray(np.linspace(0, 255, 64 * 48, dtype=np.uint8).reshape(48, 64)).save(photo)
    uploaded = file_value(in_uploads(photo, "p.png"))
    session = "roomcheck01"
    for event, data in (("colorize_image", [uploaded, *PHOTO_SETTINGS, None]),
                        ("on_upload", [uploaded, *PHOTO_SETTINGS]),
                        ("on_render_size", [None, 1.0, 1.0, 0.0, 256, None]),
                        ("on_controls", [None, 1.2, 1.0, 0.0, None]),
                        ("on_preview", [None, 1.2, 1.0, 0.0, None]),
                        ("on_download", [None, 1.2, 1.0, 0.0, None])):
        seen.clear()
        answer = raw.call(url, raw.fn_index(demo, event), data, session_hash=session)
        assert not answer.refused, (event, answer)
        encodes = event in ("colorize_image", "on_download")  # the page's PNG is made by on_download alone
        assert {kind for kind, _ in seen} >= ({"render", "encode"} if encodes else {"render"}), event
        assert all(inside == 1 for _, inside in seen), (event, seen)  # never outside the room
    assert state.image_room.occupancy == (0, 0)


def test_a_painter_value_of_thousands_of_strokes_does_no_work(photo_app, tmp_path):
    """The page's painter sends strokes in the API's hints format; more than the hints allow is dropped before
    any render (the page keeps what it shows), and what the painter really sends renders in the photo room."""
    url, demo, _state, seen = photo_app
    photo = tmp_path / "p.png"
    Image.new("L", (64, 48), 90).save(photo)
    uploaded = file_value(in_uploads(photo, "p.png"))
    session = "strokes01"
    answer = raw.call(url, raw.fn_index(demo, "on_upload"), [uploaded, *PHOTO_SETTINGS], session_hash=session)
    assert not answer.refused
    key = next(v["value"]["photo"] for v in answer.data if isinstance(v, dict) and isinstance(v.get("value"), dict))
    stroke = {"points": [[0.5, 0.5]] * 5, "color": "#c81e1e", "size": 0.02}
    flood = {"photo": key, "strokes": [stroke] * 2000}
    for event in ("on_controls", "on_preview", "on_download"):
        seen.clear()
        answer = raw.call(url, raw.fn_index(demo, event), [None, 1.0, 1.0, 0.0, flood], session_hash=session)
        assert not answer.refused and not seen, (event, answer, seen)  # nothing rendered, nothing encoded
    seen.clear()
    one = {"photo": key, "strokes": [stroke]}
    answer = raw.call(url, raw.fn_index(demo, "on_controls"), [None, 1.0, 1.0, 0.0, one], session_hash=session)
    assert not answer.refused and seen and all(inside == 1 for _, inside in seen)


def call_as(url: str, index: int, data: list, session: str, address: str | None = None, timeout: float = 120):
    """raw.call, from another address: uvicorn takes X-Forwarded-For from a proxy on 127.0.0.1 (its default)."""
    import json as _json

    import httpx

    headers = {"X-Forwarded-For": address} if address else {}
    with httpx.Client(timeout=timeout, headers=headers) as http:
        join = http.post(f"{url}gradio_api/queue/join", json={"data": data, "fn_index": index, "session_hash": session,
                                                               "event_data": None, "trigger_id": None})
        if join.status_code != 200:
            return raw.Answer(join.status_code, error=str(join.json().get("detail")))
        with http.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    message = _json.loads(line[6:])
                    if message.get("msg") == "process_completed":
                        output = message.get("output") or {}
                        return raw.Answer(200, error=None if message.get("success") else str(output.get("error")),
                                          data=output.get("data") if message.get("success") else None)
    raise AssertionError("no result")


def gray_photo(tmp_path: Path) -> dict:
    photo = tmp_path / "p.png"
    Image.new("L", (30, 20), 90).save(photo)
    return file_value(in_uploads(photo, "p.png"))


def test_jobs_whose_result_nobody_reads_leave_the_line_and_never_run(fixed_colorizer, tmp_path, monkeypatch):
    """16 queue/join posts that never open their result stream, then a visitor: the visitor is served at
    once; the 16 left the line and never ran. Callers that do read (by the queue, or by /call/) stay."""
    import httpx

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "server-cache"))
    limits = AppLimits(image_workers=1, image_waiting=20, photo_jobs_per_client=100, unread_seconds=3.0)
    state = AppState(fixed_colorizer, limits=limits)
    uploaded = gray_photo(tmp_path)
    answers: list = []
    with serving(state) as (url, demo):
        calls = fixed_colorizer.network_calls  # after the page was built (it colorizes the gallery's first photo)
        index = raw.fn_index(demo, "colorize_image")
        data = [uploaded, *PHOTO_SETTINGS, None]
        with room_held(state.image_room), httpx.Client(timeout=30) as http:
            for n in range(16):
                joined = http.post(f"{url}gradio_api/queue/join", json={"data": data, "fn_index": index,
                                                                         "session_hash": f"unread{n:02d}"})
                assert joined.status_code == 200
            reader = threading.Thread(target=lambda: answers.append(raw.call(url, index, data, "reads0001")))
            reader.start()
            event_id = http.post(f"{url}gradio_api/call/colorize_image", json={"data": data}).json()["event_id"]

            def by_call() -> None:  # the two-step /call/ route: its stream is keyed by the event id
                with httpx.Client(timeout=60) as own, \
                        own.stream("GET", f"{url}gradio_api/call/colorize_image/{event_id}") as stream:
                    answers.append("".join(stream.iter_text()))

            caller = threading.Thread(target=by_call)
            caller.start()
            wait_for(lambda: state.image_room.occupancy[1] >= 2)
            time.sleep(4)
            wait_for(lambda: state.image_room.occupancy[1] == 2, 60)  # the 16 left, the 2 readers wait on
            time.sleep(3)
            assert state.image_room.occupancy[1] == 2
        reader.join(60)
        caller.join(60)
        assert fixed_colorizer.network_calls == calls + 2  # only the two that were read ran
        assert not answers[0].refused if isinstance(answers[0], raw.Answer) else True
        streamed = [a for a in answers if isinstance(a, str)]
        assert streamed and "event: complete" in streamed[0], streamed
        results = list((tmp_path / "server-cache").rglob("*-colorized.png"))
        assert len(results) == 2, results


def test_one_address_holds_at_most_its_places_in_a_room(fixed_colorizer, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "server-cache"))
    limits = AppLimits(image_workers=1, image_waiting=12, photo_jobs_per_client=2)
    state = AppState(fixed_colorizer, limits=limits)
    uploaded = gray_photo(tmp_path)
    answers: dict[str, raw.Answer] = {}
    with serving(state) as (url, demo):
        index = raw.fn_index(demo, "colorize_image")
        data = [uploaded, *PHOTO_SETTINGS, None]

        def visitor(name: str, address: str) -> threading.Thread:
            thread = threading.Thread(
                target=lambda: answers.__setitem__(name, call_as(url, index, data, name, address)))
            thread.start()
            return thread

        with room_held(state.image_room):
            first = [visitor("a1", "203.0.113.5"), visitor("a2", "203.0.113.5")]
            wait_for(lambda: state.image_room.occupancy[1] == 2)
            third = call_as(url, index, data, "a3", "203.0.113.5")
            assert third.refused and third.error == ("You already have 2 photo jobs running or waiting; please wait "
                                                     "for one to finish."), third
            other = visitor("b1", "198.51.100.7")  # another address is not held back
            wait_for(lambda: state.image_room.occupancy[1] == 3)
        for thread in [*first, other]:
            thread.join(60)
        assert all(not answers[name].refused for name in ("a1", "a2", "b1")), answers
        assert not call_as(url, index, data, "a4", "203.0.113.5").refused  # places come back when jobs end


def test_a_full_photo_room_does_not_lock_the_film_preview_out(fixed_colorizer, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "server-cache"))
    state = AppState(fixed_colorizer, limits=AppLimits(image_workers=1, image_waiting=0))
    film = file_value(in_uploads(make_clip(tmp_path / "film.mp4", frames_per_shot=4, audio=False), "film.mp4"))
    with serving(state) as (url, demo), room_held(state.image_room):
        photo = raw.call(url, raw.fn_index(demo, "colorize_image"), [gray_photo(tmp_path), *PHOTO_SETTINGS, None])
        assert photo.refused and "The photo queue is full" in photo.error
        preview = raw.call(url, raw.fn_index(demo, "on_video_upload"), [film, *VIDEO_SETTINGS])
        assert not preview.refused, preview
        assert preview.data[3]["interactive"] is True  # its run button enables (no test run for a 0.16 s film)
