"""The released network's layer stack as data, and a generator of models with that stack.

Benchmarks and the equality tests need the real architecture (same compute as the released
model) but cannot download the real weights, so they write the same layers with random
weights drawn to give a/b output that really varies over a photo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from colorization.model.caffe import (
    INPUT_BLOB,
    N_BINS,
    OUTPUT_BLOB,
    SOFTMAX_TEMPERATURE,
    TEMPERATURE_LAYER,
    Layer,
    NetSpec,
    expected_blob_shapes,
    write_caffemodel,
)
from colorization.model.files import POINTS, PROTOTXT, WEIGHTS

PROTOTXT_NAME, WEIGHTS_NAME, POINTS_NAME = PROTOTXT.name, WEIGHTS.name, POINTS.name

# (block, [(num_output, stride, pad/dilation)], has BatchNorm after the block)
_BLOCKS: list[tuple[int, list[tuple[int, int, int]], bool]] = [
    (1, [(64, 1, 1), (64, 2, 1)], True),
    (2, [(128, 1, 1), (128, 2, 1)], True),
    (3, [(256, 1, 1), (256, 1, 1), (256, 2, 1)], True),
    (4, [(512, 1, 1)] * 3, True),
    (5, [(512, 1, 2)] * 3, True),
    (6, [(512, 1, 2)] * 3, True),
    (7, [(512, 1, 1)] * 3, True),
]


def conv_layer(name: str, bottom: str, top: str, num_output: int, kernel: int = 3, stride: int = 1,
               pad: int = 0, dilation: int = 1, kind: str = "Convolution") -> Layer:
    """A Convolution (or Deconvolution) layer in the prototxt's own terms."""
    param = {"num_output": [num_output], "kernel_size": [kernel], "pad": [pad], "stride": [stride],
             "dilation": [dilation]}
    return Layer(name, kind, [bottom], [top], {"convolution_param": [param]})


def head_layers(bottom: str) -> list[Layer]:
    """The fixed decoding head every colorization net ends with: logits -> softmax -> a/b."""
    scale = {"bias_term": [False], "filler": [{"type": ["constant"], "value": [SOFTMAX_TEMPERATURE]}]}
    return [
        Layer(TEMPERATURE_LAYER, "Scale", [bottom], [TEMPERATURE_LAYER], {"scale_param": [scale]}),
        Layer("class8_313_rh", "Softmax", [TEMPERATURE_LAYER], ["class8_313_rh"]),
        conv_layer(OUTPUT_BLOB, "class8_313_rh", OUTPUT_BLOB, 2, kernel=1),
        Layer("Silence", "Silence", [OUTPUT_BLOB], []),
    ]


def input_layer(size: int = 224) -> Layer:
    shape = {"shape": [{"dim": [1, 1, size, size]}]}
    return Layer(INPUT_BLOB, "Input", [], [INPUT_BLOB], {"input_param": [shape]})


def released_layers() -> list[Layer]:
    """The layer stack of colorization_deploy_v2.prototxt, in order."""
    layers = [input_layer()]
    bottom = INPUT_BLOB
    for block, convs, norm in _BLOCKS:
        for index, (channels, stride, pad) in enumerate(convs, start=1):
            top = f"conv{block}_{index}"
            name = "bw_conv1_1" if top == "conv1_1" else top
            layers.append(conv_layer(name, bottom, top, channels, 3, stride, pad, dilation=pad))
            layers.append(Layer(f"relu{block}_{index}", "ReLU", [top], [top]))
            bottom = top
        if norm:
            layers.append(Layer(f"{bottom}norm", "BatchNorm", [bottom], [f"{bottom}norm"]))
            bottom = f"{bottom}norm"
    layers.append(conv_layer("conv8_1", bottom, "conv8_1", 256, 4, 2, 1, kind="Deconvolution"))
    layers.append(Layer("relu8_1", "ReLU", ["conv8_1"], ["conv8_1"]))
    for index in (2, 3):
        layers.append(conv_layer(f"conv8_{index}", f"conv8_{index - 1}", f"conv8_{index}", 256, 3, 1, 1))
        layers.append(Layer(f"relu8_{index}", "ReLU", [f"conv8_{index}"], [f"conv8_{index}"]))
    layers.append(conv_layer("conv8_313", "conv8_3", "conv8_313", N_BINS, kernel=1))
    return layers + head_layers("conv8_313")


def _text(message: dict[str, list[Any]], indent: int) -> str:
    pad = "  " * indent
    lines = []
    for key, values in message.items():
        for value in values:
            if isinstance(value, dict):
                lines.append(f"{pad}{key} {{\n{_text(value, indent + 1)}{pad}}}\n")
            elif isinstance(value, bool):
                lines.append(f"{pad}{key}: {str(value).lower()}\n")
            elif isinstance(value, str) and key in ("name", "type", "bottom", "top"):
                lines.append(f'{pad}{key}: "{value}"\n')
            elif isinstance(value, str):
                lines.append(f"{pad}{key}: '{value}'\n")
            else:
                lines.append(f"{pad}{key}: {value}\n")
    return "".join(lines)


def prototxt_text(layers: list[Layer], name: str = "LtoAB") -> str:
    """Write layers as a deploy prototxt."""
    body = []
    for layer in layers:
        entry: dict[str, list[Any]] = {"name": [layer.name], "type": [layer.type],
                                       "bottom": list(layer.bottoms), "top": list(layer.tops)}
        entry.update(layer.params)
        body.append("layer {\n" + _text(entry, 1) + "}\n")
    return f'name: "{name}"\n\n' + "".join(body)


def gamut_points() -> np.ndarray:
    """313 ab cluster centres on a grid of step 10 that sRGB can show, like pts_in_hull.npy."""
    grid = np.arange(-110, 120, 10, dtype=np.float32)
    a, b = np.meshgrid(grid, grid, indexing="ij")
    ab = np.stack([a.ravel(), b.ravel()], 1)
    lab = np.zeros((99, len(ab), 3), np.float32)
    lab[..., 0] = np.arange(1, 100, dtype=np.float32)[:, None]
    lab[..., 1:] = ab[None]
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
    back = cv2.cvtColor(np.clip(rgb, 0, 1), cv2.COLOR_RGB2Lab)
    in_gamut = (np.abs(back - lab).max(axis=2) < 1.0).any(axis=0)
    candidates = ab[in_gamut] if in_gamut.sum() >= N_BINS else ab
    order = np.argsort(np.hypot(candidates[:, 0], candidates[:, 1]), kind="stable")[:N_BINS]
    return candidates[np.sort(order)].astype(np.int64)


def random_weights(layers: list[Layer], seed: int = 0,
                   logit_scale: float = 1.5) -> list[tuple[str, str, list[np.ndarray]]]:
    """He-initialised weights for `layers`, scaled so the softmax is neither flat nor saturated."""
    rng = np.random.default_rng(seed)
    shapes = expected_blob_shapes(NetSpec(layers, 1))
    out = []
    for layer in layers:
        if layer.name not in shapes:
            continue
        blobs = []
        if layer.type == "BatchNorm":
            c = shapes[layer.name][0][0]
            blobs = [np.zeros(c, np.float32), np.ones(c, np.float32), np.ones(1, np.float32)]
        else:
            weight_shape = shapes[layer.name][0]
            fan_in = int(np.prod(weight_shape[1:]))
            if layer.type == "Deconvolution":
                fan_in = weight_shape[0] * weight_shape[2] * weight_shape[3] // 4
            std = np.sqrt(2.0 / fan_in)
            if layer.bottoms == [INPUT_BLOB]:
                std /= 30.0  # the input is L - 50, spread about +-30, not unit scale
            if layer.name == "conv8_313":
                std = logit_scale / np.sqrt(fan_in)
            blobs.append((rng.standard_normal(weight_shape, dtype=np.float32) * std).astype(np.float32))
            if len(shapes[layer.name]) > 1:
                blobs.append((rng.standard_normal(shapes[layer.name][1], dtype=np.float32) * 0.1).astype(np.float32))
        out.append((layer.name, layer.type, blobs))
    return out


def write_model(folder: str | Path, layers: list[Layer] | None = None, *, seed: int = 0,
                weights: list[tuple[str, str, list[np.ndarray]]] | None = None,
                points: np.ndarray | None = None) -> Path:
    """Write prototxt, caffemodel and pts file into `folder` (real stack, random weights by default)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    layers = layers if layers is not None else released_layers()
    (folder / PROTOTXT_NAME).write_text(prototxt_text(layers))
    blobs = weights if weights is not None else random_weights(layers, seed)
    (folder / WEIGHTS_NAME).write_bytes(write_caffemodel(blobs))
    np.save(folder / POINTS_NAME, gamut_points() if points is None else points)
    return folder
