"""The command line as a user runs it: a real process, real files, exit codes and messages."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.media import frame_times, make_clip, streams

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # real processes, real MP4 files


def run(*args, model=None, timeout=300):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if model is not None:
        env["COLORIZATION_MODEL"] = str(model)
    return subprocess.run([sys.executable, "-m", "colorization", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_help_and_version_are_instant():
    done = run("--help")
    assert done.returncode == 0 and "image" in done.stdout and "video" in done.stdout
    assert run("--version").stdout.startswith("colorize 0.")


def test_images_and_folders(brightness_dir, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((20, 30), 90, np.uint8)).save(folder / "a.png")
    Image.fromarray(np.full((15, 10, 3), 200, np.uint8)).save(folder / "b.jpg")
    single = tmp_path / "c.png"
    Image.fromarray(np.full((5, 5), 10, np.uint8)).save(single)
    done = run("image", folder, single, "-o", tmp_path / "out", "--intensity", "1.5", "-q", model=brightness_dir)
    assert done.returncode == 0, done.stderr
    outputs = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert outputs == ["a.png", "b.png", "c.png"]
    colored = np.asarray(Image.open(tmp_path / "out" / "a.png"))
    assert colored.shape == (20, 30, 3) and np.ptp(colored.astype(int), axis=2).min() > 10


def test_a_bad_image_fails_with_a_message_and_exit_code(brightness_dir, tmp_path):
    bad = tmp_path / "fake.jpg"
    bad.write_text("not an image")
    done = run("image", bad, "-o", tmp_path / "out", "-q", model=brightness_dir)
    assert done.returncode == 1
    assert "fake.jpg: This file is not an image" in done.stderr and "Traceback" not in done.stderr


def test_video_with_progress(brightness_dir, tmp_path):
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=8)
    done = run("video", clip, "-o", tmp_path / "out.mp4", "--smoothing", "0.5", "--keyframes", "1",
               model=brightness_dir)
    assert done.returncode == 0, done.stderr
    assert "16 frames at 25 fps" in done.stdout and "frame" in done.stderr  # tqdm draws on stderr
    assert len(frame_times(tmp_path / "out.mp4")) == 16 and "Audio: aac" in streams(tmp_path / "out.mp4")


def test_errors_exit_non_zero_with_a_clear_message(brightness_dir, tmp_path):
    done = run("video", tmp_path / "missing.mp4", "-o", tmp_path / "out.mp4", model=brightness_dir)
    assert done.returncode == 2 and "error: The video file is empty or missing." in done.stderr
    done = run("image", tmp_path, "-o", tmp_path / "out", "--saturation", "5", model=brightness_dir)
    assert done.returncode == 2 and "saturation must be between 0 and 2" in done.stderr
    done = run("image", tmp_path, "-o", tmp_path / "out", model=tmp_path / "no-model-here")
    assert done.returncode == 2 and "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_the_installed_console_script(brightness_dir, tmp_path):
    import shutil

    script = shutil.which("colorize") or str(Path(sys.executable).parent / "colorize")
    assert Path(script).exists(), "pip install . provides the `colorize` command"
    done = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("colorize ")


def test_hints_from_a_file_color_the_hinted_region(tmp_path):
    import json

    from support import models

    neutral = models.fixed_color_model(tmp_path / "neutral", ab=(0, 0))
    photo = np.full((60, 90), 80, np.uint8)
    photo[:, 45:] = 190
    Image.fromarray(photo).save(tmp_path / "two.png")
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps([{"points": [[0.2, 0.5], [0.3, 0.5]], "color": "#2050ff", "size": 0.1}]))
    done = run("image", tmp_path / "two.png", "-o", tmp_path / "out", "--hints", hints, "-q", model=neutral)
    assert done.returncode == 0, done.stderr
    out = np.asarray(Image.open(tmp_path / "out" / "two.png")).astype(int)
    left, right = out[:, :40], out[:, 50:]
    assert (left[..., 2] - left[..., 0]).mean() > 20 and np.ptp(right, axis=2).max() <= 2  # blue left, gray right
    hints.write_text('[{"points": [[1.5, 0.5]], "color": "#2050ff"}]')
    done = run("image", tmp_path / "two.png", "-o", tmp_path / "out2", "--hints", hints, model=neutral)
    assert done.returncode == 2 and "lies outside the photo" in done.stderr and not (tmp_path / "out2").exists()
    for hostile, said in ((Path("/dev/zero"), "larger than 4 MB"), (tmp_path, "Cannot read the hints file"),
                          (tmp_path / "missing.json", "Cannot read the hints file"), (ROOT / "examples" / "images" /
                          "coins.png", "Cannot read the hints file")):  # endless, a folder, missing, not text
        done = run("image", tmp_path / "two.png", "-o", tmp_path / "out3", "--hints", hostile, model=neutral,
                   timeout=60)
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, (hostile, done.stderr)
    assert not (tmp_path / "out3").exists()
