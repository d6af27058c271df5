"""Edge-aware spreading of color hints: a correction of the network's a/b that stops at the photo's edges.

In the spirit of Levin, Lischinski and Weiss (2004), "Colorization using Optimization", applied to
the correction of the prediction rather than to the colors themselves. On a working grid of the
photo (long side WORK_SIDE), the correction D minimises

    sum over neighbours r, s of w_rs |D_r - D_s|^2  +  sum_r anchor_r |D_r|^2  +  HOLD sum over hinted r |D_r - d_r|^2

where d is what each hinted pixel needs (its hint's a/b minus the prediction there) and
w_rs = exp(-(L_r - L_s)^2 / 2 sigma_rs^2), with sigma following the local texture. The anchor
keeps the network's own colors where no hint reaches: it is nearly zero within the geodesic reach
of the hints (a path of similar lightness and texture costs little, an edge costs much) and grows
beyond it. So a hint holds across its whole region, fades across edges, and where two hinted
regions touch the edge decides. SciPy solves it: Dijkstra for the reach, SuperLU for the system.
The result is brought to full size by a fast guided filter on the full-resolution lightness, so
its edges follow the photo's, not the grid's.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import dijkstra

from .errors import InputError
from .hints import HintMap

WORK_SIDE = 256  # long side of the grid the correction is solved on (about 0.25 s on 2 cores)
HOLD = 10.0  # how firmly a hinted pixel takes its hint
SIGMA_MIN = 3.0  # lightness difference (L units) that starts to count as an edge, in smooth regions
TEXTURE_SCALE = 1.5  # in textured regions, differences up to about this many typical gradients do not
STEP_COST = 0.005  # geodesic cost of one grid step through a uniform region (a 256-px walk costs 1.3)
FREE_REACH = 3.0  # geodesic cost within which a hint holds fully
FADE = 1.0  # beyond it, the anchor reaches half its strength after this much more cost
ANCHOR_NEAR, ANCHOR_FAR = 1e-6, 1e-2
GUIDE_RADIUS = 2  # of the guided upsampling, in grid pixels
GUIDE_EPS = 4.0  # (L units)^2: below this local variance the guide does not shape the correction


def work_size(height: int, width: int) -> tuple[int, int]:
    """(height, width) of the working grid for a photo of this size."""
    scale = min(1.0, WORK_SIDE / max(height, width))
    return max(1, round(height * scale)), max(1, round(width * scale))


def _sigma(L: np.ndarray) -> np.ndarray:
    """Per-pixel edge scale: SIGMA_MIN in smooth regions, wider where the texture itself varies.

    The typical gradient is a median over 7x7 pixels, so a single edge through the window does not
    raise it: edges keep cutting, texture stops cutting.
    """
    gy, gx = np.gradient(L)
    gradient = np.clip(np.hypot(gx, gy) * 4.0, 0, 255).astype(np.uint8)
    typical = cv2.medianBlur(gradient, 7).astype(np.float32) / 4.0
    return np.maximum(SIGMA_MIN, TEXTURE_SCALE * typical)


@dataclass(frozen=True)
class Grid:
    """What spreading needs of one photo, computed once: its 8-connected grid, weighted two ways."""

    shape: tuple[int, int]
    laplacian: sp.csr_matrix  # the affinity-weighted graph Laplacian (smoothness within regions)
    distances: sp.csr_matrix  # geodesic step costs (reach of a hint)

    @classmethod
    def of(cls, L: np.ndarray) -> Grid:
        """The grid over a lightness image `L` (HxW, 0..100) at working size."""
        h, w = L.shape
        index = np.arange(h * w).reshape(h, w)
        variance = _sigma(L) ** 2
        rows, cols, contrast, steps = [], [], [], []
        for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
            src = (slice(0, h - dy), slice(max(0, -dx), w - max(0, dx)))
            dst = (slice(dy, h), slice(max(0, dx), w - max(0, -dx)))
            rows.append(index[src].ravel())
            cols.append(index[dst].ravel())
            contrast.append(((L[src] - L[dst]) ** 2 / (variance[src] + variance[dst])).ravel())  # = dL^2 / 2 sigma^2
            steps.append(np.full(rows[-1].size, np.hypot(dy, dx), np.float32))
        rows, cols, contrast, steps = (np.concatenate(x) for x in (rows, cols, contrast, steps))

        def symmetric(values: np.ndarray) -> sp.csr_matrix:
            upper = sp.coo_matrix((values, (rows, cols)), shape=(h * w,) * 2)
            return (upper + upper.T).tocsr()

        affinity = symmetric(np.exp(-contrast) / steps)
        laplacian = (sp.diags(np.asarray(affinity.sum(axis=1)).ravel()) - affinity).tocsr()
        return cls((h, w), laplacian, symmetric(steps * (STEP_COST + contrast)))

    def correction(self, base_ab: np.ndarray, hints: HintMap) -> np.ndarray:
        """The a/b correction (HxWx2) on the grid: `base_ab` + correction honours the hints."""
        h, w = self.shape
        if hints.mask.shape != self.shape:
            raise InputError(f"Hints drawn on a {hints.mask.shape} grid; this photo's is {self.shape}.")
        if hints.empty:
            return np.zeros((h, w, 2), np.float32)
        held = hints.mask.ravel()
        reach = dijkstra(self.distances, directed=False, indices=np.flatnonzero(held), min_only=True)
        beyond = np.maximum(0.0, reach - FREE_REACH) / FADE
        anchor = ANCHOR_NEAR + ANCHOR_FAR * (1.0 - np.exp(-beyond))
        system = (self.laplacian + sp.diags(anchor + HOLD * held)).tocsc()
        wanted = (hints.ab - base_ab).reshape(-1, 2).astype(np.float64) * (HOLD * held)[:, None]
        solution = spla.splu(system, permc_spec="COLAMD").solve(wanted)
        return solution.reshape(h, w, 2).astype(np.float32)


def upsample(correction_grid: np.ndarray, L_grid: np.ndarray, L_full: np.ndarray) -> np.ndarray:
    """Bring a grid correction to full size along the full-resolution lightness (fast guided filter).

    The guided filter's linear coefficients (He, Sun and Tang) are fitted on the grid, then applied
    to the full-size guide: where the correction changes at an edge of the grid, it changes exactly
    at the photo's own edge. Linear in the correction, so intensity and hue may be applied before.
    """
    height, width = L_full.shape
    if correction_grid.shape[:2] == (height, width):
        return correction_grid

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, (2 * GUIDE_RADIUS + 1,) * 2, borderType=cv2.BORDER_REFLECT)

    guide = L_grid.astype(np.float32)
    mean_i = box(guide)
    var_i = box(guide * guide) - mean_i**2
    out = np.empty((height, width, 2), np.float32)
    for channel in range(2):
        p = np.ascontiguousarray(correction_grid[..., channel])
        mean_p = box(p)
        a = (box(guide * p) - mean_i * mean_p) / (var_i + GUIDE_EPS)
        b = mean_p - a * mean_i
        a_full = cv2.resize(box(a), (width, height), interpolation=cv2.INTER_LINEAR)
        b_full = cv2.resize(box(b), (width, height), interpolation=cv2.INTER_LINEAR)
        out[..., channel] = cv2.multiply(a_full, L_full, dtype=cv2.CV_32F) + b_full
    return out
