"""`python app.py` as a user starts it: a real process, its port from the environment, both endpoints."""

from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image
from support.media import frame_times, make_clip
from support.server import start_app_process, stop_app_process

pytestmark = pytest.mark.slow


def test_python_app_py_serves_both_endpoints(fixed_dir, tmp_path):
    process, url = start_app_process(tmp_path, COLORIZATION_MODEL=str(fixed_dir))
    try:
        client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        photo = tmp_path / "p.png"
        Image.new("L", (20, 10), 90).save(photo)
        _, png = client.predict(handle_file(photo), api_name="/colorize_image")
        assert np.asarray(Image.open(png)).shape == (10, 20, 3)
        out = client.predict(handle_file(make_clip(tmp_path / "f.mp4", frames_per_shot=4)), api_name="/colorize_video")
        assert len(frame_times(Path(out["video"] if isinstance(out, dict) else out))) == 8
    finally:
        stop_app_process(process)
    assert not (tmp_path / ".gradio").exists()  # nothing written to the working folder


def test_without_a_model_the_app_starts_and_says_why(tmp_path):
    process, url = start_app_process(tmp_path, HF_ENDPOINT="http://127.0.0.1:9")  # no model folder, no cache, no Hub
    try:
        page = httpx.get(url + "config", timeout=10).text
        assert "model could not be fetched" in page and "COLORIZATION_MODEL" in page
        assert "Hub unreachable" not in page and "BilalSardar" not in page  # the sources tried go to the log
    finally:
        log = stop_app_process(process)
    assert "Hub unreachable and not in the local cache" in log and "BilalSardar/Black-N-White-To-Color" in log
