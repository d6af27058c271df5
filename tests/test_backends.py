"""ONNX Runtime and OpenCV DNN give the same a/b on the same weights; batching changes nothing."""

from pathlib import Path

import numpy as np
import pytest
from support import models

from benchmarks import architecture as arch
from colorization import Colorizer
from colorization.backends import BACKENDS, load_backend, onnx_backend
from colorization.backends.onnx_backend import OnnxBackend
from colorization.backends.opencv_backend import OpenCVBackend
from colorization.model.caffe import Layer
from colorization.model.fetch import resolve_model_files


def mixed_layers() -> list[Layer]:
    """A small net using every translated feature: stride, dilation, BatchNorm, Scale with bias, Deconvolution."""
    scale = {"bias_term": [True]}
    return [
        arch.input_layer(64),
        arch.conv_layer("a", "data_l", "a", 8, 3, 2, 1),
        Layer("relu_a", "ReLU", ["a"], ["a"]),
        Layer("a_norm", "BatchNorm", ["a"], ["a_norm"]),
        arch.conv_layer("b", "a_norm", "b", 16, 3, 1, 2, dilation=2),
        Layer("relu_b", "ReLU", ["b"], ["b"]),
        Layer("b_scale", "Scale", ["b"], ["b_scale"], {"scale_param": [scale]}),
        arch.conv_layer("c", "b_scale", "c", 16, 3, 2, 1),
        arch.conv_layer("up", "c", "up", 8, 4, 2, 1, kind="Deconvolution"),
        arch.conv_layer("d", "up", "d", 12, 3, 2, 1),
        Layer("relu_d", "ReLU", ["d"], ["d"]),
        arch.conv_layer("conv8_313", "d", "conv8_313", 313, 1),
    ] + arch.head_layers("conv8_313")


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory):
    layers = mixed_layers()
    weights = arch.random_weights(layers, seed=3, logit_scale=2.0)
    rng = np.random.default_rng(4)
    for name, _, blobs in weights:
        if name == "a_norm":
            blobs[0][:] = rng.normal(0, 0.5, blobs[0].shape)
            blobs[1][:] = rng.uniform(0.5, 2.0, blobs[1].shape)
            blobs[2][:] = 2.0  # Caffe stores mean and variance times this factor
    return arch.write_model(tmp_path_factory.mktemp("mixed"), layers, weights=weights)


@pytest.fixture(params=["fixed", "brightness", "mixed", "real"])
def model_dir(request, fixed_dir, brightness_dir, mixed_dir, real_arch_dir):
    return {"fixed": fixed_dir, "brightness": brightness_dir, "mixed": mixed_dir, "real": real_arch_dir}[request.param]


def test_onnx_translation_matches_opencv(model_dir, photo):
    files = resolve_model_files(model_dir)
    reference, translated = OpenCVBackend(files), OnnxBackend(files)
    colorizer = Colorizer(reference)
    batch = np.concatenate([colorizer.network_input(photo, 224), colorizer.network_input(photo[::-1, ::-1], 224)])
    expected, got = reference.run(batch), translated.run(batch)
    assert got.shape == expected.shape == (2, 2, 56, 56)
    assert np.abs(got - expected).max() <= 1e-3
    assert expected.std() > 1.0 or model_dir.name.startswith("fixed")


def test_batched_equals_unbatched(real_arch_dir, photo, backend_name):
    backend = load_backend(resolve_model_files(real_arch_dir), backend_name)
    colorizer = Colorizer(backend)
    inputs = [colorizer.network_input(image, 224) for image in (photo, photo[:200], photo[:, ::-1].copy())]
    together = backend.run(np.concatenate(inputs))
    for index, single in enumerate(inputs):
        np.testing.assert_allclose(together[index : index + 1], backend.run(single), atol=1e-4)


def _without_translation(model: Path, folder: Path) -> Path:
    """A copy of a model folder without its cached ONNX translation."""
    for item in model.iterdir():
        if item.suffix != ".onnx":
            (folder / item.name).write_bytes(item.read_bytes())
    return folder


def test_translation_is_cached_by_digest(fixed_dir, tmp_path, monkeypatch):
    files = resolve_model_files(_without_translation(fixed_dir, tmp_path))
    OnnxBackend(files)
    cached = list(tmp_path.glob("colorization-*.onnx"))
    assert len(cached) == 1

    def fail(*args, **kwargs):
        raise AssertionError("translated again although cached")

    monkeypatch.setattr(onnx_backend, "caffe_to_onnx", fail)
    OnnxBackend(files)
    (tmp_path / "pts_in_hull.npy").write_bytes((fixed_dir / "pts_in_hull.npy").read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(AssertionError, match="translated again"):
        OnnxBackend(resolve_model_files(tmp_path))  # different files: a new key, a new translation


def test_backend_registry_and_choice(fixed_dir, monkeypatch):
    assert set(BACKENDS) == {"onnxruntime", "opencv"}
    files = resolve_model_files(fixed_dir)
    assert load_backend(files).name == "onnxruntime"  # the faster one, installed
    monkeypatch.setenv("COLORIZATION_BACKEND", "opencv")
    assert load_backend(files).name == "opencv"
    with pytest.raises(ValueError, match="Unknown backend 'tpu'; choose one of: onnxruntime, opencv"):
        load_backend(files, "tpu")


def test_fixture_colors_through_onnx(fixed_dir):
    colorizer = Colorizer.from_pretrained(fixed_dir, backend="onnxruntime")
    out = colorizer.colorize(np.full((9, 9), 118, np.uint8))
    assert (out == models.lab_to_rgb8(models.lightness_of_gray(118), *models.FIXED_AB)).all()


def test_an_unreadable_cached_translation_is_rebuilt_not_fatal(fixed_dir, tmp_path, caplog):
    files = resolve_model_files(_without_translation(fixed_dir, tmp_path))
    cached = tmp_path / onnx_backend.onnx_name(files)
    cached.write_bytes(b"\x08\x07 this is not an ONNX model")  # a half-written or rotten cache file
    caplog.set_level("WARNING", logger="colorization")
    colorizer = Colorizer(OnnxBackend(files))
    assert "could not be loaded" in caplog.text and "translating it again" in caplog.text
    out = colorizer.colorize(np.full((9, 9), 118, np.uint8))
    assert (out == models.lab_to_rgb8(models.lightness_of_gray(118), *models.FIXED_AB)).all()
    assert cached.stat().st_size > 1000  # replaced by a good translation


def test_the_onnx_package_accepts_our_translation(real_arch_dir):
    """Our small protobuf writer produces a model the reference checker accepts (onnx: test-only)."""
    import onnx

    files = resolve_model_files(real_arch_dir)
    model = onnx.load_model_from_string(onnx_backend.translate(files))
    onnx.checker.check_model(model, full_check=True)
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("Conv") == 23 and ops.count("ConvTranspose") == 1 and ops.count("BatchNormalization") == 7
    assert model.graph.input[0].name == "data_l" and model.graph.output[0].name == "class8_ab"


def test_the_device_follows_what_onnxruntime_offers():
    from colorization.backends.onnx_backend import CPU, CUDA, choose_providers

    assert choose_providers([CUDA, CPU]) == [CUDA, CPU]
    assert choose_providers([CPU]) == [CPU]
    assert choose_providers([CUDA, CPU], "cpu") == [CPU]
    assert choose_providers([CPU], "cuda") == [CPU]  # asked for, not there: a warning, the CPU
    with pytest.raises(ValueError, match="Unknown device 'tpu'"):
        choose_providers([CPU], "tpu")


def test_a_self_test_failure_is_one_sentence_and_its_traceback_is_logged(caplog):
    from colorization import ModelInvalidError
    from colorization.backends import self_test

    class Crashing:
        name = "crashing"

        def run(self, l_centered):
            raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Conv failed\n  at node conv1_1")

    caplog.set_level("DEBUG", logger="colorization")
    with pytest.raises(ModelInvalidError) as info:
        self_test(Crashing())
    assert str(info.value) == ("The network failed its self-test: "
                               "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Conv failed")
    assert isinstance(info.value.__cause__, RuntimeError)  # the traceback travels with the error
    logged = [r for r in caplog.records if r.exc_info and "self-test" in r.getMessage()]
    assert logged and logged[0].levelname == "DEBUG" and "in run" in caplog.text
