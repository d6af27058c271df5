"""A public demo under attack, and a careless user at the command line: nothing crashes, leaks or is lost.

Sections follow the safety issue: (1) no server file can be read through any event, public or
private; (2) the command line never destroys an original; (3) every job is bounded by the app's
limits; (4) the boundaries (install, output paths, caches, restarts, messages). Each case checks
its outcome and that the next normal request still works.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import psutil
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image, PngImagePlugin
from support import raw
from support.files import encode, png_declaring
from support.media import damaged_in_the_middle, lying_duration, make_clip, streams
from support.server import running_app, start_app_process, stop_app_process

from benchmarks import synthetic
from colorization import ColorizationError, Colorizer
from colorization.ffmpeg import ffmpeg_exe, probe
from colorization.video import colorize_video

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", *args], check=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """Every kind of file a public demo receives, made for real."""
    folder = tmp_path_factory.mktemp("hostile")
    noise = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    files = {
        "zero.jpg": b"",
        "text.jpg": b"just some text, not a photo",
        "page.jpg": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
        "truncated.jpg": encode(Image.fromarray(noise), "JPEG")[:2000],
        "truncated.png": encode(Image.fromarray(noise), "PNG")[:5000],
        "bomb.png": png_declaring(50_000, 50_000),
        "one.png": encode(Image.new("L", (1, 1), 77), "PNG"),
        "sixteen.png": encode(Image.fromarray(np.linspace(0, 65535, 40 * 30).astype(np.uint16).reshape(30, 40)), "PNG"),
        "palette.png": encode(Image.fromarray(noise).convert("P", palette=Image.Palette.ADAPTIVE), "PNG"),
        "animated.gif": encode(Image.new("L", (30, 20), 60), "GIF", save_all=True,
                               append_images=[Image.new("L", (30, 20), 200)], duration=100),
        "cmyk.jpg": encode(Image.new("CMYK", (40, 30), (0, 100, 200, 30)), "JPEG"),
        "odd.png": encode(Image.new("L", (641, 359), 128), "PNG"),
        "zero.mp4": b"",
        "page.mp4": b"<!doctype html><html><body>not a video</body></html>",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    make_clip(folder / "whole.mp4", frames_per_shot=20)
    ffmpeg("-i", str(folder / "whole.mp4"), "-c", "copy", "-movflags", "+faststart", str(folder / "fast.mp4"))
    data = (folder / "fast.mp4").read_bytes()
    (folder / "truncated.mp4").write_bytes(data[: len(data) * 6 // 10])
    ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", str(folder / "audio-only.m4a"))
    make_clip(folder / "silent.mp4", frames_per_shot=5, audio=False)
    make_clip(folder / "odd.mp4", frames_per_shot=4, size=(641, 359))
    ffmpeg("-i", str(folder / "whole.mp4"), "-vf", "setpts='if(lt(N,10),N/50,0.2+(N-10)/20)/TB'", "-fps_mode", "vfr",
           "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(folder / "vfr.mp4"))
    synthetic.write_video(folder / "long.mp4", (np.full((48, 64, 3), i % 255, np.uint8) for i in range(180)),
                          Fraction(2), (64, 48))
    make_clip(folder / "phone.mp4", frames_per_shot=5, rotate=90, photos=("rocket",))
    synthetic.write_video(folder / "fast.fps.mp4", (np.full((64, 64, 3), i % 255, np.uint8) for i in range(600)),
                          Fraction(999), (64, 64))  # 0.6 s, 600 frames: within 60 s, far over 60 frames a second
    honest = make_clip(folder / "honest.mp4", frames_per_shot=100, size=(64, 48), audio=False)
    lying_duration(honest, folder / "liar.mp4", seconds=2.0)  # says 50 frames, holds 200
    return folder


# (file, endpoint, expected: "ok" or a piece of the refusal message)
CASES = [
    ("zero.jpg", "/colorize_image", "empty"),
    ("text.jpg", "/colorize_image", "not an image"),
    ("page.jpg", "/colorize_image", "not an image"),
    ("truncated.jpg", "/colorize_image", "damaged or truncated"),
    ("truncated.png", "/colorize_image", "damaged or truncated"),
    ("bomb.png", "/colorize_image", "too large: the limit is 50 megapixels"),
    ("one.png", "/colorize_image", "ok"),
    ("sixteen.png", "/colorize_image", "ok"),
    ("palette.png", "/colorize_image", "ok"),
    ("animated.gif", "/colorize_image", "ok"),
    ("cmyk.jpg", "/colorize_image", "ok"),
    ("odd.png", "/colorize_image", "ok"),
    ("zero.mp4", "/colorize_video", "empty"),
    ("page.mp4", "/colorize_video", "not a video"),
    ("truncated.mp4", "/colorize_video", "damaged"),
    ("audio-only.m4a", "/colorize_video", "no video stream"),
    ("long.mp4", "/colorize_video", "the limit is 60 s"),
    ("fast.fps.mp4", "/colorize_video", "999 frames a second; the limit is 60"),
    ("liar.mp4", "/colorize_video", "holds more frames than its header declares"),
    ("silent.mp4", "/colorize_video", "ok"),
    ("odd.mp4", "/colorize_video", "ok"),
    ("vfr.mp4", "/colorize_video", "ok"),
    ("phone.mp4", "/colorize_video", "ok"),
]


@pytest.fixture(scope="module")
def app_client(fixed_colorizer, tmp_path_factory):
    with running_app(fixed_colorizer) as (url, _):
        yield Client(url, verbose=False, download_files=str(tmp_path_factory.mktemp("downloads"))), fixed_colorizer


@pytest.mark.parametrize("name, endpoint, expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_and_odd_inputs_through_the_app(app_client, media, tmp_path, name, endpoint, expected):
    client, colorizer = app_client
    calls = colorizer.network_calls
    if expected == "ok":
        result = client.predict(handle_file(media / name), api_name=endpoint)
        if endpoint == "/colorize_image":
            out = np.asarray(Image.open(result[1]))
            source = Image.open(media / name)
            assert out.shape[:2] == (source.size[1], source.size[0]) and out.dtype == np.uint8
            if name == "sixteen.png":
                assert 60 < out.mean() < 200  # scaled from 16 bits, not clipped to white
        else:
            path = Path(result["video"] if isinstance(result, dict) else result)
            info = probe(path)
            shown = probe(media / name)
            assert (info.width, info.height) == (shown.width - shown.width % 2, shown.height - shown.height % 2)
            assert ("Audio" in streams(path)) == shown.has_audio and info.rotation == 0
    else:
        start = time.monotonic()
        with pytest.raises(AppError, match=expected):
            client.predict(handle_file(media / name), api_name=endpoint)
        if name in ("long.mp4", "bomb.png", "fast.fps.mp4"):
            assert colorizer.network_calls == calls and time.monotonic() - start < 10  # refused before any work
    normal = tmp_path / "normal.png"
    Image.new("L", (9, 7), 100).save(normal)
    assert np.asarray(Image.open(client.predict(handle_file(normal), api_name="/colorize_image")[1])).shape == (7, 9, 3)



# ---- 1. No server file can be read through any event ------------------------------------------

FILE_EVENTS = {  # handler name -> (the file parameter's position, the other inputs)
    "colorize_image": [1.0, 1.0, 0.0, 224, None],
    "colorize_batch": [1.0, 1.0, 0.0, 224],
    "colorize_video": [1.0, 1.0, 0.0, 0.85, 2, 224, None],
    "on_upload": [1.0, 1.0, 0.0, 224],
    "on_batch": [1.0, 1.0, 0.0, 224],
    "on_video_upload": [1.0, 1.0, 0.0, 0.85, 2, 224],
    "on_video_run": [1.0, 1.0, 0.0, 0.85, 2, 224, None],
    "on_video_try": [1.0, 1.0, 0.0, 0.85, 2, 224, None],
}


@pytest.fixture(scope="module")
def hostile_server(fixed_colorizer, tmp_path_factory):
    """A running app, a secret photo outside its upload folder, and a symlink to it inside."""
    from webapp.uploads import upload_folder

    secret_dir = tmp_path_factory.mktemp("server-files")
    secret = secret_dir / "secret.png"
    Image.fromarray(np.random.default_rng(3).integers(0, 255, (40, 60, 3), dtype=np.uint8)).save(secret)
    with running_app(fixed_colorizer) as (url, demo):
        inside = upload_folder() / "planted"
        inside.mkdir(parents=True, exist_ok=True)
        link = inside / "link.png"
        link.unlink(missing_ok=True)
        link.symlink_to(secret)
        yield url, demo, secret, link
        link.unlink(missing_ok=True)


def hostile_values(secret: Path, link: Path) -> dict[str, object]:
    from webapp.uploads import upload_folder

    dots = "/".join([".."] * len(upload_folder().parts)) + str(secret)
    return {
        "existing file": {"path": str(secret)},
        "with meta": {"path": str(secret), "meta": {"_type": "gradio.FileData"}},
        "missing, with meta": {"path": str(secret.with_name("missing.png")), "meta": {"_type": "gradio.FileData"}},
        "missing file": {"path": str(secret.with_name("missing.png"))},
        "dot-dot from uploads": {"path": str(upload_folder() / dots)},
        "relative dot-dot": {"path": "../../../../../../" + str(secret)},
        "symlink out of uploads": {"path": str(link)},
        "a folder": {"path": str(upload_folder())},
        "plain string": str(secret),
    }


@pytest.mark.parametrize("event", list(FILE_EVENTS))
def test_no_event_opens_a_file_the_visitor_did_not_upload(hostile_server, fixed_colorizer, event):
    from webapp.uploads import LINKS_REFUSED, NOT_AVAILABLE

    url, demo, secret, link = hostile_server
    index = raw.fn_index(demo, event)
    calls = fixed_colorizer.network_calls
    messages = {}
    for name, value in hostile_values(secret, link).items():
        file_value = [value] if event in ("colorize_batch", "on_batch") else value
        answer = raw.call(url, index, [file_value, *FILE_EVENTS[event]])
        assert answer.refused and answer.data is None, (event, name, answer)
        messages[name] = re.sub(r"input_value=.*?, input_type", "input_value=<file>, input_type",
                                answer.error.replace("missing.png", "secret.png"))
        said = messages[name]
        assert said == NOT_AVAILABLE or "validation error" in said or "Cannot move" in said
    # Whether a file exists is never told: the same words for an existing and a missing file.
    assert messages["existing file"] == messages["missing file"]
    assert messages["with meta"] == messages["missing, with meta"]
    if event in ("colorize_image", "on_upload"):  # Gradio passes these raw values on: our check answers
        assert {messages[n] for n in ("existing file", "missing file", "dot-dot from uploads", "relative dot-dot",
                                      "symlink out of uploads", "a folder")} == {NOT_AVAILABLE}
    for link_value in ({"path": "https://example.com/photo.png", "meta": {"_type": "gradio.FileData"}},
                       {"path": "http://127.0.0.1:9/x.png"}, "https://example.com/photo.png"):
        file_value = [link_value] if event in ("colorize_batch", "on_batch") else link_value
        answer = raw.call(url, index, [file_value, *FILE_EVENTS[event]])
        assert answer.refused and LINKS_REFUSED in str(answer.error), (event, answer)
    assert fixed_colorizer.network_calls == calls  # the network never saw the secret
    assert_normal_photo_works(url)


def assert_normal_photo_works(url: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        photo = Path(folder) / "normal.png"
        Image.new("L", (9, 7), 100).save(photo)
        client = Client(url, verbose=False, download_files=folder)
        result = client.predict(handle_file(photo), api_name="/colorize_image")[1]
        assert np.asarray(Image.open(result)).shape == (7, 9, 3)


def test_the_app_s_own_examples_may_be_named(hostile_server):
    url, demo, _, _ = hostile_server
    answer = raw.call(url, raw.fn_index(demo, "colorize_image"), [{"path": str(ROOT / "examples/images/coins.png")},
                                                                   1.0, 1.0, 0.0, 224, None])
    assert not answer.refused, answer


# ---- 2. The command line never destroys an original -------------------------------------------

def cli(*args, model, timeout=300, prefix=(), **popen) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLORIZATION_MODEL=str(model))
    return subprocess.run([*prefix, sys.executable, "-m", "colorization", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=timeout, **popen)


def gray_png(path: Path, level: int = 90, size=(30, 20)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", size, level).save(path)
    return path


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
                           "--overwrite", "-q"], capture_output=True, text=True, env=env, timeout=300)
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


# util-linux's setpriv: root without the capabilities that let it write anywhere
WITHOUT_ROOTS_OVERRIDE = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--")


def test_cli_video_respects_the_umask(brightness_dir, tmp_path):
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=3)
    done = cli("video", clip, "-o", tmp_path / "out.mp4", "-q", model=brightness_dir,
               preexec_fn=lambda: os.umask(0o027))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.mp4").stat().st_mode & 0o777 == 0o640


# ---- Faults and old tricks -----------------------------------------------------------------------

def test_encoder_failing_mid_video_leaves_no_file(brightness_colorizer, tmp_path, monkeypatch):
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
    work_before = set(Path(tempfile.gettempdir()).glob("colorize-work-*"))
    with pytest.raises(ColorizationError, match="encoder"):
        colorize_video(clip, out_dir / "film.mp4", brightness_colorizer)
    assert list(out_dir.iterdir()) == []
    assert set(Path(tempfile.gettempdir()).glob("colorize-work-*")) == work_before


def test_a_client_that_disconnects_mid_video_stops_the_job(real_arch_dir, tmp_path):
    colorizer = Colorizer.from_pretrained(real_arch_dir)
    clip = make_clip(tmp_path / "long.mp4", frames_per_shot=120, size=(320, 240))
    script = (
        "import sys\n"
        "from gradio_client import Client, handle_file\n"
        "Client(sys.argv[1], verbose=False).predict(handle_file(sys.argv[2]), 1, 1, 0, 0.85, 1, 224,\n"
        "                                            api_name='/colorize_video')\n"
    )
    existing = set(Path(tempfile.gettempdir()).glob("colorize-work-*"))
    work_dirs = lambda: list(set(Path(tempfile.gettempdir()).glob("colorize-work-*")) - existing)  # noqa: E731
    with running_app(colorizer) as (url, _):
        client = subprocess.Popen([sys.executable, "-c", script, url, str(clip)],
                                  env=dict(os.environ, PYTHONPATH=str(ROOT)))
        deadline = time.monotonic() + 120
        while colorizer.network_calls < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert colorizer.network_calls >= 3 and work_dirs(), "the job never started"
        client.send_signal(signal.SIGKILL)
        client.wait()
        deadline = time.monotonic() + 45
        while work_dirs() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not work_dirs(), "the job kept running after its client vanished"
        calls = colorizer.network_calls
        time.sleep(2)
        assert colorizer.network_calls == calls < 240 // 4  # stopped well before the end (60 batches of 4)


def test_upload_names_cannot_escape_or_inject(app_client, tmp_path):
    client, _ = app_client
    tricky = tmp_path / "..;rm -rf ~;$(reboot)`x`.png"
    Image.new("L", (5, 5), 50).save(tricky)
    _, png = client.predict(handle_file(tricky), api_name="/colorize_image")
    assert Path(png).name.endswith("-colorized.png") and ";" not in Path(png).parent.name


def test_only_the_apps_own_files_are_served(app_client):
    client, _ = app_client
    base = client.src.rstrip("/")
    for target in ("/etc/passwd", str(ROOT / "app.py"), str(ROOT / "colorization" / "fetch.py")):
        response = httpx.get(f"{base}/gradio_api/file={target}")
        assert response.status_code in (403, 404), target


# ---- 3. Every job is bounded by the app's limits ----------------------------------------------

def test_batch_caps_files_and_megapixels_before_any_decoding(app_client, tmp_path):
    client, colorizer = app_client
    calls = colorizer.network_calls
    many = [handle_file(gray_png(tmp_path / f"p{i}.png", size=(8, 8))) for i in range(21)]
    with pytest.raises(AppError, match="21 files were sent; the limit is 20"):
        client.predict(many, api_name="/colorize_batch")
    huge = []
    for i in range(8):  # 47 KB each on disk, 49 megapixels each in the header
        (tmp_path / f"h{i}.png").write_bytes(png_declaring(7000, 7000))
        huge.append(handle_file(tmp_path / f"h{i}.png"))
    start = time.monotonic()
    with pytest.raises(AppError, match="392 megapixels together; the limit is 100"):
        client.predict(huge, api_name="/colorize_batch")
    assert time.monotonic() - start < 10 and colorizer.network_calls == calls
    assert_normal_photo_works(client.src)


class Gate:
    """A colorizer whose photo predictions wait until the test opens the gate."""

    def __init__(self, inner: Colorizer) -> None:
        self.inner, self.opened = inner, threading.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict(self, *args, **kwargs):
        assert self.opened.wait(120)
        return self.inner.predict(*args, **kwargs)


def test_photos_and_films_wait_in_separate_rooms(fixed_colorizer, tmp_path):
    """A burst of photos fills the photo room; the next photo hears why; a film still gets through."""
    from support.server import serving

    from webapp.limits import AppLimits
    from webapp.state import AppState

    gate = Gate(fixed_colorizer)
    state = AppState(gate, limits=AppLimits(image_workers=1, image_waiting=2, video_workers=1, video_waiting=1))
    photo, clip = gray_png(tmp_path / "p.png"), make_clip(tmp_path / "f.mp4", frames_per_shot=4)
    results: dict[int, object] = {}

    def call(number: int, url: str, path: Path, api_name: str) -> None:
        client = Client(url, verbose=False, download_files=str(tmp_path / f"d{number}"))
        try:
            results[number] = client.predict(handle_file(path), api_name=api_name)
        except Exception as exc:  # checked below
            results[number] = exc

    with serving(state) as (url, _):
        callers = [threading.Thread(target=call, args=(n, url, photo, "/colorize_image")) for n in range(3)]
        for caller in callers:
            caller.start()
        deadline = time.monotonic() + 60
        while state.image_room.occupancy != (1, 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state.image_room.occupancy == (1, 2)
        call(3, url, photo, "/colorize_image")
        assert isinstance(results[3], AppError) and "The photo queue is full (1 running, 2 waiting)" in str(results[3])
        call(4, url, clip, "/colorize_video")  # the films' room is free: it runs while photos wait
        assert probe(Path(results[4]["video"] if isinstance(results[4], dict) else results[4])).frame_count == 8
        gate.opened.set()
        for caller in callers:
            caller.join(timeout=120)
        assert all(np.asarray(Image.open(results[n][1])).shape == (20, 30, 3) for n in range(3))
        assert state.image_room.occupancy == (0, 0)
        assert_normal_photo_works(url)


def test_a_film_damaged_inside_is_delivered_with_a_warning_on_the_page(fixed_colorizer, tmp_path):
    from webapp.uploads import upload_folder

    whole = make_clip(tmp_path / "whole.mp4", frames_per_shot=40)
    with running_app(fixed_colorizer) as (url, demo):
        uploaded = damaged_in_the_middle(whole, upload_folder() / "test-uploads" / "damaged.mp4")
        answer = raw.call(url, raw.fn_index(demo, "on_video_run"),
                          [{"path": str(uploaded), "meta": {"_type": "gradio.FileData"}},
                           1.0, 1.0, 0.0, 0.85, 2, 224, None])
        assert not answer.refused, answer
        assert "damaged in places" in answer.data[1]
        assert_normal_photo_works(url)


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_load_rooms_memory_and_no_leftover_files(fixed_colorizer, tmp_path, monkeypatch):
    """16 photo and 2 film callers at once against rooms of 2+3 photos and 1+1 films: every accepted
    job is right, the rest hear why, memory stays bounded, and no upload or result outlives its time."""
    from support.server import serving

    from webapp.limits import AppLimits
    from webapp.state import AppState

    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=10)
    photo = gray_png(tmp_path / "photo.png", level=118, size=(1500, 1000))
    server_cache = tmp_path / "server-cache"  # the server's uploads and results, apart from the callers' downloads
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(server_cache))
    work_before = set(Path(tempfile.gettempdir()).glob("colorize-work-*"))
    process = psutil.Process()
    peak = [process.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.05)

    results: list[tuple[str, object]] = []

    def call(url: str, endpoint: str, path: Path) -> None:
        client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        try:
            results.append((endpoint, client.predict(handle_file(path), api_name=endpoint)))
        except Exception as exc:  # collected and checked below
            results.append((endpoint, exc))

    gate = Gate(fixed_colorizer)
    limits = AppLimits(image_workers=2, image_waiting=3, video_workers=1, video_waiting=1, keep_results_seconds=15,
                       photo_jobs_per_client=100, video_jobs_per_client=100)  # every caller here is 127.0.0.1
    with serving(AppState(gate, limits=limits)) as (url, _):
        own = _files_under(server_cache)  # the page's own files (examples and their copies), kept on purpose
        sampler = threading.Thread(target=sample)
        sampler.start()
        callers = [threading.Thread(target=call, args=(url, "/colorize_image", photo)) for _ in range(16)]
        callers += [threading.Thread(target=call, args=(url, "/colorize_video", clip)) for _ in range(2)]
        for caller in callers:
            caller.start()
        deadline = time.monotonic() + 120
        while len(results) < 11 and time.monotonic() < deadline:  # 16 photos - 5 places: 11 are told at once
            time.sleep(0.05)
        gate.opened.set()
        for caller in callers:
            caller.join(timeout=300)
        stop.set()
        sampler.join()
        assert_normal_photo_works(url)
        assert _files_under(server_cache), "uploads and results should be in the server's cache while fresh"
        deadline = time.monotonic() + 60  # Gradio's delete_cache runs every 15 s for files older than 15 s
        while True:
            leftovers = sorted(_files_under(server_cache) - own)
            if not leftovers or time.monotonic() > deadline:
                break
            time.sleep(1)
    assert set(Path(tempfile.gettempdir()).glob("colorize-work-*")) == work_before  # intermediates went at once
    accepted = [(e, r) for e, r in results if not isinstance(r, Exception)]
    refused = [r for _, r in results if isinstance(r, Exception)]
    assert len(results) == 18 and len(accepted) == 7 and len(refused) == 11, [str(r) for r in refused]
    assert all("The photo queue is full (2 running, 3 waiting)" in str(r) for r in refused)
    for endpoint, result in accepted:
        if endpoint == "/colorize_image":
            out = np.asarray(Image.open(result[1]))
            assert out.shape == (1000, 1500, 3) and len(np.unique(out.reshape(-1, 3), axis=0)) == 1
        else:
            assert probe(Path(result["video"] if isinstance(result, dict) else result)).frame_count == 20
    assert leftovers == [], leftovers[:10]
    print(f"\nload: {len(accepted)} accepted, {len(refused)} told the queue is full; peak RSS {peak[0] / 2**20:.0f} MB")
    assert peak[0] < 3 * 2**30


def test_two_50_megapixel_photos_and_a_1080p_film_at_once_stay_within_the_memory_budget(real_arch_dir, tmp_path):
    """`python app.py` with the released architecture: the whole process tree's peak RSS, sampled,
    stays within AppLimits.peak_memory_gb, and the large buffers are given back after the jobs."""
    from webapp.limits import AppLimits

    budget = AppLimits().peak_memory_gb
    ramp = np.add.outer(np.arange(6250, dtype=np.uint16) // 25, np.arange(8000, dtype=np.uint16) // 32)
    photos = []
    for index in range(2):  # 8000 x 6250 = 50.0 megapixels, the app's limit
        photos.append(tmp_path / f"big{index}.png")
        Image.fromarray((ramp * (index + 1) % 256).astype(np.uint8)).save(photos[-1], compress_level=1)
    film = make_clip(tmp_path / "film.mp4", frames_per_shot=60, size=(1920, 1080))
    process, url = start_app_process(tmp_path, "--no-mcp", COLORIZATION_MODEL=str(real_arch_dir))
    tree = psutil.Process(process.pid)
    peak, stop = [0], threading.Event()

    def rss() -> int:
        total = 0
        for member in [tree, *tree.children(recursive=True)]:
            try:
                total += member.memory_info().rss
            except psutil.Error:
                continue
        return total

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.05)

    results = []

    def call(path: Path, api_name: str, *args) -> None:
        client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        try:
            results.append(client.predict(handle_file(path), *args, api_name=api_name))
        except Exception as exc:  # checked below
            results.append(exc)

    try:
        idle = rss()
        sampler = threading.Thread(target=sample)
        sampler.start()
        callers = [threading.Thread(target=call, args=(p, "/colorize_image", 1.0, 1.0, 0.0, 1024)) for p in photos]
        callers.append(threading.Thread(target=call, args=(film, "/colorize_video")))
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(timeout=600)
        time.sleep(2)
        after = rss()
        stop.set()
        sampler.join()
    finally:
        stop_app_process(process)
    assert not [r for r in results if isinstance(r, Exception)], results
    print(f"\nmemory: idle {idle / 2**30:.2f} GB, peak {peak[0] / 2**30:.2f} GB (budget {budget:g} GB), "
          f"after {after / 2**30:.2f} GB")
    assert peak[0] <= budget * 2**30
    assert after < idle + 0.5 * 2**30  # no photo kept: the API's results are files, not sessions


# ---- 4. Boundaries: restarts, caches, messages, the Space's build -----------------------------

def test_files_left_by_a_killed_server_are_swept_at_the_next_start(fixed_dir, tmp_path):
    cache = tmp_path / "server-cache"
    old_upload = cache / "a1b2c3" / "photo.png"
    old_result = cache / "colorize-old" / "photo-colorized.png"
    fresh = cache / "d4e5f6" / "fresh.png"
    for path in (old_upload, old_result, fresh):
        gray_png(path)
    two_hours_ago = time.time() - 7200
    for path in (old_upload, old_result, old_upload.parent, old_result.parent):
        os.utime(path, (two_hours_ago, two_hours_ago))
    empty = cache / "colorize-empty"
    empty.mkdir()
    os.utime(empty, (two_hours_ago, two_hours_ago))
    process, url = start_app_process(tmp_path, COLORIZATION_MODEL=str(fixed_dir))
    try:
        deadline = time.monotonic() + 20
        while (old_upload.exists() or old_result.exists() or empty.exists()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not old_upload.exists() and not old_result.exists() and not empty.exists()
        assert not old_upload.parent.exists() and fresh.exists()  # an hour's grace for what is recent
        assert_normal_photo_works(url)
    finally:
        log = stop_app_process(process)
    assert "Swept 2 old upload(s) and result(s)" in log


def test_messages_name_no_internals_and_the_log_gets_one_line_per_refusal(app_client, tmp_path, caplog, capfd):
    client, _ = app_client
    text = PngImagePlugin.PngInfo()
    text.add_text("comment", "x" * (PngImagePlugin.MAX_TEXT_CHUNK + 10), zip=True)  # Pillow refuses to inflate it
    bomb = tmp_path / "text-bomb.png"
    Image.new("L", (10, 10), 50).save(bomb, pnginfo=text)
    caplog.set_level("INFO", logger="colorization.app")
    capfd.readouterr()
    with pytest.raises(AppError) as refused:
        client.predict(handle_file(bomb), api_name="/colorize_image")
    assert str(refused.value) == "The image file is damaged or truncated."
    records = [r for r in caplog.records if r.name == "colorization.app" and "refused" in r.getMessage()]
    assert len(records) == 1 and "damaged or truncated" in records[0].getMessage()
    assert "Traceback" not in capfd.readouterr().err
    assert_normal_photo_works(client.src)


def test_a_bug_reaches_the_visitor_as_an_id_and_the_log_as_a_traceback(fixed_colorizer, tmp_path, caplog, monkeypatch):
    from webapp import jobs

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail: the tensor shape was wrong")

    caplog.set_level("INFO", logger="colorization.app")
    with running_app(fixed_colorizer) as (url, _):
        monkeypatch.setattr(jobs, "save_png", broken)
        client = Client(url, verbose=False, download_files=str(tmp_path / "d"))
        with pytest.raises(AppError) as failed:
            client.predict(handle_file(gray_png(tmp_path / "p.png")), api_name="/colorize_image")
        message = str(failed.value)
        error_id = re.search(r"error ([0-9a-f]{8})", message).group(1)
        assert "tensor" not in message and message.startswith("Something went wrong on our side")
        logged = [r for r in caplog.records if error_id in r.getMessage()]
        assert len(logged) == 1 and logged[0].exc_info and "tensor shape was wrong" in str(logged[0].exc_info[1])
        monkeypatch.undo()
        assert_normal_photo_works(url)


def test_the_space_build_does_not_depend_on_an_unverified_file_listing():
    front_matter = (ROOT / "README.md").read_text().split("---")[1]
    assert "preload_from_hub" not in front_matter
