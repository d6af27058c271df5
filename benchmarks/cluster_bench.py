"""The cost of spreading a film over Ray on one machine, and its parts (for `python -m benchmarks --only ray`)."""

from __future__ import annotations

import time
from pathlib import Path

from colorization import cluster
from colorization.model.settings import ModelSettings
from colorization.video import VideoOptions, colorize_video, pieces
from colorization.video.ffmpeg import probe


def ray_overhead(bench) -> list[str]:
    """One 60 s 720p film, once on this machine and once in pieces on a local Ray cluster (2 workers)."""
    from .benchmark import SIZES, pan_clip

    clip = one_shot(bench.work, SIZES["720p"], 60 * 24)  # one long shot: split into pieces, with warm-up
    info = probe(clip)
    alone = colorize_video(clip, bench.out("alone"), bench.fp32)

    started = time.monotonic()
    cluster.start(None, num_cpus=2, object_store_memory=200 * 2**20)
    ray_start = time.monotonic() - started
    cut_started = time.monotonic()
    cuts = pieces.find_cuts(clip, info)
    cut_pass = time.monotonic() - cut_started
    plan = pieces.plan(info.frame_count, cuts)
    warmup_share = sum(p.before + p.after for p in plan) / info.frame_count
    load_started = time.monotonic()
    pool = cluster.Pool(ModelSettings(str(bench.model), precision="fp32"), workers=2)
    pool.ray.get([worker.__ray_ready__.remote() for worker in pool.workers])
    model_load = time.monotonic() - load_started
    pool.stop()
    spread = cluster.colorize_film(clip, bench.out("spread"), ModelSettings(str(bench.model), precision="fp32"),
                                   VideoOptions(), workers=2)
    join_started = time.monotonic()
    pieces.join([Path(spread.path)], clip, info, bench.out("rejoin"))  # the join alone, on a whole film
    join = time.monotonic() - join_started
    import ray

    ray.shutdown()
    hd = pan_clip(bench.work, SIZES["1080p"], 20 * 24)  # what an hour of 1080p costs, from 20 s of it
    hd_info = probe(hd)
    hd_minutes = hd_info.duration / 60
    hd_alone = colorize_video(hd, bench.out("hd"), bench.fp32)
    hd_cut_started = time.monotonic()
    pieces.find_cuts(hd, hd_info)
    hd_cut = (time.monotonic() - hd_cut_started) / hd_minutes
    hd_join_started = time.monotonic()
    pieces.join([Path(hd_alone.path)], hd, hd_info, bench.out("hd-join"))
    hd_join = (time.monotonic() - hd_join_started) / hd_minutes
    hour_work = 60 * hd_alone.seconds / hd_minutes * (1 + warmup_share * 0.6)
    return [
        "### A film on Ray, on this 2-core machine (one 60 s shot at 720p, defaults, fp32)",
        "| run | seconds | against one machine |", "| --- | ---: | ---: |",
        f"| one machine (`colorize video`) | {alone.seconds:.1f} | 1.00 |",
        f"| local Ray cluster, 2 workers (`--ray`; Ray already started) | {spread.seconds:.1f} | "
        f"{spread.seconds / alone.seconds:.2f}x (goal <= 1.2x) |", "",
        "| part of the Ray run | seconds |", "| --- | ---: |",
        f"| starting Ray (once a session) | {ray_start:.1f} |",
        f"| the cut pass (low-resolution decode, flow, no network) | {cut_pass:.1f} |",
        f"| loading the model in 2 workers, in parallel | {model_load:.1f} |",
        f"| warm-up frames analysed twice: {len(plan)} pieces, {100 * warmup_share:.0f}% of the frames | "
        f"about {warmup_share * 0.6 * alone.seconds:.1f} (their share of the colorizing pass) |",
        f"| joining without re-encoding, with the sound | {join:.1f} |", "",
        "Scaling: pieces are independent, so a film takes about (its one-machine time plus the warm-up share) / "
        "workers, plus the cut pass and the join, which one machine does. Measured on 20 s of 1080p here: "
        f"{hd_alone.seconds / hd_minutes:.0f} s of one-machine work a minute of film, a cut pass of {hd_cut:.1f} s "
        f"and a join of {hd_join:.1f} s a minute. An hour of 1080p film on N workers like one of these two cores: "
        f"about {hour_work:.0f} s / (N / 2) + {60 * (hd_cut + hd_join):.0f} s "
        f"(N = 2: {hour_work + 60 * (hd_cut + hd_join):.0f} s; "
        f"N = 64: {hour_work / 32 + 60 * (hd_cut + hd_join):.0f} s).",
        "",
    ]


def one_shot(folder: Path, size: tuple[int, int], frames: int, fps: int = 24) -> Path:
    """A single slow camera move of `frames` frames, with sound: longer than a piece."""
    from fractions import Fraction

    from . import synthetic
    from .benchmark import photo

    path = folder / f"shot-{size[0]}x{size[1]}-{frames}.mp4"
    if not path.exists():
        moving = synthetic.camera_move(photo("coffee"), frames, size)
        synthetic.write_video(path, (synthetic.to_gray(f) for f in moving), Fraction(fps), size,
                              audio_seconds=frames / fps)
    return path
