"""Video quality metrics: temporal stability (E_warp, CDC) and fidelity (PSNR, a/b error).

E_warp follows Lai et al., ECCV 2018: warp frame t+1 onto t with optical flow computed on the
input frames, mask occlusions and motion boundaries, average the squared RGB difference.
CDC follows TCVC: Jensen-Shannon divergence of per-channel color histograms between frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from colorization.video.temporal import consistent, dis_flow, warp


def _flow(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    gray_src = cv2.cvtColor(src, cv2.COLOR_RGB2GRAY) if src.ndim == 3 else src
    gray_dst = cv2.cvtColor(dst, cv2.COLOR_RGB2GRAY) if dst.ndim == 3 else dst
    return dis_flow(gray_src, gray_dst)


def warp_mask(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """Pixels where the flow is trusted: not occluded, not on a motion boundary (Lai et al.)."""
    occluded = ~consistent(forward, backward)  # Sundaram et al.'s check, with Lai et al.'s 0.01 and 0.5
    du_y, du_x = np.gradient(forward[..., 0])
    dv_y, dv_x = np.gradient(forward[..., 1])
    boundary = (du_x**2 + du_y**2 + dv_x**2 + dv_y**2) > 0.01 * (forward**2).sum(2) + 0.002
    return ~(occluded | boundary)


def warping_error(outputs: Sequence[np.ndarray], inputs: Sequence[np.ndarray],
                  where: Sequence[np.ndarray] | None = None) -> float:
    """Mean masked squared RGB difference (RGB in [0, 1]) between frame t and frame t+1 warped to t.

    `where` (a boolean picture per frame) keeps only those pixels of frame t, to say where an error lies.
    """
    return warping_errors([outputs], inputs, where)[0]


def warping_errors(candidates: Sequence[Sequence[np.ndarray]], inputs: Sequence[np.ndarray],
                   where: Sequence[np.ndarray] | None = None) -> list[float]:
    """`warping_error` of several outputs of the same input frames, measuring each flow once."""
    totals, count = [0.0] * len(candidates), 0
    for t in range(len(inputs) - 1):
        forward, backward = _flow(inputs[t], inputs[t + 1]), _flow(inputs[t + 1], inputs[t])
        mask = warp_mask(forward, backward) if where is None else warp_mask(forward, backward) & where[t]
        count += int(mask.sum())
        for index, outputs in enumerate(candidates):
            current = outputs[t].astype(np.float32) / 255.0
            following = warp(outputs[t + 1].astype(np.float32) / 255.0, forward)
            totals[index] += float(((current - following) ** 2).sum(axis=2)[mask].sum())
    return [total / max(count, 1) for total in totals]


def _js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    p, q = p / max(p.sum(), 1e-12), q / max(q.sum(), 1e-12)
    m = 0.5 * (p + q)

    def kl(a: np.ndarray, b: np.ndarray) -> float:
        keep = a > 0
        return float((a[keep] * np.log2(a[keep] / b[keep])).sum())

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def color_distribution_consistency(outputs: Sequence[np.ndarray], steps: Sequence[int] = (1, 2, 4)) -> float:
    """CDC: mean JS divergence of 256-bin per-channel histograms between frames t and t+d."""
    hists = [[np.bincount(frame[..., c].ravel(), minlength=256).astype(np.float64) for c in range(3)]
             for frame in outputs]
    scores = []
    for step in steps:
        pairs = [
            np.mean([_js_divergence(hists[t][c], hists[t + step][c]) for c in range(3)])
            for t in range(len(outputs) - step)
        ]
        if pairs:
            scores.append(float(np.mean(pairs)))
    return float(np.mean(scores)) if scores else 0.0


def psnr(outputs: Sequence[np.ndarray], truths: Sequence[np.ndarray]) -> float:
    """PSNR in dB over all frames together (uint8 RGB)."""
    mse = np.mean([np.mean((o.astype(np.float64) - g.astype(np.float64)) ** 2) for o, g in zip(outputs, truths)])
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def ab_error(outputs: Sequence[np.ndarray], truths: Sequence[np.ndarray]) -> float:
    """Mean Euclidean distance in the a/b plane between outputs and ground truth (Lab units)."""
    def ab(frame: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(frame.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)[..., 1:]

    return float(np.mean([np.linalg.norm(ab(o) - ab(g), axis=2).mean() for o, g in zip(outputs, truths)]))
