"""Keyframes chosen by trust in the carried colors, on generated clips whose motion is known (no network)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from support.media import photo

from benchmarks import synthetic
from colorization import color
from colorization.video import keyframes, temporal

SIZE = (224, 224)  # the network's input; flow is measured at half of it, colors at a quarter
AB = (56, 56)
PHOTOS = ("coffee", "chelsea", "astronaut")


def flow_L(frame: np.ndarray) -> np.ndarray:
    """The lightness the video job measures flow on: half the network's size, uint8."""
    return cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), (112, 112), interpolation=cv2.INTER_AREA)


def flows_of(frames: list[np.ndarray]) -> list[temporal.PairFlow | None]:
    small = [flow_L(f) for f in frames]
    return [None] + [temporal.pair_flow(small[t - 1], small[t], AB) for t in range(1, len(small))]


def pan(step: int, frames: int = 24) -> list[np.ndarray]:
    """Content moves left by `step` network-input pixels a frame; new content enters at the right edge."""
    return list(synthetic.steady_pan([photo(p) for p in PHOTOS], frames, SIZE, step))


def static(frames: int = 24) -> list[np.ndarray]:
    return list(synthetic.static_shots([photo("coffee")], frames, SIZE))


def keys(flags: list[bool]) -> list[int]:
    return [t for t, flag in enumerate(flags) if flag]


def test_a_pan_along_trusted_flow_needs_no_more_network_runs_than_a_static_shot():
    moving = flows_of(pan(step=4))  # 1 a/b-grid pixel a frame: the old rule (0.4 px in all) asked for every frame
    assert all(f is not None and not f.is_cut for f in moving[1:])
    assert min(f.motion for f in moving[1:]) > 0.8
    assert keys(keyframes.choose(moving, 8)) == keys(keyframes.choose(flows_of(static()), 8)) == [0, 8, 16, 23]


def test_new_content_entering_at_the_edge_is_not_trusted_and_calls_keyframes_sooner():
    frames = pan(step=24)  # 6 a/b-grid pixels of new content a frame, about a tenth of the picture
    flows = flows_of(frames)
    trust = keyframes.carry_trust(np.ones(AB, np.float32), flows[1])
    assert trust[:, -5:].max() < keyframes.TRACED  # what entered at the right was never in the frame before
    assert trust[:, 5:40].mean() > 0.9  # the rest was carried
    assert 0.08 < keyframes.trust_loss(flows[1]) < 0.2
    found = keys(keyframes.choose(flows, 8))
    gaps = np.diff(found)
    assert max(gaps) <= 4 and len(found) > len(keys(keyframes.choose(flows_of(pan(step=4)), 8)))


@pytest.mark.parametrize("step", [4, 12, 24])
def test_a_steady_pan_loses_trust_only_in_the_strip_that_enters(step):
    flows = flows_of(pan(step=step, frames=5))  # 1 to 6 a/b-grid pixels a frame
    entering = step / SIZE[0]
    losses = [keyframes.trust_loss(f) for f in flows[1:]]
    assert all(abs(loss - entering) < 0.012 for loss in losses), (entering, losses)  # nothing else is doubted


def test_content_uncovered_or_replaced_inside_the_picture_calls_a_keyframe():
    still = static(12)
    changed = [f.copy() for f in still]
    door = cv2.resize(photo("astronaut"), (120, 224))  # a door opens: half the picture shows what was not there
    for frame in changed[6:]:
        frame[:, :120] = synthetic.to_gray(door)
    flows = flows_of(changed)
    assert not flows[6].is_cut  # not a new shot: the other half stays
    assert keys(keyframes.choose(flows, 8)) == [0, 6, 8, 11]
    assert keys(keyframes.choose(flows_of(still), 8)) == [0, 8, 11]


def test_entering_content_takes_the_next_keyframes_colors_not_a_smear_of_the_edge():
    frames = pan(step=8, frames=9)  # 2 a/b-grid pixels a frame enter at the right
    truth = [cv2.resize(color.rgb_to_lab(f)[..., 1:], AB, interpolation=cv2.INTER_AREA) for f in frames]
    flows = flows_of([synthetic.to_gray(f) for f in frames])
    only_ends = [truth[0]] + [None] * 7 + [truth[8]]
    out = temporal.smooth(only_ends, flows)
    forward_only = truth[0]
    for t in range(1, 5):
        forward_only = temporal.warp(forward_only, flows[t].to_prev)
    entered = np.s_[:, -8:]  # 8 columns entered between frames 0 and 4
    error = np.abs(out[4][entered] - truth[4][entered]).mean()
    assert error < 0.5 * np.abs(forward_only[entered] - truth[4][entered]).mean()
    assert error < 3.0 and np.abs(out[4] - truth[4]).mean() < 3.0  # a/b units: the colors are right everywhere


def test_every_frame_is_a_keyframe_at_interval_one_and_a_piece_chooses_as_the_whole_film():
    flows = flows_of(pan(step=24))
    assert all(keyframes.choose(flows, 1))
    whole = keyframes.KeyframeChooser(8)
    chosen = [k for f in flows for k in whole.next(f)]
    piece = keyframes.KeyframeChooser(8, first_index=5)  # a piece starting at frame 5 of the same film
    from_piece = [k + 5 for f in [None] + flows[6:] for k in piece.next(f)]
    assert [k for k in from_piece if k >= 8] == [k for k in chosen if k >= 8]


def test_the_interval_must_be_positive():
    with pytest.raises(ValueError, match="1 or more"):
        keyframes.KeyframeChooser(0)
