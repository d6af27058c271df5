"""The app's handlers and helpers called directly, without a server: what a newcomer changes first."""

import base64
import io
import os
import threading
import time
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image
from support import models

from colorization import Cancelled, InputError, controls
from webapp import texts
from webapp.api import PublicApi
from webapp.guard import localize, names_a_link
from webapp.image_tab import ImagePage, render_size_cap
from webapp.rooms import RoomFull, WaitingRoom
from webapp.state import EXAMPLES, AppState
from webapp.store import PhotoStore, Picture
from webapp.sweep import sweep
from webapp.uploads import NOT_AVAILABLE, upload_folder, upload_path

PLAIN = {control.name: control.default for control in controls.COLOR}  # the color controls, as the page sends them


@pytest.fixture(scope="module")
def api(state) -> PublicApi:
    return PublicApi(state)


@pytest.fixture(scope="module")
def page(state) -> ImagePage:
    return ImagePage(state)


def test_colorize_image_called_directly(api):
    (before, after), png = api.colorize_image({"path": str(EXAMPLES / "images" / "coins.png")})
    assert before.shape == after.shape and before.dtype == after.dtype == np.uint8
    result = np.asarray(Image.open(png))
    assert result.shape[:2] == before.shape[:2] and Path(png).is_relative_to(upload_folder())
    gray = np.asarray(Image.open(EXAMPLES / "images" / "coins.png"))
    expected = models.lab_to_rgb8(models.lightness_of_gray(int(gray[10, 10])), *models.FIXED_AB)
    np.testing.assert_array_equal(result[10, 10], expected)


def test_a_handler_refuses_a_server_path_with_the_same_words_whether_it_exists_or_not(api, page, tmp_path):
    real = tmp_path / "real.png"
    Image.new("L", (4, 4)).save(real)
    for value in ({"path": str(real)}, {"path": str(tmp_path / "missing.png")}, "/etc/passwd"):
        with pytest.raises(gr.Error) as refused:
            page.on_upload(image=value, **PLAIN, render_size=224)
        assert refused.value.message == NOT_AVAILABLE
    with pytest.raises(gr.Error, match="Please upload a photo first"):
        api.colorize_image(None)


@pytest.mark.parametrize("bad, message", [
    ({"intensity": "1"}, "intensity must be a number"),
    ({"intensity": 3.0}, "intensity must be between 0 and 2"),
    ({"hue": float("nan")}, "hue must be a number of degrees"),
    ({"render_size": 100}, "render size must be a multiple of 8"),
    ({"render_size": 224.5}, "render size must be a whole number"),
    ({"render_size": True}, "render size must be a whole number"),
])
def test_bad_settings_are_refused_with_their_reason(api, bad, message):
    settings = {"intensity": 1.0, "saturation": 1.0, "hue": 0.0, "render_size": 224, **bad}
    with pytest.raises(gr.Error, match=message):
        api.colorize_image({"path": str(EXAMPLES / "images" / "coins.png")}, **settings)


def test_upload_path_follows_symlinks_out_and_refuses_them(tmp_path):
    root = tmp_path / "uploads"
    root.mkdir()
    inside = root / "ok.png"
    inside.write_bytes(b"x")
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"x")
    (root / "link.png").symlink_to(outside)
    assert upload_path({"path": str(inside)}, "a photo", [root]) == inside.resolve()
    for value in (str(root / "link.png"), str(root / ".." / "outside.png"), str(root)):
        with pytest.raises(InputError, match="not available"):
            upload_path(value, "a photo", [root])
    with pytest.raises(InputError, match="Links are not fetched"):
        upload_path({"path": "https://example.com/a.png"}, "a photo", [root])


def test_links_anywhere_in_an_event_are_found():
    assert names_a_link([{"path": "HTTPS://x/y.png"}, 1.0])
    assert names_a_link([[{"path": "data:image/png;base64,AAAA"}]])
    assert names_a_link(["ftp://host/file"])
    assert not names_a_link([{"path": "/tmp/gradio/abc/photo.png"}, "#ff0000", 224, None])
    # what a browser sends for its own upload: the path, and this server's address of it
    assert not names_a_link([{"path": "/tmp/gradio/abc/p.png", "url": "http://127.0.0.1:7860/gradio_api/file=/tmp/gradio/abc/p.png",
                              "meta": {"_type": "gradio.FileData"}}])


def test_a_link_to_a_gradio_file_route_becomes_the_path_it_names_and_nothing_else_does():
    route = "http://127.0.0.1:7860/gradio_api/file=/tmp/gradio/ab%20c/p.png"
    assert localize([{"path": route, "meta": {}}, 1.0, route]) == [{"path": "/tmp/gradio/ab c/p.png", "meta": {}}, 1.0,
                                                                   route]  # only a file value's path
    assert localize([{"path": "https://evil.example/gradio_api/file=/etc/passwd"}]) == [{"path": "/etc/passwd"}]
    for other in ("https://x/gradio_api/file=", "https://x/file=/etc/passwd", "https://x/gradio_api/file=/a?b=/c",
                  "ftp://x/gradio_api/file=/a", "https://x/y.png"):
        assert localize([{"path": other}]) == [{"path": other}] and names_a_link(localize([{"path": other}]))


def test_the_waiting_room_admits_in_order_and_refuses_beyond_its_places():
    room = WaitingRoom("photo", workers=1, waiting=2)
    release, order, told = threading.Event(), [], []

    def job(name: str) -> None:
        with room.enter(on_wait=lambda ahead: told.append((name, ahead))):
            order.append(name)
            release.wait(10)

    threads = [threading.Thread(target=job, args=(name,)) for name in "abc"]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    assert room.occupancy == (1, 2)
    with pytest.raises(RoomFull, match=r"The photo queue is full \(1 running, 2 waiting\)"):
        with room.enter():
            pass
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == ["a", "b", "c"] and ("c", 1) in told and ("b", 0) in told
    assert room.occupancy == (0, 0)


def test_leaving_the_line_frees_the_place():
    room = WaitingRoom("video", workers=1, waiting=1)
    release, stop = threading.Event(), threading.Event()
    outcome = []

    def running() -> None:
        with room.enter():
            release.wait(10)

    def waiting() -> None:
        try:
            with room.enter(cancelled=stop.is_set):
                outcome.append("ran")
        except Cancelled:
            outcome.append("left")

    first, second = threading.Thread(target=running), threading.Thread(target=waiting)
    first.start()
    time.sleep(0.1)
    second.start()
    time.sleep(0.1)
    stop.set()
    second.join(5)
    assert outcome == ["left"] and room.occupancy == (1, 0)
    release.set()
    first.join(5)


def test_the_photo_store_keeps_within_its_budget_least_recent_first(fixed_colorizer):
    prediction = fixed_colorizer.predict(np.zeros((100, 100), np.uint8))
    store = PhotoStore(budget=3 * Picture(prediction, np.zeros((1, 1, 3), np.uint8), "x").nbytes, ttl=3600)
    keys = [store.put(Picture(prediction, np.zeros((1, 1, 3), np.uint8), f"p{i}")) for i in range(3)]
    assert store.get(keys[0]) is not None  # used: now the most recent
    fourth = store.put(Picture(prediction, np.zeros((1, 1, 3), np.uint8), "p3"))
    assert store.get(keys[1]) is None and store.get(keys[0]) and store.get(keys[2]) and store.get(fourth)
    assert store.nbytes <= store.budget


def test_sweep_removes_old_files_and_empty_folders_only(tmp_path):
    old, fresh = tmp_path / "a" / "old.png", tmp_path / "b" / "fresh.png"
    for path in (old, fresh):
        path.parent.mkdir()
        path.write_bytes(b"x")
    os.utime(old, (time.time() - 100, time.time() - 100))
    assert sweep(tmp_path, max_age=50) == 1
    assert not old.parent.exists() and fresh.exists()


def test_render_size_is_capped_at_the_photo_s_own_size():
    assert render_size_cap(300, 200) == 304
    assert render_size_cap(40, 30) == render_size_cap(64, 64) == 72  # a slider's maximum must pass its minimum
    assert render_size_cap(8000, 6000) == 1024


def test_the_gallery_cache_belongs_to_the_loaded_weights(fixed_colorizer, brightness_colorizer):
    import app

    folders = set()
    for colorizer in (fixed_colorizer, brightness_colorizer):
        app.build_app(AppState(colorizer))
        folders.add(os.environ["GRADIO_EXAMPLES_CACHE"])
        assert colorizer.files.weights_sha256[:12] in os.environ["GRADIO_EXAMPLES_CACHE"]
    assert len(folders) == 2


def test_page_words():
    assert [texts.duration(s) for s in (0.2, 1.2, 59.4, 61, 3725)] == [
        "under a second", "1 s", "59 s", "1 min 1 s", "1 h 2 min"]
    assert "\\n" not in texts.NO_MODEL and len(texts.NO_MODEL.split(". ")) <= 3


def test_the_page_says_which_weights_answer(fixed_colorizer):
    from dataclasses import replace

    from colorization import Colorizer

    assert "custom weights (a local copy)" in texts.model_status(fixed_colorizer)  # no server path
    assert fixed_colorizer.files.origin not in texts.model_status(fixed_colorizer)
    released = Colorizer(fixed_colorizer.backend, replace(fixed_colorizer.files, released=True))
    assert "released weights (verified)" in texts.model_status(released)
    assert texts.model_status(None) == "Model: not loaded."


def test_an_upload_fits_the_render_size_slider_and_tells_its_cost(page):
    _, download, ref, slider, painted = page.on_upload(image={"path": str(EXAMPLES / "images" / "coins.png")},
                                                       **PLAIN, render_size=1024)
    width, height = Image.open(EXAMPLES / "images" / "coins.png").size
    assert slider["maximum"] == render_size_cap(width, height) == slider["value"] < 1024  # no larger than the photo
    assert "At 384: " in slider["info"] and "up to 384 for this photo" in slider["info"]
    assert not download["interactive"] and ref.render_size == 384  # the PNG follows (on_download)
    assert painted["value"] == {"photo": ref.key, "strokes": []}  # a new photo: no strokes, nothing to undo
    shown = Image.open(io.BytesIO(base64.b64decode(painted["background"].split(",", 1)[1])))
    assert shown.size == (width, height)
    offered = page.on_download(photo=ref, **PLAIN, painted=painted["value"])
    assert offered["interactive"] and Path(offered["value"]).is_file()


def test_the_batch_page_names_each_skipped_file_and_why(page, tmp_path):
    good = tmp_path / "good.png"
    Image.new("L", (12, 8), 90).save(good)
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a photo")
    from webapp.uploads import upload_folder

    uploaded = []
    for path in (good, bad):
        target = upload_folder() / "test-batch" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        uploaded.append({"path": str(target)})
    archive, report = page.on_batch(files=uploaded, **PLAIN, render_size=224)
    archive = archive["value"]
    assert Path(archive).is_file()
    assert report == ("**Skipped:**\n- bad.jpg: This file is not an image we can read "
                      "(supported: JPEG, PNG, GIF, WebP, BMP, TIFF).")


def test_a_film_cannot_be_cut_into_empty_pieces():
    from colorization.video import pieces

    with pytest.raises(InputError, match="at least one frame"):
        pieces.plan(100, [], piece_frames=0)


def test_a_new_row_of_the_controls_table_becomes_the_last_public_parameter_by_itself():
    import inspect

    from colorization.controls import Control
    from webapp.api import published

    grain = Control("grain", 0.5, 0.0, 1.0, 0.1, "Grain", "How much film grain to keep.", "--grain")

    class Endpoints:
        @published(("video", "intensity", "hints"), (controls.INTENSITY, grain))
        def colorize(self, video, hints=None, progress: gr.Progress = gr.Progress(), **values):
            return video, hints, values

    endpoint = Endpoints().colorize
    parameters = inspect.signature(endpoint).parameters
    assert list(parameters) == ["video", "intensity", "hints", "grain", "progress"]  # published order kept
    assert parameters["grain"].default == 0.5 and parameters["intensity"].default == controls.INTENSITY.default
    assert endpoint("film.mp4", 1.5, None, 0.2) == ("film.mp4", None, {"intensity": 1.5, "grain": 0.2})
    assert endpoint("film.mp4") == ("film.mp4", None, {"intensity": 1.0, "grain": 0.5})


def _reads_while_saving(save, tmp_path: Path, rounds: int = 400) -> list[int]:
    """The sizes a reader sees of the file Gradio names for one picture while that picture is saved again and again
    (two visitors given the same preview at once)."""
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 255, (256, 256, 3), dtype=np.uint8))
    path = Path(save(picture, str(tmp_path)))
    done, sizes = threading.Event(), []

    def again() -> None:
        for _ in range(rounds):
            save(picture, str(tmp_path))
        done.set()

    writer = threading.Thread(target=again)
    writer.start()
    while not done.is_set():
        sizes.append(len(path.read_bytes()))
    writer.join()
    return sizes + [len(path.read_bytes())]


def test_a_picture_two_visitors_get_at_once_is_always_read_whole(tmp_path, monkeypatch):
    from gradio import processing_utils

    from webapp.gradio_internals import write_pictures_whole

    monkeypatch.setattr(processing_utils, "save_pil_to_cache", processing_utils.save_pil_to_cache)  # undone after
    write_pictures_whole()
    sizes = _reads_while_saving(processing_utils.save_pil_to_cache, tmp_path)
    assert len(sizes) > 10 and len(set(sizes)) == 1, sorted(set(sizes))
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["image.webp"]  # no staging file left
