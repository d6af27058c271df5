"""The ONNX Runtime backend: the verified Caffe weights translated once to ONNX, run by ONNX Runtime.

Faster than OpenCV DNN on a CPU (measured in docs/benchmarks.md). The translation (`onnx_graph`) is cached by
digest (`model_cache`); a cached file that cannot be read or loaded is rebuilt, never fatal.
With onnxruntime-gpu installed and a CUDA device present, the CUDA provider runs the network.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import config
from ..errors import InputError, said
from ..model import cache as model_cache
from ..model import caffe
from ..model.files import ModelFiles
from ..model.onnx_graph import caffe_to_onnx
from ..model.settings import ModelSettings

log = logging.getLogger("colorization")

CONVERTER_VERSION = "1"
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
CPU_BATCH, GPU_BATCH = 4, 16  # frames a video sends per network call: enough to fill each device


def onnx_name(files: ModelFiles) -> str:
    return f"colorization-{model_cache.cache_key(files, CONVERTER_VERSION)}.onnx"


def translate(files: ModelFiles) -> bytes:
    """The fp32 ONNX graph of these Caffe files."""
    spec = caffe.parse_prototxt(files.prototxt.read_text(encoding="utf-8"))
    weights = caffe.read_caffemodel(files.weights.read_bytes())
    return caffe_to_onnx(spec, weights, caffe.loader_blobs(caffe.load_points(files.points)))


def onnx_model(files: ModelFiles, rebuild: bool = False) -> Path | bytes:
    """The ONNX translation of these files: the cached file's path, or the bytes if no folder is writable."""
    name = onnx_name(files)
    cached = None if rebuild else model_cache.find(files, name)
    if cached is not None:
        return cached
    model = translate(files)
    return model_cache.store(files, name, model) or model


def choose_providers(available: Sequence[str], requested: str | None = None) -> list[str]:
    """CUDA when onnxruntime-gpu sees a device (or when asked for), always with the CPU as fallback.

    `requested` is "cuda" or "cpu" ($COLORIZATION_DEVICE); None picks the best available.
    """
    if requested not in (None, "", "cuda", "cpu"):
        raise InputError(f"Unknown device {requested!r}; choose cuda or cpu.")
    if requested == "cpu" or CUDA not in available:
        if requested == "cuda":
            log.warning("CUDA was asked for but this onnxruntime has no CUDA provider; using the CPU")
        return [CPU]
    return [CUDA, CPU]


def new_session(source: str | Path | bytes, providers: Sequence[str] = (CPU,), threads: int | None = None):
    """An ONNX Runtime session as every model here is run: threads as configured, memory arena off."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or config.threads() or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Without its arena ONNX Runtime gives a large input's activations back, at a small cost in speed
    # (docs/benchmarks.md): a shared server must not keep the peak of its largest job.
    options.enable_cpu_mem_arena = False
    return ort.InferenceSession(str(source) if isinstance(source, Path) else source, options,
                                providers=list(providers))


class OnnxBackend:
    """ONNX Runtime on the translated graph (or a given ONNX model, e.g. the int8 copy); thread-safe runs."""

    name = "onnxruntime"
    supports_int8 = True
    typical_seconds = 0.14  # one 224x224 frame, warm, in a batch, on 2 CPU cores

    def __init__(self, files: ModelFiles, settings: ModelSettings | None = None, model: Path | bytes | None = None,
                 precision: str = "fp32") -> None:
        import onnxruntime as ort

        self.precision = precision
        settings = settings or ModelSettings()
        threads = settings.threads
        self.providers = choose_providers(ort.get_available_providers(), settings.device or config.device())
        source = model if model is not None else onnx_model(files)
        try:
            self._session = new_session(source, self.providers, threads)
        except Exception as exc:  # ONNX Runtime raises its own types for unreadable or broken files
            if model is not None or not isinstance(source, Path):
                raise
            log.warning("The cached ONNX model %s could not be loaded (%s); translating it again",
                        source, said(exc, first=True, limit=200))
            log.debug("Loading %s failed", source, exc_info=True)
            self._session = new_session(onnx_model(files, rebuild=True), self.providers, threads)
        self.device = "cuda" if self._session.get_providers()[0] == CUDA else "cpu"
        self.batch_size = GPU_BATCH if self.device == "cuda" else CPU_BATCH

    def run(self, l_centered: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(l_centered, dtype=np.float32)
        return self._session.run([caffe.OUTPUT_BLOB], {caffe.INPUT_BLOB: batch})[0]
