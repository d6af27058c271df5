"""Shared fixtures. Nothing here reaches the network: gradio and the Hub client are told so first."""

from __future__ import annotations

import os
import tempfile

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.pop("COLORIZATION_MODEL", None)
# fp32 unless a test asks otherwise: an int8 verdict cached beside a shared fixture model must not
# change what later tests compute (tests of int8 pass precision= themselves)
os.environ["COLORIZATION_PRECISION"] = "fp32"

from pathlib import Path

import numpy as np
import pytest
from support import models

from benchmarks import architecture as arch
from colorization import Colorizer
from colorization.backends import BACKENDS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="session")
def fixed_dir(tmp_path_factory) -> Path:
    return models.fixed_color_model(tmp_path_factory.mktemp("fixed"))


@pytest.fixture(scope="session")
def brightness_dir(tmp_path_factory) -> Path:
    return models.brightness_model(tmp_path_factory.mktemp("brightness"))


@pytest.fixture(scope="session")
def real_arch_dir(tmp_path_factory) -> Path:
    """The released layer stack with random weights (same compute as the real model)."""
    return arch.write_model(tmp_path_factory.mktemp("real_arch"), seed=0)


@pytest.fixture(scope="session", params=sorted(BACKENDS))  # every registered backend runs the same tests
def backend_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def fixed_colorizer(fixed_dir) -> Colorizer:
    return Colorizer.from_pretrained(fixed_dir, backend="opencv")


@pytest.fixture(scope="session")
def brightness_colorizer(brightness_dir) -> Colorizer:
    return Colorizer.from_pretrained(brightness_dir, backend="opencv")


@pytest.fixture(scope="module")
def state(fixed_colorizer):
    """The web app's shared state around the fixed model, for handlers called without a server (one per module)."""
    from webapp.state import AppState

    return AppState(fixed_colorizer)


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """A real color photograph shipped with the examples (RGB uint8)."""
    from colorization.images import load_image

    return load_image(EXAMPLES / "images" / "originals" / "astronaut.jpg").pixels


@pytest.fixture(scope="session")
def site(brightness_colorizer):
    """(browser, url): the app served around the brightness model, and headless Chromium (browser tests)."""
    from support.browser import launch

    with launch(brightness_colorizer) as served:
        yield served


@pytest.fixture
def work_folders(tmp_path, monkeypatch):
    """This test's own temporary folder; returns a function listing the video jobs' work folders in it.
    Another xdist worker's jobs make and remove theirs in the system's folder at any moment."""
    from colorization.video import WORK_PREFIX

    private = tmp_path / "system-tmp"
    private.mkdir()
    # a server already running keeps its uploads where Gradio's routes put them (<tmp>/gradio, read once)
    uploads = os.environ.get("GRADIO_TEMP_DIR") or os.path.join(tempfile.gettempdir(), "gradio")
    monkeypatch.setenv("GRADIO_TEMP_DIR", uploads)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    return lambda: sorted(private.glob(WORK_PREFIX + "*"))
