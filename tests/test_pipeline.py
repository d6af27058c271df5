"""The image pipeline on generated models whose output is known in closed form."""

import threading

import cv2
import numpy as np
import pytest
from support import models

from benchmarks.architecture import POINTS_NAME, PROTOTXT_NAME, WEIGHTS_NAME
from colorization import Adjustments, Colorizer, InputError


@pytest.mark.parametrize("level", [30, 118, 200])
def test_fixed_model_paints_its_one_color(fixed_colorizer, level):
    out = fixed_colorizer.colorize(np.full((37, 53), level, np.uint8))
    assert out.shape == (37, 53, 3) and out.dtype == np.uint8
    expected = models.lab_to_rgb8(models.lightness_of_gray(level), *models.FIXED_AB)
    assert (out == expected).all()


@pytest.mark.parametrize("level", [20, 90, 128, 170, 240])
def test_brightness_model_color_follows_lightness(brightness_colorizer, level):
    L = models.lightness_of_gray(level)
    a, b = models.brightness_ab(np.array(L - 50.0))
    expected = models.lab_to_rgb8(L, a, b).astype(int)
    out = brightness_colorizer.colorize(np.full((64, 64), level, np.uint8))
    assert np.abs(out.astype(int) - expected).max() <= 1


def test_full_resolution_lightness_is_kept(fixed_colorizer, photo):
    prediction = fixed_colorizer.predict(photo)
    expected_L = cv2.cvtColor(photo.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[..., 0]
    np.testing.assert_array_equal(prediction.L, expected_L)
    out_L = cv2.cvtColor(prediction.render().astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[..., 0]
    inside = cv2.cvtColor(prediction.render().astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
    assert np.abs(out_L - expected_L)[np.abs(inside[..., 1] - 20) < 2].mean() < 0.5


def test_color_photo_is_treated_as_its_grayscale_version(brightness_colorizer, photo):
    lab = cv2.cvtColor(photo.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
    lab[..., 1:] = 0
    gray_version = np.rint(np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB), 0, 1) * 255).astype(np.uint8)
    a, b = brightness_colorizer.colorize(photo), brightness_colorizer.colorize(gray_version)
    assert np.abs(a.astype(int) - b.astype(int)).mean() < 0.5


def test_rgba_alpha_passes_through(fixed_colorizer):
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., :3] = 128
    rgba[..., 3] = np.arange(12, dtype=np.uint8) * 20
    out = fixed_colorizer.colorize(rgba)
    assert out.shape == (10, 12, 4)
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])


@pytest.mark.parametrize("shape", [(1, 1), (1, 1, 3), (359, 641, 3), (2, 999)])
def test_odd_shapes(fixed_colorizer, shape):
    assert fixed_colorizer.colorize(np.full(shape, 77, np.uint8)).shape[:2] == shape[:2]


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.float32), np.zeros((4, 4, 2), np.uint8),
                                 np.zeros((0, 5), np.uint8)])
def test_bad_arrays_get_a_clear_error(fixed_colorizer, bad):
    with pytest.raises(InputError):
        fixed_colorizer.colorize(bad)


def test_controls_rerender_without_the_network(brightness_colorizer, photo):
    calls = brightness_colorizer.network_calls
    prediction = brightness_colorizer.predict(photo)
    assert brightness_colorizer.network_calls == calls + 1
    neutral = prediction.render()
    np.testing.assert_array_equal(neutral, brightness_colorizer.colorize(photo))
    calls = brightness_colorizer.network_calls
    np.testing.assert_array_equal(prediction.render(Adjustments(1.0, 1.0, 360.0)), neutral)
    np.testing.assert_array_equal(prediction.render(Adjustments(1.0, 1.0, 0.0)), neutral)
    gray = prediction.render(Adjustments(intensity=0.0))
    assert np.ptp(gray.astype(int), axis=2).max() == 0
    stronger = prediction.render(Adjustments(intensity=2.0))
    assert np.ptp(stronger.astype(int), axis=2).mean() > np.ptp(neutral.astype(int), axis=2).mean()
    less = prediction.render(Adjustments(saturation=0.5))
    assert np.ptp(less.astype(int), axis=2).mean() < np.ptp(neutral.astype(int), axis=2).mean()
    assert not np.array_equal(prediction.render(Adjustments(hue=120)), neutral)
    assert brightness_colorizer.network_calls == calls


def test_intensity_zero_gives_the_gray_input_exactly(brightness_colorizer):
    gray = np.random.default_rng(5).integers(0, 256, (40, 30), dtype=np.uint8)
    out = brightness_colorizer.predict(gray).render(Adjustments(intensity=0.0))
    np.testing.assert_array_equal(out, np.repeat(gray[..., None], 3, axis=2))


def test_preview_size_fits_the_long_side(brightness_colorizer, photo):
    big = cv2.resize(photo, (1500, 1000))
    preview = brightness_colorizer.predict(big).render(size=300)
    assert preview.shape == (200, 300, 3)


def test_render_size_is_chosen_and_checked(brightness_colorizer, photo):
    for size in (64, 224, 448):
        assert brightness_colorizer.predict(photo, render_size=size).ab.shape == (size // 4, size // 4, 2)
    with pytest.raises(ValueError, match="multiple of 8"):
        brightness_colorizer.predict(photo, render_size=100)


def test_batch_equals_one_at_a_time(brightness_colorizer, photo):
    images = [photo, photo[::2, ::3], np.full((50, 70), 30, np.uint8)]
    batched = brightness_colorizer.predict_many(images)
    for image, prediction in zip(images, batched):
        np.testing.assert_array_equal(prediction.render(), brightness_colorizer.colorize(image))


def test_threads_give_the_same_results_as_one_at_a_time(real_arch_dir, photo):
    colorizer = Colorizer.from_pretrained(real_arch_dir, backend="opencv")
    images = [photo, photo[:300, :400], photo[::-1], np.ascontiguousarray(photo[:, ::-1])]
    sequential = [colorizer.colorize(image) for image in images]
    results: dict[int, np.ndarray] = {}
    errors = []

    def work(index: int) -> None:
        try:
            results[index] = colorizer.colorize(images[index % len(images)])
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for index, result in results.items():
        np.testing.assert_array_equal(result, sequential[index % len(images)])


def opencv_sample_colorize(folder, rgb: np.ndarray) -> np.ndarray:
    """OpenCV's colorization sample, written out here independently of the package."""
    net = cv2.dnn.readNetFromCaffe(str(folder / PROTOTXT_NAME), str(folder / WEIGHTS_NAME))
    pts = np.load(folder / POINTS_NAME).transpose().reshape(2, 313, 1, 1).astype(np.float32)
    net.getLayer(net.getLayerId("class8_ab")).blobs = [pts]
    net.getLayer(net.getLayerId("conv8_313_rh")).blobs = [np.full([1, 313], 2.606, np.float32)]
    h, w = rgb.shape[:2]
    img = rgb.astype(np.float32) / 255.0
    L = cv2.cvtColor(img, cv2.COLOR_RGB2Lab)[:, :, 0]
    small = cv2.resize(img, (224, 224), interpolation=cv2.INTER_LINEAR)
    net.setInput(cv2.dnn.blobFromImage(cv2.cvtColor(small, cv2.COLOR_RGB2Lab)[:, :, 0] - 50))
    ab_small = net.forward()[0, :, :, :].transpose((1, 2, 0))
    ab = cv2.resize(ab_small, (w, h), interpolation=cv2.INTER_LINEAR)
    out = cv2.cvtColor(np.concatenate((L[:, :, np.newaxis], ab), axis=2), cv2.COLOR_Lab2RGB)
    return (255 * np.clip(out, 0, 1)).astype(np.uint8), ab_small


def test_equals_the_opencv_sample_on_the_real_architecture(real_arch_dir, photo, backend_name):
    image = cv2.resize(photo, (701, 433), interpolation=cv2.INTER_CUBIC)
    expected, ab_small = opencv_sample_colorize(real_arch_dir, image)
    assert ab_small.std() > 10  # random weights that really vary over a photo
    colorizer = Colorizer.from_pretrained(real_arch_dir, backend=backend_name)
    out = colorizer.colorize(image)
    assert np.abs(out.astype(int) - expected.astype(int)).mean() <= 1.0
    assert not colorizer.files.released
