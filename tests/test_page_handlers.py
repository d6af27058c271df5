"""The Image and Video tabs' handlers called directly: typed values, painted strokes, a download that
matches the page, a cleared film. The browser tests click the same paths; these pin each rule fast."""

import base64
import io
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from colorization import InputError, controls
from colorization.video.ffmpeg import NOT_A_CONTAINER
from webapp import painter
from webapp.fields import field
from webapp.gallery_tab import Gallery
from webapp.image_tab import ImagePage
from webapp.state import EXAMPLES, AppState
from webapp.uploads import upload_folder
from webapp.video_tab import VideoPage

CAT = {"path": str(EXAMPLES / "images" / "chelsea.png")}
SKIP = gr.skip()
PLAIN = {control.name: control.default for control in controls.COLOR}  # the color controls, as the page sends them
FILM = {control.name: control.default for control in controls.FILM}  # and a film's options


@pytest.fixture(scope="module")
def handlers(state) -> ImagePage:
    return ImagePage(state)


def shows(ref, painted, intensity=1.0, saturation=1.0, hue=0.0, **more) -> dict:
    """The inputs of the events that render what the page shows, by name as the page sends them."""
    return {"photo": ref, **PLAIN, "intensity": intensity, "saturation": saturation, "hue": hue, "painted": painted,
            **more}


def visitor(name: str):
    return SimpleNamespace(session_hash=name)


def arrive(handlers, who="a"):
    _, _download, ref, _, shown = handlers.on_upload(image=CAT, **PLAIN, render_size=224, request=visitor(who))
    return ref, shown["value"]


def picture(update) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(update["background"].split(",", 1)[1]))))


@pytest.mark.parametrize("value, name, expected", [
    (5, "intensity", (2.0, True)), (-1, "saturation", (0.0, True)), (999, "hue", (180.0, True)),
    (0.5, "intensity", (0.5, False)), (None, "hue", (None, False)), ("", "hue", (None, False)),
    ("abc", "hue", (None, False)), (float("nan"), "hue", (None, False)), (True, "intensity", (None, False)),
    ("1.5", "intensity", (1.5, False)), (40, "keyframes", (16, True)), (3.4, "keyframes", (3, True)),
    (4, "render_size", (None, False)),  # half-typed on the way to 448: nothing runs
    (450, "render_size", (448, True)), (5000, "render_size", (1024, True)), (448, "render_size", (448, False)),
    (1.5, "hue", (2.0, True)), (10.4, "hue", (10.0, True)), (-2.5, "hue", (-2.0, True)),  # the knob's step
    (1.23, "intensity", (1.25, True)), (0.85, "smoothing", (0.85, False)), (0.35, "saturation", (0.35, False)),
])
def test_a_typed_value_is_read_as_its_slider_would_hold_it(value, name, expected):
    assert field(value, name) == expected


def test_a_photo_s_cap_lowers_a_typed_render_size():
    assert field(1024, "render_size", 456) == (456, True)


def test_out_of_range_values_are_clamped_written_back_and_an_empty_box_keeps_the_result(handlers):
    ref, painted = arrive(handlers)
    shown, download, *boxes = handlers.on_controls(**shows(ref, painted, 5, 1.0, 999))
    assert boxes[0]["value"] == 2.0 and boxes[1] == SKIP
    assert boxes[2]["value"] == 180.0
    assert not download["interactive"] and "background" in shown
    kept = handlers.on_controls(**shows(ref, painted, None, 1.0, 0.0))
    assert "background" not in kept[0] and kept[1] == SKIP  # nothing redrawn, the download untouched
    assert handlers.on_preview(**shows(ref, painted, "", 1.0, 0.0)) == SKIP


def test_strokes_change_the_result_and_only_on_their_own_photo(handlers):
    ref, painted = arrive(handlers)
    plain = picture(handlers.on_controls(**shows(ref, painted))[0])
    blue = {"photo": ref.key, "strokes": [{"points": [[0.3, 0.5], [0.6, 0.5]], "color": "#2b5fd9", "size": 0.05}]}
    hinted = picture(handlers.on_controls(**shows(ref, blue))[0])
    assert np.abs(hinted.astype(int) - plain).mean() > 1
    elsewhere = dict(blue, photo="another-photo")
    assert np.array_equal(picture(handlers.on_controls(**shows(ref, elsewhere))[0]), plain)
    (before, after), = [handlers.on_preview(**shows(ref, blue))]
    assert after.shape[:2] == before.shape[:2] == (300, 451)
    outside = dict(blue, strokes=[{"points": [[1.5, 0.5]], "color": "#2b5fd9"}])
    assert handlers.on_controls(**shows(ref, outside))[1] == SKIP  # refused strokes change nothing
    with pytest.raises(InputError, match="outside the photo"):
        painter.strokes_for(outside, ref.key)


def test_a_download_is_offered_only_for_what_the_page_shows(handlers):
    ref, painted = arrive(handlers, "b")
    first = handlers.on_download(**shows(ref, painted), request=visitor("b"))
    assert first["interactive"] and first["label"] == "Download full resolution (PNG)"
    handlers.on_controls(**shows(ref, painted, 0.5), request=visitor("b"))  # the page now shows intensity 0.5
    assert handlers.on_download(**shows(ref, painted), request=visitor("b")) == SKIP  # a stale one is held back
    current = handlers.on_download(**shows(ref, painted, 0.5), request=visitor("b"))
    png = np.asarray(Image.open(current["value"]))
    shown = handlers.on_preview(**shows(ref, painted, 0.5))[1]
    assert np.array_equal(png, shown)  # 451 x 300: the preview is the full size
    assert handlers.on_download(**shows(ref, painted, 0.5), request=visitor("c"))["interactive"]  # per visitor


def test_a_half_typed_render_size_waits_and_one_above_the_cap_is_lowered(handlers, fixed_colorizer):
    ref, painted = arrive(handlers)
    calls = fixed_colorizer.network_calls
    assert handlers.on_render_size(**shows(ref, painted, render_size=4)) == (SKIP,) * 5
    assert handlers.on_render_size(**shows(ref, painted, render_size=None)) == (SKIP,) * 5
    assert fixed_colorizer.network_calls == calls
    _pair, _download, fresh, box, shown = handlers.on_render_size(**shows(ref, painted, render_size=1024))
    assert fresh.render_size == 456 and box["value"] == 456 and "At 456" in box["info"]
    assert shown["value"] == {"photo": fresh.key, "strokes": []} and fixed_colorizer.network_calls == calls + 1


def test_strokes_follow_the_photo_to_a_new_render_size(handlers):
    ref, _ = arrive(handlers)
    blue = {"photo": ref.key, "strokes": [{"points": [[0.3, 0.5]], "color": "#2b5fd9", "size": 0.05}]}
    *_, fresh, _, shown = handlers.on_render_size(**shows(ref, blue, render_size=256))
    assert shown["value"]["photo"] == fresh.key and len(shown["value"]["strokes"]) == 1


def test_a_cleared_film_clears_its_result_and_the_run_buttons(state):
    films = VideoPage(state)
    preview, estimate, ref, go, trial, out, status, picture, frame = films.on_video_upload(video=None, **FILM)
    assert ref is None and estimate == "" and status == "" and not out["visible"] and not preview["visible"]
    assert frame is None and picture["background"] == ""  # the painter empties too
    assert not go["interactive"] and not trial["interactive"]
    assert [b["interactive"] for b in films.on_video_finished(None)] == [False, False, False]


def test_a_text_file_named_like_a_film_is_refused_in_plain_words(state):
    fake = upload_folder() / "test-page" / "notes.mp4"
    fake.parent.mkdir(parents=True, exist_ok=True)
    fake.write_text("not a film")
    with pytest.raises(gr.Error) as refused:
        VideoPage(state).on_video_upload(video={"path": str(fake)}, **FILM)
    assert refused.value.message == NOT_A_CONTAINER


def test_the_gallery_keeps_only_its_own_examples(state, fixed_colorizer):
    gallery = Gallery(state)
    first = gallery.gallery_pair(EXAMPLES / "images" / "coins.png")
    calls = fixed_colorizer.network_calls
    assert gallery.gallery_pair(EXAMPLES / "images" / "coins.png") is first and fixed_colorizer.network_calls == calls
    impostor = upload_folder() / "test-page" / "camera.png"  # an upload named like an example
    impostor.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (8, 6), 30).save(impostor)
    colorized, _, _ = gallery.gallery_pair(impostor)
    assert colorized.shape[:2] != (8, 6)  # answered with the gallery's own camera, never the upload
    assert gallery.gallery_pair(EXAMPLES / "images" / "camera.png")[0].shape == colorized.shape
    assert Path(EXAMPLES / "images" / "camera.png").is_file()


def test_the_api_page_names_every_parameter_and_its_examples_are_accepted(fixed_colorizer):
    import app

    info = app.build_app(AppState(fixed_colorizer)).get_api_info()
    for name, endpoint in info["named_endpoints"].items():
        for parameter in endpoint["parameters"]:
            assert not parameter["label"].startswith("parameter_"), (name, parameter["label"])
            example = str(parameter["example_input"])
            assert "http" not in example and ".pdf" not in example, (name, example)  # no link, no PDF
            assert "FileData class" not in str(parameter["type"]), name
    image = info["named_endpoints"]["/colorize_image"]["parameters"]
    assert [p["example_input"] for p in image[1:4]] == [1.0, 1.0, 0.0]  # the defaults, not the minimum (gray)
    from colorization.hints import parse_hints

    assert parse_hints(image[5]["example_input"])  # the example hints are valid hints


def test_times_are_said_once():
    from webapp import texts

    assert texts.about(0.3) == "under a second" and texts.about(7) == "about 7 s"
