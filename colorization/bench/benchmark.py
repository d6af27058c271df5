"""Benchmark: this project against the naive pipeline, side by side in one run, on this machine.

    python -m colorization.bench            # everything (about 10 minutes on 2 cores)
    python -m colorization.bench --quick    # shorter clips, no 60-second memory run

The model is the released architecture with random weights (same compute as the real one),
written by `colorization.architecture`; the media are made by `colorization.synthetic`.
Speeds are ratios measured in the same process, so machine noise mostly cancels.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from .. import color, keyframes, temporal
from ..ffmpeg import probe
from ..images import load_image, save_image
from ..pipeline import Colorizer
from ..video import colorize_video, read_frames
from . import architecture, memory, metrics, synthetic

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "images" / "originals"
SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}


class NaivePipeline:
    """The usual way, fixed so nobody can tune it: OpenCV DNN, batch 1, the OpenCV sample's float steps."""

    def __init__(self, folder: Path) -> None:
        self.net = cv2.dnn.readNetFromCaffe(str(folder / architecture.PROTOTXT_NAME), str(folder / architecture.WEIGHTS_NAME))
        pts = np.load(folder / architecture.POINTS_NAME).transpose().reshape(2, 313, 1, 1).astype(np.float32)
        self.net.getLayer(self.net.getLayerId("class8_ab")).blobs = [pts]
        self.net.getLayer(self.net.getLayerId("conv8_313_rh")).blobs = [np.full([1, 313], 2.606, np.float32)]

    def colorize_bgr(self, frame_bgr: np.ndarray) -> np.ndarray:
        h, w = frame_bgr.shape[:2]
        img_rgb = (frame_bgr[:, :, [2, 1, 0]] * 1.0 / 255).astype(np.float32)
        img_lab = cv2.cvtColor(img_rgb, cv2.COLOR_RGB2Lab)
        img_l = img_lab[:, :, 0]
        img_rs = cv2.resize(img_rgb, (224, 224), interpolation=cv2.INTER_LINEAR)
        img_l_rs = cv2.cvtColor(img_rs, cv2.COLOR_RGB2Lab)[:, :, 0] - 50
        self.net.setInput(cv2.dnn.blobFromImage(img_l_rs))
        ab_dec = self.net.forward()[0, :, :, :].transpose((1, 2, 0))
        ab_us = cv2.resize(ab_dec, (w, h), interpolation=cv2.INTER_LINEAR)
        img_lab_out = np.concatenate((img_l[:, :, np.newaxis], ab_us), axis=2)
        img_bgr_out = np.clip(cv2.cvtColor(img_lab_out, cv2.COLOR_Lab2BGR), 0, 1)
        return (img_bgr_out * 255).astype(np.uint8)

    def video(self, src: Path, dst: Path) -> int:
        capture = cv2.VideoCapture(str(src))
        fps = capture.get(cv2.CAP_PROP_FPS)
        writer = None
        frames = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            out = self.colorize_bgr(frame)
            if writer is None:
                writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, (out.shape[1], out.shape[0]))
            writer.write(out)
            frames += 1
        capture.release()
        if writer is not None:
            writer.release()
        return frames


def _best(fn, repeat: int = 3) -> float:
    """The fastest of `repeat` timed calls, after one untimed call (first runs allocate and warm caches)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _photo(name: str, size: tuple[int, int]) -> np.ndarray:
    return cv2.resize(load_image(EXAMPLES / f"{name}.jpg").pixels, size, interpolation=cv2.INTER_CUBIC)


def _clip(folder: Path, name: str, size: tuple[int, int], frames: int, fps: int = 24) -> Path:
    per_shot = frames // 2
    shots = synthetic.shots([load_image(EXAMPLES / f"{p}.jpg").pixels for p in ("coffee", "chelsea")], per_shot, size)
    return synthetic.write_video(folder / f"{name}.mp4", (synthetic.to_gray(f) for f in shots), Fraction(fps), size,
                                 audio_seconds=2 * per_shot / fps)


def bench_image(model: Path, colorizer: Colorizer, naive: NaivePipeline, work: Path) -> list[str]:
    image = synthetic.to_gray(_photo("coffee", SIZES["1080p"]))
    network = _best(lambda: colorizer.backend.run(np.zeros((1, 1, 224, 224), np.float32)), repeat=5)
    ours = _best(lambda: colorizer.colorize(image), repeat=5)
    baseline = _best(lambda: naive.colorize_bgr(image), repeat=2)
    ours_out = colorizer.colorize(image).astype(int)
    naive_out = naive.colorize_bgr(image)[..., ::-1].astype(int)
    path = save_image(image, work / "in.png")
    decode = _best(lambda: load_image(path))
    encode = _best(lambda: save_image(colorizer.colorize(image), work / "out.png"), repeat=2) - ours
    big = synthetic.to_gray(_photo("chelsea", (4000, 3000)))
    prediction = colorizer.predict(big)
    renders = []
    for saturation in (0.8, 1.3):  # the two branches of the saturation control
        adjustments = color.Adjustments(1.3, saturation, 20)
        renders.append((saturation, _best(lambda a=adjustments: prediction.render(a, 2048)),
                        _best(lambda a=adjustments: prediction.render(a))))
    return [
        "### Images (1080p photo, array in, array out)",
        "| measure | seconds | ratio |",
        "| --- | ---: | ---: |",
        f"| bare network ({colorizer.backend.name}, 224x224) | {network:.3f} | 1.00 |",
        f"| this project, end to end | {ours:.3f} | {ours / network:.2f}x the network (goal <= 1.3x) |",
        f"| naive OpenCV sample pipeline | {baseline:.3f} | this project is {baseline / ours:.2f}x faster |",
        f"| file decode (PNG) / PNG encode, reported apart | {decode:.3f} / {max(encode, 0):.3f} | |",
        f"| mean difference from the naive output | {np.abs(ours_out - naive_out).mean():.2f} gray levels | |",
        "",
        "### Slider re-render of a 12-MP photo (cached prediction, no network; intensity 1.3, hue 20)",
        "| render | saturation 0.8 | saturation 1.3 | goal |",
        "| --- | ---: | ---: | ---: |",
        f"| preview (long side 2048) | {renders[0][1]:.3f} | {renders[1][1]:.3f} | < 0.3 |",
        f"| full size, without encoding | {renders[0][2]:.3f} | {renders[1][2]:.3f} | < 0.3 |",
        "",
    ]


def bench_video(colorizer: Colorizer, naive: NaivePipeline, work: Path, frames: int) -> list[str]:
    rows = ["### Video throughput (frames per second, decode + colorize + encode)",
            "| size | naive | this project, k=1, no smoothing | ratio | this project, defaults (k=2, smoothing 0.85) | ratio |",
            "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, size in SIZES.items():
        clip = _clip(work, name, size, frames)
        start = time.perf_counter()
        count = naive.video(clip, work / f"{name}-naive.mp4")
        naive_fps = count / (time.perf_counter() - start)
        exact = colorize_video(clip, work / f"{name}-k1.mp4", colorizer, smoothing=0.0, keyframe_interval=1)
        default = colorize_video(clip, work / f"{name}-default.mp4", colorizer)
        exact_fps, default_fps = exact.frames / exact.seconds, default.frames / default.seconds
        rows.append(f"| {name} | {naive_fps:.2f} | {exact_fps:.2f} | {exact_fps / naive_fps:.2f}x | {default_fps:.2f} | "
                    f"{default_fps / naive_fps:.2f}x |")
    return rows + [""]


def bench_memory(model: Path, work: Path) -> list[str]:
    peaks = {}
    for seconds in (10, 60):
        clip = _clip(work, f"mem{seconds}", SIZES["1080p"], seconds * 24)
        peaks[seconds] = memory.video_job_peak_mb(model, clip, work / f"mem{seconds}-out.mp4")
        clip.unlink()
    return ["### Peak memory (1080p, defaults, whole process)",
            "| clip | peak RSS (MB) |", "| --- | ---: |",
            f"| 10 s | {peaks[10]:.0f} |", f"| 60 s | {peaks[60]:.0f} ({peaks[60] / peaks[10]:.2f}x the 10 s clip; goal <= 1.25x) |", ""]


def keyframe_predictions(predictions: list, flows: list, interval: int) -> list:
    """The predictions the video path would compute: those of the keyframes it chooses."""
    return [p if key else None for p, key in zip(predictions, keyframes.choose(flows, interval))]


def bench_temporal(colorizer: Colorizer, work: Path) -> list[str]:
    photos = [load_image(EXAMPLES / f"{p}.jpg").pixels for p in ("astronaut", "coffee")]
    truth, gray, predictions, flows = synthetic.simulated_predictions(photos)
    raw = synthetic.render_predictions(gray, predictions)
    rows = ["### Steady colors (simulated predictions: ground truth + noise, casts, local flips; 2 shots x 24 frames)",
            "| output | E_warp (x1e-3) | CDC | PSNR to truth (dB) |", "| --- | ---: | ---: | ---: |",
            f"| per frame | {metrics.warping_error(raw, gray) * 1e3:.3f} | {metrics.color_distribution_consistency(raw):.4f} | "
            f"{metrics.psnr(raw, truth):.2f} |"]
    psnr_k = {}
    for k in (1, 2, 3, 4):
        out = synthetic.render_predictions(gray, temporal.smooth(keyframe_predictions(predictions, flows, k), flows))
        psnr_k[k] = metrics.psnr(out, truth)
        rows.append(f"| smoothed, k={k} | {metrics.warping_error(out, gray) * 1e3:.3f} | "
                    f"{metrics.color_distribution_consistency(out):.4f} | {psnr_k[k]:.2f} ({psnr_k[k] - psnr_k[1]:+.2f} vs k=1) |")
    clip = _clip(work, "temporal", (320, 240), 48)
    per_frame = colorize_video(clip, work / "per-frame.mp4", colorizer, smoothing=0.0, keyframe_interval=1).path
    smoothed = colorize_video(clip, work / "smoothed.mp4", colorizer).path
    def frames_of(path: Path) -> list[np.ndarray]:
        return [f.copy() for f in read_frames(path, probe(path))]

    inputs = frames_of(clip)
    rows += ["", "### Steady colors through the whole pipeline (the synthetic clip, random-weight network)",
             "| output | E_warp (x1e-3) | CDC |", "| --- | ---: | ---: |"]
    for name, path in (("per frame (k=1, smoothing 0)", per_frame), ("defaults (k=2, smoothing 0.85)", smoothed)):
        outputs = frames_of(path)
        rows.append(f"| {name} | {metrics.warping_error(outputs, inputs) * 1e3:.3f} | "
                    f"{metrics.color_distribution_consistency(outputs):.4f} |")
    return rows + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short clips, skip the 60-second memory run")
    parser.add_argument("--only", choices=["image", "video", "memory", "temporal"], action="append")
    args = parser.parse_args(argv)
    parts = args.only or ["image", "video", "temporal"] + ([] if args.quick else ["memory"])
    with tempfile.TemporaryDirectory(prefix="colorization-bench-") as folder:
        work = Path(folder)
        model = architecture.write_model(work / "model", seed=0)
        colorizer = Colorizer.from_pretrained(model)
        naive = NaivePipeline(model)
        probe_ab = colorizer.predict(_photo("astronaut", (512, 512))).ab
        lines = [f"Machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; "
                 f"backend {colorizer.backend.name}; random-weight a/b std over a photo {probe_ab.std():.1f}", ""]
        if "image" in parts:
            lines += bench_image(model, colorizer, naive, work)
        if "video" in parts:
            lines += bench_video(colorizer, naive, work, frames=24 if args.quick else 48)
        if "temporal" in parts:
            lines += bench_temporal(colorizer, work)
        if "memory" in parts:
            lines += bench_memory(model, work)
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
