"""Small Caffe models with the real input/output contract and outputs known in closed form."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from benchmarks import architecture as arch
from colorization.model.caffe import N_BINS, SOFTMAX_TEMPERATURE, Layer

POINTS = arch.gamut_points()


def bin_of(a: int, b: int) -> int:
    return int(np.flatnonzero((POINTS[:, 0] == a) & (POINTS[:, 1] == b))[0])


FIXED_AB = (20, 40)  # an orange-ish brown
DARK_AB, BRIGHT_AB = (-30, -40), (30, 60)  # blue when dark, yellow-orange when bright
SLOPE = 0.02


def _stack(stem_out: int = N_BINS) -> list[Layer]:
    """data_l -> 4x4/4 conv straight to the 313 logits -> the standard head."""
    stem = arch.conv_layer("conv8_313", "data_l", "conv8_313", stem_out, 4, 4)
    return [arch.input_layer(64), stem, *arch.head_layers("conv8_313")]


def _head_blobs() -> tuple[str, str, list[np.ndarray]]:
    return ("class8_ab", "Convolution", [np.zeros((2, N_BINS, 1, 1), np.float32), np.zeros(2, np.float32)])


def fixed_color_model(folder: Path, ab: tuple[int, int] = FIXED_AB) -> Path:
    """Predicts `ab` everywhere: one logit wins the softmax by 52, so p = 1 in float32."""
    weights = np.zeros((N_BINS, 1, 4, 4), np.float32)
    bias = np.zeros(N_BINS, np.float32)
    bias[bin_of(*ab)] = 20.0
    return arch.write_model(folder, _stack(), weights=[("conv8_313", "Convolution", [weights, bias]), _head_blobs()],
                            points=POINTS)


def brightness_model(folder: Path) -> Path:
    """ab = p*BRIGHT + (1-p)*DARK with p = sigmoid(2 * 2.606 * SLOPE * mean(L - 50) over each 4x4 block)."""
    weights = np.zeros((N_BINS, 1, 4, 4), np.float32)
    bias = np.full(N_BINS, -100.0, np.float32)
    bright, dark = bin_of(*BRIGHT_AB), bin_of(*DARK_AB)
    weights[bright], weights[dark] = SLOPE / 16, -SLOPE / 16
    bias[bright] = bias[dark] = 0.0
    return arch.write_model(folder, _stack(), weights=[("conv8_313", "Convolution", [weights, bias]), _head_blobs()],
                            points=POINTS)


def brightness_ab(mean_centered_l: np.ndarray) -> np.ndarray:
    """The closed form of brightness_model for given block means of L - 50 (float64)."""
    p = 1.0 / (1.0 + np.exp(-2.0 * SOFTMAX_TEMPERATURE * SLOPE * mean_centered_l))
    return p[..., None] * np.array(BRIGHT_AB) + (1 - p[..., None]) * np.array(DARK_AB)


def lab_to_rgb8(L: float, a: float, b: float) -> np.ndarray:
    """One Lab color to uint8 RGB, independently of the package's helpers."""
    lab = np.array([[[L, a, b]]], np.float32)
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)[0, 0]
    return np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)


def lightness_of_gray(level: int) -> float:
    """L of a gray level, by OpenCV's float conversion (what the pipeline keeps)."""
    return float(cv2.cvtColor(np.full((1, 1, 3), level / 255.0, np.float32), cv2.COLOR_RGB2Lab)[0, 0, 0])
