"""Hint quality measured as user-guided colorization is measured (Zhang et al. 2017), against Levin 2004.

Protocol (Zhang et al., "Real-Time User-Guided Image Colorization with Learned Deep Priors", their
test_sweep): each photo resized to 256x256; N points, each a 6x6 patch whose top-left corner is
drawn from a normal distribution centred on the image with spread size/4 (clipped inside); the
hint is the ground-truth mean a/b over the patch; PSNR on the uint8 RGB image. The spreading starts
from a neutral a/b = 0 (to measure the spreading, not a network) or from the truth with every hue
turned 90 degrees (a wrong but plausible prediction). The baseline is Levin, Lischinski and Weiss
(2004), "Colorization using Optimization", written here after their getColorExact.m: 3x3 window,
weights exp(-(Y_r - Y_s)^2 / (0.6 var_r)), rows normalised, hinted pixels fixed, one sparse solve.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from colorization import color
from colorization.hints import HintMap, hex_to_ab, propagate

from . import hint_scenes

ROOT = Path(__file__).resolve().parents[1]
ORIGINALS = ROOT / "examples" / "images" / "originals"
SIDE, PATCH = 256, 6
POINTS = (1, 2, 5, 10, 20, 50, 100)
# colour photographs scikit-image ships in its wheel (read as files, when the package is installed)
SKIMAGE_PHOTOS = ("motorcycle_left.png", "hubble_deep_field.jpg", "retina.jpg", "ihc.png", "coffee.png")


def photos() -> list[tuple[str, np.ndarray]]:
    """The benchmark's color photographs as 256x256 uint8 RGB: the shipped originals, plus the
    scikit-image sample photographs that are not among them when scikit-image is installed."""
    paths = sorted(ORIGINALS.glob("*.jpg"))
    spec = importlib.util.find_spec("skimage")
    if spec is not None and spec.submodule_search_locations:
        data = Path(next(iter(spec.submodule_search_locations))) / "data"
        shipped = {p.stem for p in paths}
        paths += [data / name for name in SKIMAGE_PHOTOS if (data / name).exists() and Path(name).stem not in shipped]
    out = []
    for path in paths:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is not None:
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            out.append((path.stem, cv2.resize(rgb, (SIDE, SIDE), interpolation=cv2.INTER_AREA)))
    return out


def sample_hints(ab: np.ndarray, count: int, rng: np.random.Generator) -> HintMap:
    """`count` 6x6 patches placed as Zhang et al. place them, each holding the truth's mean a/b."""
    height, width = ab.shape[:2]
    mask = np.zeros((height, width), bool)
    wanted = np.zeros((height, width, 2), np.float32)
    for _ in range(count):
        y = int(np.clip(rng.normal((height - PATCH + 1) / 2, (height - PATCH + 1) / 4), 0, height - PATCH))
        x = int(np.clip(rng.normal((width - PATCH + 1) / 2, (width - PATCH + 1) / 4), 0, width - PATCH))
        patch = (slice(y, y + PATCH), slice(x, x + PATCH))
        wanted[patch] = ab[patch].reshape(-1, 2).mean(axis=0)
        mask[patch] = True
    return HintMap(wanted, mask)


def levin(L: np.ndarray, hints: HintMap) -> np.ndarray:
    """Levin et al. 2004 (getColorExact): the a/b that hold the hints and vary like the lightness."""
    solve = levin_solver(L, hints.mask)
    rhs = np.where(hints.mask.reshape(-1, 1), hints.ab.reshape(-1, 2).astype(np.float64), 0.0)
    return solve(rhs).reshape(*L.shape, 2).astype(np.float32)


def levin_solver(L: np.ndarray, fixed: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The factorised system of Levin et al. for lightness `L` with the pixels of `fixed` held."""
    h, w = L.shape
    Y = np.pad(L.astype(np.float64) / 100.0, 1, mode="edge")
    inside = np.pad(np.ones((h, w), bool), 1)
    offsets = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
    centre = Y[1:-1, 1:-1]
    values = np.stack([Y[1 + dy:h + 1 + dy, 1 + dx:w + 1 + dx] for dy, dx in offsets])
    valid = np.stack([inside[1 + dy:h + 1 + dy, 1 + dx:w + 1 + dx] for dy, dx in offsets])
    count = valid.sum(axis=0) + 1
    mean = (np.where(valid, values, 0).sum(axis=0) + centre) / count
    variance = (np.where(valid, (values - mean) ** 2, 0).sum(axis=0) + (centre - mean) ** 2) / count
    squared = np.where(valid, (values - centre) ** 2, np.inf)
    sigma = np.maximum(np.maximum(0.6 * variance, -squared.min(axis=0) / np.log(0.01)), 2e-6)
    weights = np.where(valid, np.exp(-squared / sigma), 0.0)
    weights /= weights.sum(axis=0)
    index = np.arange(h * w).reshape(h, w)
    padded = np.pad(index, 1)
    free = ~fixed.ravel()
    rows = [index.ravel()]
    cols = [index.ravel()]
    vals = [np.ones(h * w)]
    for k, (dy, dx) in enumerate(offsets):
        keep = valid[k].ravel() & free
        rows.append(index.ravel()[keep])
        cols.append(padded[1 + dy:h + 1 + dy, 1 + dx:w + 1 + dx].ravel()[keep])
        vals.append(-weights[k].ravel()[keep])
    system = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(h * w,) * 2)
    return spla.splu(system, permc_spec="COLAMD").solve


def ours(L: np.ndarray, start: np.ndarray, hints: HintMap) -> np.ndarray:
    """This project's spreading of the same hints, as a correction of `start`, on the photo's grid."""
    if propagate.work_size(*L.shape) != L.shape:
        raise ValueError("The protocol's photos are solved at their own size.")
    return start + propagate.Grid.of(L).correction(start, hints)


def rendered(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    return color.to_uint8(color.compose(L, ab))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 100.0 if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def turned(ab: np.ndarray, degrees: float = 90.0) -> np.ndarray:
    return color.adjust_chroma(ab, 1.0, degrees)


Method = Callable[[np.ndarray, np.ndarray, HintMap], np.ndarray]


def sweep(methods: dict[str, Method], seeds: Sequence[int] = (0, 1, 2), points: Sequence[int] = POINTS,
          starts: Sequence[str] = ("neutral", "turned 90"), same_for_any_start: Sequence[str] = ()) -> dict:
    """Mean PSNR (dB over photos and seeds) per start, method and N; N = 0 is the start itself.
    Methods named in `same_for_any_start` ignore the start and are run once per set of hints."""
    table: dict = {}
    for _name, rgb in photos():
        lab = color.rgb_to_lab(rgb)
        L, truth_ab = lab[..., 0], lab[..., 1:]
        begin = {s: np.zeros_like(truth_ab) if s == "neutral" else turned(truth_ab) for s in starts}
        for start_name, start in begin.items():
            table.setdefault(start_name, {}).setdefault("start", {}).setdefault(0, []).append(
                psnr(rendered(L, start), rgb))
        for seed in seeds:
            rng = np.random.default_rng(seed)
            for n in points:
                hints = sample_hints(truth_ab, n, rng)
                once: dict[str, float] = {}
                for method, spread in methods.items():
                    for start_name, start in begin.items():
                        if method in once:
                            value = once[method]
                        else:
                            value = psnr(rendered(L, spread(L, start, hints)), rgb)
                            if method in same_for_any_start:
                                once[method] = value
                        table[start_name].setdefault(method, {}).setdefault(n, []).append(value)
    return {s: {m: {n: float(np.mean(v)) for n, v in by_n.items()} for m, by_n in row.items()}
            for s, row in table.items()}


def scene_correction(scene: hint_scenes.Scene) -> np.ndarray:
    """The full-resolution a/b the app gives the scene's strokes over a neutral (gray) prediction."""
    from colorization.pipeline import Prediction

    L = color.lightness(np.repeat(scene.photo[..., None], 3, axis=2))
    return Prediction(L, np.zeros((8, 8, 2), np.float32)).chroma(hints=list(scene.strokes))


def scene_figures(scene: hint_scenes.Scene) -> dict[str, float]:
    """What the tests hold each scene to: per stroke, the mean share of its hint its object reaches;
    `leak`, the share of the whole photo outside the hinted objects taking at least a quarter of a
    hint; `neighbours`, the share of the objects next to the first hinted one (by number) taking at
    least half of it; `unhinted`, the mean share of the first hint over the objects not hinted."""
    correction = scene_correction(scene)
    labels, figures = scene.labels, {}
    leak = np.zeros(labels.shape, bool)
    outside = (labels >= 0) & ~np.isin(labels, scene.hinted)
    for number, (stroke, label) in enumerate(zip(scene.strokes, scene.hinted), start=1):
        share = hint_scenes.share_of_hint(correction, hex_to_ab(stroke["color"]))
        figures[f"reached {number}"] = float(share[labels == label].mean())
        leak |= (share >= 0.25) & outside
        if number == 1:
            beside = np.isin(labels, [scene.hinted[0] - 1, scene.hinted[0] + 1]) & outside
            figures["neighbours"] = float((share[beside] >= 0.5).mean()) if beside.any() else float("nan")
            figures["unhinted"] = float(share[outside].mean()) if outside.any() else float("nan")
    figures["leak"] = float(leak.sum() / labels.size)
    return figures


def scenes() -> list[hint_scenes.Scene]:
    return [hint_scenes.touching(), hint_scenes.stripes(), hint_scenes.blurred_edge(),
            hint_scenes.blurred_edge(blur=0), hint_scenes.thin_object()]


def speed(photo: np.ndarray, repeat: int = 3) -> list[str]:
    """Seconds for a new stroke on a 12-MP photo (solved afresh each time), against rendering it with
    no hints, in the same process; the prediction is a neutral one (no network: it is not timed)."""
    from colorization.pipeline import Prediction
    from colorization.video.estimate import best

    gray = cv2.cvtColor(cv2.resize(photo, (4000, 3000), interpolation=cv2.INTER_CUBIC), cv2.COLOR_RGB2GRAY)
    prediction = Prediction(color.lightness(np.repeat(gray[..., None], 3, axis=2)), np.zeros((56, 56, 2), np.float32))
    grid = best(lambda: (prediction._hinting.clear(), prediction.prepare_hints()), repeat=1)
    shift = [0.0]

    def stroke() -> list[dict]:  # a new position each call: never cached
        shift[0] = (shift[0] + 0.013) % 0.2
        return [{"points": [[0.3 + shift[0], 0.4], [0.35 + shift[0], 0.5]], "color": "#3050ff", "size": 0.02}]

    plain_preview = best(lambda: prediction.render(size=2048), repeat)
    plain_full = best(lambda: prediction.render(), repeat)
    preview = best(lambda: prediction.render(size=2048, hints=stroke()), repeat)
    full = best(lambda: prediction.render(hints=stroke()), repeat)
    return ["### A new stroke on a 12-MP photo (4000x3000; best of a few runs, seconds)",
            "| render | no hints | a new stroke | ratio | goal |", "| --- | ---: | ---: | ---: | --- |",
            f"| preview (long side 2048) | {plain_preview:.3f} | {preview:.3f} | {preview / plain_preview:.2f}x "
            "| <= 0.5 s |",
            f"| full resolution | {plain_full:.3f} | {full:.3f} | {full / plain_full:.2f}x | <= 2 s |",
            f"| hint grid, once a photo (at upload) | | {grid:.3f} | | |", ""]


def report(seeds: Sequence[int] = (0, 1, 2)) -> list[str]:
    started = time.monotonic()
    table = sweep({"ours": ours, "Levin 2004": lambda L, s, h: levin(L, h)}, seeds, same_for_any_start=["Levin 2004"])
    names = [name for name, _ in photos()]
    rows = [f"### Hint quality (Zhang et al. 2017 protocol; {len(names)} photos: {', '.join(names)}; "
            f"seeds {', '.join(map(str, seeds))}; {time.monotonic() - started:.0f} s)"]
    for start_name, by_method in table.items():
        base = by_method["start"][0]
        rows += ["", f"Start: {start_name} (PSNR {base:.2f} dB with no hints). Gain in dB over the start:",
                 "| method | " + " | ".join(f"N={n}" for n in POINTS) + " |", "| --- |" + " ---: |" * len(POINTS)]
        for method in ("ours", "Levin 2004"):
            rows.append(f"| {method} | " + " | ".join(f"{by_method[method][n] - base:+.2f}" for n in POINTS) + " |")
        rows.append("| ours - Levin | " + " | ".join(
            f"{by_method['ours'][n] - by_method['Levin 2004'][n]:+.2f}" for n in POINTS) + " |")
    rows += ["", "Zhang et al. 2017 (learned network, ImageNet, from its own automatic start): "
            "+0.94 / +1.76 / +2.95 / +3.99 / +4.90 / +5.99 / +6.69 dB.", ""]
    rows += ["### Hint scenes (generated, 12-MP-like sizes, through the app's own path: grid, solve, upsampling)",
             "Reached: mean share of each hint over its object (goal >= 0.8). Leak: share of the whole photo "
             "outside the hinted objects taking at least a quarter of a hint (goal <= 0.05). Neighbours: share of "
             "the objects next to the hinted one taking at least half of it (goal <= 0.2). Unhinted: mean share of "
             "the hint over the unhinted objects (blurred edge: as the sharp one).",
             "| scene | reached | leak | neighbours | unhinted |", "| --- | ---: | ---: | ---: | ---: |"]
    for scene in scenes():
        f = scene_figures(scene)
        reached = " / ".join(f"{v:.2f}" for k, v in f.items() if k.startswith("reached"))
        rows.append(f"| {scene.name} | {reached} | {f['leak']:.3f} | {f['neighbours']:.2f} | {f['unhinted']:.2f} |")
    coffee = cv2.cvtColor(cv2.imread(str(ORIGINALS / "coffee.jpg")), cv2.COLOR_BGR2RGB)
    return rows + [""] + speed(coffee)
