"""The video tab's hint painting, called directly: pick a moment, paint, keep, remove, and the runs carry them."""

from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from colorization import Colorizer
from colorization.film_hints import parse_film_hints
from colorization.hints import MAX_POINTS
from support import models
from support.media import decode, make_clip
from webapp.film_editor import FilmEditor, layer_strokes
from webapp.handlers import ColorizeApp
from webapp.uploads import upload_folder

BLUE = "#2b5fd9"


@pytest.fixture(scope="module")
def editing(tmp_path_factory):
    neutral = Colorizer.from_pretrained(models.fixed_color_model(tmp_path_factory.mktemp("neutral"), ab=(0, 0)),
                                        backend="opencv")
    return FilmEditor(ColorizeApp(neutral))


@pytest.fixture(scope="module")
def film():
    """Two shots of 12 frames at 25 fps, in the upload folder as the page would have it."""
    target = upload_folder() / "test-film-editor" / "film.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    return {"path": str(make_clip(target, audio=False))}


def painted_layer(shape, box, hex_color=BLUE) -> dict:
    """A painted layer as the editor uploads it: RGBA PNG, the brush's color at 75% where painted."""
    layer = np.zeros(shape[:2] + (4,), np.uint8)
    y0, y1, x0, x1 = box
    layer[y0:y1, x0:x1, :3] = [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]
    layer[y0:y1, x0:x1, 3] = 191
    path = upload_folder() / "test-film-editor" / f"layer-{y0}-{x0}.png"
    Image.fromarray(layer).save(path)
    return {"path": str(path)}


def test_a_painted_layer_becomes_strokes_the_api_takes():
    layer = np.zeros((100, 200, 4), np.uint8)
    layer[10:30, 20:60] = [43, 95, 217, 191]
    layer[10:30, 60:61] = [60, 100, 200, 191]  # a blended edge pixel joins the brush's color
    layer[60:90, 120:190] = [63, 155, 74, 191]
    strokes = layer_strokes(layer, 1.5, (64, 128))
    assert sorted(s["color"] for s in strokes) == ["#2b5fd9", "#3f9b4a"]
    parsed = parse_film_hints(strokes)
    assert all(s.time == 1.5 for s in parsed)
    blue = next(s for s in strokes if s["color"] == BLUE)
    xs, ys = np.array(blue["points"]).T
    assert 0.1 <= xs.min() and xs.max() <= 0.31 and 0.1 <= ys.min() and ys.max() <= 0.3
    everything = np.full((720, 1280, 4), [43, 95, 217, 191], np.uint8)  # the whole frame: coarser, within the limit
    assert sum(len(s["points"]) for s in layer_strokes(everything, 0.0, (144, 256))) <= MAX_POINTS
    parse_film_hints(layer_strokes(everything, 0.0, (144, 256)))
    assert layer_strokes(np.zeros((10, 10, 4), np.uint8), 0.0, (10, 10)) == []


@pytest.mark.slow
def test_paint_a_frame_keep_it_remove_it_and_the_run_carries_it(editing, film):
    slider, painted, listing, choice = editing.on_film(film)
    assert slider["maximum"] == pytest.approx(0.96, abs=0.01) and painted == [] and "No frame" in listing
    preview, editor, frame = editing.on_moment(film, 0.2, 1.0, 1.0, 0.0, 224, [])
    assert frame["time"] == pytest.approx(5.5 / 25)  # the frame shown at 0.2 s is frame 5
    before, after = preview["value"]
    assert np.ptp(after.astype(int), axis=2).max() <= 2  # the neutral network: gray until painted
    height, width = editor["background"].shape[:2]
    layers = {"background": None, "layers": [painted_layer((height, width), (0, height, 0, width // 2))]}
    (before, after), painted, listing, choice = editing.on_paint(frame, layers, [], 1.0, 1.0, 0.0)
    left = after[:, : after.shape[1] // 3].astype(int)
    assert (left[..., 2] - left[..., 0]).mean() > 15  # the preview shows the blue
    assert "0.22 s (1 color)" in listing and choice["choices"] == ["0.220"]
    for run in (editing.app.on_video_try, editing.app.on_video_run):
        video, _ = run(film, 1.0, 1.0, 0.0, 0.85, 8, 224, painted)
        frames = decode(Path(video["value"]))
        blue = [(f[..., 2].astype(int) - f[..., 0].astype(int))[:, : f.shape[1] // 3].mean() for f in frames]
        assert min(blue[:12]) > 10 and max(abs(b) for b in blue[12:]) < 2  # the whole first shot, not the second
    painted2, listing, choice = FilmEditor.on_remove(painted, "0.220")
    assert painted2 == [] and "No frame" in listing
    video, _ = editing.app.on_video_run(film, 1.0, 1.0, 0.0, 0.85, 8, 224, painted2)
    assert max(np.ptp(f.astype(int), axis=2).max() for f in decode(Path(video["value"]))) <= 3


def test_a_painted_layer_outside_the_uploads_is_refused(editing, film):
    _, _, frame = editing.on_moment(film, 0.0, 1.0, 1.0, 0.0, 224, [])
    with pytest.raises(gr.Error, match="not available on the server"):
        editing.on_paint(frame, {"layers": [{"path": "/etc/passwd"}]}, [], 1.0, 1.0, 0.0)
