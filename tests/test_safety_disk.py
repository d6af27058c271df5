"""Issue 17, the disk: one address may store at most its share of uploads and results at once, and
all visitors together at most the server's; past it, a sentence and nothing stored."""

from __future__ import annotations

import io

import httpx
import numpy as np
from PIL import Image
from support import raw
from support.server import serving
from test_safety_jobs import PHOTO_SETTINGS, call_as, file_value, in_uploads

from webapp.limits import AppLimits
from webapp.state import AppState

A, B, C = "203.0.113.5", "198.51.100.7", "192.0.2.9"


def noise_png(side: int, seed: int = 0) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def upload(url: str, name: str, content, address: str) -> httpx.Response:
    with httpx.Client(timeout=60, headers={"X-Forwarded-For": address}) as http:
        if isinstance(content, bytes):
            return http.post(url + "gradio_api/upload", files={"files": (name, content, "image/png")})
        return http.post(url + "gradio_api/upload", content=content,
                         headers={"content-type": "multipart/form-data; boundary=xyz"})


def stored(folder, name: str) -> list:
    return [p for p in folder.rglob(name) if p.is_file()]


def test_uploads_past_a_client_s_share_are_refused_and_not_stored(fixed_colorizer, tmp_path, monkeypatch):
    cache = tmp_path / "server-cache"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    state = AppState(fixed_colorizer, limits=AppLimits(disk_per_client_mb=1, disk_total_mb=100))
    photo = noise_png(830)  # about 700 KB
    assert 600_000 < len(photo) < 1 << 20
    with serving(state) as (url, _):
        assert upload(url, "first.png", photo, A).status_code == 200
        said = upload(url, "second.png", photo, A)
        assert said.status_code == 413 and said.json()["detail"] == (
            "Your uploads and results fill your 1 MB on this server; each is deleted 60 minutes after it was made, "
            "so please try again later."), said.text
        assert stored(cache, "second.png") == []
        assert upload(url, "other.png", photo, B).status_code == 200  # another address has its own share

        def chunks():  # no Content-Length: counted as it streams in, cut off past the share
            yield b"--xyz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.png\"\r\n\r\n"
            for _ in range(32):
                yield b"\0" * (64 << 10)
            yield b"\r\n--xyz--\r\n"

        streamed = upload(url, "big.png", chunks(), C)
        assert streamed.status_code == 413 and "fill your 1 MB" in streamed.json()["detail"]
        assert stored(cache, "big.png") == []


def test_the_server_s_total_is_shared_by_every_address(fixed_colorizer, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "server-cache"))
    state = AppState(fixed_colorizer, limits=AppLimits(disk_per_client_mb=100, disk_total_mb=1))
    photo = noise_png(830)
    with serving(state) as (url, _):
        assert upload(url, "first.png", photo, A).status_code == 200
        said = upload(url, "second.png", photo, B)
        assert said.status_code == 413 and said.json()["detail"].startswith(
            "The server's 1 MB of space for visitors' files is full"), said.text


def test_results_count_against_the_share_and_work_stops_when_it_is_used_up(fixed_colorizer, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "server-cache"))
    state = AppState(fixed_colorizer, limits=AppLimits(disk_per_client_mb=1, disk_total_mb=100))
    source = tmp_path / "noise.png"
    source.write_bytes(noise_png(600, seed=1))
    with serving(state) as (url, demo):
        index = raw.fn_index(demo, "colorize_image")
        value = file_value(in_uploads(source, "noise.png"))  # placed, not uploaded: only results are charged
        answers = [call_as(url, index, [value, *PHOTO_SETTINGS, None], f"disk{n}", A) for n in range(3)]
        assert not answers[0].refused and answers[-1].refused, answers
        calls = fixed_colorizer.network_calls
        refused = call_as(url, index, [value, *PHOTO_SETTINGS, None], "disk9", A)
        assert refused.error.startswith("Your uploads and results fill your 1 MB on this server") and \
            fixed_colorizer.network_calls == calls
        assert not call_as(url, index, [value, *PHOTO_SETTINGS, None], "disk10", B).refused
