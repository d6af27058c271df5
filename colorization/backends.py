"""Inference backends: one class each behind a tiny interface, one registry of names, the load checks.

A backend maps a batch of centred lightness (N x 1 x H x W float32, L - 50) to the predicted
a/b (N x 2 x H/4 x W/4 float32). OpenCV DNN on the Caffe files is the reference; ONNX Runtime
(`onnx_backend`) runs the same weights translated to ONNX, faster on CPU.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Protocol

import numpy as np

from . import caffe, quantize
from .errors import InputError, ModelInvalidError
from .model_files import ModelFiles
from .onnx_backend import OnnxBackend

log = logging.getLogger("colorization")

ENV_BACKEND = "COLORIZATION_BACKEND"


class Backend(Protocol):
    name: str
    precision: str  # "fp32" or "int8"
    batch_size: int  # frames per network call that keep this device busy

    def run(self, l_centered: np.ndarray) -> np.ndarray:
        """N x 1 x H x W (L - 50) -> N x 2 x H/4 x W/4 (a, b)."""
        ...


class OpenCVBackend:
    """OpenCV DNN on the Caffe files, as in OpenCV's own colorization sample."""

    name = "opencv"
    precision = "fp32"
    batch_size = 4

    def __init__(self, files: ModelFiles) -> None:
        import cv2

        try:
            net = cv2.dnn.readNetFromCaffe(str(files.prototxt), str(files.weights))
        except cv2.error as exc:
            raise ModelInvalidError(f"OpenCV could not read the model: {str(exc).strip().splitlines()[-1]}") from None
        for layer, blob in caffe.loader_blobs(caffe.load_points(files.points)).items():
            net.getLayer(net.getLayerId(layer)).blobs = [blob]
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.enableWinograd(False)  # Winograd trades up to ~0.01 a/b of precision for speed; we are the reference
        self._net = net
        self._lock = threading.Lock()  # a cv2.dnn.Net is not safe to run from two threads

    def run(self, l_centered: np.ndarray) -> np.ndarray:
        with self._lock:
            self._net.setInput(np.ascontiguousarray(l_centered, dtype=np.float32))
            return np.array(self._net.forward(), dtype=np.float32)


BACKENDS = {"onnxruntime": OnnxBackend, "opencv": OpenCVBackend}


def default_backend_name() -> str:
    """ONNX Runtime when installed (faster), else OpenCV DNN."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "opencv"
    return "onnxruntime"


def validate_files(files: ModelFiles) -> None:
    """Check the weights fit the prototxt, layer by layer, before any backend loads them."""
    try:
        spec = caffe.parse_prototxt(files.prototxt.read_text(encoding="utf-8", errors="replace"))
        weights = caffe.read_caffemodel(files.weights.read_bytes(), shapes_only=True)
        caffe.load_points(files.points)
    except ValueError as exc:
        raise ModelInvalidError(f"The model files from {files.origin} are not usable: {exc}") from None
    problems = caffe.validate_structure(spec, weights)
    if problems:
        listed = "\n  - ".join(problems[:8])
        raise ModelInvalidError(f"The model files from {files.origin} do not fit together:\n  - {listed}")


def self_test(backend: Backend) -> None:
    """Run one small input through the network so broken weights fail now, not on a visitor's photo."""
    ramp = np.linspace(-50, 50, 64 * 64, dtype=np.float32).reshape(1, 1, 64, 64)
    try:
        out = backend.run(ramp)
    except Exception as exc:
        raise ModelInvalidError(f"The network failed its self-test: {exc}") from None
    if out.shape != (1, 2, 16, 16):
        raise ModelInvalidError(f"The network's self-test gave shape {out.shape}, expected (1, 2, 16, 16)")
    if not np.isfinite(out).all() or np.abs(out).max() > 128:
        raise ModelInvalidError("The network's self-test gave a/b values outside the Lab range: broken weights?")


def load_backend(files: ModelFiles, name: str | None = None, precision: str | None = None) -> Backend:
    """Validate the files, build the named backend (or the default) at the asked precision, and self-test it.

    precision "fp32"; "int8" (ONNX Runtime only: built on first use without the gate, with a warning
    that says how far it is from fp32); "auto" (the default): int8 when a cached self-check passed.
    """
    name = (name or os.environ.get(ENV_BACKEND) or default_backend_name()).lower()
    if name not in BACKENDS:
        raise InputError(f"Unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}")
    precision = quantize.resolve_precision(precision)
    if precision == "int8" and name != "onnxruntime":
        raise InputError(f"int8 needs the onnxruntime backend, not {name}.")
    validate_files(files)
    backend = int8_backend(files, forced=precision == "int8") if precision != "fp32" and name == "onnxruntime" else None
    backend = backend or BACKENDS[name](files)
    self_test(backend)
    log.info("Network loaded with the %s backend (%s)", backend.name, backend.precision)
    return backend


def int8_backend(files: ModelFiles, forced: bool = False) -> Backend | None:
    """ONNX Runtime on the int8 model: the cached one whose self-check passed, or (forced) any, built now if needed."""
    model, verdict = quantize.cached(files)
    if forced and model is None:
        started = time.monotonic()
        model, verdict = quantize.build(files, gate=False)
        log.warning("Built the int8 model in %.0f s (first use only; it is cached)", time.monotonic() - started)
    if verdict is None or not (verdict.passed or forced):
        return None
    if not verdict.passed:
        log.warning("int8 forced although its self-check failed: %s", verdict.describe())
    return OnnxBackend(files, model=model, precision="int8")
