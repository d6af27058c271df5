"""The package as a user installs it: `pip install .` into a fresh virtual environment, without gradio."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.hub import FakeHub
from test_fetch import specs

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the package installed from a copy of the checkout; returns its bin folder."""
    folder = tmp_path_factory.mktemp("install")
    source = folder / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "colorization", source / "colorization", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
    bin_dir = folder / "venv" / "bin"
    done = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(source)], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return bin_dir


def run(bin_dir: Path, *args: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COLORIZATION_MODEL")}
    return subprocess.run([*args], capture_output=True, text=True, timeout=300, cwd=bin_dir.parent,
                          env={**environment, **env})


def test_the_command_works_without_the_app_s_dependencies(installed):
    done = run(installed, str(installed / "colorize"), "--help")
    assert done.returncode == 0 and "colorize image" in done.stdout.replace("{image,video}", "colorize image")
    missing = run(installed, str(installed / "python"), "-c", "import gradio")
    assert missing.returncode != 0 and "No module named 'gradio'" in missing.stderr


def test_the_wheel_holds_the_runtime_and_not_the_tools(installed):
    code = ("import importlib.util as u, colorization, pathlib\n"
            "from colorization.model import quantize\n"
            "print(pathlib.Path(colorization.__file__).parent)\n"
            "print(u.find_spec('benchmarks') is None, u.find_spec('onnxruntime') is not None,\n"
            "      len(quantize.network_inputs('calibrate')), len(quantize.network_inputs('check')))\n")
    done = run(installed, str(installed / "python"), "-c", code)
    location, flags = done.stdout.split("\n")[:2]
    assert "site-packages" in location and flags == "True True 9 9", done.stderr  # no tools; ORT; int8's photos


def test_the_model_is_found_on_the_hub_with_only_the_declared_dependencies(installed, fixed_dir, tmp_path):
    """The real hf_hub_download path, against the local stand-in Hub, in the fresh environment."""
    files = specs(fixed_dir)
    script = (
        "import json, sys\n"
        "import numpy as np\n"
        "from colorization import Colorizer, HubSource, ModelFile\n"
        "files = tuple(ModelFile(tuple(n), s, h) for n, s, h in json.loads(sys.argv[1]))\n"
        "c = Colorizer.from_pretrained(hub_sources=[HubSource('team/colorization', files=files)], "
        "cache_dir=sys.argv[2])\n"
        "print('OK', c.backend.name, c.colorize(np.full((8, 8), 118, np.uint8))[0, 0].tolist())\n"
    )
    with FakeHub() as hub:
        hub.add_folder("model", "team/colorization", fixed_dir)
        done = run(installed, str(installed / "python"), "-c", script,
                   json.dumps([[list(f.names), f.size, f.sha256] for f in files]), str(tmp_path / "cache"),
                   HF_ENDPOINT=hub.url, HF_HUB_DISABLE_TELEMETRY="1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("OK onnxruntime") and sum(hub.gets.values()) == 3
