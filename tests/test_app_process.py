"""`python app.py` as a user starts it: a real process, its port from the environment, both endpoints."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from support.media import frame_times, make_clip
from support.server import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def start(env_extra: dict, tmp_path: Path):
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), HF_HOME=str(tmp_path / "hf-home"), **env_extra)
    env.pop("GRADIO_SERVER_NAME", None)
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"app.py exited: {process.stdout.read()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise AssertionError("app.py did not start serving in time")


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_python_app_py_serves_both_endpoints(fixed_dir, tmp_path):
    process, url = start({"COLORIZATION_MODEL": str(fixed_dir)}, tmp_path)
    try:
        client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        photo = tmp_path / "p.png"
        Image.new("L", (20, 10), 90).save(photo)
        _, png = client.predict(handle_file(photo), api_name="/colorize_image")
        assert np.asarray(Image.open(png)).shape == (10, 20, 3)
        out = client.predict(handle_file(make_clip(tmp_path / "f.mp4", frames_per_shot=4)), api_name="/colorize_video")
        assert len(frame_times(Path(out["video"] if isinstance(out, dict) else out))) == 8
    finally:
        stop(process)
    assert not (tmp_path / ".gradio").exists()  # nothing written to the working folder


def test_without_a_model_the_app_starts_and_says_why(tmp_path):
    process, url = start({"HF_ENDPOINT": "http://127.0.0.1:9"}, tmp_path)  # no model folder, no cache, no Hub
    try:
        page = httpx.get(url + "config", timeout=10).text
        assert "model could not be fetched" in page and "COLORIZATION_MODEL" in page
        assert "Hub unreachable" not in page and "BilalSardar" not in page  # the sources tried go to the log
    finally:
        stop(process)
    log = process.stdout.read()
    assert "Hub unreachable and not in the local cache" in log and "BilalSardar/Black-N-White-To-Color" in log
