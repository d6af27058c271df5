"""Hint spreading on the known answers where it used to go wrong: generated scenes with known objects,
colored through the app's own path (the neutral network, strokes, the grid solve, the upsampling);
and the benchmark's Levin 2004 baseline and Zhang et al. 2017 hint protocol, checked on known answers."""

import numpy as np
import pytest
from support import models

from benchmarks import hint_quality, hint_scenes
from benchmarks.hint_scenes import Scene
from colorization import Colorizer, color
from colorization.hints import HintMap, hex_to_ab, propagate
from colorization.pipeline import Prediction


@pytest.fixture(scope="module")
def neutral(tmp_path_factory) -> Colorizer:
    """A network that predicts a = b = 0 everywhere: every color in the output comes from hints."""
    return Colorizer.from_pretrained(models.fixed_color_model(tmp_path_factory.mktemp("neutral"), ab=(0, 0)),
                                     backend="opencv")


def shares(neutral: Colorizer, scene: Scene) -> list[np.ndarray]:
    """Per stroke, the share of its hint each pixel of the scene's output carries."""
    ab = neutral.predict(scene.photo).chroma(hints=list(scene.strokes))
    return [hint_scenes.share_of_hint(ab, hex_to_ab(stroke["color"])) for stroke in scene.strokes]


def outside_share(scene: Scene, share: np.ndarray, at_least: float) -> float:
    """Share of the whole photo, outside the hinted objects (and off soft borders), taking at least
    `at_least` of the hint."""
    outside = (scene.labels >= 0) & ~np.isin(scene.labels, scene.hinted)
    return float(((share >= at_least) & outside).sum() / scene.labels.size)


def test_two_touching_regions_each_reach_their_hint(neutral):
    scene = hint_scenes.touching()
    saucer, table = shares(neutral, scene)
    assert saucer[scene.labels == 1].mean() >= 0.8
    assert table[scene.labels == 0].mean() >= 0.8  # from one short stroke in a far corner of a textured table
    assert (table[scene.labels == 0] >= 0.5).mean() > 0.95
    # and each stays on its own side: the saucer is not orange, the table not blue
    assert saucer[scene.labels == 0].mean() < 0.2 and table[scene.labels == 1].mean() < 0.2


def test_a_thin_stroke_on_a_thin_stripe_stays_off_its_neighbours(neutral):
    scene = hint_scenes.stripes()
    (share,) = shares(neutral, scene)
    stripe = scene.hinted[0]
    beside = np.isin(scene.labels, [stripe - 1, stripe + 1])
    assert (share[beside] >= 0.5).mean() <= 0.2
    assert share[beside].mean() < 0.1
    assert share[scene.labels == stripe].mean() > 0.3  # the stripe itself is colored
    assert outside_share(scene, share, 0.25) <= 0.05  # and the flag is not


def test_an_object_behind_a_blurred_edge_stops_a_hint_as_a_sharp_one_does(neutral):
    hills = []
    for blur in (0.0, 12.0):
        scene = hint_scenes.blurred_edge(blur=blur)
        (share,) = shares(neutral, scene)
        assert share[scene.labels == 0].mean() >= 0.9  # the sky, a gradient, takes its hint all over
        assert outside_share(scene, share, 0.25) <= 0.005  # no part of the hill takes a quarter of it
        hills.append(share[scene.labels == 1].mean())
    sharp, blurred = hills
    assert sharp < 0.02 and blurred < sharp + 0.07


def test_many_strokes_of_one_color_reach_no_further_than_one(neutral):
    """Many hints of different colors widen each one's reach (the photo is being colored, and the
    fill decides between them); ten blue dots in a sky are one hint, and stop at the blurred hill."""
    scene = hint_scenes.blurred_edge()
    dots = [{"points": [[0.05 + 0.1 * i, 0.12 + 0.05 * (i % 3)]], "color": hint_scenes.BLUE, "size": 0.01}
            for i in range(10)]
    share = hint_scenes.share_of_hint(neutral.predict(scene.photo).chroma(hints=dots), hex_to_ab(hint_scenes.BLUE))
    assert share[scene.labels == 1].mean() < 0.08 and outside_share(scene, share, 0.25) <= 0.005


def test_a_thin_mast_keeps_its_own_color_under_a_sky_hint(neutral):
    scene = hint_scenes.thin_object()
    (share,) = shares(neutral, scene)
    mast = share[scene.labels == 1]
    assert mast.mean() < 0.2
    assert mast.min() > -0.05  # not pushed to the opposite color by the upsampling
    assert share[scene.labels == 0].mean() > 0.9


def test_levin_fills_each_region_from_its_hint_and_one_hint_floods_everything():
    L = np.where(np.arange(64)[None, :] < 32, 30.0, 70.0).repeat(48, axis=0).astype(np.float32)
    ab = np.zeros((48, 64, 2), np.float32)
    mask = np.zeros((48, 64), bool)
    mask[20:26, 5:11], mask[20:26, 50:56] = True, True
    ab[20:26, 5:11], ab[20:26, 50:56] = (40, -20), (-10, 30)
    out = hint_quality.levin(L, HintMap(ab, mask))
    np.testing.assert_allclose(out[:, :30].mean(axis=(0, 1)), (40, -20), atol=1.0)
    np.testing.assert_allclose(out[:, 34:].mean(axis=(0, 1)), (-10, 30), atol=1.0)
    one = HintMap(np.where(mask[..., None] & (np.arange(64)[None, :, None] < 32), ab, 0), mask & (np.arange(64) < 32))
    np.testing.assert_allclose(hint_quality.levin(L, one)[:, 40:].mean(axis=(0, 1)), (40, -20), atol=1.0)


def test_hint_points_follow_the_protocol():
    ab = np.random.default_rng(0).normal(0, 20, (256, 256, 2)).astype(np.float32)
    hints = hint_quality.sample_hints(ab, 100, np.random.default_rng(1))
    assert hints.mask.sum() <= 100 * 36 and hints.mask.sum() >= 36
    ys, xs = np.nonzero(hints.mask)
    assert abs(ys.mean() - 128) < 20 and abs(xs.mean() - 128) < 20  # centred on the image
    single = hint_quality.sample_hints(ab, 1, np.random.default_rng(2))
    ys, xs = np.nonzero(single.mask)
    patch = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    assert single.mask[patch].all() and single.mask.sum() == 36
    np.testing.assert_allclose(single.ab[ys[0], xs[0]], ab[patch].reshape(-1, 2).mean(axis=0), rtol=1e-5)


def test_psnr_is_on_uint8_rgb():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 255  # one channel of one pixel fully off: mse = 255^2 / 48
    assert hint_quality.psnr(a, b) == pytest.approx(10 * np.log10(48))


@pytest.mark.parametrize("height, width", [(1, 1), (1, 300), (3, 900), (900, 3)])
def test_hints_on_a_photo_one_grid_pixel_thin(neutral, height, width):
    """A panorama so long that its grid is one pixel high once spread hints without a numerical error."""
    photo = np.full((height, width), 120, np.uint8)
    ab = neutral.predict(photo).chroma(hints=[{"points": [[0.5, 0.5]], "color": hint_scenes.RED, "size": 0.5}])
    assert ab.shape == (height, width, 2)
    assert hint_scenes.share_of_hint(ab, hex_to_ab(hint_scenes.RED)).mean() > 0.9


def wrong_start(shape: tuple[int, int], target: tuple[float, float]) -> np.ndarray:
    """A network's wrong but plausible a/b at its own low resolution (56x56): the target's hue turned
    by 30 to 150 degrees across the photo, its chroma 0.3 to 1.0 of the target's down it."""
    yy, xx = np.mgrid[0:56, 0:56].astype(np.float32) / 55
    turn = np.deg2rad(30 + 120 * xx)
    scale = 0.3 + 0.7 * yy
    a, b = target
    return np.stack([scale * (a * np.cos(turn) - b * np.sin(turn)), scale * (a * np.sin(turn) + b * np.cos(turn))],
                    axis=-1).astype(np.float32)


def test_a_hinted_region_takes_its_hint_over_wrong_start_colors():
    """The network's colors are wrong (hue turned, varying) inside the hinted object: the object takes
    the hint's color itself, not the start's variation shifted by one correction; the rest keeps its start."""
    scene = hint_scenes.touching()
    target = np.asarray(hex_to_ab(hint_scenes.BLUE), np.float32)
    prediction = Prediction(color.lightness(np.repeat(scene.photo[..., None], 3, axis=2)),
                            wrong_start(scene.photo.shape, tuple(target)))
    start = prediction.chroma()
    out = prediction.chroma(hints=[scene.strokes[0]])
    closeness = 1 - np.linalg.norm(out - target, axis=-1) / np.linalg.norm(target)
    saucer, table = scene.labels == 1, scene.labels == 0
    assert closeness[saucer].mean() >= 0.9
    assert (closeness[saucer] >= 0.8).mean() > 0.95  # the additive correction left 0.64 of it there
    kept = np.linalg.norm(out - start, axis=-1) / np.linalg.norm(target) < 0.25
    assert kept[table].mean() > 0.95  # one stroke on the saucer leaves the table's own colors


@pytest.mark.parametrize("height, width", [(1, 1), (1, 300), (3, 900), (192, 256), (255, 17)])
def test_the_solve_order_takes_every_grid_pixel_once(height, width):
    order = propagate._dissection(height, width)
    np.testing.assert_array_equal(np.sort(order), np.arange(height * width))
