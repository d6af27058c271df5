"""The command line and the library never destroy an original: results never replace inputs or existing
files, Ctrl-C and a failing encoder leave nothing half-written, problems are one sentence and an exit code."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.faults import hears_ctrl_c
from support.files import gray_png
from support.media import make_clip

from colorization import ColorizationError
from colorization.video import colorize_video

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def cli(*args, model, timeout=300, prefix=(), **popen) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLORIZATION_MODEL=str(model))
    return subprocess.run([*prefix, sys.executable, "-m", "colorization", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=timeout, **popen)



def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_results_in_the_input_folder_never_replace_an_input(brightness_dir, tmp_path):
    a = gray_png(tmp_path / "a.png")
    before = snapshot(tmp_path)
    done = cli("image", a, "-o", tmp_path, model=brightness_dir)
    assert done.returncode == 1 and "a.png: skipped:" in done.stderr and "one of the inputs" in done.stderr
    assert snapshot(tmp_path) == before and "Traceback" not in done.stderr
    done = cli("image", a, "-o", tmp_path, "--overwrite", model=brightness_dir)  # not even when asked
    assert done.returncode == 1 and snapshot(tmp_path) == before


def test_a_jpg_never_replaces_an_existing_png_without_overwrite(brightness_dir, tmp_path):
    photo = tmp_path / "in" / "a.jpg"
    photo.parent.mkdir()
    Image.new("RGB", (20, 10), (80, 80, 80)).save(photo)
    existing = gray_png(tmp_path / "out" / "a.png", level=7)
    kept = existing.read_bytes()
    done = cli("image", photo, "-o", tmp_path / "out", model=brightness_dir)
    assert done.returncode == 1 and "exists (use --overwrite" in done.stderr and existing.read_bytes() == kept
    done = cli("image", photo, "-o", tmp_path / "out", "--overwrite", model=brightness_dir)
    assert done.returncode == 0 and existing.read_bytes() != kept
    assert np.asarray(Image.open(existing)).shape == (10, 20, 3)


def test_inputs_with_the_same_name_get_numbered_results(brightness_dir, tmp_path):
    first, second = gray_png(tmp_path / "one" / "x.png", 50), gray_png(tmp_path / "two" / "x.png", 200)
    done = cli("image", first, second, "-o", tmp_path / "out", model=brightness_dir)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["x-2.png", "x.png"]
    darker, lighter = (np.asarray(Image.open(tmp_path / "out" / n)).mean() for n in ("x.png", "x-2.png"))
    assert darker < lighter  # in input order


def test_format_jpg_in_place_skips_the_input_and_does_the_rest(brightness_dir, tmp_path):
    a = tmp_path / "a.jpg"
    Image.new("RGB", (20, 10), (80, 80, 80)).save(a)
    b = gray_png(tmp_path / "b.png")
    before = a.read_bytes()
    done = cli("image", a, b, "-o", tmp_path, "--format", "jpg", model=brightness_dir)
    assert done.returncode == 1 and a.read_bytes() == before and (tmp_path / "b.jpg").is_file()
    assert done.stderr.count("skipped") == 1


def test_video_output_equal_to_its_input_or_existing_is_refused_before_any_work(brightness_dir, tmp_path):
    clip = make_clip(tmp_path / "same.mp4", frames_per_shot=3)
    original = clip.read_bytes()
    done = cli("video", clip, "-o", clip, "--overwrite", model=brightness_dir)
    assert done.returncode == 2 and "one of the inputs" in done.stderr and clip.read_bytes() == original
    existing = tmp_path / "out.mp4"
    existing.write_bytes(b"my own film")
    done = cli("video", clip, "-o", existing, model=brightness_dir)
    assert done.returncode == 2 and "exists" in done.stderr and existing.read_bytes() == b"my own film"
    done = cli("video", clip, "-o", tmp_path, model=brightness_dir)  # a folder: <stem>.mp4 inside, the input itself
    assert done.returncode == 2 and "one of the inputs" in done.stderr and clip.read_bytes() == original
    done = cli("video", clip, "-o", tmp_path / "new" / "dir" / "out.mp4", model=brightness_dir)
    assert done.returncode == 0, done.stderr  # a missing folder is created, as for images
    assert (tmp_path / "new" / "dir" / "out.mp4").is_file()


def test_ctrl_c_while_saving_leaves_the_old_file_whole(brightness_dir, tmp_path):
    """A real SIGINT arrives while the PNG encoder is halfway through writing."""
    photo = gray_png(tmp_path / "in" / "big.png", size=(1200, 900))
    existing = gray_png(tmp_path / "out" / "big.png", level=3)
    kept = existing.read_bytes()
    script = (
        "import os, signal, sys\n"
        "from PIL import Image\n"
        "original = Image.Image.save\n"
        "def interrupted(self, fp, *a, **k):\n"
        "    with open(fp, 'wb') as handle:\n"
        "        handle.write(b'half a png')\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return original(self, fp, *a, **k)\n"
        "Image.Image.save = interrupted\n"
        "from colorization.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLORIZATION_MODEL=str(brightness_dir))
    done = subprocess.run([sys.executable, "-c", script, "image", str(photo), "-o", str(tmp_path / "out"),
                           "--overwrite", "-q"], capture_output=True, text=True, env=env, timeout=300,
                          preexec_fn=hears_ctrl_c)
    assert done.returncode == 130 and "interrupted" in done.stderr
    assert existing.read_bytes() == kept and [p.name for p in existing.parent.iterdir()] == ["big.png"]


@pytest.mark.parametrize("case", ["output is a file", "a folder where the result goes", "read-only folder"])
def test_output_problems_are_one_sentence_and_an_exit_code(brightness_dir, tmp_path, case):
    photo = gray_png(tmp_path / "in" / "a.png")
    out = tmp_path / "out"
    prefix = ()
    if case == "output is a file":
        out.write_text("not a folder")
        expected, code = "is a file, not a folder", 2
    elif case == "a folder where the result goes":
        (out / "a.png").mkdir(parents=True)
        expected, code = "is a folder", 1
    else:
        out.mkdir()
        out.chmod(0o555)
        prefix = WITHOUT_ROOTS_OVERRIDE if os.geteuid() == 0 else ()  # root ignores folder permissions
        expected, code = "permission denied", 2
    done = cli("image", photo, "-o", out, "-q", model=brightness_dir, prefix=prefix)
    assert done.returncode == code and expected in done.stderr.lower() and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    out.chmod(0o755)
    assert cli("image", photo, "-o", tmp_path / "fine", "-q", model=brightness_dir).returncode == 0


WITHOUT_ROOTS_OVERRIDE = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--")


def test_cli_video_respects_the_umask(brightness_dir, tmp_path):
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=3)
    done = cli("video", clip, "-o", tmp_path / "out.mp4", "-q", model=brightness_dir,
               preexec_fn=lambda: os.umask(0o027))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.mp4").stat().st_mode & 0o777 == 0o640


def test_encoder_failing_mid_video_leaves_no_file(brightness_colorizer, tmp_path, monkeypatch, work_folders):
    from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter

    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=15)
    original = FFMPEG_VideoWriter.write_frame
    written = []

    def dying(self, frame):
        written.append(1)
        if len(written) == 8:
            self.proc.kill()  # ffmpeg dies mid-encode
            self.proc.wait()
        return original(self, frame)

    monkeypatch.setattr(FFMPEG_VideoWriter, "write_frame", dying)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(ColorizationError, match="encoder"):
        colorize_video(clip, out_dir / "film.mp4", brightness_colorizer)
    assert list(out_dir.iterdir()) == []
    assert work_folders() == []

