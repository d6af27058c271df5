"""The time a video job will take: the estimate follows every setting that changes the cost."""

from fractions import Fraction

import pytest

from colorization.estimate import Speeds, expected_keyframes, image_seconds, video_seconds
from colorization.ffmpeg import VideoInfo
from colorization.video import VideoOptions

CLIP = VideoInfo(1280, 720, Fraction(24), 10.0, 0, "aac")
SPEEDS = Speeds(network=0.14, render_pixel=7.4e-9)


def seconds(info: VideoInfo = CLIP, motion: float | None = 0.1, **options) -> float:
    return video_seconds(info, VideoOptions(**options), SPEEDS, motion)


def test_the_estimate_moves_the_right_way_with_each_setting():
    base = seconds()
    assert seconds(keyframes=1) > seconds(keyframes=2) > base  # more network runs cost more
    assert seconds(render_size=448) > base > seconds(render_size=112)  # the network's cost grows with its input
    assert seconds(motion=0.5) > base > seconds(motion=0.0)  # motion asks for keyframes sooner
    assert seconds(smoothing=0.0, keyframes=1) < seconds(smoothing=0.85, keyframes=1)  # no smoothing pass
    longer = VideoInfo(1280, 720, Fraction(24), 20.0, 0, "aac")
    bigger = VideoInfo(1920, 1080, Fraction(24), 10.0, 0, "aac")
    assert seconds(longer) == pytest.approx(2 * base, rel=0.01) and seconds(bigger) > base
    faster = Speeds(network=0.05, render_pixel=7.4e-9)
    assert video_seconds(CLIP, VideoOptions(), faster, 0.1) < base  # int8, or a faster machine


def test_keyframes_follow_motion_within_the_interval():
    assert expected_keyframes(240, 1) == 240
    assert expected_keyframes(240, 8, motion=0.0) == pytest.approx(240 / 8 + 1)  # static: the interval decides
    assert expected_keyframes(240, 8, motion=10.0) == pytest.approx(241)  # fast motion: every frame
    assert expected_keyframes(240, 8, motion=None) == pytest.approx(121)  # unknown: a steady pan


def test_photo_time_grows_with_render_size():
    assert image_seconds(1024, SPEEDS) == pytest.approx(0.14 * (1024 / 224) ** 2)
    assert image_seconds(224, SPEEDS, pixels=12_000_000) > image_seconds(224, SPEEDS)
