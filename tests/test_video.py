"""The video path end to end on real MP4 files: nothing lost, steady colors, clean failures."""

import os
import subprocess
from fractions import Fraction

import numpy as np
import pytest
from support.media import (
    audio_seconds,
    damaged_in_the_middle,
    decode,
    frame_times,
    is_faststart,
    lying_duration,
    make_clip,
    streams,
)

from colorization import Adjustments, Cancelled, InputError, OutputError, color
from colorization.video import VideoLimits, colorize_video
from colorization.video.ffmpeg import ffmpeg_exe, probe

pytestmark = pytest.mark.slow  # every test here encodes real MP4 files


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clip") / "film.mp4")


def test_frames_rate_audio_and_browser_format_are_kept(clip, brightness_colorizer, tmp_path):
    out = tmp_path / "colorized.mp4"
    result = colorize_video(clip, out, brightness_colorizer)
    assert result.path == out and result.frames == 24
    info = streams(out)
    assert "Video: h264 (High)" in info and "yuv420p" in info and "320x240" in info
    assert "Audio: aac" in info
    assert frame_times(out) == pytest.approx([t / 25 for t in range(24)], abs=1e-3)
    assert audio_seconds(out) == pytest.approx(audio_seconds(clip), abs=0.03)
    assert is_faststart(out)  # the index first: browsers play while loading
    assert not is_faststart(clip)  # the check can fail: the test clip is written without +faststart
    frames = decode(out)
    assert len(frames) == 24 and np.ptp(frames[5].astype(int), axis=2).mean() > 5  # it has color


@pytest.mark.parametrize("fps", [Fraction(30000, 1001), Fraction(24000, 1001)])
def test_non_integer_rates_are_written_exactly(fps, brightness_colorizer, tmp_path):
    source = make_clip(tmp_path / "ntsc.mp4", frames_per_shot=45, fps=fps, photos=("chelsea",))
    out = colorize_video(source, tmp_path / "out.mp4", brightness_colorizer).path
    assert probe(out).fps == fps
    times = frame_times(out)
    assert len(times) == 45
    assert times[-1] == pytest.approx(44 / float(fps), abs=2e-4)  # no drift from a rounded rate


def test_odd_sizes_are_cropped_by_one_pixel(brightness_colorizer, tmp_path):
    source = make_clip(tmp_path / "odd.mp4", size=(641, 359), frames_per_shot=6, audio=False)
    out = colorize_video(source, tmp_path / "out.mp4", brightness_colorizer).path
    info = streams(out)
    assert "640x358" in info and "yuv420p" in info and "High" in info
    assert "Audio" not in info


def test_a_rotated_phone_video_comes_out_upright(brightness_colorizer, tmp_path):
    source = make_clip(tmp_path / "phone.mp4", frames_per_shot=6, rotate=90, photos=("rocket",))
    assert probe(source).rotation in (90, 270) and (probe(source).width, probe(source).height) == (240, 320)
    out = colorize_video(source, tmp_path / "out.mp4", brightness_colorizer).path
    assert "240x320" in streams(out) and probe(out).rotation == 0
    shown, result = decode(source), decode(out)
    diff = np.abs(color.lightness(result[3]) - color.lightness(shown[3])).mean()
    upside_down = np.abs(color.lightness(result[3]) - color.lightness(shown[3][::-1, ::-1])).mean()
    assert diff < 4.0 and diff < upside_down / 3  # same picture, same way up (codec loss aside)


def test_variable_frame_rate_keeps_audio_in_sync(brightness_colorizer, tmp_path):
    cfr = make_clip(tmp_path / "cfr.mp4", frames_per_shot=24, fps=24, photos=("coffee",))
    vfr = tmp_path / "vfr.mp4"
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(cfr), "-vf",
                    "setpts='if(lt(N,12),N/16,0.75+(N-12)/48)/TB'", "-fps_mode", "vfr", "-c:v", "libx264",
                    "-preset", "ultrafast", "-c:a", "copy", str(vfr)], check=True)
    out = colorize_video(vfr, tmp_path / "out.mp4", brightness_colorizer).path
    times = frame_times(out)
    step = 1 / float(probe(out).fps)
    assert times[-1] + step == pytest.approx(audio_seconds(out), abs=2.5 * step)
    assert audio_seconds(out) == pytest.approx(audio_seconds(vfr), abs=0.03)


def test_strength_zero_every_frame_equals_the_image_pipeline(clip, brightness_colorizer, tmp_path, monkeypatch):
    from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter

    written = []
    original = FFMPEG_VideoWriter.write_frame
    monkeypatch.setattr(FFMPEG_VideoWriter, "write_frame",
                        lambda self, frame: written.append(frame) or original(self, frame))
    out = colorize_video(clip, tmp_path / "out.mp4", brightness_colorizer, smoothing=0.0, keyframe_interval=1)
    assert out.network_frames == 24 and len(written) == 24
    for sent, source in zip(written, decode(clip)):
        np.testing.assert_array_equal(sent, brightness_colorizer.colorize(source))  # exactly, before encoding
    decoded = decode(out.path)
    for index in (5, 15, 23):
        same = np.abs(decoded[index].astype(int) - written[index].astype(int)).mean()
        neighbour = np.abs(decoded[index].astype(int) - written[index - 1].astype(int)).mean()
        assert same < 6.0 and same < neighbour / 2  # encoded in order; H.264 4:2:0 loses a few levels


def test_adjustments_apply_to_every_frame(clip, brightness_colorizer, tmp_path):
    out = colorize_video(clip, tmp_path / "gray.mp4", brightness_colorizer, Adjustments(intensity=0.0)).path
    assert max(np.ptp(frame.astype(int), axis=2).mean() for frame in decode(out)) < 1.5


def test_progress_names_each_stage_and_never_goes_back(clip, brightness_colorizer, tmp_path):
    seen = []
    colorize_video(clip, tmp_path / "ok.mp4", brightness_colorizer, progress=seen.append)
    assert seen[0].stage == "colorizing" and seen[-1].stage == "writing"
    assert sorted({s.stage for s in seen}, key=[x.stage for x in seen].index) == ["colorizing", "smoothing", "writing"]
    fractions = [s.fraction for s in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert {s.total for s in seen if s.stage != "smoothing"} == {24}  # the total never moves
    assert seen[-1].seconds_left == pytest.approx(0.0) and all(s.seconds_left is not None for s in seen)
    texts = [s.describe() for s in seen]
    assert "Colorizing frame 1 of 24" in texts and "Colorizing frame 24 of 24" in texts
    assert "Writing frame 12 of 24" in texts and texts[-1] == "Writing the video"


def test_cancel_leaves_nothing_behind(clip, brightness_colorizer, tmp_path):
    (tmp_path / "cancel").mkdir()
    calls = []
    with pytest.raises(Cancelled):
        colorize_video(clip, tmp_path / "cancel" / "out.mp4", brightness_colorizer,
                       cancel=lambda: calls.append(1) or len(calls) > 30)
    assert list((tmp_path / "cancel").iterdir()) == []


def test_limits_refuse_before_any_work(clip, brightness_colorizer, tmp_path):
    calls = brightness_colorizer.network_calls
    with pytest.raises(InputError, match="the limit is 0 s"):
        colorize_video(clip, tmp_path / "out.mp4", brightness_colorizer, limits=VideoLimits(max_seconds=0.5))
    with pytest.raises(InputError, match=r"the limit is 0\.1 megapixels"):
        colorize_video(clip, tmp_path / "out.mp4", brightness_colorizer, limits=VideoLimits(max_pixels=60_000))
    with pytest.raises(InputError, match="25 frames a second; the limit is 24"):
        colorize_video(clip, tmp_path / "out.mp4", brightness_colorizer, limits=VideoLimits(max_fps=24))
    with pytest.raises(InputError, match="24 frames; the limit is 10"):
        colorize_video(clip, tmp_path / "out.mp4", brightness_colorizer, limits=VideoLimits(max_frames=10))
    assert brightness_colorizer.network_calls == calls
    assert not (tmp_path / "out.mp4").exists()


def test_a_header_that_lies_about_the_length_is_caught_while_decoding(brightness_colorizer, tmp_path):
    honest = make_clip(tmp_path / "long.mp4", frames_per_shot=50, size=(64, 48), audio=False)
    liar = lying_duration(honest, tmp_path / "liar.mp4", seconds=0.4)  # says 10 frames, holds 100
    assert probe(liar).frame_count == 10
    with pytest.raises(InputError, match="holds more frames than its header declares"):
        colorize_video(liar, tmp_path / "out.mp4", brightness_colorizer, limits=VideoLimits(max_seconds=60))
    assert not (tmp_path / "out.mp4").exists()
    everything = colorize_video(liar, tmp_path / "all.mp4", brightness_colorizer)  # no limits: the library serves it
    assert everything.frames == 100


def test_damage_inside_the_video_is_reported_as_a_warning(brightness_colorizer, tmp_path):
    whole = make_clip(tmp_path / "whole.mp4", frames_per_shot=40)
    damaged = damaged_in_the_middle(whole, tmp_path / "damaged.mp4")
    result = colorize_video(damaged, tmp_path / "out.mp4", brightness_colorizer)
    assert result.frames == 80 and len(result.warnings) == 1 and "damaged in places" in result.warnings[0]
    assert colorize_video(whole, tmp_path / "clean.mp4", brightness_colorizer).warnings == ()


def test_outputs_never_replace_the_input_or_an_existing_file(clip, brightness_colorizer, tmp_path):
    calls = brightness_colorizer.network_calls
    before = clip.read_bytes()
    with pytest.raises(OutputError, match="is one of the inputs"):
        colorize_video(clip, clip, brightness_colorizer, overwrite=True)
    existing = tmp_path / "existing.mp4"
    existing.write_bytes(b"mine")
    with pytest.raises(OutputError, match="exists"):
        colorize_video(clip, existing, brightness_colorizer)
    with pytest.raises(OutputError, match="does not exist"):
        colorize_video(clip, tmp_path / "missing" / "out.mp4", brightness_colorizer)
    with pytest.raises(OutputError, match="must end in"):
        colorize_video(clip, tmp_path / "out.txt", brightness_colorizer)
    assert brightness_colorizer.network_calls == calls and clip.read_bytes() == before
    assert existing.read_bytes() == b"mine"
    colorize_video(clip, existing, brightness_colorizer, overwrite=True)
    assert len(frame_times(existing)) == 24


def test_the_video_file_gets_the_usual_permissions(clip, brightness_colorizer, tmp_path):
    old = os.umask(0o022)
    try:
        out = colorize_video(clip, tmp_path / "out.mp4", brightness_colorizer).path
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]  # no partial file left


def test_truncated_video_is_reported_not_frozen(brightness_colorizer, tmp_path):
    source = make_clip(tmp_path / "whole.mp4", frames_per_shot=30)
    fast = tmp_path / "fast.mp4"
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(source), "-c", "copy", "-movflags",
                    "+faststart", str(fast)], check=True)
    data = fast.read_bytes()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(data[: len(data) * 6 // 10])
    with pytest.raises(InputError, match="damaged"):
        colorize_video(broken, tmp_path / "out.mp4", brightness_colorizer)
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize("content", [b"", b"<html>not a video</html>", b"hello" * 100])
def test_non_videos_are_refused(content, brightness_colorizer, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(InputError):
        colorize_video(bad, tmp_path / "out.mp4", brightness_colorizer)


def test_audio_only_file_is_refused(brightness_colorizer, tmp_path):
    audio = tmp_path / "sound.m4a"
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac",
                    str(audio)], check=True)
    with pytest.raises(InputError, match="no video stream"):
        colorize_video(audio, tmp_path / "out.mp4", brightness_colorizer)


def test_sound_that_outlasts_the_picture_is_not_damage(brightness_colorizer, tmp_path):
    from support.media import photo

    from benchmarks import synthetic

    frames = [synthetic.to_gray(f) for f in synthetic.camera_move(photo("coffee"), 25, (160, 120))]
    source = synthetic.write_video(tmp_path / "long-sound.mp4", frames, 25, (160, 120), audio_seconds=2.0)
    result = colorize_video(source, tmp_path / "out.mp4", brightness_colorizer)
    assert result.frames == 25
    assert audio_seconds(result.path) == pytest.approx(2.0, abs=0.05)


def test_audio_browsers_cannot_play_is_encoded_to_aac(brightness_colorizer, tmp_path):
    from support.media import photo

    from benchmarks import synthetic

    frames = [synthetic.to_gray(f) for f in synthetic.camera_move(photo("coffee"), 10, (160, 120))]
    silent = synthetic.write_video(tmp_path / "silent.mp4", frames, 25, (160, 120))
    pcm = tmp_path / "pcm.mov"
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(silent), "-f", "lavfi", "-i",
                    "sine=duration=0.4", "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "pcm_s16le", str(pcm)],
                   check=True)
    assert probe(pcm).audio_codec == "pcm_s16le"
    out = colorize_video(pcm, tmp_path / "out.mp4", brightness_colorizer).path
    assert "Audio: aac" in streams(out)


def test_memory_stays_flat_as_the_video_gets_longer(brightness_dir, tmp_path):
    """Peak memory of a whole process for a clip and one eight times longer (measured apart).

    One process's peak varies by up to 80 MB between runs of the same clip (210 to 290 MB seen), so the
    long clip is long enough that keeping even one 8-bit gray frame per frame would pass the margin."""
    from benchmarks.memory import video_job_peak_mb

    peaks, frames = [], []
    for shots in (40, 320):
        clip = make_clip(tmp_path / f"clip{shots}.mp4", frames_per_shot=shots, size=(640, 360))
        peaks.append(video_job_peak_mb(brightness_dir, clip, tmp_path / f"out{shots}.mp4"))
        frames.append(2 * shots)
    print(f"peak RSS, short then 8x longer clip: {peaks[0]:.0f} MB, {peaks[1]:.0f} MB")
    gray_frames_mb = (frames[1] - frames[0]) * 640 * 360 / 2**20
    assert gray_frames_mb > 100
    assert peaks[1] < peaks[0] + 100, peaks
