"""Caffe files of the network: parse the prototxt, read and write the caffemodel, check they fit.

Only what this network uses is supported: Input, Convolution, Deconvolution, ReLU, BatchNorm,
Scale, Softmax and Silence layers. The same parsed description feeds structure validation,
both backends (`loader_blobs`), the ONNX translation and the generators of test models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import protobuf as pb

INPUT_BLOB = "data_l"
OUTPUT_BLOB = "class8_ab"
TEMPERATURE_LAYER = "conv8_313_rh"
N_BINS = 313
SOFTMAX_TEMPERATURE = 2.606
LOADER_SET_LAYERS = (OUTPUT_BLOB, TEMPERATURE_LAYER)
SUPPORTED_TYPES = {"Input", "Convolution", "Deconvolution", "ReLU", "BatchNorm", "Scale", "Softmax", "Silence"}

Message = dict[str, list[Any]]


class _NetFields:
    """Field numbers of caffe.NetParameter."""

    LAYER = 100  # LayerParameter
    LEGACY_LAYERS = 2  # V1LayerParameter, in caffemodels of the first Caffe releases


class _LayerFields:
    """Field numbers of caffe.LayerParameter and of the legacy V1LayerParameter."""

    NAME, TYPE, BLOBS = 1, 2, 7
    LEGACY_NAME, LEGACY_BLOBS = 4, 6


class _BlobFields:
    """Field numbers of caffe.BlobProto and caffe.BlobShape."""

    NUM, CHANNELS, HEIGHT, WIDTH = 1, 2, 3, 4  # the legacy 4-D shape
    DATA, SHAPE, DOUBLE_DATA = 5, 7, 8
    SHAPE_DIM = 1


_TOKEN = re.compile(r"""\s+|\#[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[{}:\[\],]|[^\s{}:\[\],"'\#]+""")


def parse_text_format(text: str) -> Message:
    """Parse protobuf text format (the prototxt syntax) into nested dicts of lists."""
    tokens = [t for t in _TOKEN.findall(text) if t.strip() and not t.startswith("#")]
    message, _ = _parse_message(tokens, 0, closing=None)
    return message


def _scalar(token: str) -> Any:
    if token[0] in "\"'":
        return token[1:-1]
    for kind in (int, float):
        try:
            return kind(token)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(token, token)


def _parse_message(tokens: list[str], pos: int, closing: str | None) -> tuple[Message, int]:
    message: Message = {}
    while pos < len(tokens):
        key = tokens[pos]
        if key == closing:
            return message, pos + 1
        pos += 1
        if pos < len(tokens) and tokens[pos] == ":":
            pos += 1
        if pos >= len(tokens):
            raise ValueError(f"prototxt ends after {key!r}")
        if tokens[pos] == "{":
            value, pos = _parse_message(tokens, pos + 1, closing="}")
            message.setdefault(key, []).append(value)
        elif tokens[pos] == "[":
            pos += 1
            while tokens[pos] != "]":
                if tokens[pos] != ",":
                    message.setdefault(key, []).append(_scalar(tokens[pos]))
                pos += 1
            pos += 1
        else:
            message.setdefault(key, []).append(_scalar(tokens[pos]))
            pos += 1
        if pos < len(tokens) and tokens[pos] in ",;":
            pos += 1
    if closing is not None:
        raise ValueError("prototxt has an unclosed '{'")
    return message, pos


@dataclass
class Layer:
    """One layer of the prototxt: its wiring and its parameters."""

    name: str
    type: str
    bottoms: list[str]
    tops: list[str]
    params: Message = field(default_factory=dict)

    def param(self, group: str, key: str, default: Any = None) -> Any:
        values = self.params.get(group, [{}])[0].get(key)
        return values[0] if values else default

    @property
    def conv(self) -> dict[str, Any]:
        """Convolution parameters with Caffe's defaults filled in."""
        get = lambda key, default: self.param("convolution_param", key, default)  # noqa: E731
        return {
            "num_output": get("num_output", 0),
            "kernel": get("kernel_size", 1),
            "stride": get("stride", 1),
            "pad": get("pad", 0),
            "dilation": get("dilation", 1),
            "group": get("group", 1),
            "bias": get("bias_term", True),
        }


@dataclass
class NetSpec:
    """The network as the prototxt describes it: layers in order and the input shape."""

    layers: list[Layer]
    input_channels: int


def parse_prototxt(text: str) -> NetSpec:
    """Parse a deploy prototxt; raise ValueError if it is not a colorization net."""
    raw = parse_text_format(text)
    layers = [
        Layer(
            name=str(entry.get("name", [""])[0]),
            type=str(entry.get("type", [""])[0]),
            bottoms=[str(b) for b in entry.get("bottom", [])],
            tops=[str(t) for t in entry.get("top", [])],
            params={k: v for k, v in entry.items() if k.endswith("_param")},
        )
        for entry in raw.get("layer", [])
    ]
    input_channels = 0
    for layer in layers:
        if layer.type == "Input" and INPUT_BLOB in layer.tops:
            dims = layer.params.get("input_param", [{}])[0].get("shape", [{}])[0].get("dim", [])
            input_channels = int(dims[1]) if len(dims) > 1 else 0
    if INPUT_BLOB in [str(i) for i in raw.get("input", [])]:
        dims = raw.get("input_dim") or raw.get("input_shape", [{}])[0].get("dim", [])
        input_channels = int(dims[1]) if len(dims) > 1 else 0
    if not input_channels:
        raise ValueError(f"the prototxt declares no input blob {INPUT_BLOB!r}")
    return NetSpec(layers=layers, input_channels=input_channels)


def read_caffemodel(data: bytes, shapes_only: bool = False) -> dict[str, list[np.ndarray]]:
    """Read the weight blobs of a caffemodel, keyed by layer name.

    With shapes_only, each blob is a zero-stride array of the right shape that holds no data:
    enough to validate structure without a second copy of 129 MB of weights.
    """
    weights: dict[str, list[np.ndarray]] = {}
    for number, _, value in pb.iter_fields(data):
        if number in (_NetFields.LAYER, _NetFields.LEGACY_LAYERS):
            legacy = number == _NetFields.LEGACY_LAYERS
            name_field = _LayerFields.LEGACY_NAME if legacy else _LayerFields.NAME
            blob_field = _LayerFields.LEGACY_BLOBS if legacy else _LayerFields.BLOBS
            name, blobs = "", []
            for sub, _, sub_value in pb.iter_fields(value):  # type: ignore[arg-type]
                if sub == name_field:
                    name = bytes(sub_value).decode("utf-8", "replace")  # type: ignore[arg-type]
                elif sub == blob_field:
                    blobs.append(_read_blob(sub_value, shapes_only))  # type: ignore[arg-type]
            if blobs:
                weights[name] = blobs
    return weights


def _read_blob(data: memoryview, shapes_only: bool = False) -> np.ndarray:
    shape: list[int] = []
    legacy = {_BlobFields.NUM: 1, _BlobFields.CHANNELS: 1, _BlobFields.HEIGHT: 1, _BlobFields.WIDTH: 1}
    chunks: list[np.ndarray] = []
    count = 0
    for number, _, value in pb.iter_fields(data):
        if number == _BlobFields.SHAPE:
            for dim_field, dim_wire, dim_value in pb.iter_fields(value):  # type: ignore[arg-type]
                if dim_field == _BlobFields.SHAPE_DIM:
                    shape.extend(pb.read_varints(dim_wire, dim_value))
        elif number in (_BlobFields.DATA, _BlobFields.DOUBLE_DATA):
            dtype = "<f4" if number == _BlobFields.DATA else "<f8"
            count += len(value) // np.dtype(dtype).itemsize  # type: ignore[arg-type]
            if not shapes_only:
                chunks.append(np.frombuffer(bytes(value), dtype=dtype).astype(np.float32))  # type: ignore[arg-type]
        elif number in legacy:
            legacy[number] = int(value)  # type: ignore[arg-type]
    if not shape:
        fields = (_BlobFields.NUM, _BlobFields.CHANNELS, _BlobFields.HEIGHT, _BlobFields.WIDTH)
        shape = [legacy[field] for field in fields]
    if int(np.prod(shape)) != count:
        raise ValueError(f"a weight blob holds {count} values for shape {shape}")
    if shapes_only:
        return np.broadcast_to(np.zeros((), np.float32), shape)
    return (np.concatenate(chunks) if chunks else np.zeros(0, np.float32)).reshape(shape)


def write_caffemodel(layers: list[tuple[str, str, list[np.ndarray]]]) -> bytes:
    """Serialize (name, type, blobs) triples as a caffe.NetParameter."""
    out = bytearray()
    for name, kind, blobs in layers:
        layer = pb.string_field(_LayerFields.NAME, name) + pb.string_field(_LayerFields.TYPE, kind)
        for blob in blobs:
            shape = pb.bytes_field(_BlobFields.SHAPE, pb.packed_varints(_BlobFields.SHAPE_DIM, blob.shape))
            layer += pb.bytes_field(_LayerFields.BLOBS, shape + pb.packed_floats(_BlobFields.DATA, blob.ravel()))
        out += pb.bytes_field(_NetFields.LAYER, layer)
    return bytes(out)


def expected_blob_shapes(spec: NetSpec) -> dict[str, list[tuple[int, ...]]]:
    """The weight shapes each layer needs, inferred from the prototxt's channel counts."""
    channels = {INPUT_BLOB: spec.input_channels}
    shapes: dict[str, list[tuple[int, ...]]] = {}
    for layer in spec.layers:
        if layer.type not in SUPPORTED_TYPES:
            raise ValueError(f"layer {layer.name!r} has unsupported type {layer.type!r}")
        c_in = channels.get(layer.bottoms[0], 0) if layer.bottoms else 0
        c_out = c_in
        if layer.type in ("Convolution", "Deconvolution"):
            p = layer.conv
            c_out, k, g = p["num_output"], p["kernel"], p["group"]
            if layer.type == "Convolution":
                need = [(c_out, c_in // g, k, k)]
            else:
                need = [(c_in, c_out // g, k, k)]
            shapes[layer.name] = need + ([(c_out,)] if p["bias"] else [])
        elif layer.type == "BatchNorm":
            shapes[layer.name] = [(c_in,), (c_in,), (1,)]
        elif layer.type == "Scale" and layer.name != TEMPERATURE_LAYER:
            bias = layer.param("scale_param", "bias_term", False)
            shapes[layer.name] = [(c_in,)] + ([(c_in,)] if bias else [])
        elif layer.type == "Input":
            c_out = spec.input_channels
        for top in layer.tops:
            channels[top] = c_out
    if channels.get(OUTPUT_BLOB) is None:
        raise ValueError(f"the prototxt has no output blob {OUTPUT_BLOB!r}")
    return shapes


def validate_structure(spec: NetSpec, weights: dict[str, list[np.ndarray]]) -> list[str]:
    """List what is wrong with these weights for this prototxt (empty when they fit).

    The two loader-set layers are skipped: the loader replaces their blobs anyway.
    """
    problems = []
    names = {layer.name: layer for layer in spec.layers}
    if spec.input_channels != 1:
        problems.append(f"input {INPUT_BLOB!r} must have 1 channel (L), not {spec.input_channels}")
    for required, kind in ((OUTPUT_BLOB, "Convolution"), (TEMPERATURE_LAYER, "Scale")):
        if required not in names or names[required].type != kind:
            problems.append(f"the prototxt needs a {kind} layer named {required!r}")
    try:
        expected = expected_blob_shapes(spec)
    except ValueError as exc:
        return problems + [str(exc)]
    for name, shapes in expected.items():
        if name in LOADER_SET_LAYERS:
            continue
        found = [tuple(b.shape) for b in weights.get(name, [])]
        if not found:
            problems.append(f"layer {name!r} has no weights in the caffemodel")
        elif found[: len(shapes)] != shapes:
            problems.append(f"layer {name!r} has weights of shape {found}, expected {shapes}")
    return problems


def loader_blobs(points: np.ndarray) -> dict[str, np.ndarray]:
    """The two blobs every loader sets itself: the ab cluster centres and the softmax temperature."""
    return {
        OUTPUT_BLOB: np.ascontiguousarray(points.T.reshape(2, N_BINS, 1, 1), dtype=np.float32),
        TEMPERATURE_LAYER: np.full((1, N_BINS), SOFTMAX_TEMPERATURE, np.float32),
    }


def load_points(path: str | Path) -> np.ndarray:
    """Load the 313 ab cluster centres (pts_in_hull.npy) as float32 313x2."""
    points = np.load(path, allow_pickle=False)
    if points.shape != (N_BINS, 2):
        raise ValueError(f"{Path(path).name} holds shape {points.shape}, expected ({N_BINS}, 2)")
    return points.astype(np.float32)
