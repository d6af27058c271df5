"""The app's public API through gradio_client against a real server on 127.0.0.1."""

import asyncio
import base64
import concurrent.futures
import http.server
import io
import json
import re
import threading
import zipfile
from pathlib import Path

import cv2
import httpx
import jsonschema
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from gradio_client.utils import encode_file_path
from PIL import Image
from support import models
from support.media import frame_times, make_clip, streams
from support.server import running_app

from colorization import Colorizer
from webapp import texts
from webapp.limits import AppLimits

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(fixed_colorizer):
    with running_app(fixed_colorizer) as (url, demo):
        yield Client(url, verbose=False), demo


def png_of(array: np.ndarray, path: Path) -> Path:
    Image.fromarray(array).save(path)
    return path


def read(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_only_the_public_endpoints_are_listed(server):
    client, _ = server
    endpoints = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/colorize_image", "/colorize_video", "/colorize_batch"} <= endpoints
    assert not any(name.startswith("/on_") for name in endpoints)


def test_colorize_image_gives_the_exact_colors_as_png(server, tmp_path):
    client, _ = server
    gray = np.tile(np.array([40, 118, 200], np.uint8).repeat(30), (50, 1))  # three bands of gray
    (before, after), full = client.predict(handle_file(png_of(gray, tmp_path / "bands.png")),
                                           api_name="/colorize_image")
    assert Path(full).suffix == ".png" and Path(full).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = read(full)
    assert result.shape == (50, 90, 3)
    for column, level in ((5, 40), (45, 118), (85, 200)):
        expected = models.lab_to_rgb8(models.lightness_of_gray(level), *models.FIXED_AB)
        np.testing.assert_array_equal(result[25, column], expected)
    L_in = cv2.cvtColor(np.repeat(gray[..., None], 3, 2).astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[..., 0]
    L_out = cv2.cvtColor(result.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[..., 0]
    assert np.abs(L_out - L_in).mean() < 0.5  # lightness kept
    assert read(before).shape[:2] == read(after).shape[:2] == (50, 90)


def test_controls_and_defaults(server, tmp_path):
    client, _ = server
    gray = np.full((16, 16), 130, np.uint8)
    _, full = client.predict(handle_file(png_of(gray, tmp_path / "g.png")), 0.0, 1.0, 0.0, 224,
                             api_name="/colorize_image")
    np.testing.assert_array_equal(read(full), np.repeat(gray[..., None], 3, axis=2))  # intensity 0: the gray input


def test_large_photo_preview_is_capped_and_download_is_full_size(server, tmp_path):
    client, _ = server
    big = np.random.default_rng(0).integers(0, 255, (2100, 3000), dtype=np.uint8)
    (_, after), full = client.predict(handle_file(png_of(big, tmp_path / "big.png")), api_name="/colorize_image")
    assert max(read(after).shape[:2]) == 2048
    assert read(full).shape[:2] == (2100, 3000)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("fake.jpg", b"this is text, not a photo", "not an image"),
        ("empty.png", b"", "empty"),
        ("cut.png", None, "damaged or truncated"),
    ],
)
def test_bad_uploads_get_a_readable_error_and_the_app_keeps_working(server, tmp_path, name, content, message):
    client, _ = server
    if content is None:
        buffer = io.BytesIO()
        Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 300, 3), dtype=np.uint8)).save(buffer, "PNG")
        content = buffer.getvalue()[:5000]
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(AppError, match=message):
        client.predict(handle_file(bad), api_name="/colorize_image")
    flat = png_of(np.full((8, 8), 99, np.uint8), tmp_path / "ok.png")
    _, full = client.predict(handle_file(flat), api_name="/colorize_image")
    assert read(full).shape == (8, 8, 3)


def test_batch_returns_a_zip_of_pngs(server, tmp_path):
    client, _ = server
    files = [handle_file(png_of(np.full((10, 12), 60 * i, np.uint8), tmp_path / f"p{i}.png")) for i in range(1, 4)]
    (tmp_path / "other").mkdir()
    files.append(handle_file(png_of(np.full((6, 6), 30, np.uint8), tmp_path / "other" / "p1.png")))  # same name
    bad = tmp_path / "bad.jpg"
    bad.write_text("nope")
    archive = client.predict(files + [handle_file(bad)], api_name="/colorize_batch")
    with zipfile.ZipFile(archive) as bundle:
        names = sorted(bundle.namelist())
        assert names == ["p1-2.png", "p1.png", "p2.png", "p3.png", "problems.txt"]
        assert "bad.jpg: This file is not an image" in bundle.read("problems.txt").decode()
        first = np.asarray(Image.open(io.BytesIO(bundle.read("p1.png"))))
        assert first.shape == (10, 12, 3)
        assert np.asarray(Image.open(io.BytesIO(bundle.read("p1-2.png")))).shape == (6, 6, 3)


def test_colorize_video_keeps_frames_and_sound(server, tmp_path):
    client, _ = server
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=6)
    out = client.predict(handle_file(clip), api_name="/colorize_video")
    path = out["video"] if isinstance(out, dict) else out
    assert len(frame_times(Path(path))) == 12
    info = streams(Path(path))
    assert "h264 (High)" in info and "yuv420p" in info and "Audio: aac" in info


def test_a_hint_on_a_film_far_wider_than_high_leaves_the_server_up(server, tmp_path):
    """1280x60: a hint grid of 256x12, a shape on which OpenCV's optical flow alone kills the process."""
    client, _ = server
    strip = make_clip(tmp_path / "strip.mp4", frames_per_shot=6, size=(1280, 60))
    hints = [{"time": 0.0, "points": [[0.5, 0.5]], "color": "#2050ff", "size": 0.1}]
    out = client.predict(handle_file(strip), 1.0, 1.0, 0.0, 0.85, 8, 224, hints, api_name="/colorize_video")
    assert len(frame_times(Path(out["video"] if isinstance(out, dict) else out))) == 12
    plain = client.predict(handle_file(make_clip(tmp_path / "film.mp4", frames_per_shot=3)), api_name="/colorize_video")
    assert len(frame_times(Path(plain["video"] if isinstance(plain, dict) else plain))) == 6  # and serves on


def test_video_refusals_are_readable(server, tmp_path):
    client, _ = server
    fake = tmp_path / "fake.mp4"
    fake.write_text("<html>not a video</html>")
    with pytest.raises(AppError, match="not a video"):
        client.predict(handle_file(fake), api_name="/colorize_video")


def test_a_missing_model_is_reported_on_every_call(tmp_path):
    from webapp.texts import NO_MODEL

    with running_app(None, NO_MODEL) as (url, _):
        page = httpx.get(url + "config", timeout=10).text
        assert "could not be fetched" in page and "\\n" not in NO_MODEL  # one plain paragraph, no escaped newlines
        client = Client(url, verbose=False)
        black = handle_file(png_of(np.zeros((4, 4), np.uint8), tmp_path / "z.png"))
        for api_name, value in (("/colorize_image", black),
                                ("/colorize_video", handle_file(make_clip(tmp_path / "f.mp4", frames_per_shot=2)))):
            with pytest.raises(AppError, match=r"model could not be fetched.*COLORIZATION_MODEL"):
                client.predict(value, api_name=api_name)


def test_every_parameter_has_a_plain_description_and_its_type(server):
    client, _ = server
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/colorize_image", "/colorize_video", "/colorize_batch"}
    types = {}
    for name, endpoint in endpoints.items():
        for parameter in endpoint["parameters"]:
            for text in (parameter["type"].get("description", ""), parameter["python_type"]["description"]):
                assert text and "FileData" not in text and "\n" not in text, (name, parameter["parameter_name"], text)
                assert text == texts.endpoint_parameters(AppLimits(), name[1:])[parameter["parameter_name"]]
            types[(name, parameter["parameter_name"])] = parameter["type"].get("type")
    assert types[("/colorize_video", "keyframes")] == "integer"
    assert types[("/colorize_video", "render_size")] == types[("/colorize_image", "render_size")] == "integer"
    assert types[("/colorize_image", "intensity")] == "number"
    assert [p["parameter_name"] for p in endpoints["/colorize_image"]["parameters"]] == [
        "image", "intensity", "saturation", "hue", "render_size", "hints"]
    assert endpoints["/colorize_image"]["parameters"][5]["parameter_has_default"]
    video = endpoints["/colorize_video"]["parameters"]
    assert video[-1]["parameter_name"] == "hints" and video[-1]["parameter_has_default"]
    assert video[-1]["parameter_default"] is None and "time in seconds" in video[-1]["python_type"]["description"]


def test_film_hints_through_the_api(tmp_path):
    neutral = Colorizer.from_pretrained(models.fixed_color_model(tmp_path / "neutral", ab=(0, 0)), backend="opencv")
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=12)  # two shots of 12 frames at 25 fps
    strokes = [{"time": 0.1, "points": [[0.1, 0.1], [0.9, 0.9]], "color": "#2050ff", "size": 0.5}]
    common = (1.0, 1.0, 0.0, 0.85, 8, 224)
    with running_app(neutral) as (url, _):
        client = Client(url, verbose=False, download_files=str(tmp_path / "d"))
        for hints in (strokes, json.dumps(strokes)):  # the list, or a JSON string of it
            out = client.predict(handle_file(clip), *common, hints, api_name="/colorize_video")
            path = out["video"] if isinstance(out, dict) else out
            cap = cv2.VideoCapture(path)
            frames = [cap.read()[1] for _ in range(24)]
            blue = [(f[..., 0].astype(int) - f[..., 2].astype(int)).mean() for f in frames]  # BGR: blue - red
            assert min(blue[:12]) > 10 and max(abs(b) for b in blue[12:]) < 2  # the first shot only
        plain = client.predict(handle_file(clip), *common, api_name="/colorize_video")  # hints default to none
        cap = cv2.VideoCapture(plain["video"] if isinstance(plain, dict) else plain)
        assert np.ptp(cap.read()[1].astype(int), axis=2).max() <= 2
        for bad, words in (([{**strokes[0], "time": 5.0}], "past the end of the film"),
                           ([{**strokes[0], "time": "soon"}], "has no time"),
                           ('[{"time": NaN, "points": [[0.5, 0.5]], "color": "#2050ff"}]', "the time must be")):
            with pytest.raises(AppError, match=words):
                client.predict(handle_file(clip), *common, bad, api_name="/colorize_video")


def test_hints_through_the_api(tmp_path):
    from support import models

    neutral = Colorizer.from_pretrained(models.fixed_color_model(tmp_path / "neutral", ab=(0, 0)), backend="opencv")
    photo = np.full((60, 90), 80, np.uint8)
    photo[:, 45:] = 190
    path = png_of(photo, tmp_path / "two.png")
    strokes = [{"points": [[0.2, 0.5], [0.3, 0.5]], "color": "#2050ff", "size": 0.1}]
    with running_app(neutral) as (url, _):
        client = Client(url, verbose=False, download_files=str(tmp_path / "d"))
        for hints in (strokes, json.dumps(strokes)):  # the list, or a JSON string of it
            _, png = client.predict(handle_file(path), 1.0, 1.0, 0.0, 224, hints, api_name="/colorize_image")
            out = read(png).astype(int)
            assert (out[:, :40, 2] - out[:, :40, 0]).mean() > 20 and np.ptp(out[:, 50:], axis=2).max() <= 2
        for nothing in (None, [], ""):
            _, png = client.predict(handle_file(path), 1.0, 1.0, 0.0, 224, nothing, api_name="/colorize_image")
            assert np.ptp(read(png).astype(int), axis=2).max() <= 1  # no hints: the network's own gray
        with pytest.raises(AppError, match="lies outside the photo"):
            client.predict(handle_file(path), 1.0, 1.0, 0.0, 224, [{"points": [[2, 2]], "color": "#ffffff"}],
                           api_name="/colorize_image")
        with pytest.raises(AppError, match="the limit is 100"):
            client.predict(handle_file(path), 1.0, 1.0, 0.0, 224, strokes * 101, api_name="/colorize_image")
        _, png = client.predict(handle_file(path), api_name="/colorize_image")  # still up, defaults unchanged
        assert read(png).shape == (60, 90, 3)


def mcp_call(url: str, tool: str, arguments: dict):
    """One tool call as an assistant makes it: the official MCP client over Streamable HTTP."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def call():
        async with streamable_http_client(url + "gradio_api/mcp/") as (read_stream, write_stream, _):
            async with ClientSession(read_stream, write_stream) as session:
                await session.initialize()
                return await session.call_tool(tool, arguments)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # its own loop, whatever runs on this thread (a browser)
        return pool.submit(asyncio.run, call()).result()


def png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def data_url(pixels: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(pixels)).decode()


def test_an_assistant_colorizes_through_mcp_and_cannot_name_links_or_server_files(tmp_path):
    neutral = Colorizer.from_pretrained(models.fixed_color_model(tmp_path / "neutral", ab=(0, 0)), backend="opencv")
    photo = np.full((60, 90), 80, np.uint8)
    photo[:, 45:] = 190
    fetched = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            fetched.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    elsewhere = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    with running_app(neutral, mcp=True) as (url, _):
        hints = [{"points": [[0.2, 0.5], [0.3, 0.5]], "color": "#2050ff", "size": 0.1}]
        done = mcp_call(url, "colorize_image", {"image": data_url(photo), "hints": hints})
        assert not done.isError, done.content
        png = re.search(r"'url': '(http[^']+\.png)'", done.content[0].text).group(1)
        out = np.asarray(Image.open(io.BytesIO(httpx.get(png, timeout=30).content)).convert("RGB")).astype(int)
        assert (out[:, :40, 2] - out[:, :40, 0]).mean() > 20 and np.ptp(out[:, 50:], axis=2).max() <= 2
        # Gradio's upload tool for MCP clients uploads, then names the upload by its link on this server
        uploaded = httpx.post(url + "gradio_api/upload", files={"files": ("scan.png", png_bytes(photo))}).json()[0]
        by_link = mcp_call(url, "colorize_image", {"image": f"{url}gradio_api/file={encode_file_path(uploaded)}"})
        assert not by_link.isError, by_link.content
        elsewhere_url = f"http://127.0.0.1:{elsewhere.server_port}"
        for hostile in (f"{elsewhere_url}/secret.png", f"{elsewhere_url}/gradio_api/file=/etc/passwd",
                        f"{url}gradio_api/file=/etc/passwd", "/etc/passwd", "file:///etc/passwd"):
            assert mcp_call(url, "colorize_image", {"image": hostile}).isError, hostile
        assert not mcp_call(url, "colorize_image", {"image": data_url(photo)}).isError  # still serving
    elsewhere.shutdown()
    assert fetched == []  # the link was refused before anyone fetched it


def test_an_mcp_call_is_cut_off_at_its_size_limit(fixed_colorizer):
    with running_app(fixed_colorizer, mcp=True, max_mcp_request_mb=1) as (url, _):
        endpoint = url + "gradio_api/mcp/"
        body = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"image": "' + b"A" * (2 << 20) + b'"}}'
        said = httpx.post(endpoint, content=body, timeout=30)  # says its length: refused from the header
        assert said.status_code == 413 and "at most 1 MB" in said.json()["detail"]

        def chunks():  # a chunked body declares no length: counted as it streams in
            for _ in range(64):
                yield b"A" * (64 << 10)

        streamed = httpx.post(endpoint, content=chunks(), timeout=30)
        assert streamed.status_code == 413 and "at most 1 MB" in streamed.json()["detail"]
        assert not mcp_call(url, "colorize_image", {"image": data_url(np.full((8, 8), 90, np.uint8))}).isError


def test_the_endpoints_are_tools_for_assistants(fixed_colorizer):
    with running_app(fixed_colorizer, mcp=True) as (url, _):
        tools = httpx.get(url + "gradio_api/mcp/schema", timeout=30).json()
    for tool in tools:  # a schema MCP clients accept: "type": {} made them refuse the whole tool
        jsonschema.validators.validator_for(tool["inputSchema"]).check_schema(tool["inputSchema"])
    by_name = {tool["name"]: tool for tool in tools}
    assert set(by_name) == {"colorize_image", "colorize_video", "colorize_batch"}
    image = by_name["colorize_image"]
    assert image["description"].startswith("Colorize a grayscale photo")
    assert set(image["inputSchema"]["properties"]) == {"image", "intensity", "saturation", "hue", "render_size",
                                                       "hints"}
    assert "fractions of the photo" in image["inputSchema"]["properties"]["hints"]["description"]
    for tool in tools:  # the same sentences as the API page, from one table
        for name, schema in tool["inputSchema"]["properties"].items():
            assert schema["description"].startswith(texts.endpoint_parameters(AppLimits(), tool["name"])[name]), \
                (tool["name"], name)
    film_hints = by_name["colorize_video"]["inputSchema"]["properties"]["hints"]
    assert film_hints["items"]["required"] == ["time", "points", "color"] and "carried through its shot" in \
        film_hints["description"]
    assert "1 (every frame) to 16" in by_name["colorize_video"]["inputSchema"]["properties"]["keyframes"]["description"]
    for tool in ("colorize_image", "colorize_video"):  # Gradio's schema leaves out a default of 0
        assert "Default 0." in by_name[tool]["inputSchema"]["properties"]["hue"]["description"]
