"""Issue 17, the routes: every route that runs an event is guarded, whatever its name or trailing slash.

Each test attacks a real server on 127.0.0.1 over raw HTTP, as the probe did, and asserts the one
sentence it gets back and that nothing else happened: no fetch, no file read, no network run.
"""

from __future__ import annotations

import http.server
import json
import logging
import threading
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from support import raw
from support.server import running_app

from webapp.guard import MAX_EVENT_BODY, TOO_DEEP, TOO_LARGE
from webapp.uploads import LINKS_REFUSED, NOT_AVAILABLE

ROOT = Path(__file__).resolve().parent.parent
API_NAMES = ("colorize_image", "colorize_video", "colorize_batch", "on_upload")
# the routes the issue names, spelled as a caller spells them; the test below adds every POST route Gradio has
NAMED = [f"gradio_api/{kind}/{name}{slash}" for kind in ("api", "run", "call", "call/v2") for name in API_NAMES
         for slash in ("", "/")] + ["gradio_api/queue/join"]
UNROUTED = ["gradio_api/queue/join/", "gradio_api/api/predict", "gradio_api/some/route/a/newer/gradio/adds"]


class Trap:
    """An HTTP server on 127.0.0.1 that counts every request made to it: a link the app must never fetch."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        trap = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                trap.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(b"\x89PNG\r\n\x1a\n")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/x.png"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="module")
def server(fixed_colorizer):
    trap = Trap()
    with running_app(fixed_colorizer) as (url, demo):
        yield url, demo, trap
    trap.close()


def all_routes(routes):
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from all_routes(included.routes)
        else:
            yield route


def event_routes(demo) -> list[str]:
    """Every POST route of the running app but upload and MCP, with its parameters filled in."""
    routes = set()
    for route in all_routes(demo.server_app.routes):
        path = getattr(route, "path", "")
        if "POST" not in (getattr(route, "methods", None) or ()) or path.startswith(("/gradio_api/mcp",)):
            continue
        if path.rstrip("/") in ("/gradio_api/upload",):
            continue
        for name in API_NAMES:
            routes.add(path.replace("{api_name}", name).replace("{event_id}", "0" * 32).lstrip("/"))
    return sorted(routes)


def body(demo, name: str, file_value) -> dict:
    index = raw.fn_index(demo, name)
    values = [file_value, 1.0, 1.0, 0.0, 224] + ([None] if name == "colorize_image" else [])
    if name == "colorize_video":
        values = [file_value, 1.0, 1.0, 0.0, 0.85, 2, 224, None]
    if name == "colorize_batch":
        values[0] = [file_value]
    return {"data": values, "fn_index": index, "session_hash": "attacker01", "event_data": None, "trigger_id": None}


def test_the_route_list_covers_what_the_issue_names(server):
    _, demo, _ = server
    routes = event_routes(demo)
    for named in NAMED:
        assert named in routes, named
    assert len(routes) > len(NAMED)  # /stream/<id>, /component_server, /reset, ... are guarded too


def test_every_event_route_refuses_a_link_and_fetches_nothing(server, fixed_colorizer):
    url, demo, trap = server
    calls = fixed_colorizer.network_calls
    link = {"path": trap.url, "meta": {"_type": "gradio.FileData"}}
    with httpx.Client(timeout=30) as http:
        for route in event_routes(demo) + UNROUTED:
            for name in API_NAMES:
                said = http.post(url + route, json=body(demo, name, link))
                assert said.status_code == 400 and said.json() == {"detail": LINKS_REFUSED, "error": LINKS_REFUSED}, \
                    (route, name, said.status_code, said.text[:200])
    assert trap.hits == [] and fixed_colorizer.network_calls == calls


def test_every_event_route_refuses_a_server_path_with_one_sentence(server, fixed_colorizer):
    url, demo, _ = server
    calls = fixed_colorizer.network_calls
    with httpx.Client(timeout=30) as http:
        for path in ("app.py", str(ROOT / "app.py"), "/etc/passwd", "x" * 5000, "../" * 40 + "etc/passwd"):
            for route in ("gradio_api/api/colorize_image", "gradio_api/queue/join", "gradio_api/run/colorize_batch/"):
                said = http.post(url + route, json=body(demo, "colorize_image", {"path": path}))
                assert said.status_code == 400 and said.json()["detail"] == NOT_AVAILABLE, (path, route, said.text)
    assert fixed_colorizer.network_calls == calls


def test_every_event_route_caps_its_body_by_header_and_as_it_streams(server):
    url, demo, _ = server
    big = json.dumps({"data": ["x" * (MAX_EVENT_BODY + 10)], "fn_index": 0, "session_hash": "a"}).encode()

    def chunks():
        for start in range(0, len(big), 64 << 10):
            yield big[start:start + (64 << 10)]

    with httpx.Client(timeout=30) as http:
        for route in event_routes(demo):
            said = http.post(url + route, content=big, headers={"content-type": "application/json"})
            assert said.status_code == 413 and said.json()["detail"] == TOO_LARGE, (route, said.status_code)
        for route in NAMED[:4] + ["gradio_api/queue/join"]:
            said = http.post(url + route, content=chunks(), headers={"content-type": "application/json"})
            assert said.status_code == 413 and said.json()["detail"] == TOO_LARGE, (route, said.status_code)


def test_json_nested_500_deep_gets_400_and_no_traceback(server, caplog, capfd):
    url, _demo, _ = server
    nested = "[" * 500 + "]" * 500
    caplog.set_level(logging.INFO)
    with httpx.Client(timeout=30) as http:
        for route in ("gradio_api/api/colorize_image", "gradio_api/queue/join", "gradio_api/call/colorize_image"):
            for text in (nested, '{"data": ' + nested + ', "fn_index": 0}', '{"data": [' + "{\"a\":" * 400 + "1"
                         + "}" * 400 + "]}"):
                said = http.post(url + route, content=text, headers={"content-type": "application/json"})
                assert said.status_code == 400 and said.json()["detail"] == TOO_DEEP, (route, said.text[:200])
    assert "Traceback" not in capfd.readouterr().err and "RecursionError" not in caplog.text


def test_a_plain_http_call_with_an_upload_still_works(server, tmp_path):
    url, demo, _ = server
    photo = tmp_path / "plain.png"
    Image.new("L", (12, 8), 120).save(photo)
    with httpx.Client(timeout=60) as http:
        uploaded = http.post(url + "gradio_api/upload", files={"files": ("plain.png", photo.read_bytes())}).json()[0]
        said = http.post(url + "gradio_api/api/colorize_image",
                         json=body(demo, "colorize_image", {"path": uploaded, "meta": {"_type": "gradio.FileData"}}))
    assert said.status_code == 200, said.text
    result = said.json()["data"][1]
    png = httpx.get(url + f"gradio_api/file={result['path']}").content
    assert np.asarray(Image.open(__import__("io").BytesIO(png))).shape == (8, 12, 3)
