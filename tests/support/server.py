"""Start the real app in-process on a free loopback port, launched as `python app.py` launches it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
from gradio_client import Client, handle_file
from PIL import Image

from colorization import Colorizer

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(handlers, mcp: bool = False):
    """Serve an AppState; yields (url, demo)."""
    import app

    demo = app.build_app(handlers)
    port = free_port()
    app.launch(demo, handlers.limits, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
               quiet=True, mcp_server=mcp)
    try:
        yield f"http://127.0.0.1:{port}/", demo
    finally:
        demo.close()


@contextmanager
def running_app(colorizer: Colorizer | None, error: str | None = None, mcp: bool = False, **limits):
    """Serve the app around `colorizer` with the given AppLimits fields; yields (url, demo)."""
    from webapp.limits import AppLimits
    from webapp.state import AppState

    with serving(AppState(colorizer, error, AppLimits(**limits)), mcp) as served:
        yield served


def start_app_process(folder: Path, *arguments: str, **env_extra: str):
    """`python app.py` as a user starts it, in `folder`, on a free port from the environment; returns
    (process, url) once it serves. Its uploads go to folder/server-cache, its Hugging Face cache to
    folder/hf-home."""
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_TEMP_DIR=str(folder / "server-cache"),
               HF_HOME=str(folder / "hf-home"), **env_extra)
    env.pop("GRADIO_SERVER_NAME", None)
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), *arguments], cwd=folder, env=env,
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


def stop_app_process(process) -> str:
    """Stop it as a Space stops it (SIGTERM) and return what it printed."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    return process.stdout.read()


def assert_normal_photo_works(url: str) -> None:
    """After an attack or a fault: an ordinary photo is still colorized through the public API."""
    with tempfile.TemporaryDirectory() as folder:
        photo = Path(folder) / "normal.png"
        Image.new("L", (9, 7), 100).save(photo)
        client = Client(url, verbose=False, download_files=folder)
        result = client.predict(handle_file(photo), api_name="/colorize_image")[1]
        assert np.asarray(Image.open(result)).shape == (7, 9, 3)
