"""The video tab's hint painting, called directly: pick a moment, paint, keep, remove, and the runs carry them."""

import base64
import io
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image
from support import models
from support.media import decode, make_clip

from colorization import Colorizer, controls
from colorization.video.film_hints import parse_film_hints
from webapp.film_editor import FilmEditor
from webapp.state import AppState
from webapp.uploads import upload_folder
from webapp.video_tab import VideoPage

BLUE = "#2b5fd9"
PLAIN = {control.name: control.default for control in controls.COLOR}  # the color controls, as the page sends them
FILM = {control.name: control.default for control in controls.FILM}  # and a film's options (8 keyframes, 224)


@pytest.fixture(scope="module")
def editing(tmp_path_factory):
    neutral = Colorizer.from_pretrained(models.fixed_color_model(tmp_path_factory.mktemp("neutral"), ab=(0, 0)),
                                        backend="opencv")
    return FilmEditor(AppState(neutral))


@pytest.fixture(scope="module")
def film():
    """Two shots of 12 frames at 25 fps, in the upload folder as the page would have it."""
    target = upload_folder() / "test-film-editor" / "film.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    return {"path": str(make_clip(target, audio=False))}


def painted(frame: dict, *strokes: dict) -> dict:
    """The painter's value after strokes on the frame picked: fractions of the frame, a color, a size."""
    return {"photo": frame["ref"].key, "strokes": list(strokes)}


LEFT = {"points": [[0.05, y / 10] for y in range(1, 10)] + [[0.3, y / 10] for y in range(9, 0, -1)],
        "color": BLUE, "size": 0.2}


def shown(update: dict) -> np.ndarray:
    """The picture a painter update shows (its JPEG data URL decoded)."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(update["background"].split(",", 1)[1]))).convert("RGB"))


def blue_left(rgb: np.ndarray) -> float:
    left = rgb[:, : rgb.shape[1] // 3].astype(int)
    return float((left[..., 2] - left[..., 0]).mean())


@pytest.mark.slow
def test_paint_a_frame_keep_it_remove_it_and_the_run_carries_it(editing, film):
    slider, hints, listing, choice = editing.on_film(film)
    assert slider["maximum"] == 0.96 and slider["value"] == 0 and hints == [] and "No frame" in listing
    preview, picture, frame = editing.on_moment(video=film, moment=0.2, **PLAIN, render_size=224, hints=[])
    assert frame["time"] == 0.2  # the frame shown at 0.2 s is frame 5, named by that time
    assert picture["value"] == {"photo": frame["ref"].key, "strokes": []}  # the painter starts on this frame
    _, after = preview["value"]
    assert np.ptp(after.astype(int), axis=2).max() <= 2  # the neutral network: gray until painted
    assert np.ptp(shown(picture).astype(int), axis=2).max() <= 8  # the painter shows the same gray frame
    picture, (_before, after), hints, listing, choice = editing.on_paint(frame=frame, painter=painted(frame, LEFT),
                                                                        hints=[], **PLAIN)
    assert blue_left(after) > 15 and blue_left(shown(picture)) > 15  # the preview and the painter show the blue
    assert "value" not in picture  # the painter keeps its strokes
    assert hints == [{"time": frame["time"], **LEFT}] and parse_film_hints(hints)[0].time == frame["time"]
    assert "0.20 s (1 stroke)" in listing and choice["choices"] == [("0.20 s", "0.200")]  # one time, said once
    assert choice["value"] == "0.200"  # the frame just painted is the one Remove takes
    second = {"points": [[0.9, 0.9]], "color": "#c8382e", "size": 0.05}
    *_, twice, listing, _ = editing.on_paint(frame=frame, painter=painted(frame, LEFT, second), hints=hints, **PLAIN)
    assert len(twice) == 2 and "0.20 s (2 strokes)" in listing  # the frame's strokes replace its earlier ones
    *_, undone, listing, _ = editing.on_paint(frame=frame, painter=painted(frame), hints=twice, **PLAIN)
    assert undone == [] and "No frame" in listing  # Clear (or undoing the last stroke) forgets the frame's hints
    _, other, later = editing.on_moment(video=film, moment=0.7, **PLAIN, render_size=224, hints=hints)
    assert other["value"]["strokes"] == []  # another frame: its own (no) strokes, nothing to undo
    *_, both, listing, _ = editing.on_paint(frame=later, painter=painted(later, second), hints=hints, **PLAIN)
    assert len(both) == 2 and "0.20 s (1 stroke), 0.68 s (1 stroke)" in listing  # 0.7 s shows frame 17, from 0.68
    preview, back, _ = editing.on_moment(video=film, moment=0.2, **PLAIN, render_size=224, hints=hints)
    assert back["value"]["strokes"] == [LEFT]  # back on the painted frame: its stroke, to undo or add to
    assert blue_left(preview["value"][1]) > 15 and blue_left(shown(back)) > 15
    films = VideoPage(editing.state)
    for run in (films.on_video_try, films.on_video_run):
        video, _ = run(video=film, **FILM, hints=hints)
        frames = decode(Path(video["value"]))
        blue = [(f[..., 2].astype(int) - f[..., 0].astype(int))[:, : f.shape[1] // 3].mean() for f in frames]
        assert min(blue[:12]) > 10 and max(abs(b) for b in blue[12:]) < 2  # the whole first shot, not the second
    kept, listing, choice, picture, preview = editing.on_remove(hints=both, choice="0.680", frame=frame, **PLAIN)
    assert kept == [hints[0]] and choice["choices"] == [("0.20 s", "0.200")]  # another frame than the one shown
    assert picture == gr.skip() and preview == gr.skip()  # the frame shown keeps its strokes
    hints2, listing, choice, picture, preview = editing.on_remove(hints=kept, choice="0.200", frame=frame, **PLAIN)
    assert hints2 == [] and "No frame" in listing
    assert picture["value"] == {"photo": frame["ref"].key, "strokes": []}  # the frame shown loses its strokes
    assert np.ptp(shown(picture).astype(int), axis=2).max() <= 8 and blue_left(preview[1]) < 2
    video, _ = films.on_video_run(video=film, **FILM, hints=hints2)
    assert max(np.ptp(f.astype(int), axis=2).max() for f in decode(Path(video["value"]))) <= 3


def test_strokes_of_another_frame_change_nothing_and_bad_strokes_are_refused(editing, film):
    _, _, frame = editing.on_moment(video=film, moment=0.0, **PLAIN, render_size=224, hints=[])
    kept = [{"time": 0.5, **LEFT}]
    late = {"photo": "another-frame", "strokes": [LEFT]}
    picture, _, hints, _, _ = editing.on_paint(frame=frame, painter=late, hints=kept, **PLAIN)
    assert hints == kept and "value" not in picture and "background" not in picture  # a late stroke: no change
    _, _, hints, _, _ = editing.on_paint(frame=None, painter=painted(frame, LEFT), hints=kept, **PLAIN)
    assert hints == kept  # no moment picked yet
    here = [{"time": frame["time"], **LEFT}]

    def refused(value: dict, hints: list, reason: str) -> None:
        """Said in a sentence; the film's hints stay, and the painter goes back to the frame's kept strokes."""
        with pytest.warns(UserWarning, match=reason):
            picture, _, after, _, _ = editing.on_paint(frame=frame, painter=painted(frame, value), hints=hints, **PLAIN)
        assert after == hints
        assert picture["value"] == {"photo": frame["ref"].key,
                                    "strokes": [LEFT] if any(h["time"] == frame["time"] for h in hints) else []}

    refused({"points": [[1.5, 0.5]], "color": BLUE, "size": 0.1}, kept + here, "outside the photo")
    refused({"points": [[0.5, 0.5]] * 10_001, "color": BLUE, "size": 0.1}, kept, "more than 10000 points")
    refused({"points": [[0.5, 0.5]], "color": "javascript:", "size": 0.1}, kept + here, "#rrggbb")
    many = [{"time": 0.5, "points": [[0.5, 0.5]] * 9_000, "color": BLUE, "size": 0.1}]
    refused({"points": [[0.5, 0.5]] * 2_000, "color": BLUE, "size": 0.1}, many, "more than 10000 points")  # the film


def test_a_film_opens_on_its_first_frame_and_the_moment_is_clamped_to_it(editing, film):
    films = VideoPage(editing.state, editing)
    _, _, ref, go, trial, *_, picture, frame = films.on_video_upload(video=film, **FILM)
    assert frame["time"] == 0 and picture["value"] == {"photo": frame["ref"].key, "strokes": []}  # ready to paint
    assert ref.key == frame["ref"].key and ref.motion is not None  # the preview is that frame, the estimate's too
    assert go["interactive"] and not trial["visible"]  # 0.96 s: no test run of the first 3 seconds
    for typed, time in ((99, 0.92), (-1, 0.0), ("0.5", 0.48)):  # past the end: the last frame (23, from 0.92 s)
        _, _, shown = editing.on_moment(video=film, moment=typed, **PLAIN, render_size=224, hints=[])
        assert shown["time"] == time, typed
    assert editing.on_moment(video=film, moment="", **PLAIN, render_size=224, hints=[]) == (gr.skip(),) * 3
    again = editing.on_moment(video=film, moment=0.49, **PLAIN, render_size=224, hints=[], frame=shown)
    assert again == (gr.skip(),) * 3  # the frame already shown: the network does not run again
    with pytest.warns(UserWarning, match="No frame has hints"):
        editing.on_remove(hints=[], choice=None, frame=shown, **PLAIN)
    with pytest.warns(UserWarning, match="Choose a hinted frame"):
        kept, *_ = editing.on_remove(hints=[{"time": 0.48, **LEFT}], choice=None, frame=shown, **PLAIN)
    assert kept == [{"time": 0.48, **LEFT}]


class Visitor:
    """The page's request, as far as a job needs it: whose job it is."""

    session_hash = "a-visitor-who-cancels"


@pytest.mark.slow
def test_cancel_pressed_before_the_job_is_in_line_stops_it_and_the_next_run_is_whole(editing, film):
    films, visitor = VideoPage(editing.state), Visitor()
    colorizer = editing.state.model()
    films.on_video_started(visitor)  # the click: the page clears its result and the job is on its way
    films.on_cancel(visitor)  # pressed before the job began
    calls = colorizer.network_calls
    video, status = films.on_video_run(request=visitor, video=film, **FILM, hints=[])
    assert video["visible"] is False and status.startswith("Cancelled")
    assert colorizer.network_calls == calls and visitor.session_hash not in editing.state.cancel_flags
    films.on_video_started(visitor)
    video, status = films.on_video_run(request=visitor, video=film, **FILM, hints=[])
    assert status.startswith("Done.") and len(decode(Path(video["value"]))) == 24  # the earlier Cancel is spent
