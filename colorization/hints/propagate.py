"""Edge-aware spreading of color hints: a correction of the network's a/b that stops at the photo's edges.

Fill first, fade after. On a working grid of the photo (long side WORK_SIDE):

1. The fill F spreads the hints' own a/b over the grid, as Levin, Lischinski and Weiss (2004),
   "Colorization using Optimization", spread colors: F minimises  sum over neighbours r, s of
   w_rs |F_r - F_s|^2 + HOLD sum over hinted r |F_r - h_r|^2, with
   w_rs = exp(-(L_r - L_s)^2 / 2 sigma_rs^2 - edge_rs / EDGE_L). There is no pull towards zero
   in it, so a hinted region takes its hint in full, and where two hinted regions touch the edge decides.
2. The reach of the hints, a geodesic distance (Dijkstra) from them, blends the fill with the start:
   reach * F + (1 - reach) * start, with reach 1 within the free reach, falling by e every FADE units
   beyond. Within a hinted region the start's own colors do not show through (a wrong prediction is
   replaced, not shifted); from a neutral start this is the fill of the corrections. A step's cost
   is its length, plus the lightness jump beyond the texture's tolerance (squared: a sharp edge or a
   thin line), plus the slope walked beyond it (not squared, so a blurred edge costs the same however
   it is crossed).
   So one stroke colors its region and not the photo.

sigma and the tolerance follow the local texture (a median of the gradient), and the structure
tensor's coherence takes that tolerance back where gradients share one orientation: a blurred edge,
a thin mast or a flag's stripes are edges, grass is texture. SciPy solves it: Dijkstra for the reach,
SuperLU for the fill (only where the reach shows, in nested-dissection order). The result is brought
to full size by a fast guided filter on the full-resolution lightness, kept within the grid's local
range, so its edges follow the photo's, not the grid's. docs/hints.md has the measurements.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import dijkstra

from ..errors import InputError
from . import HintMap

WORK_SIDE = 256  # long side of the grid the correction is solved on (about 0.25 s on 2 cores)
HOLD = 10.0  # how firmly a hinted pixel takes its hint
SIGMA_MIN = 3.0  # lightness difference (L units) that starts to count as an edge, in smooth regions
TEXTURE_SCALE = 1.5  # in textured regions, differences up to about this many typical gradients do not
COHERENCE_SCALE = 1.5  # grid pixels over which the structure tensor sees one orientation
STEP_COST = 0.005  # reach spent by one grid step through a uniform region (a 256-px walk costs 1.3)
STEP_TOLERANCE = 1.0  # lightness (L units) a grid step may climb for free, beyond the texture's tolerance
SLOPE_TOLERANCE = 0.5  # slope (L units per grid step) that is walked for free: gradients such as a sky's
EDGE_L = 3.0  # lightness (L units) of edge, beyond the texture's tolerance, that spends one unit of reach
FREE_REACH = 4.0  # reach within which a single hint holds fully
REACH_PER_HINTS = 2.0  # more free reach per factor e in the number of separate hints of different colors
COLOR_STEP = 4.0  # a/b units: hints closer in color than about this count as one color
FADE = 2.0  # beyond the free reach, the hint falls by a factor e for each further two units
REACH_FLOOR = 1e-2  # below this share of a hint, the fill is not solved for (a region cut off from it)
FILL_FLOOR = 1e-7  # keeps the fill solvable where an edge cuts a region off from every hint
GUIDE_RADIUS = 2  # of the guided upsampling, in grid pixels
GUIDE_EPS = 4.0  # (L units)^2: below this local variance the guide does not shape the correction
NEIGHBOURS = np.ones((3, 3), np.uint8)  # the grid pixels whose corrections bound an upsampled pixel


def work_size(height: int, width: int) -> tuple[int, int]:
    """(height, width) of the working grid for a photo of this size."""
    scale = min(1.0, WORK_SIDE / max(height, width))
    return max(1, round(height * scale)), max(1, round(width * scale))


@lru_cache(maxsize=4)
def _dissection(height: int, width: int) -> np.ndarray:
    """The grid's pixels in nested-dissection order (halves first, the line between them last).

    On a grid graph this ordering keeps the sparse factor as small as a minimum-degree one, and it
    costs nothing per solve: SuperLU then factors in this order instead of computing its own.
    """
    index = np.arange(height * width).reshape(height, width)
    order: list[np.ndarray] = []
    blocks = [(0, height, 0, width)]
    while blocks:  # depth first, each block's separator recorded before its halves, then reversed
        y0, y1, x0, x1 = blocks.pop()
        if (y1 - y0) * (x1 - x0) <= 16 or min(y1 - y0, x1 - x0) < 3:
            order.append(index[y0:y1, x0:x1].ravel()[::-1])
        elif y1 - y0 >= x1 - x0:
            middle = (y0 + y1) // 2
            order.append(index[middle, x0:x1][::-1])
            blocks += [(y0, middle, x0, x1), (middle + 1, y1, x0, x1)]
        else:
            middle = (x0 + x1) // 2
            order.append(index[y0:y1, middle][::-1])
            blocks += [(y0, y1, x0, middle), (y0, y1, middle + 1, x1)]
    return np.concatenate(order)[::-1]


def _coherence(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """How much the gradients around each pixel share one orientation (0: texture, 1: an edge or
    a set of parallel edges), from the structure tensor (Weickert's coherence)."""
    jxx, jyy, jxy = (cv2.GaussianBlur(x, (0, 0), COHERENCE_SCALE) for x in (gx * gx, gy * gy, gx * gy))
    spread = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2)
    return (spread / (jxx + jyy + 1e-3)) ** 2


def _scales(L: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel: the edge scale sigma (L units), the gradient magnitude and the texture's tolerance.

    sigma is SIGMA_MIN in smooth regions and wider where the texture itself varies: the typical
    gradient is a median over 7x7 pixels, so a single edge through the window does not raise it.
    The widening is taken back where the gradients share one orientation, so a blurred edge, a thin
    line or a set of stripes (whose window is all gradient) still cuts: edges cut, texture does not.
    The texture's tolerance is the gradient (L per grid step) it may have without counting as an edge.
    """
    gy, gx = (np.gradient(L, axis=axis) if L.shape[axis] > 1 else np.zeros_like(L) for axis in (0, 1))
    magnitude = np.hypot(gx, gy)
    typical = cv2.medianBlur(np.clip(magnitude * 4.0, 0, 255).astype(np.uint8), 7).astype(np.float32) / 4.0
    texture = TEXTURE_SCALE * typical * (1.0 - _coherence(gx, gy))
    return np.maximum(SIGMA_MIN, texture), magnitude, texture


def _distinct_hints(hints: HintMap) -> int:
    """The number of separate hints (connected pieces of the mask) of different colors (a/b apart by
    at least COLOR_STEP)."""
    count, labels = cv2.connectedComponents(hints.mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return count - 1
    pieces = labels[hints.mask]
    size = np.bincount(pieces, minlength=count)[1:]
    means = np.stack([np.bincount(pieces, hints.ab[hints.mask][:, c], minlength=count)[1:] for c in (0, 1)], axis=1)
    colors = np.round(means / size[:, None] / COLOR_STEP)
    return len(np.unique(colors, axis=0))


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
        L = L.astype(np.float32)
        index = np.arange(h * w).reshape(h, w)
        sigma, gradient, texture = _scales(L)
        variance = sigma**2
        tolerance = np.maximum(STEP_TOLERANCE, texture)
        climb = np.maximum(0.0, gradient - np.maximum(SLOPE_TOLERANCE, texture))  # the slope beyond texture
        rows, cols, contrast, edge, steps, jumped = [], [], [], [], [], []
        for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
            src = (slice(0, h - dy), slice(max(0, -dx), w - max(0, dx)))
            dst = (slice(dy, h), slice(max(0, dx), w - max(0, -dx)))
            rows.append(index[src].ravel())
            cols.append(index[dst].ravel())
            step = np.abs(L[src] - L[dst])
            contrast.append((step**2 / (variance[src] + variance[dst])).ravel())  # = dL^2 / 2 sigma^2
            length = np.hypot(dy, dx)
            # the lightness a step climbs beyond the texture's tolerance (a sharp edge, a thin line), or the
            # slope it walks on times its length (a blurred edge, however it is crossed), whichever is more
            jump = np.maximum(0.0, step - np.minimum(tolerance[src], tolerance[dst]))
            edge.append(np.maximum(jump, length * (climb[src] + climb[dst]) / 2).ravel())
            jumped.append(jump.ravel())
            steps.append(np.full(rows[-1].size, length, np.float32))
        rows, cols, contrast, edge, steps, jump = (np.concatenate(x)
                                                   for x in (rows, cols, contrast, edge, steps, jumped))
        climb = climb.ravel()

        def symmetric(values: np.ndarray) -> sp.csr_matrix:
            upper = sp.coo_matrix((values, (rows, cols)), shape=(h * w,) * 2)
            return (upper + upper.T).tocsr()

        affinity = symmetric(np.exp(-contrast - edge / EDGE_L) / steps)
        laplacian = (sp.diags(np.asarray(affinity.sum(axis=1)).ravel()) - affinity).tocsr()
        # reach spent on a step: its length; the jump beyond the texture's tolerance, squared (a sharp edge
        # or a thin line cuts, small steps through texture hardly count); and the slope walked, not squared
        # (a blurred edge costs its whole height however it is crossed)
        slope = steps * (climb[rows] + climb[cols]) / 2
        spent = steps * STEP_COST + jump**2 / (2 * SIGMA_MIN**2) + slope / EDGE_L + 1e-9
        return cls((h, w), laplacian, symmetric(spent))

    def reach(self, hints: HintMap) -> np.ndarray:
        """How fully the hints hold at each grid pixel (HxW, 1 near them, falling to 0 past edges).

        One stroke holds within its region. Many hints of different colors over a photo say that the
        whole photo is being colored, and each bounds the others along the edges anyway (the fill
        decides between them): the free reach grows with the log of their number. Hints of one color
        do not bound each other, so ten blue dots in a sky reach no further than one.
        """
        free = FREE_REACH + REACH_PER_HINTS * np.log(max(1, _distinct_hints(hints)))
        spent = dijkstra(self.distances, directed=False, indices=np.flatnonzero(hints.mask.ravel()), min_only=True,
                         limit=free + 1.5 * FADE * np.log(1 / REACH_FLOOR))  # no path is followed past what shows
        return np.exp(-np.maximum(0.0, spent - free) / FADE).reshape(self.shape)

    def correction(self, base_ab: np.ndarray, hints: HintMap) -> np.ndarray:
        """The a/b correction (HxWx2) on the grid: `base_ab` + correction honours the hints.

        Fill first, fade after: the hints' colors are spread over the grid along the lightness
        (Levin et al.'s fill, where the edges between hints decide), then blended with `base_ab` by
        the hints' reach: reach * (fill - base_ab). Each region takes its hint's color in full, not
        its start shifted by one offset, and one stroke does not flood. The correction is linear in
        the colors, so turning and scaling it (the global controls) turns the hinted colors too.
        """
        h, w = self.shape
        if hints.mask.shape != self.shape:
            raise InputError(f"Hints drawn on a {hints.mask.shape} grid; this photo's is {self.shape}.")
        if hints.empty:
            return np.zeros((h, w, 2), np.float32)
        reach = self.reach(hints).ravel()
        order = _dissection(h, w)
        active = order[reach[order] > REACH_FLOOR]  # solved only where it will show, in an order that factors fast
        held = hints.mask.ravel()[active]
        within = self.laplacian[active][:, active]
        between = within - sp.diags(within.diagonal())  # minus the affinities among the active pixels
        system = (between - sp.diags(np.asarray(between.sum(axis=1)).ravel() - FILL_FLOOR - HOLD * held)).tocsc()
        wanted = hints.ab.reshape(-1, 2)[active].astype(np.float64) * (HOLD * held)[:, None]
        fill = spla.splu(system, permc_spec="NATURAL", options={"SymmetricMode": True}).solve(wanted)
        out = np.zeros((h * w, 2), np.float32)
        out[active] = (fill - base_ab.reshape(-1, 2)[active]) * reach[active, None]
        return out.reshape(h, w, 2)


def upsample(correction_grid: np.ndarray, L_grid: np.ndarray, L_full: np.ndarray) -> np.ndarray:
    """Bring a grid correction to full size along the full-resolution lightness (fast guided filter).

    The guided filter's linear coefficients (He, Sun and Tang) are fitted on the grid, then applied
    to the full-size guide: where the correction changes at an edge of the grid, it changes exactly
    at the photo's own edge. The result stays within the correction's range around each grid pixel:
    a thin dark object, darker at full size than on the grid, would otherwise be extrapolated into
    the opposite color. Intensity and hue are applied before, on the grid.
    """
    height, width = L_full.shape
    if correction_grid.shape[:2] == (height, width):
        return correction_grid

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, (2 * GUIDE_RADIUS + 1,) * 2, borderType=cv2.BORDER_REFLECT)

    def resize(x: np.ndarray) -> np.ndarray:
        return cv2.resize(x, (width, height), interpolation=cv2.INTER_LINEAR)

    guide = L_grid.astype(np.float32)
    mean_i = box(guide)
    var_i = box(guide * guide) - mean_i**2
    p = np.ascontiguousarray(correction_grid, dtype=np.float32)  # both channels at once: one pass per step
    mean_p = box(p)
    a = (box(guide[..., None] * p) - mean_i[..., None] * mean_p) / (var_i + GUIDE_EPS)[..., None]
    b = mean_p - a * mean_i[..., None]
    out = resize(box(a))
    out *= L_full[..., None]
    out += resize(box(b))
    np.maximum(out, resize(cv2.erode(p, NEIGHBOURS)), out=out)
    return np.minimum(out, resize(cv2.dilate(p, NEIGHBOURS)), out=out)
