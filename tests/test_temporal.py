"""Flow-guided smoothing alone, on simulated predictions with known ground truth (no network)."""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from support.media import photo

from benchmarks import metrics, synthetic
from colorization.video import temporal

AB = (56, 56)
ROOT = Path(__file__).resolve().parents[1]


def simulate(frames_per_shot: int = 16, photos=("astronaut",)):
    return synthetic.simulated_predictions([photo(p) for p in photos], frames_per_shot)


render = synthetic.render_predictions


@pytest.fixture(scope="module")
def simulated():
    return simulate()


def test_smoothing_steadies_colors_and_moves_closer_to_the_truth(simulated):
    truth_rgb, gray, predictions, flows = simulated
    raw = render(gray, predictions)
    smoothed = render(gray, temporal.smooth(predictions, flows))
    raw_error, smooth_error = metrics.warping_error(raw, gray), metrics.warping_error(smoothed, gray)
    assert smooth_error < raw_error / 4
    assert metrics.psnr(smoothed, truth_rgb) > metrics.psnr(raw, truth_rgb) + 1.0


def test_a_frozen_filter_would_fail_the_fidelity_check(simulated):
    truth_rgb, gray, predictions, _ = simulated
    raw = render(gray, predictions)
    frozen = render(gray, [predictions[0]] * len(predictions))
    assert metrics.warping_error(frozen, gray) < metrics.warping_error(raw, gray)  # steady...
    assert metrics.psnr(frozen, truth_rgb) < metrics.psnr(raw, truth_rgb)  # ...but wrong: caught


def test_strength_zero_is_the_identity(simulated):
    _, _, predictions, flows = simulated
    out = temporal.smooth(predictions, flows, strength=0.0)
    for got, expected in zip(out, predictions):
        np.testing.assert_array_equal(got, expected)


def test_no_color_crosses_a_cut():
    *_, flows = simulate(frames_per_shot=8, photos=("astronaut", "coffee"))
    assert [t for t, f in enumerate(flows) if f is not None and f.is_cut] == [8]
    red, green = np.array([60.0, 10.0], np.float32), np.array([-50.0, 40.0], np.float32)
    predictions = [np.broadcast_to(red if t < 8 else green, AB + (2,)).copy() for t in range(16)]
    out = temporal.smooth(predictions, flows)
    for t in range(16):
        np.testing.assert_allclose(out[t], predictions[t], atol=1e-4)


def test_frames_between_keyframes_are_filled_from_both_sides(simulated):
    truth_rgb, gray, predictions, flows = simulated
    every_other = [p if t % 2 == 0 or t == len(predictions) - 1 else None for t, p in enumerate(predictions)]
    out = temporal.smooth(every_other, flows)
    assert all(o is not None for o in out)
    full = metrics.psnr(render(gray, temporal.smooth(predictions, flows)), truth_rgb)
    assert metrics.psnr(render(gray, out), truth_rgb) > full - 1.0


def test_a_shot_must_start_with_a_prediction(simulated):
    *_, predictions, flows = simulated
    with pytest.raises(ValueError, match="starts a shot"):
        temporal.smooth([None] + list(predictions[1:]), flows)


def test_a_round_trip_within_half_a_color_cell_carries_colors_an_occlusion_does_not():
    there = np.zeros((8, 8, 2), np.float32)
    there[..., 0] = 3.0  # 3 flow pixels right
    back = -there
    near = back.copy()
    near[..., 0] += 0.9  # the way back misses home by 0.9 flow pixels: under half an a/b-grid cell
    occluded = there.copy()  # the way back goes on instead: the pixel was covered in the other frame
    assert temporal.consistent(there, back).all() and temporal.consistent(there, back, temporal.CARRY_ROUND_TRIP).all()
    assert not temporal.consistent(there, near).any()  # too strict for colors: kept only as the cut statistic
    assert temporal.consistent(there, near, temporal.CARRY_ROUND_TRIP).all()
    assert not temporal.consistent(there, occluded, temporal.CARRY_ROUND_TRIP).any()


_NARROW_FLOW = """
import sys
import cv2
import numpy as np
from colorization.video import temporal
height, width, preset, fine = map(int, sys.argv[1:])
picture = cv2.GaussianBlur((np.random.default_rng(0).random((height, width + 3)) * 255).astype(np.uint8), (7, 7), 0)
flow = temporal.dis_flow(picture[:, 3:], picture[:, :-3], preset, fine or None)
print(flow.shape, float(np.median(flow[..., 0])))
"""


@pytest.mark.parametrize("height, width", [(12, 40), (9, 128), (20, 256), (4, 64)])
@pytest.mark.parametrize("preset, fine", [(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, 0), (cv2.DISOPTICAL_FLOW_PRESET_FAST, 0),
                                          (cv2.DISOPTICAL_FLOW_PRESET_FAST, 1)])
def test_a_narrow_picture_gets_its_flow_where_opencv_s_dis_alone_would_kill_the_process(height, width, preset, fine):
    """A film three hundred times wider than high gives such hint grids; each shape here crashed or was refused
    by cv2.DISOpticalFlow on its own (the shapes where it does are listed at `temporal.MIN_FLOW_SIDE`)."""
    done = subprocess.run([sys.executable, "-c", _NARROW_FLOW, str(height), str(width), str(preset), str(fine)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-500:]
    shape, moved = done.stdout.split(")")
    assert shape == f"({height}, {width}, 2" and abs(float(moved) - 3) < 0.5  # src(x) is dst(x + 3)
