"""The metrics on cases whose answer is known."""

import numpy as np
import pytest

from benchmarks import metrics


def textured(shift: int = 0) -> np.ndarray:
    rng = np.random.default_rng(0)
    base = (rng.random((90, 130)) * 255).astype(np.uint8)
    import cv2

    base = cv2.GaussianBlur(base, (0, 0), 3)
    base = cv2.normalize(base, None, 0, 255, cv2.NORM_MINMAX)
    return np.repeat(np.roll(base, shift, axis=1)[10:80, 20:110, None], 3, axis=2)


def constant(rgb) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, np.uint8), (70, 90, 3)).copy()


def test_identical_frames_have_zero_warping_error():
    frames = [textured()] * 4
    assert metrics.warping_error(frames, frames) == 0.0


def test_constant_color_under_a_global_shift_is_zero():
    inputs = [textured(3 * t) for t in range(4)]
    outputs = [constant((200, 120, 40))] * 4
    assert metrics.warping_error(outputs, inputs) == pytest.approx(0.0, abs=1e-12)


def test_frame_alternating_color_gives_the_expected_error():
    inputs = [textured()] * 5
    a, b = (200, 100, 50), (180, 130, 50)
    outputs = [constant(a if t % 2 == 0 else b) for t in range(5)]
    expected = sum(((x - y) / 255.0) ** 2 for x, y in zip(a, b))
    assert metrics.warping_error(outputs, inputs) == pytest.approx(expected, rel=1e-4)


def test_moving_content_is_aligned_before_comparing():
    inputs = [textured(2 * t) for t in range(4)]
    assert metrics.warping_error(inputs, inputs) < 1e-3  # the input itself, moving, is consistent (bilinear residue)
    frozen = [inputs[0]] * 4
    assert metrics.warping_error(frozen, inputs) > 10 * metrics.warping_error(inputs, inputs)


def test_cdc_known_answers():
    same = [constant((10, 20, 30))] * 6
    assert metrics.color_distribution_consistency(same) == 0.0
    alternating = [constant((10, 20, 30) if t % 2 == 0 else (200, 210, 220)) for t in range(9)]
    # disjoint histograms at d = 1 (JS = 1 bit), identical at d = 2 and 4
    assert metrics.color_distribution_consistency(alternating) == pytest.approx(1 / 3)


def test_fidelity_metrics():
    truth = [constant((100, 150, 200))] * 2
    assert metrics.psnr(truth, truth) == float("inf")
    off = [constant((101, 151, 201))] * 2
    assert metrics.psnr(off, truth) == pytest.approx(10 * np.log10(255**2), abs=1e-6)
    assert metrics.ab_error(truth, truth) == 0.0
    assert metrics.ab_error([constant((140, 150, 200))] * 2, truth) > 5
