"""Inference backends: one class each behind a tiny interface, one registry of names, the load checks.

A backend maps a batch of centred lightness (N x 1 x H x W float32, L - 50) to the predicted
a/b (N x 2 x H/4 x W/4 float32). OpenCV DNN on the Caffe files is the reference; ONNX Runtime
(`onnx_backend`) runs the same weights translated to ONNX, faster on CPU. What differs between
backends is said on the class (batch size, int8, typical speed); a new backend is one module
and one line of `BACKENDS` (in `model.settings`, beside the setting that names them).
"""

from __future__ import annotations

import importlib
import logging
import time
from typing import Protocol

import numpy as np

from .. import config
from ..errors import InputError, ModelInvalidError, said
from ..model import caffe
from ..model.files import ModelFiles
from ..model.settings import BACKENDS, ModelSettings

log = logging.getLogger("colorization")


class Backend(Protocol):
    name: str
    precision: str  # "fp32" or "int8"
    batch_size: int  # frames per network call that keep this device busy
    supports_int8: bool  # can run the quantized copy of the weights
    typical_seconds: float  # one 224x224 frame, warm, in a batch, on 2 CPU cores: the estimate before timing

    def run(self, l_centered: np.ndarray) -> np.ndarray:
        """N x 1 x H x W (L - 50) -> N x 2 x H/4 x W/4 (a, b)."""
        ...




def backend_class(name: str) -> type:
    """The class registered under `name`."""
    module, _, cls = BACKENDS[name].partition(":")
    return getattr(importlib.import_module(f".{module}", __package__), cls)


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
    except Exception as exc:  # each runtime raises its own types (ONNX Runtime's derive from Exception only)
        log.debug("The %s backend's self-test failed", backend.name, exc_info=True)
        raise ModelInvalidError(f"The network failed its self-test: {said(exc, first=True)}") from exc
    if out.shape != (1, 2, 16, 16):
        raise ModelInvalidError(f"The network's self-test gave shape {out.shape}, expected (1, 2, 16, 16)")
    if not np.isfinite(out).all() or np.abs(out).max() > 128:
        raise ModelInvalidError("The network's self-test gave a/b values outside the Lab range: broken weights?")


def load_backend(files: ModelFiles, settings: ModelSettings | str | None = None) -> Backend:
    """Validate the files, build the named backend (or the default) at the asked precision, and self-test it.

    precision "fp32"; "int8" (a backend that supports it: built on first use without the gate, with a
    warning that says how far it is from fp32); "auto" (the default): int8 when a cached self-check passed.
    `settings` may be a backend's name alone.
    """
    from ..model import quantize

    if not isinstance(settings, ModelSettings):
        settings = ModelSettings(backend=settings)
    name = (settings.backend or config.backend() or default_backend_name()).lower()
    if name not in BACKENDS:
        raise InputError(f"Unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}")
    cls = backend_class(name)
    precision = quantize.resolve_precision(settings.precision)
    if precision == "int8" and not cls.supports_int8:
        raise InputError(f"int8 needs the onnxruntime backend, not {name}.")
    validate_files(files)
    int8 = None
    if precision != "fp32" and cls.supports_int8:
        int8 = int8_backend(files, forced=precision == "int8", settings=settings)
    backend = int8 or cls(files, settings)
    self_test(backend)
    log.info("Network loaded with the %s backend (%s)", backend.name, backend.precision)
    return backend


def int8_backend(files: ModelFiles, forced: bool = False, settings: ModelSettings | None = None) -> Backend | None:
    """ONNX Runtime on the int8 model: the cached one whose self-check passed, or (forced) any, built now if needed."""
    from ..model import quantize
    from .onnx_backend import OnnxBackend

    model, verdict = quantize.cached(files)
    if forced and model is None:
        started = time.monotonic()
        model, verdict = quantize.build(files, gate=False)
        log.warning("Built the int8 model in %.0f s (first use only; it is cached)", time.monotonic() - started)
    if verdict is None or not (verdict.passed or forced):
        return None
    if not verdict.passed:
        log.warning("int8 forced although its self-check failed: %s", verdict.describe())
    return OnnxBackend(files, settings, model=model, precision="int8")
