"""Archive masters: a chosen H.264 quality, and a lossless FFV1-in-Matroska master whose pixels are exactly
the colorized frames; lossless pieces of a long film join into exactly those pixels too."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.media import audio_seconds, decode, make_clip, streams

from colorization import InputError, OutputError
from colorization.video import VideoOptions, colorize_span, colorize_video, pieces
from colorization.video.ffmpeg import count_frames, probe

pytestmark = pytest.mark.slow  # real files through FFmpeg
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clip") / "film.mp4")


def captured(monkeypatch):
    from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter

    written = []
    original = FFMPEG_VideoWriter.write_frame
    monkeypatch.setattr(FFMPEG_VideoWriter, "write_frame", lambda self, frame: written.append(frame.copy())
                        or original(self, frame))
    return written


def test_a_lossless_master_holds_every_pixel_and_the_sound(clip, brightness_colorizer, tmp_path, monkeypatch):
    written = captured(monkeypatch)
    result = colorize_video(clip, tmp_path / "master.mkv", brightness_colorizer, lossless=True)
    info = streams(result.path)
    assert "Input #0, matroska" in info and "Video: ffv1" in info and "Audio: aac" in info
    frames = decode(result.path)
    assert len(frames) == len(written) == 24
    for frame, sent in zip(frames, written):
        np.testing.assert_array_equal(frame, sent)
    assert audio_seconds(result.path) == pytest.approx(audio_seconds(clip), abs=0.03)
    lossy = decode(colorize_video(clip, tmp_path / "lossy.mp4", brightness_colorizer).path)
    assert np.abs(lossy[5].astype(int) - written[5].astype(int)).mean() > 0.3  # the check can fail: H.264 loses


def test_quality_sets_the_h264_loss(clip, brightness_colorizer, tmp_path):
    sizes = {crf: colorize_video(clip, tmp_path / f"q{crf}.mp4", brightness_colorizer, crf=crf).path.stat().st_size
             for crf in (10, 18, 35)}
    assert sizes[10] > sizes[18] > sizes[35]
    assert "Video: h264 (High)" in streams(tmp_path / "q35.mp4")


@pytest.mark.parametrize("kwargs, error, words", [
    ({"lossless": True}, OutputError, "must end in .mkv"),
    ({"crf": 52}, InputError, "from 0 \\(lossless\\) to 51"),
    ({"crf": -1}, InputError, "from 0 \\(lossless\\) to 51"),
    ({"crf": 18.5}, InputError, "whole number"),
    ({"crf": True}, InputError, "whole number"),
])
def test_bad_encoding_settings_are_refused_before_any_work(clip, fixed_colorizer, tmp_path, kwargs, error, words):
    with pytest.raises(error, match=words):
        colorize_video(clip, tmp_path / "out.mp4", fixed_colorizer, **kwargs)
    assert not list(tmp_path.iterdir())


def test_lossless_pieces_join_into_exactly_their_pixels(clip, brightness_colorizer, tmp_path):
    info = probe(clip)
    options = VideoOptions(lossless=True)
    plan = pieces.plan(info.frame_count, [12], piece_frames=5, warmup=3)
    paths = []
    for piece in plan:
        paths.append(colorize_span(clip, tmp_path / f"piece{piece.index}.mkv", brightness_colorizer, piece.span,
                                   options).path)
    pieces.join(paths, clip, info, tmp_path / "joined.mkv", lossless=True)
    joined = decode(tmp_path / "joined.mkv")
    parts = [frame for path in paths for frame in decode(path)]
    assert len(joined) == len(parts) == 24 == count_frames(tmp_path / "joined.mkv")
    for a, b in zip(joined, parts):
        np.testing.assert_array_equal(a, b)
    assert probe(tmp_path / "joined.mkv").has_audio


def cli(*args):
    return subprocess.run([sys.executable, "-m", "colorization", *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=600)


def test_the_command_line_writes_masters_and_refuses_mixed_settings(clip, brightness_dir, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    done = cli("video", clip, "-o", folder, "--lossless", "--model", brightness_dir, "-q")
    assert done.returncode == 0, done.stderr
    assert "Video: ffv1" in streams(folder / "film.mkv") and count_frames(folder / "film.mkv") == 24
    done = cli("video", clip, "-o", tmp_path / "q.mp4", "--quality", "30", "--model", brightness_dir, "-q")
    assert done.returncode == 0 and (tmp_path / "q.mp4").stat().st_size > 0
    for extra, words in ((["--lossless", "--quality", "10"], "give one or the other"),
                         (["--quality", "99"], "from 0 (lossless) to 51"),
                         (["--lossless", "-o", tmp_path / "m.mp4"], "must end in .mkv")):
        args = ["video", clip, "--model", tmp_path / "no-model-here", "-q", *extra]
        if "-o" not in extra:
            args += ["-o", tmp_path / "x.mp4" if "--lossless" not in extra else tmp_path / "x.mkv"]
        done = cli(*args)
        assert done.returncode == 2 and words in done.stderr, done.stderr  # said before the model is looked for
    assert json.dumps(sorted(p.name for p in tmp_path.iterdir())) == json.dumps(["out", "q.mp4"])
