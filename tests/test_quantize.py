"""Int8 that checks itself on the weights it loaded: generated networks it passes on and one it fails on."""

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import models, raw
from support.server import serving

from benchmarks import architecture as arch
from colorization import Colorizer, InputError
from colorization.model import quantize
from colorization.model.caffe import Layer
from colorization.model.fetch import resolve_model_files

ROOT = Path(__file__).resolve().parent.parent


def fragile_layers() -> list[Layer]:
    """Six convolutions of random weights and sharp logits: quantization error piles up through them."""
    return [arch.input_layer(64),
            arch.conv_layer("a", "data_l", "a", 8, 3, 2, 1), Layer("relu_a", "ReLU", ["a"], ["a"]),
            arch.conv_layer("b", "a", "b", 16, 3, 1, 2, dilation=2), Layer("relu_b", "ReLU", ["b"], ["b"]),
            arch.conv_layer("c", "b", "c", 16, 3, 2, 1),
            arch.conv_layer("up", "c", "up", 8, 4, 2, 1, kind="Deconvolution"),
            arch.conv_layer("d", "up", "d", 12, 3, 2, 1), Layer("relu_d", "ReLU", ["d"], ["d"]),
            arch.conv_layer("conv8_313", "d", "conv8_313", 313, 1)] + arch.head_layers("conv8_313")


def fresh(folder: Path, kind: str) -> Path:
    """A model folder of its own (so that each test builds its own int8 cache)."""
    if kind == "fixed":
        return models.fixed_color_model(folder)
    if kind == "brightness":
        return models.brightness_model(folder)
    layers = fragile_layers()
    return arch.write_model(folder, layers, weights=arch.random_weights(layers, seed=5, logit_scale=2.0))


def test_int8_passes_on_a_network_it_does_not_hurt(tmp_path):
    files = resolve_model_files(fresh(tmp_path, "fixed"))
    _, verdict = quantize.build(files)
    assert verdict.passed and verdict.kept_fp32 == () and verdict.mean <= quantize.GATE_MEAN
    assert quantize.cached(files)[1] == verdict  # cached with the model, for the next start
    colorizer = Colorizer.from_pretrained(tmp_path, precision="auto")  # the cached verdict says yes
    assert colorizer.precision == "int8"
    expected = models.lab_to_rgb8(models.lightness_of_gray(118), *models.FIXED_AB).astype(int)
    assert np.abs(colorizer.colorize(np.full((8, 8), 118, np.uint8)).astype(int) - expected).max() <= 1
    assert Colorizer.from_pretrained(tmp_path, precision="fp32").precision == "fp32"


def test_the_most_sensitive_layer_is_kept_in_fp32_when_that_is_enough(tmp_path, photo):
    files = resolve_model_files(fresh(tmp_path, "brightness"))
    _, verdict = quantize.build(files)
    assert verdict.passed and verdict.kept_fp32 == ("conv8_313",)  # the logits: measured the most sensitive
    assert max(verdict.sensitivity, key=verdict.sensitivity.get) == "conv8_313"
    fp32 = Colorizer.from_pretrained(tmp_path, precision="fp32").predict(photo).ab
    int8 = Colorizer.from_pretrained(tmp_path, precision="auto").predict(photo).ab
    assert np.linalg.norm(int8 - fp32, axis=-1).mean() <= quantize.GATE_MEAN


def test_int8_is_refused_where_it_hurts_and_forcing_it_says_by_how_much(tmp_path, caplog):
    files = resolve_model_files(fresh(tmp_path, "fragile"))
    _, verdict = quantize.build(files)
    assert not verdict.passed and verdict.mean > quantize.GATE_MEAN
    assert len(verdict.kept_fp32) == max(1, len(verdict.sensitivity) // 3)  # it tried before giving up
    assert Colorizer.from_pretrained(tmp_path, precision="auto").precision == "fp32"  # the verdict says no
    caplog.set_level(logging.WARNING, logger="colorization")
    assert Colorizer.from_pretrained(tmp_path, precision="int8").precision == "int8"  # forced: yes, with a warning
    assert "int8 forced although its self-check failed" in caplog.text and f"{verdict.mean:.2f}" in caplog.text


def test_precision_is_checked_and_int8_needs_onnx_runtime(tmp_path, monkeypatch):
    fresh(tmp_path, "fixed")
    quantize.build(resolve_model_files(tmp_path))
    with pytest.raises(InputError, match="int8 needs the onnxruntime backend"):
        Colorizer.from_pretrained(tmp_path, backend="opencv", precision="int8")
    with pytest.raises(InputError, match="Unknown precision 'int4'"):
        Colorizer.from_pretrained(tmp_path, precision="int4")
    monkeypatch.setenv("COLORIZATION_PRECISION", "auto")
    assert Colorizer.from_pretrained(tmp_path).precision == "int8"  # the environment decides
    monkeypatch.setenv("COLORIZATION_PRECISION", "fp32")
    assert Colorizer.from_pretrained(tmp_path).precision == "fp32"


@pytest.mark.slow
def test_the_command_line_builds_int8_on_first_use_and_auto_follows_the_verdict(tmp_path):
    model = fresh(tmp_path / "model", "fragile")
    photo = tmp_path / "p.png"
    from PIL import Image

    Image.fromarray(np.full((16, 16), 90, np.uint8)).save(photo)
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLORIZATION_MODEL=str(model), COLORIZATION_PRECISION="auto")

    def colorize(*args):
        return subprocess.run([sys.executable, "-m", "colorization", "image", str(photo), "-o",
                               str(tmp_path / "out"), "--overwrite", "-q", *args], capture_output=True, text=True,
                              env=env, timeout=300)

    done = colorize("--precision", "int8", "--backend", "opencv")
    assert done.returncode == 2 and "int8 needs the onnxruntime backend" in done.stderr
    done = colorize("--precision", "int8")
    assert done.returncode == 0, done.stderr
    assert "Built the int8 model in" in done.stderr and "self-check failed" in done.stderr
    done = colorize()  # auto: the cached verdict says no, so fp32, silently
    assert done.returncode == 0 and "int8" not in done.stderr


@pytest.mark.slow
def test_the_app_swaps_in_int8_when_its_background_check_passes(tmp_path, monkeypatch):
    from webapp.int8_upgrade import check_int8_in_background
    from webapp.state import AppState

    monkeypatch.setenv("COLORIZATION_PRECISION", "auto")
    shutil.copytree(fresh(tmp_path / "src", "fixed"), tmp_path / "model")
    colorizer = Colorizer.from_pretrained(tmp_path / "model")
    assert colorizer.precision == "fp32"  # nothing checked yet: serve fp32 at once
    state = AppState(colorizer)
    with serving(state) as (url, demo):
        footer = raw.fn_index(demo, "footer_now")  # the footer's load event, sent by every page as it opens
        assert "fp32." in raw.call(url, footer, []).data[0]
        worker = check_int8_in_background(state, time_limit=120)
        worker.join(180)
        assert colorizer.precision == "int8" and state.speeds.network > 0
        assert quantize.cached(colorizer.files)[1].passed
        assert "onnxruntime backend, int8." in raw.call(url, footer, []).data[0]  # a page opened now


def test_the_background_build_gets_the_model_files_and_caches_a_passing_verdict(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    files = resolve_model_files(fresh(tmp_path, "fixed"))
    assert quantize.cached(files) == (None, None)
    process = quantize.build_in_background(files, time_limit=120)
    _, errors = process.communicate(timeout=300)
    assert process.returncode == 0, errors.decode()[-2000:]
    model, verdict = quantize.cached(files)
    assert model is not None and verdict.passed
