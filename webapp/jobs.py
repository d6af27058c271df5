"""The work of one job, shared by the API and the page: a photo predicted (and kept for the sliders), its PNG,
a batch's zip, a film's run. Each heavy step runs inside its waiting room (`AppState.in_room`)."""

from __future__ import annotations

import shutil
import threading
import zipfile
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from colorization import Adjustments, InputError, defaults
from colorization.images import load_image, read_size, save_image
from colorization.outputs import atomic_write, plan_names
from colorization.pipeline import fit_within
from colorization.video import VideoOptions, check_video, colorize_video
from colorization.video.ffmpeg import trim
from colorization.video.film_hints import painted_frames, parse_film_hints

from . import texts
from .gradio_internals import current_caller, session_alive
from .presence import abandoned
from .state import AppState
from .store import PhotoRef, Picture
from .sweep import in_use
from .uploads import upload_path, upload_paths

PREVIEW_SIZE = defaults.PREVIEW_SIZE
VIDEO_PREVIEW_SIZE = 1024


def gray_to_rgb(pixels: np.ndarray) -> np.ndarray:
    return pixels[..., :3] if pixels.ndim == 3 else np.repeat(pixels[..., None], 3, axis=2)


def photo_size(state: AppState, path: Path) -> tuple[int, int]:
    """The photo's (width, height) from its header, refused beyond the limit before any decoding."""
    return read_size(path, state.limits.max_image_pixels)


def new_photo(state: AppState, path: Path, render_size: int, keep: bool = True,
              key: str | None = None) -> tuple[Picture, PhotoRef | None]:
    """Decode and predict a photo, and keep it for the sliders (under `key` when given) unless the
    caller is the API, which re-renders nothing; the network runs once here. The caller holds a
    place in the photo room: this, the full-size render and the PNG encode are the heavy work."""
    photo_size(state, path)
    model = state.model()
    loaded = load_image(path, max_pixels=state.limits.max_image_pixels)
    prediction = model.predict(loaded.pixels, render_size)
    before = fit_within(gray_to_rgb(loaded.pixels), PREVIEW_SIZE)
    photo = Picture(prediction, before, path.name, loaded.icc_profile, loaded.exif, state.job_folder())
    return photo, (PhotoRef(state.photos.put(photo, key), path, render_size) if keep else None)


def kept_photo(state: AppState, ref: PhotoRef) -> Picture:
    """The session's photo; predicted again from its upload when the store let it go (in the photo room)."""
    photo = state.photos.get(ref.key)
    if photo is not None:
        return photo
    if not ref.source.is_file():
        raise InputError("Your photo is no longer on the server; please upload it again.")
    photo, _ = new_photo(state, ref.source, ref.render_size, key=ref.key)
    return photo


def save_png(state: AppState, photo: Picture, adjustments: Adjustments, hints: Any = None,
             full: np.ndarray | None = None) -> str:
    """The full-resolution PNG of `photo` with these adjustments and hints, charged to the caller."""
    target = (photo.folder or state.job_folder()) / f"{Path(photo.name).stem[:80] or 'image'}-colorized.png"
    full = photo.prediction.render(adjustments, hints=hints) if full is None else full
    with in_use(target.parent):  # an hour-old photo's folder may have been swept: made again
        target.parent.mkdir(parents=True, exist_ok=True)
        return state.charged(save_image(full, target, icc_profile=photo.icc_profile, exif=photo.exif,
                                        overwrite=True))


def batch(state: AppState, files: Any, adjustments: Adjustments, size: int, progress) -> tuple[str, list[str]]:
    """Several photos with the same settings into one zip; (its path, the problems named in problems.txt)."""
    paths = upload_paths(files, "one or more photos", state.roots())
    limits = state.limits
    if len(paths) > limits.max_batch_files:
        raise InputError(f"{len(paths)} files were sent; the limit is {limits.max_batch_files} at once.")
    problems: list[str] = []
    sizes: dict[Path, tuple[int, int]] = {}
    for path in paths:
        try:
            sizes[path] = photo_size(state, path)
        except InputError as exc:
            problems.append(f"{path.name}: {exc}")
    megapixels = sum(w * h for w, h in sizes.values()) / 1e6
    if megapixels > limits.max_batch_megapixels:
        raise InputError(f"These photos have {megapixels:.0f} megapixels together; the limit is "
                         f"{limits.max_batch_megapixels:.0f} at once.")
    model = state.model()
    folder = state.job_folder()
    archive = folder / "colorized.zip"
    names = plan_names(paths, Path(), "png")
    with in_use(folder), state.in_room(state.image_room, progress), atomic_write(archive) as partial:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as bundle:
            for path, name in progress.tqdm(list(zip(paths, names)), desc="Colorizing", unit="photos"):
                if path not in sizes:
                    continue
                try:
                    loaded = load_image(path, max_pixels=limits.max_image_pixels)
                    result = model.colorize(loaded.pixels, adjustments, size)
                except InputError as exc:
                    problems.append(f"{path.name}: {exc}")
                    continue
                target = save_image(result, folder / name.name, icc_profile=loaded.icc_profile, exif=loaded.exif)
                bundle.write(target, target.name)
                target.unlink()
            if problems:
                bundle.writestr("problems.txt", "\n".join(problems) + "\n")
    if len(problems) == len(paths):
        shutil.rmtree(folder, ignore_errors=True)
        raise InputError("None of the files could be colorized: " + "; ".join(problems))
    return state.charged(archive), problems


def film(state: AppState, video: Any, options: VideoOptions, hints: Any, request: gr.Request | None, progress,
         seconds: float | None = None) -> tuple[str, list[str]]:
    """Run a whole video job (or its first `seconds`: hints painted later are left out) in the video room;
    (path, warnings). Cancel (`state.cancel_flags`), a closed page or an unread result stop it."""
    session = getattr(request, "session_hash", None) or f"anonymous-{threading.get_ident()}"
    flag = state.cancel_flags.setdefault(session, threading.Event())  # the page's start made a fresh one
    try:
        return _film(state, video, options, hints, progress, seconds, session, flag)
    finally:
        if state.cancel_flags.get(session) is flag:  # a run started since holds its own
            state.cancel_flags.pop(session, None)


def _film(state: AppState, video: Any, options: VideoOptions, hints: Any, progress, seconds: float | None,
          session: str, flag: threading.Event) -> tuple[str, list[str]]:
    strokes = parse_film_hints(hints)
    path = upload_path(video, "a video", state.roots())
    info = check_video(path, state.limits.video)  # refuse before waiting in line
    painted_frames(strokes, info)
    if seconds is not None:
        strokes = tuple(s for s in strokes if s.time < min(seconds, info.duration))
    model = state.model()

    caller = current_caller()
    unread = abandoned(caller.session, caller.event_id, state.limits.unread_seconds)

    def stop() -> bool:
        return flag.is_set() or (state.demo is not None and not session_alive(state.demo, session)) or unread()

    def report(update) -> None:
        left = f" · {texts.about(update.seconds_left)} left" if update.seconds_left else ""
        progress(update.fraction, desc=update.describe() + left)

    folder = state.job_folder()
    try:
        with in_use(folder), state.in_room(state.video_room, progress, stop):
            source = path
            if seconds is not None:
                progress(0.0, desc=f"Cutting the first {seconds:g} seconds")
                source = trim(path, folder / f"{path.stem[:60] or 'video'}-first-{seconds:g}s.mp4", seconds)
            target = folder / f"{path.stem[:60] or 'video'}-colorized.mp4"
            keywords = {**options.keywords(), "hints": strokes}
            result = colorize_video(source, target, model, options.adjustments, **keywords,
                                    limits=state.limits.video, progress=report, cancel=stop, speeds=state.speeds)
            if source != path:
                source.unlink(missing_ok=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    for warning in result.warnings:
        gr.Warning(warning)
    return state.charged(result.path), list(result.warnings)
