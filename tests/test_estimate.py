"""The time a video job will take: the estimate follows every setting that changes the cost."""

from fractions import Fraction

import pytest

from colorization.video import VideoOptions
from colorization.video.estimate import TYPICAL_LOSS, Speeds, expected_keyframes, image_seconds, video_seconds
from colorization.video.ffmpeg import VideoInfo

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


def test_keyframes_follow_the_setting_and_the_loss_of_trust_within_the_interval():
    assert expected_keyframes(240, 1) == 240
    assert expected_keyframes(240, 1, motion=0.0) == 240  # every frame, whatever the motion
    assert expected_keyframes(240, 8, motion=0.0) == pytest.approx(240 / 8 + 1)  # static: the interval decides
    assert expected_keyframes(240, 16, motion=0.0) == pytest.approx(240 / 16 + 1)
    assert expected_keyframes(240, 8, motion=0.02) == pytest.approx(240 / 8 + 1)  # a trusted pan: the same
    assert expected_keyframes(240, 8, motion=0.2) == pytest.approx(240 / 2 + 1)  # a fifth of the picture new each frame
    assert expected_keyframes(240, 8, motion=10.0) == pytest.approx(241)  # nothing carries: every frame
    assert expected_keyframes(240, 8, motion=None) == expected_keyframes(240, 8, motion=TYPICAL_LOSS)


def test_photo_time_grows_with_render_size():
    assert image_seconds(1024, SPEEDS) == pytest.approx(0.14 * (1024 / 224) ** 2)
    assert image_seconds(224, SPEEDS, pixels=12_000_000) > image_seconds(224, SPEEDS)


def test_the_estimate_follows_the_motion_sampled_from_a_real_file(brightness_colorizer, tmp_path):
    from support.media import photo

    from benchmarks import synthetic
    from colorization.video import sample_motion
    from colorization.video.ffmpeg import probe

    size = (320, 240)
    photos = [photo(p) for p in ("coffee", "chelsea", "astronaut")]
    clips = {
        "static": synthetic.static_shots(photos[:1], 48, size),
        "slow pan": synthetic.steady_pan(photos, 48, size, step=2),
        "fast pan": synthetic.steady_pan(photos, 48, size, step=24),  # 7.5% of the picture new each frame
    }
    loss, estimated = {}, {}
    for name, frames in clips.items():
        path = synthetic.write_video(tmp_path / f"{name}.mp4", (synthetic.to_gray(f) for f in frames), Fraction(24),
                                     size)
        info = probe(path)
        loss[name] = sample_motion(path, info, brightness_colorizer)
        estimated[name] = video_seconds(info, VideoOptions(), SPEEDS, loss[name])
        assert video_seconds(info, VideoOptions(keyframes=1), SPEEDS, loss[name]) > estimated[name]
    assert loss["static"] < 0.02 and loss["slow pan"] < 0.05 and 0.05 < loss["fast pan"] < 0.2
    assert estimated["static"] == pytest.approx(estimated["slow pan"], rel=0.01)  # a trusted pan costs no more
    assert estimated["fast pan"] > 1.2 * estimated["slow pan"]
