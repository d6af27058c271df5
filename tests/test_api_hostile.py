"""The public app under attack through its API and events: hostile and odd files, server files named in any
event, forged names, over-limit batches; each gets a sentence, nothing is read that was not uploaded, and the
next normal request still works."""

import re
import subprocess
import time
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image, PngImagePlugin
from support import raw
from support.files import encode, gray_png, png_declaring
from support.media import lying_duration, make_clip, streams
from support.server import assert_normal_photo_works, running_app

from benchmarks import synthetic
from colorization.video.ffmpeg import ffmpeg_exe, probe

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



def test_the_app_s_own_examples_may_be_named(hostile_server):
    url, demo, _, _ = hostile_server
    answer = raw.call(url, raw.fn_index(demo, "colorize_image"), [{"path": str(ROOT / "examples/images/coins.png")},
                                                                   1.0, 1.0, 0.0, 224, None])
    assert not answer.refused, answer


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

