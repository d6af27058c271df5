"""Color hints on known answers: a generated two-region photo and a network that predicts gray."""

import numpy as np
import pytest
from support import models

from colorization import Adjustments, Colorizer, InputError
from colorization.hints import MAX_POINTS, MAX_STROKES, from_layer, hex_to_ab, parse_hints

BLUE = "#1e5aff"
ORANGE = "#ff8a1e"


@pytest.fixture(scope="module")
def neutral(tmp_path_factory) -> Colorizer:
    """A network that predicts a = b = 0 everywhere: every color in the output comes from hints."""
    return Colorizer.from_pretrained(models.fixed_color_model(tmp_path_factory.mktemp("neutral"), ab=(0, 0)),
                                     backend="opencv")


def two_regions(width: int = 480, height: int = 320, edge: int = 220) -> np.ndarray:
    """Dark textured region on the left, light textured region on the right, a sharp edge between."""
    rng = np.random.default_rng(7)
    photo = np.where(np.arange(width) < edge, 70, 175).astype(np.float32)[None, :].repeat(height, axis=0)
    photo += rng.normal(0, 4, photo.shape)  # film grain: not an edge
    return np.clip(photo, 0, 255).astype(np.uint8)


def stroke(x: float, y: float, color: str, size: float = 0.03) -> dict:
    return {"points": [[x - 0.05, y], [x, y + 0.05], [x + 0.05, y]], "color": color, "size": size}


def region_means(ab: np.ndarray, edge_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    edge = round(ab.shape[1] * edge_fraction)
    return ab[:, : edge - 8].mean(axis=(0, 1)), ab[:, edge + 8:].mean(axis=(0, 1))


@pytest.mark.parametrize("hinted_region", [1, 2])
def test_a_stroke_fills_its_region_and_stops_at_the_edge(neutral, hinted_region):
    photo = two_regions()
    prediction = neutral.predict(photo)
    x = 0.2 if hinted_region == 1 else 0.75
    ab = prediction.chroma(hints=[stroke(x, 0.5, BLUE)])  # before clipping to RGB: blue is out of gamut here
    target = np.array(hex_to_ab(BLUE))
    means = region_means(ab, 220 / 480)
    hinted, other = means[hinted_region - 1], means[2 - hinted_region]
    assert np.linalg.norm(hinted - target) < 8, hinted
    assert np.linalg.norm(other) < 0.15 * np.linalg.norm(hinted), (other, hinted)


def test_two_hints_share_a_photo_and_the_edge_decides(neutral):
    prediction = neutral.predict(two_regions())
    ab = prediction.chroma(hints=[stroke(0.2, 0.5, BLUE), stroke(0.75, 0.5, ORANGE)])
    left, right = region_means(ab, 220 / 480)
    assert np.linalg.norm(left - hex_to_ab(BLUE)) < 8 and np.linalg.norm(right - hex_to_ab(ORANGE)) < 8
    boundary = ab[:, 214:227].mean(axis=0)  # columns around the edge: blue up to it, orange after it
    assert np.dot(boundary[3], hex_to_ab(BLUE)) > 0 and np.dot(boundary[9], hex_to_ab(ORANGE)) > 0


def test_the_photo_keeps_its_lightness_and_the_network_is_not_run_again(neutral):
    photo = two_regions()
    prediction = neutral.predict(photo)
    calls = neutral.network_calls
    muted = "#6d84b5"  # a blue that is inside the sRGB gamut at both lightnesses
    out = prediction.render(hints=[stroke(0.2, 0.5, muted), stroke(0.75, 0.5, muted)])
    assert neutral.network_calls == calls
    from colorization.color import lightness

    L_out, L_in = lightness(out), lightness(np.repeat(photo[..., None], 3, axis=2))
    assert np.abs(L_out - L_in).max() < 100 / 255 * 1.5  # within about one gray level
    assert np.ptp(out.astype(int), axis=2).mean() > 10  # and it is colored


def test_no_hints_is_exactly_the_output_without_hints(neutral, brightness_colorizer, photo):
    prediction = brightness_colorizer.predict(photo)
    plain = prediction.render(Adjustments(1.2, 0.9, 15))
    for nothing in (None, [], ""):
        np.testing.assert_array_equal(prediction.render(Adjustments(1.2, 0.9, 15), hints=nothing), plain)
    np.testing.assert_array_equal(prediction.render(), brightness_colorizer.colorize(photo))


def test_the_global_controls_act_on_hinted_colors(neutral):
    prediction = neutral.predict(two_regions())
    hints = [stroke(0.2, 0.5, BLUE)]
    gray = prediction.render(Adjustments(intensity=0.0), hints=hints)
    assert np.ptp(gray.astype(int), axis=2).max() == 0  # intensity 0 is still gray
    full = region_means(prediction.chroma(hints=hints), 220 / 480)[0]
    half = region_means(prediction.chroma(Adjustments(intensity=0.5), hints=hints), 220 / 480)[0]
    turned = region_means(prediction.chroma(Adjustments(hue=180), hints=hints), 220 / 480)[0]
    np.testing.assert_allclose(half, full / 2, atol=0.5)
    np.testing.assert_allclose(turned, -full, atol=0.5)


def test_preview_and_full_size_agree(neutral):
    photo = np.repeat(np.repeat(two_regions(), 4, axis=0), 4, axis=1)  # 1920 x 1280
    prediction = neutral.predict(photo)
    hints = [stroke(0.2, 0.5, BLUE)]
    full = prediction.chroma(hints=hints)
    preview = prediction.chroma(size=480, hints=hints)
    assert full.shape[:2] == (1280, 1920) and preview.shape[:2] == (320, 480)
    np.testing.assert_allclose(region_means(full, 220 / 480)[0], region_means(preview, 220 / 480)[0], atol=1.5)


def test_a_painted_layer_works_like_strokes(neutral):
    prediction = neutral.predict(two_regions())
    layer = np.zeros((320, 480, 4), np.uint8)  # what the page's editor sends: the paint, on the photo's size
    layer[150:170, 60:120] = [30, 90, 255, 255]
    height, width = prediction.hint_grid
    ab = prediction.chroma(hints=from_layer(layer, width, height))
    left, right = region_means(ab, 220 / 480)
    assert np.linalg.norm(left - hex_to_ab("#1e5aff")) < 8 and np.linalg.norm(right) < 1.5

    other_photo = from_layer(layer, width + 1, height)  # hints drawn for a photo of another shape
    with pytest.raises(InputError, match="grid; this photo's is"):
        prediction.render(hints=other_photo)


@pytest.mark.parametrize("hints, message", [
    ([{"points": [[1.2, 0.5]], "color": "#ff0000"}], "lies outside the photo"),
    ([{"points": [[0.5, -0.01]], "color": "#ff0000"}], "lies outside the photo"),
    ([{"points": [[0.5, 0.5]], "color": "red"}], "must look like #rrggbb"),
    ([{"points": [[0.5, 0.5]], "color": "#ff00zz"}], "must look like #rrggbb"),
    ([{"points": [], "color": "#ff0000"}], "has no points"),
    ([{"color": "#ff0000"}], "has no points"),
    ([{"points": [[0.5]], "color": "#ff0000"}], "each point must be"),
    ([{"points": [[0.5, "0.5"]], "color": "#ff0000"}], "each point must be"),
    ([{"points": [[0.5, float("nan")]], "color": "#ff0000"}], "outside the photo"),
    ([{"points": [[0.5, 0.5]], "color": "#ff0000", "size": 0}], "the size must be"),
    ([{"points": [[0.5, 0.5]], "color": "#ff0000", "size": float("inf")}], "the size must be"),
    ([{"points": [[0.5, 0.5]], "color": "#ff0000"}] * (MAX_STROKES + 1), "the limit is 100"),
    ([{"points": [[0.5, 0.5]] * (MAX_POINTS // 2 + 1), "color": "#ff0000"}] * 2, "more than 10000 points"),
    ("[{", "not valid JSON"),
    ({"points": [[0.5, 0.5]]}, "must be a list of strokes"),
    (["#ff0000"], "is not an object"),
])
def test_bad_hints_get_a_clear_error(hints, message):
    with pytest.raises(InputError, match=message):
        parse_hints(hints)


def test_a_json_string_of_strokes_is_accepted():
    strokes = parse_hints('[{"points": [[0.1, 0.2], [0.3, 0.4]], "color": "#00FF00", "size": 0.05}]')
    assert strokes[0].points == ((0.1, 0.2), (0.3, 0.4)) and strokes[0].color == "#00ff00" and strokes[0].size == 0.05
    assert parse_hints('[]') == [] and parse_hints(None) == [] and parse_hints("") == []
