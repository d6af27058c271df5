"""Every handler of the page and of the API, as methods of one object that holds the model and limits.

Public methods are named after their api_names (`colorize_image`, `colorize_video`,
`colorize_batch`): Gradio's API page and its MCP server show assistants these names and
docstrings. Methods named `on_*` serve the page's own events. Tests call all of them directly,
without a server. Files named by a request pass `uploads.upload_path` first; work waits in its
room (`rooms`); failures reach the visitor through `failures.shown_to_visitors`.
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from colorization import Adjustments, Cancelled, Colorizer, InputError, defaults, quantize
from colorization.estimate import Speeds, image_seconds, video_seconds
from colorization.ffmpeg import grab_frame, trim
from colorization.film_hints import painted_frames, parse_film_hints
from colorization.hints import parse_hints
from colorization.images import load_image, read_size, save_image
from colorization.outputs import atomic_write, plan_names
from colorization.pipeline import check_render_size, fit_within
from colorization.video import VideoOptions, check_video, colorize_video, sample_motion

from . import fields, painter, texts
from .failures import shown_to_visitors, visitor_error
from .gradio_internals import current_caller, session_alive
from .limits import AppLimits
from .presence import abandoned
from .quota import DiskQuota
from .rooms import WaitingRoom
from .store import Photo, PhotoRef, PhotoStore
from .sweep import in_use
from .uploads import upload_folder, upload_path, upload_paths

log = logging.getLogger("colorization.app")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PREVIEW_SIZE = defaults.PREVIEW_SIZE
VIDEO_PREVIEW_SIZE = 1024
DOWNLOAD = "Download full resolution (PNG)"
CANCELLED = "Cancelled: the job was stopped and its files deleted."
PREPARING = gr.update(interactive=False, label="Preparing the PNG…")  # a download must be the result on screen


def _adjustments(intensity: Any, saturation: Any, hue: Any) -> Adjustments:
    """The color controls as the API sent them; `Adjustments` checks each against the controls table."""
    return Adjustments(intensity, saturation, hue)


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{name} must be a number, got {value!r}")
    return float(value)


def _whole(value: Any, name: str) -> int:
    number = _number(value, name)
    if not math.isfinite(number) or number != int(number):
        raise InputError(f"{name} must be a whole number, got {value!r}")
    return int(number)


def _gray_to_rgb(pixels: np.ndarray) -> np.ndarray:
    return pixels[..., :3] if pixels.ndim == 3 else np.repeat(pixels[..., None], 3, axis=2)


def _documented(method):
    """Write the Args section of an API method's docstring from `texts.parameters`: the MCP tools read
    the docstring, the API page reads `components.described`, and both say the same."""
    words = texts.endpoint_parameters(AppLimits(), method.__name__)
    names = [name for name in inspect.signature(method).parameters if name in words]
    summary, returns = inspect.cleandoc(method.__doc__).split("\nReturns:\n")
    args = "".join(f"    {name}: {words[name]}\n" for name in names)
    method.__doc__ = f"{summary}\nArgs:\n{args}Returns:\n{returns}"
    return method


def render_size_cap(width: int, height: int) -> int:
    """The largest render size worth offering for a photo: its long side, rounded up to a step, and one
    step above the smallest (a slider's maximum must pass its minimum, also for a photo of 64 px or less)."""
    step = defaults.RENDER_SIZE_STEP
    low, high = defaults.RENDER_SIZE_RANGE
    return int(min(high, max(low + step, -(-max(width, height) // step) * step)))


class ColorizeApp:
    """The handlers around one loaded colorizer (or the reason it could not load)."""

    def __init__(self, colorizer: Colorizer | None, load_error: str | None = None,
                 limits: AppLimits = AppLimits(), speeds: Speeds | None = None) -> None:
        self.colorizer, self.load_error, self.limits = colorizer, load_error, limits
        self.speeds = speeds or (Speeds.measure(colorizer) if colorizer else Speeds.typical())
        self.photos = PhotoStore(limits.photo_memory_mb * 2**20, limits.photo_memory_seconds)
        self.image_room = WaitingRoom("photo", limits.image_workers, limits.image_waiting, limits.photo_jobs_per_client)
        self.video_room = WaitingRoom("video", limits.video_workers, limits.video_waiting, limits.video_jobs_per_client)
        self.preview_room = WaitingRoom("film preview", limits.preview_workers, limits.preview_waiting,
                                        limits.preview_jobs_per_client)
        self.quota = DiskQuota(limits.disk_per_client_mb << 20, limits.disk_total_mb << 20, limits.keep_results_seconds)
        self.demo: gr.Blocks | None = None  # set by build_app: disconnect detection reads its queue
        self._cancel_flags: dict[str, threading.Event] = {}
        self._film_lock = threading.Lock()
        self._shown: OrderedDict[str, tuple] = OrderedDict()  # session -> what its page shows (`_shown_now`)
        self._shown_lock = threading.Lock()
        self._gallery: dict[str, tuple[np.ndarray, np.ndarray, str]] = {}  # example name -> its pair, made once
        self._gallery_lock = threading.Lock()

    def check_int8_in_background(self, time_limit: float = 900.0) -> threading.Thread | None:
        """Build and check the int8 network in a low-priority child process while fp32 serves; swap it
        in if it passes. Nothing happens when int8 was already decided or is not wanted."""
        colorizer = self.colorizer
        if (colorizer is None or colorizer.files is None or not colorizer.backend.supports_int8
                or quantize.resolve_precision(None) != "auto" or quantize.cached(colorizer.files)[1] is not None):
            return None

        def check() -> None:
            process = quantize.build_in_background(colorizer.files, time_limit)
            try:
                _, errors = process.communicate(timeout=time_limit + 120)
            except subprocess.TimeoutExpired:
                process.kill()
                log.warning("The int8 check did not finish in time; serving fp32")
                return
            if colorizer.use_int8_if_checked():
                self.speeds = Speeds.measure(colorizer)
                log.info("int8 passed its self-check: now serving int8 (network %.3f s a frame)", self.speeds.network)
            else:
                said = (errors or b"").decode(errors="replace").strip().splitlines()
                log.info("Serving fp32; the int8 check said: %s", said[-1] if said else "nothing")

        worker = threading.Thread(target=check, name="int8-check", daemon=True)
        worker.start()
        return worker

    # ---- shared steps -------------------------------------------------------------------------

    def model(self) -> Colorizer:
        if self.colorizer is None:
            raise visitor_error(texts.NO_MODEL)
        return self.colorizer

    def roots(self) -> list[Path]:
        return [upload_folder(), EXAMPLES]

    def job_folder(self) -> Path:
        """A fresh folder for one job's results inside Gradio's cache: served in place, swept with uploads."""
        cache = upload_folder()
        cache.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="colorize-", dir=cache))

    def _check_photo_size(self, path: Path) -> tuple[int, int]:
        return read_size(path, self.limits.max_image_pixels)

    def _in_room(self, room: WaitingRoom, progress: gr.Progress | None, cancelled=None):
        """Enter `room` as the current caller: counted against their address, and out of the line
        once nobody reads their result (`presence.abandoned`)."""
        def told(ahead: int) -> None:
            if progress is not None:
                where = "you are next" if ahead == 0 else f"{ahead} waiting ahead of you"
                progress(0.0, desc=f"Waiting for a free worker: {where}")

        caller = current_caller()
        self.quota.check(caller.client)  # no new result for a client, or a server, whose disk share is used up
        unread = abandoned(caller.session, caller.event_id, self.limits.unread_seconds)

        def gone() -> bool:
            return unread() or (cancelled is not None and cancelled())

        return room.enter(told, gone, client=caller.client)

    def _new_photo(self, path: Path, render_size: int, keep: bool = True,
                   key: str | None = None) -> tuple[Photo, PhotoRef | None]:
        """Decode and predict a photo, and keep it for the sliders (under `key` when given) unless the
        caller is the API, which re-renders nothing; the network runs once here. The caller holds a
        place in the photo room: this, the full-size render and the PNG encode are the heavy work."""
        self._check_photo_size(path)
        model = self.model()
        loaded = load_image(path, max_pixels=self.limits.max_image_pixels)
        prediction = model.predict(loaded.pixels, render_size)
        before = fit_within(_gray_to_rgb(loaded.pixels), PREVIEW_SIZE)
        photo = Photo(prediction, before, path.name, loaded.icc_profile, loaded.exif, self.job_folder())
        return photo, (PhotoRef(self.photos.put(photo, key), path, render_size) if keep else None)

    def _photo(self, ref: PhotoRef) -> Photo:
        """The session's photo; predicted again from its upload when the store let it go (in the photo room)."""
        photo = self.photos.get(ref.key)
        if photo is not None:
            return photo
        if not ref.source.is_file():
            raise InputError("Your photo is no longer on the server; please upload it again.")
        photo, _ = self._new_photo(ref.source, ref.render_size, key=ref.key)
        return photo

    def _save_png(self, photo: Photo, adjustments: Adjustments, hints: Any = None,
                  full: np.ndarray | None = None) -> str:
        target = (photo.folder or self.job_folder()) / f"{Path(photo.name).stem[:80] or 'image'}-colorized.png"
        full = photo.prediction.render(adjustments, hints=hints) if full is None else full
        with in_use(target.parent):  # an hour-old photo's folder may have been swept: made again
            target.parent.mkdir(parents=True, exist_ok=True)
            return self._charged(save_image(full, target, icc_profile=photo.icc_profile, exif=photo.exif,
                                            overwrite=True))

    def _charged(self, result: Path) -> str:
        """`result`, charged to the current caller's disk share (once per path, at its latest size)."""
        self.quota.charge(current_caller().client, str(result), result.stat().st_size)
        return str(result)

    # ---- the public API ------------------------------------------------------------------------

    @_documented
    @shown_to_visitors
    def colorize_image(self, image: Any, intensity: float = defaults.INTENSITY,
                       saturation: float = defaults.SATURATION, hue: float = defaults.HUE,
                       render_size: int = defaults.RENDER_SIZE, hints: Any = None,
                       progress: gr.Progress = gr.Progress()):
        """Colorize a grayscale photo with the Zhang et al. (ECCV 2016) network, optionally steered by color hints.

        Returns:
            The before/after pair at preview size (long side at most 2048 px), then the full-resolution PNG.
        """
        adjustments = _adjustments(intensity, saturation, hue)
        size = check_render_size(render_size)
        strokes = parse_hints(hints)
        path = upload_path(image, "a photo", self.roots())
        self._check_photo_size(path)  # refused before waiting in line
        with self._in_room(self.image_room, progress):
            photo, _ = self._new_photo(path, size, keep=False)
            after = photo.prediction.render(adjustments, PREVIEW_SIZE, strokes)
            return (photo.before, after), self._save_png(photo, adjustments, strokes)

    @_documented
    @shown_to_visitors
    def colorize_batch(self, files: Any, intensity: float = defaults.INTENSITY,
                       saturation: float = defaults.SATURATION, hue: float = defaults.HUE,
                       render_size: int = defaults.RENDER_SIZE, progress: gr.Progress = gr.Progress()):
        """Colorize several photos with the same settings, into one zip of PNGs.

        Returns:
            A zip of PNGs, with problems.txt naming any file that could not be colorized and why.
        """
        return self._batch(files, intensity, saturation, hue, render_size, progress)[0]

    @_documented
    @shown_to_visitors
    def colorize_video(self, video: Any, intensity: float = defaults.INTENSITY,
                       saturation: float = defaults.SATURATION, hue: float = defaults.HUE,
                       smoothing: float = defaults.SMOOTHING, keyframes: int = defaults.KEYFRAMES,
                       render_size: int = defaults.RENDER_SIZE, hints: Any = None, request: gr.Request = None,
                       progress: gr.Progress = gr.Progress()):
        """Colorize a whole film: every frame, steady colors, the original sound, frame rate and length; optionally
        steered by color hints painted on frames.

        Returns:
            The colorized MP4 (H.264, AAC sound).
        """
        return self._video(video, intensity, saturation, hue, smoothing, keyframes, render_size, request, progress,
                           hints=hints)[0]

    # ---- batch and video cores (the page shows more than the API returns) ----------------------

    def _batch(self, files, intensity, saturation, hue, render_size, progress) -> tuple[str, list[str]]:
        adjustments = _adjustments(intensity, saturation, hue)
        size = check_render_size(render_size)
        paths = upload_paths(files, "one or more photos", self.roots())
        limits = self.limits
        if len(paths) > limits.max_batch_files:
            raise InputError(f"{len(paths)} files were sent; the limit is {limits.max_batch_files} at once.")
        problems: list[str] = []
        sizes: dict[Path, tuple[int, int]] = {}
        for path in paths:
            try:
                sizes[path] = self._check_photo_size(path)
            except InputError as exc:
                problems.append(f"{path.name}: {exc}")
        megapixels = sum(w * h for w, h in sizes.values()) / 1e6
        if megapixels > limits.max_batch_megapixels:
            raise InputError(f"These photos have {megapixels:.0f} megapixels together; the limit is "
                             f"{limits.max_batch_megapixels:.0f} at once.")
        model = self.model()
        folder = self.job_folder()
        archive = folder / "colorized.zip"
        names = plan_names(paths, Path(), "png")
        with in_use(folder), self._in_room(self.image_room, progress), atomic_write(archive) as partial:
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
        return self._charged(archive), problems

    def _video(self, video, intensity, saturation, hue, smoothing, keyframes, render_size, request, progress,
               seconds: float | None = None, hints: Any = None) -> tuple[str, list[str]]:
        """Run a whole video job (or its first `seconds`: hints painted later are left out) in the video room;
        (path, warnings)."""
        adjustments = _adjustments(intensity, saturation, hue)
        options = VideoOptions(adjustments, _number(smoothing, "smoothing"), _whole(keyframes, "keyframes"),
                               check_render_size(render_size))
        strokes = parse_film_hints(hints)
        path = upload_path(video, "a video", self.roots())
        info = check_video(path, self.limits.video)  # refuse before waiting in line
        painted_frames(strokes, info)
        if seconds is not None:
            strokes = tuple(s for s in strokes if s.time < min(seconds, info.duration))
        model = self.model()
        session = getattr(request, "session_hash", None) or f"anonymous-{threading.get_ident()}"
        flag = self._cancel_flags.setdefault(session, threading.Event())
        flag.clear()

        caller = current_caller()
        unread = abandoned(caller.session, caller.event_id, self.limits.unread_seconds)

        def stop() -> bool:
            return flag.is_set() or (self.demo is not None and not session_alive(self.demo, session)) or unread()

        def report(update) -> None:
            left = f" · {texts.about(update.seconds_left)} left" if update.seconds_left else ""
            progress(update.fraction, desc=update.describe() + left)

        folder = self.job_folder()
        try:
            with in_use(folder), self._in_room(self.video_room, progress, stop):
                source = path
                if seconds is not None:
                    progress(0.0, desc=f"Cutting the first {seconds:g} seconds")
                    source = trim(path, folder / f"{path.stem[:60] or 'video'}-first-{seconds:g}s.mp4", seconds)
                target = folder / f"{path.stem[:60] or 'video'}-colorized.mp4"
                result = colorize_video(source, target, model, adjustments, smoothing=options.smoothing,
                                        keyframe_interval=options.keyframes, render_size=options.render_size,
                                        limits=self.limits.video, progress=report, cancel=stop, speeds=self.speeds,
                                        hints=strokes)
                if source != path:
                    source.unlink(missing_ok=True)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            self._cancel_flags.pop(session, None)
        for warning in result.warnings:
            gr.Warning(warning)
        return self._charged(result.path), list(result.warnings)

    # ---- the page's image tab ------------------------------------------------------------------

    @shown_to_visitors
    def on_upload(self, image: Any, intensity: float, saturation: float, hue: float, render_size: int,
                  request: gr.Request = None, progress: gr.Progress = gr.Progress()):
        """A photo arrived (uploaded, pasted or an example picked): predict once, show before/after in the
        slider and the painter, fit the render-size slider; the download follows (`on_download`)."""
        if image is None:
            return self.on_upload_failed()[1:]
        adjustments = _adjustments(intensity, saturation, hue)
        path = upload_path(image, "a photo", self.roots())
        width, height = self._check_photo_size(path)
        cap = render_size_cap(width, height)
        size = min(check_render_size(render_size), cap)
        with self._in_room(self.image_room, progress):
            photo, ref = self._new_photo(path, size)
            after = photo.prediction.render(adjustments, PREVIEW_SIZE)
            photo.prediction.prepare_hints()  # now, so that the first stroke answers as fast as the next
        self._shown_now(request, (ref.key, adjustments, hash(())))
        slider = gr.update(maximum=cap, value=size, info=self._render_info(size, cap, width * height))
        return (gr.update(value=(photo.before, after), visible=True), PREPARING, ref, slider,
                painter.show(after, ref.key))

    @staticmethod
    def on_upload_failed():
        """Cleared, or an upload was refused: no broken thumbnail, no stale result, nothing to download."""
        return (None, gr.update(value=None, visible=False), gr.update(value=None, interactive=False, label=DOWNLOAD),
                None, gr.skip(), painter.cleared())

    def _settings(self, intensity: Any, saturation: Any, hue: Any) -> tuple[Adjustments | None, list]:
        """The adjustments as the boxes show them (clamped), or None for an empty box; and each box's update."""
        values = [fields.field(v, name) for v, name in ((intensity, "intensity"), (saturation, "saturation"),
                                                       (hue, "hue"))]
        boxes = [fields.box(*value) for value in values]
        if any(number is None for number, _ in values):
            return None, boxes
        return Adjustments(*(number for number, _ in values)), boxes

    @shown_to_visitors
    def on_controls(self, ref: PhotoRef | None, intensity: Any, saturation: Any, hue: Any, painted: Any = None,
                    request: gr.Request = None):
        """A color control moved or a hint was painted: the painter shows the new result first (rendered at its
        own size from the cached prediction, no network); the slider (`on_preview`) and the download
        (`on_download`) follow. A typed value out of range is clamped and written back to its box; an empty
        box changes nothing."""
        adjustments, boxes = self._settings(intensity, saturation, hue)
        if ref is None or adjustments is None:
            return painter.unchanged(), gr.skip(), *boxes
        try:
            strokes = painter.strokes_for(painted, ref.key)
        except InputError:
            return painter.unchanged(), gr.skip(), *boxes
        with self._in_room(self.image_room, None):
            photo = self._photo(ref)
            shown = photo.prediction.render(adjustments, painter.SIDE, strokes)
        self._shown_now(request, (ref.key, adjustments, hash(tuple(strokes))))
        return painter.show(shown), PREPARING, *boxes

    def _shown_settings(self, ref: PhotoRef | None, intensity: Any, saturation: Any, hue: Any,
                        painted: Any) -> tuple[Adjustments, list] | None:
        """The adjustments and strokes the page shows, or None when there is nothing to render (no photo, an
        empty box, strokes the painter should not have sent: the page keeps what it shows)."""
        adjustments, _ = self._settings(intensity, saturation, hue)
        if ref is None or adjustments is None:
            return None
        try:
            return adjustments, painter.strokes_for(painted, ref.key)
        except InputError:
            return None

    @shown_to_visitors
    def on_preview(self, ref: PhotoRef | None, intensity: Any, saturation: Any, hue: Any, painted: Any = None):
        """The before/after slider for the current controls and hints, at preview size."""
        settings = self._shown_settings(ref, intensity, saturation, hue, painted)
        if settings is None:
            return gr.skip()
        adjustments, strokes = settings
        with self._in_room(self.image_room, None):
            photo = self._photo(ref)
            return photo.before, photo.prediction.render(adjustments, PREVIEW_SIZE, strokes)

    @shown_to_visitors
    def on_download(self, ref: PhotoRef | None, intensity: Any, saturation: Any, hue: Any, painted: Any = None,
                    request: gr.Request = None):
        """The full-resolution PNG of what the page shows, for the download button. It is offered only if
        the page still shows these settings when it is ready: a newer change makes its own."""
        settings = self._shown_settings(ref, intensity, saturation, hue, painted)
        if settings is None:
            return gr.skip()
        adjustments, strokes = settings
        shown = (ref.key, adjustments, hash(tuple(strokes)))

        def stale() -> bool:  # checked between the steps: a newer change must not wait behind this one
            return self._shown.get(self._session(request)) not in (None, shown)

        if stale():
            return gr.skip()
        with self._in_room(self.image_room, None):
            photo = self._photo(ref)
            full = photo.prediction.render(adjustments, hints=strokes)
            if stale():
                return gr.skip()
            png = self._save_png(photo, adjustments, strokes, full)
        if stale():
            return gr.skip()
        return gr.update(value=png, interactive=True, label=DOWNLOAD)

    @staticmethod
    def _session(request: gr.Request | None) -> str:
        return getattr(request, "session_hash", None) or "direct"

    def _shown_now(self, request: gr.Request | None, shown: tuple) -> None:
        """Remember what this visitor's page shows (photo, adjustments, the strokes' hash: a few bytes whatever
        was painted), for the last 10,000 visitors: the download must match it."""
        with self._shown_lock:
            self._shown[self._session(request)] = shown
            self._shown.move_to_end(self._session(request))
            while len(self._shown) > 10_000:
                self._shown.popitem(last=False)

    @shown_to_visitors
    def on_render_size(self, ref: PhotoRef | None, intensity: Any, saturation: Any, hue: Any, render_size: Any,
                       painted: Any = None, request: gr.Request = None, progress: gr.Progress = gr.Progress()):
        """The render size changed (mouse, keys or a typed number): run the network again at the new size
        (painted hints stay). A half-typed or empty number waits; one above the photo's cap is lowered to it."""
        nothing = gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        photo = self.photos.get(ref.key) if ref is not None else None
        cap = render_size_cap(*photo.prediction.L.shape[::-1]) if photo is not None else None
        size, corrected = fields.field(render_size, "render_size", cap)
        adjustments, _ = self._settings(intensity, saturation, hue)
        if ref is None or size is None or adjustments is None:
            return nothing
        if size == ref.render_size and not corrected:
            return nothing
        path = upload_path(str(ref.source), "a photo", self.roots())
        try:
            strokes = painter.strokes_for(painted, ref.key)
        except InputError:
            strokes = []
        with self._in_room(self.image_room, progress):
            fresh_photo, fresh = self._new_photo(path, size)
            after = fresh_photo.prediction.render(adjustments, PREVIEW_SIZE, strokes)
            fresh_photo.prediction.prepare_hints()
        self._shown_now(request, (fresh.key, adjustments, hash(tuple(strokes))))
        pixels = fresh_photo.prediction.L.size
        box = gr.update(value=size, info=self._render_info(size, cap, pixels)) if corrected else gr.skip()
        return (fresh_photo.before, after), PREPARING, fresh, box, painter.show(after, fresh.key, strokes)

    @shown_to_visitors
    def on_render_info(self, ref: PhotoRef | None, render_size: Any):
        """The expected time beside the render-size slider, as it moves."""
        size, _ = fields.field(render_size, "render_size")  # half-typed values wait; 1e308 is clamped, not an overflow
        photo = self.photos.get(ref.key) if isinstance(ref, PhotoRef) else None
        pixels = photo.prediction.L.size if photo is not None else 0
        if size is None:
            low, high = defaults.RENDER_SIZE_RANGE
            return gr.update(info=f"The network's input side: from {low} to {high}, a multiple of "
                                  f"{defaults.RENDER_SIZE_STEP}.")
        return gr.update(info=self._render_info(size, None, pixels))

    def _render_info(self, size: int, cap: int | None, pixels: int) -> str:
        seconds = image_seconds(size, self.speeds, pixels)
        text = f"The network's input side; 224 is what it was trained on. At {size}: {texts.about(seconds)}"
        return text + (f" (up to {cap} for this photo)." if cap else ".")

    @shown_to_visitors
    def on_batch(self, files: Any, intensity: float, saturation: float, hue: float, render_size: int,
                 progress: gr.Progress = gr.Progress()):
        """Several photos from the page: the zip, and the skipped files named on the page."""
        archive, problems = self._batch(files, intensity, saturation, hue, render_size, progress)
        report = ("**Skipped:**\n" + "\n".join(f"- {p}" for p in problems)) if problems else "All photos colorized."
        return gr.update(value=archive, visible=True), report

    # ---- the page's video tab ------------------------------------------------------------------

    @shown_to_visitors
    def on_video_upload(self, video: Any, intensity: float, saturation: float, hue: float, smoothing: float,
                        keyframes: int, render_size: int, progress: gr.Progress = gr.Progress()):
        """A film arrived: one colorized frame from its middle (kept for the sliders) and the time it will take.
        The last film's result and status go; cleared (None), the run buttons are disabled."""
        if video is None:
            return self.on_video_failed()[1:]
        path = upload_path(video, "a video", self.roots())
        info = check_video(path, self.limits.video)
        size = check_render_size(render_size)
        with self._in_room(self.preview_room, progress):
            frame = grab_frame(path, info, info.duration / 2)
            prediction = self.model().predict(frame, size)
            motion = sample_motion(path, info, self.model())
        photo = Photo(prediction, fit_within(frame, VIDEO_PREVIEW_SIZE), path.name)
        ref = PhotoRef(self.photos.put(photo), path, size, motion)
        adjustments = _adjustments(intensity, saturation, hue)
        pair = (photo.before, prediction.render(adjustments, VIDEO_PREVIEW_SIZE))
        text = self._video_estimate(ref, smoothing, keyframes, size)
        return (gr.update(value=pair, visible=True), text, ref, gr.update(interactive=True),
                gr.update(interactive=True), gr.update(value=None, visible=False), "")

    @staticmethod
    def on_video_failed():
        """The film was cleared or refused: the input empties (one click to try another), nothing stale stays."""
        return (None, gr.update(value=None, visible=False), "", None, gr.update(interactive=False),
                gr.update(interactive=False), gr.update(value=None, visible=False), "")

    @shown_to_visitors
    def on_video_controls(self, ref: PhotoRef | None, intensity: Any, saturation: Any, hue: Any):
        """A color control moved: the preview frame follows at once (no network); typed values are clamped."""
        adjustments, boxes = self._settings(intensity, saturation, hue)
        photo = self.photos.get(ref.key) if ref is not None else None
        if photo is None or adjustments is None:
            return gr.skip(), *boxes
        return (photo.before, photo.prediction.render(adjustments, VIDEO_PREVIEW_SIZE)), *boxes

    @shown_to_visitors
    def on_video_settings(self, ref: PhotoRef | None, smoothing: Any, keyframes: Any, render_size: Any):
        """Smoothing, keyframes or render size changed: the estimate follows; typed values are clamped."""
        values = [fields.field(v, name) for v, name in ((smoothing, "smoothing"), (keyframes, "keyframes"),
                                                       (render_size, "render_size"))]
        boxes = [fields.box(*value) for value in values]
        if ref is None or any(number is None for number, _ in values):
            return gr.skip(), *boxes
        return self._video_estimate(ref, *(number for number, _ in values)), *boxes

    def _video_estimate(self, ref: PhotoRef, smoothing: Any, keyframes: Any, render_size: int) -> str:
        info = check_video(ref.source, self.limits.video)
        options = VideoOptions(smoothing=_number(smoothing, "smoothing"), keyframes=_whole(keyframes, "keyframes"),
                               render_size=render_size)
        whole = video_seconds(info, options, self.speeds, ref.motion)
        return (f"**{texts.video_facts(info)}.** The whole film should take **{texts.about(whole)}** "
                f"here; the first {self.limits.quick_try_seconds:g} seconds "
                f"{texts.about(whole * min(1.0, self.limits.quick_try_seconds / info.duration))}.")

    @shown_to_visitors
    def on_video_run(self, video: Any, intensity: float, saturation: float, hue: float, smoothing: float,
                     keyframes: int, render_size: int, hints: Any = None, request: gr.Request = None,
                     progress: gr.Progress = gr.Progress()):
        """The page's 'Colorize the whole video': the film, and a status line."""
        try:
            path, warnings = self._video(video, intensity, saturation, hue, smoothing, keyframes, render_size,
                                         request, progress, hints=hints)
        except Cancelled:
            return gr.update(value=None, visible=False), CANCELLED
        return gr.update(value=path, visible=True), "Done." + "".join(f" {w}" for w in warnings)

    @shown_to_visitors
    def on_video_try(self, video: Any, intensity: float, saturation: float, hue: float, smoothing: float,
                     keyframes: int, render_size: int, hints: Any = None, request: gr.Request = None,
                     progress: gr.Progress = gr.Progress()):
        """The page's quick test: the first few seconds, to check the colors before a long run."""
        seconds = self.limits.quick_try_seconds
        try:
            path, warnings = self._video(video, intensity, saturation, hue, smoothing, keyframes, render_size,
                                         request, progress, seconds=seconds, hints=hints)
        except Cancelled:
            return gr.update(value=None, visible=False), CANCELLED
        return (gr.update(value=path, visible=True),
                f"The first {seconds:g} seconds, as a test." + "".join(f" {w}" for w in warnings))

    @staticmethod
    def on_video_started():
        """A video job starts: clear the old result; only Cancel can be pressed."""
        return (gr.update(value=None, visible=False), "Starting…", gr.update(interactive=False),
                gr.update(interactive=False), gr.update(interactive=True))

    @staticmethod
    def on_video_finished(ref: PhotoRef | None = None):
        """A job ended: the run buttons again, if a film is still there."""
        return gr.update(interactive=ref is not None), gr.update(interactive=ref is not None), gr.update(
            interactive=False)

    def on_cancel(self, request: gr.Request):
        """Stop this visitor's video job at its next frame; its files go, the page says so."""
        flag = self._cancel_flags.get(request.session_hash)
        if flag is not None:
            flag.set()
        return gr.update(value=None, visible=False), CANCELLED, gr.update(interactive=False)

    # ---- the gallery ---------------------------------------------------------------------------

    @shown_to_visitors
    def gallery_example(self, image: str):
        """An example photo: its colorization, and a slider against the real colors where they exist."""
        colorized, reference, label = self.gallery_pair(image)
        return gr.update(value=(reference, colorized), label=label)

    def gallery_pair(self, image: str | Path) -> tuple[np.ndarray, np.ndarray, str]:
        """(colorized, what to compare it with, the comparison's label) for one gallery photo.

        The comparison is the photo's original in color where the gallery has it (examples/images/
        originals/<name>.jpg), else the gray input itself.
        """
        path = upload_path(str(image), "a photo", self.roots())
        ours = EXAMPLES / "images" / path.name
        if not ours.is_file():
            return self._gallery_pair(path)  # not one of the gallery's: made, never kept for others
        with self._gallery_lock:  # kept by name, made from the gallery's own file, whatever was sent
            if ours.name not in self._gallery:
                self._gallery[ours.name] = self._gallery_pair(ours)
            return self._gallery[ours.name]

    def _gallery_pair(self, path: Path) -> tuple[np.ndarray, np.ndarray, str]:
        gray = load_image(path).pixels
        original = EXAMPLES / "images" / "originals" / f"{path.stem}.jpg"
        if original.is_file():
            return self.model().colorize(gray), load_image(original).pixels[..., :3], "Real colors / colorized"
        return self.model().colorize(gray), _gray_to_rgb(gray), "Grayscale input / colorized"

    @shown_to_visitors
    def gallery_film(self, progress: gr.Progress = gr.Progress()):
        """The example film, colorized once per model (kept with the gallery's cache), shown when ready."""
        film = sorted((EXAMPLES / "videos").glob("*.mp4"))[0]
        with self._film_lock:
            target = Path(os.environ.get("GRADIO_EXAMPLES_CACHE", tempfile.gettempdir())) / f"{film.stem}-colorized.mp4"
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)

                def report(update) -> None:
                    progress(update.fraction, desc=f"Colorizing the example film: {update.describe().lower()}")

                with self._in_room(self.video_room, progress):
                    colorize_video(film, target, self.model(), progress=report, speeds=self.speeds)
        return gr.update(value=str(target), visible=True), ""
