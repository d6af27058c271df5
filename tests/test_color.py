"""The color math alone: no model, no files."""

import cv2
import numpy as np
import pytest

from colorization import color
from colorization.color import Adjustments


def test_hue_wraps_so_360_is_zero():
    assert color.normalize_hue(360) == 0.0
    assert color.normalize_hue(-360) == 0.0
    assert color.normalize_hue(180) == -180.0
    assert color.normalize_hue(90 + 720) == 90.0


def test_chroma_neutral_is_the_same_array():
    ab = np.random.default_rng(0).normal(0, 30, (8, 8, 2)).astype(np.float32)
    assert color.adjust_chroma(ab) is ab
    assert color.adjust_chroma(ab, 1.0, 360.0) is ab


def test_chroma_intensity_and_rotation_algebra():
    ab = np.array([[[10.0, 20.0]]], np.float32)
    np.testing.assert_array_equal(color.adjust_chroma(ab, 0.0), np.zeros_like(ab))
    np.testing.assert_allclose(color.adjust_chroma(ab, 2.0), 2 * ab)
    np.testing.assert_allclose(color.adjust_chroma(ab, 1.0, 90.0), [[[-20.0, 10.0]]], atol=1e-5)
    np.testing.assert_allclose(color.adjust_chroma(ab, 1.0, -180.0), -ab, atol=1e-5)
    twice = color.adjust_chroma(color.adjust_chroma(ab, 1.0, 30.0), 1.0, 30.0)
    np.testing.assert_allclose(twice, color.adjust_chroma(ab, 1.0, 60.0), atol=1e-4)


def test_saturation_matches_hsv_with_s_clipped_at_one():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    hsv_in = cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2HSV)
    for factor in (0.0, 0.5, 1.7):
        out = color.scale_saturation(rgb, factor)
        assert out.dtype == np.uint8 and out.shape == rgb.shape
        hsv_out = cv2.cvtColor(out.astype(np.float32) / 255, cv2.COLOR_RGB2HSV)
        np.testing.assert_array_equal(out.max(axis=2), rgb.max(axis=2))  # value kept exactly
        bright = hsv_in[..., 2] > 0.2
        expected_s = np.minimum(1.0, hsv_in[..., 1] * factor)
        assert np.abs(hsv_out[..., 1] - expected_s)[bright].max() < 1.5 / (255 * 0.2)
        if factor == 0.0:
            continue
        colored = bright & (hsv_out[..., 1] > 0.2)
        hue_diff = np.abs(hsv_out[..., 0] - hsv_in[..., 0])[colored]
        assert np.minimum(hue_diff, 360 - hue_diff).max() < 3.0  # one level of rounding, at worst
    assert color.scale_saturation(rgb, 1.0) is rgb


def test_saturation_is_within_a_level_of_the_float_formula():
    rgb = np.random.default_rng(7).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    f = rgb.astype(np.float64) / 255
    value, low = f.max(axis=2, keepdims=True), f.min(axis=2, keepdims=True)
    for factor in (0.3, 1.4):
        k = np.minimum(factor, np.where(value - low > 0, value / np.maximum(value - low, 1e-12), factor))
        expected = np.rint(np.clip(value - k * (value - f), 0, 1) * 255)
        assert np.abs(color.scale_saturation(rgb, factor).astype(int) - expected).max() <= 1


def test_zero_saturation_is_gray():
    rgb = np.random.default_rng(2).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    out = color.scale_saturation(rgb, 0.0)
    assert np.ptp(out.astype(int), axis=2).max() == 0


def test_compose_clips_never_wraps():
    L = np.full((2, 2), 95.0, np.float32)
    ab = np.full((2, 2, 2), 127.0, np.float32)  # far outside sRGB at this lightness
    rgb = color.compose(L, ab)
    assert rgb.min() >= 0.0 and rgb.max() <= 1.0
    out = color.to_uint8(rgb)
    assert out[0, 0, 0] == 255 and out[0, 0, 2] < 128  # saturated red-yellow, not wrapped to dark


def test_gray_levels_round_trip_exactly():
    gray = np.arange(256, dtype=np.uint8).reshape(16, 16)
    rgb = np.repeat(gray[..., None], 3, axis=2)
    out = color.to_uint8(color.compose(color.lightness(rgb), np.zeros((16, 16, 2), np.float32)))
    np.testing.assert_array_equal(out, rgb)


@pytest.mark.parametrize("kwargs", [{"intensity": -0.1}, {"intensity": 2.5}, {"saturation": 3}, {"hue": float("nan")}])
def test_adjustments_out_of_range_are_refused(kwargs):
    with pytest.raises(ValueError, match="must be"):
        Adjustments(**kwargs)
