"""Int8: a statically quantized copy of the network, accepted only when it agrees with fp32 on the loaded weights.

Quantization error depends on the weights, and the released weights cannot be seen where this
code was written, so the program judges it itself on whatever it loaded: ONNX Runtime's static
quantization (QDQ, per-channel weights) is calibrated on the lightness of a few photos shipped
with the package (`calibration/calibrate-*`), then held-out photos (`calibration/check-*`) go
through both models. int8 is accepted only when their a/b maps differ by at most GATE_MEAN on
average and GATE_P99 at the 99th percentile (a/b units, per-pixel distance in the a/b plane).
When it fails, the layers whose quantization alone hurts most are kept in fp32, one more at a
time, before giving up. The int8 model and the verdict are cached beside the fp32 translation.

Why those limits (docs/int8.md gives the measurement of a/b units in gray levels behind them): the
mean keeps the average change below what a person sees side by side; the 99th percentile lets the
few pixels at strong color boundaries differ visibly but not wrongly. The benchmark reports the
rendered difference in gray levels beside the gate's numbers.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .. import color, config
from ..backends.onnx_backend import CONVERTER_VERSION, new_session, onnx_model
from ..errors import InputError, ModelInvalidError, said
from . import cache as model_cache
from . import caffe
from .files import ModelFiles

log = logging.getLogger("colorization")

QUANTIZER_VERSION = "1"
GATE_MEAN, GATE_P99 = 1.0, 6.0
MAX_FP32_SHARE = 1 / 3  # of the layers kept in fp32, at most: beyond that int8 would no longer pay
QUANTIZED_OPS = ("Conv", "ConvTranspose")  # where the compute is; normalization, scaling and softmax stay fp32
PHOTOS = Path(__file__).resolve().parent / "calibration"


@dataclass(frozen=True)
class Verdict:
    """What the self-check found, cached with the int8 model."""

    passed: bool
    mean: float  # mean per-pixel a/b distance between int8 and fp32 on the held-out photos
    p99: float
    kept_fp32: tuple[str, ...] = ()  # layers left unquantized to pass
    sensitivity: dict[str, float] = field(default_factory=dict)  # mean a/b error when only that layer is int8
    build_seconds: float = 0.0

    def describe(self) -> str:
        kept = f", {len(self.kept_fp32)} layer(s) kept in fp32 ({', '.join(self.kept_fp32)})" if self.kept_fp32 else ""
        outcome = "passed" if self.passed else "failed"
        return (f"int8 self-check {outcome}: a/b differs from fp32 by {self.mean:.2f} on average and {self.p99:.2f} "
                f"at the 99th percentile (limits {GATE_MEAN:g} and {GATE_P99:g}){kept}")


def _names(files: ModelFiles) -> tuple[str, str]:
    key = model_cache.cache_key(files, f"{CONVERTER_VERSION}-{QUANTIZER_VERSION}")
    return f"colorization-{key}-int8.onnx", f"colorization-{key}-int8.json"


def cached(files: ModelFiles) -> tuple[Path | None, Verdict | None]:
    """The cached int8 model and its verdict, when both exist."""
    model_name, verdict_name = _names(files)
    model, verdict = model_cache.find(files, model_name), model_cache.find(files, verdict_name)
    if model is None or verdict is None:
        return None, None
    try:
        data = json.loads(verdict.read_text())
        return model, Verdict(**{**data, "kept_fp32": tuple(data.get("kept_fp32", ()))})
    except (OSError, ValueError, TypeError):
        return None, None


def network_inputs(group: str) -> list[np.ndarray]:
    """The shipped photos of a group ("calibrate" or "check") as the network's 1x1x224x224 input."""
    inputs = []
    for path in sorted(PHOTOS.glob(f"{group}-*.jpg")):
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        rgb = cv2.merge([gray, gray, gray])
        inputs.append(color.network_lightness(rgb))
    if not inputs:
        raise FileNotFoundError(f"no {group} photos in {PHOTOS}")
    return inputs


def _difference(reference: list[np.ndarray], model: str) -> tuple[float, float]:
    """(mean, p99) per-pixel a/b distance of `model` from the fp32 answers on the held-out photos."""
    session = new_session(model)
    distances = [np.sqrt(((session.run([caffe.OUTPUT_BLOB], {caffe.INPUT_BLOB: x})[0] - ref) ** 2).sum(axis=1)).ravel()
                 for x, ref in zip(network_inputs("check"), reference)]
    joined = np.concatenate(distances)
    return float(joined.mean()), float(np.percentile(joined, 99))


def _quantize(fp32: str, target: str, exclude: list[str] | None = None, only: list[str] | None = None) -> None:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Photos(CalibrationDataReader):
        def __init__(self) -> None:
            self._inputs = iter(network_inputs("calibrate"))

        def get_next(self):
            batch = next(self._inputs, None)
            return None if batch is None else {caffe.INPUT_BLOB: batch}

    quantize_static(fp32, target, Photos(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax, op_types_to_quantize=list(QUANTIZED_OPS),
                    nodes_to_exclude=exclude or [], nodes_to_quantize=only or [])


def _layers(fp32: str) -> list[str]:
    import onnx

    return [node.name for node in onnx.load(fp32, load_external_data=False).graph.node
            if node.op_type in QUANTIZED_OPS]


def build(files: ModelFiles, gate: bool = True, deadline: float | None = None) -> tuple[Path | bytes, Verdict]:
    """Quantize, check against fp32, and cache both (when a cache folder is writable).

    With `gate`, layers are kept in fp32, most sensitive first, until the check passes or keeping
    more would not pay; without it (int8 forced) the plain int8 model is built and measured.
    `deadline` (time.monotonic) bounds the search; the best model found so far is kept.
    """
    started = time.monotonic()
    source = onnx_model(files)
    with tempfile.TemporaryDirectory(prefix="colorization-int8-") as work:
        fp32 = str(source) if isinstance(source, Path) else _written(Path(work) / "fp32.onnx", source)
        session = new_session(fp32)
        reference = [session.run([caffe.OUTPUT_BLOB], {caffe.INPUT_BLOB: x})[0] for x in network_inputs("check")]
        target = str(Path(work) / "int8.onnx")
        try:
            _quantize(fp32, target)
        except Exception as exc:  # ONNX Runtime's quantizer raises many types for graphs it cannot handle
            log.debug("Quantizing %s failed", fp32, exc_info=True)
            raise ModelInvalidError(f"This network could not be quantized to int8 "
                                    f"({type(exc).__name__}: {said(exc, first=True)}).") from exc
        mean, p99 = _difference(reference, target)
        kept: list[str] = []
        sensitivity: dict[str, float] = {}
        if gate and not (mean <= GATE_MEAN and p99 <= GATE_P99):
            sensitivity = _sensitivity(fp32, reference, work, deadline)
            most = max(1, int(len(sensitivity) * MAX_FP32_SHARE))
            for layer in sorted(sensitivity, key=sensitivity.get, reverse=True)[:most]:
                if deadline is not None and time.monotonic() > deadline:
                    break
                kept.append(layer)
                _quantize(fp32, target, exclude=kept)
                mean, p99 = _difference(reference, target)
                log.info("int8 with %s in fp32: mean %.2f, p99 %.2f", ", ".join(kept), mean, p99)
                if mean <= GATE_MEAN and p99 <= GATE_P99:
                    break
        verdict = Verdict(mean <= GATE_MEAN and p99 <= GATE_P99, mean, p99, tuple(kept), sensitivity,
                          time.monotonic() - started)
        data = Path(target).read_bytes()
    model_name, verdict_name = _names(files)
    stored = model_cache.store(files, model_name, data)
    model_cache.store(files, verdict_name, json.dumps(asdict(verdict), indent=1).encode())
    log.info("%s (built in %.0f s)", verdict.describe(), verdict.build_seconds)
    return stored or data, verdict


def _written(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def _sensitivity(fp32: str, reference: list[np.ndarray], work: str, deadline: float | None) -> dict[str, float]:
    """Mean a/b error with only one layer quantized, for each layer: which ones int8 hurts most."""
    errors = {}
    single = str(Path(work) / "single.onnx")
    for layer in _layers(fp32):
        if deadline is not None and time.monotonic() > deadline:
            break
        _quantize(fp32, single, only=[layer])
        errors[layer] = _difference(reference, single)[0]
    return errors


def resolve_precision(precision: str | None) -> str:
    """The precision asked for (argument, then $COLORIZATION_PRECISION, then auto), checked."""
    chosen = (precision or config.precision() or "auto").lower()
    if chosen not in config.PRECISIONS:
        raise InputError(f"Unknown precision {chosen!r}; choose one of: {', '.join(config.PRECISIONS)}")
    return chosen


def build_in_background(files: ModelFiles, time_limit: float = 900.0) -> subprocess.Popen:
    """Start `build` (with the gate) in a child process at low priority, bounded in time."""
    return subprocess.Popen([sys.executable, "-m", "colorization.model.quantize", files.to_json(), str(time_limit)],
                            preexec_fn=lambda: os.nice(10), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and check the int8 model (run by the app in the background).")
    parser.add_argument("files", help="the model files as JSON")
    parser.add_argument("time_limit", type=float)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="colorization int8: %(message)s")
    verdict = build(ModelFiles.from_json(args.files), gate=True, deadline=time.monotonic() + args.time_limit)[1]
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
