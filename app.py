"""The public demo: colorize grayscale photos and films in the browser, or through the Gradio API.

Functions first, then the layout, then the wiring. The model is loaded once at startup; a
visitor's prediction is kept in their session (gr.State), so the color sliders re-render
without running the network again.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_EXAMPLES_CACHE", os.path.join(tempfile.gettempdir(), "colorization-examples"))

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402

from colorization import Adjustments, ColorizationError, Colorizer, InputError  # noqa: E402
from colorization.images import LoadedImage, load_image, save_image  # noqa: E402
from colorization.pipeline import Prediction, fit_within  # noqa: E402
from colorization.temporal import DEFAULT_STRENGTH  # noqa: E402
from colorization.video import (  # noqa: E402
    DEFAULT_KEYFRAME_INTERVAL,
    VideoLimits,
    check_video,
    colorize_video,
    estimate_seconds,
    grab_frame,
)

log = logging.getLogger("colorization.app")

ROOT = Path(__file__).resolve().parent
EXAMPLES = ROOT / "examples"


@dataclass(frozen=True)
class AppLimits:
    """What one visitor may ask of the shared machine; shown on the page and enforced."""

    max_file_size: str = "200mb"
    max_image_megapixels: float = 50.0
    max_video_seconds: float = 60.0
    max_video_width: int = 1920
    max_video_height: int = 1080
    preview_size: int = 2048
    queue_size: int = 16
    keep_results_seconds: int = 3600

    @property
    def video(self) -> VideoLimits:
        return VideoLimits(self.max_video_seconds, self.max_video_width * self.max_video_height)


@dataclass
class Session:
    """One visitor's current photo: the prediction, the 'before' preview, and what saving needs."""

    prediction: Prediction
    before: np.ndarray
    name: str
    icc_profile: bytes | None
    exif: bytes | None


def load_colorizer() -> tuple[Colorizer | None, str | None]:
    """Load the model; on failure keep the message so the page can say what is wrong."""
    try:
        return Colorizer.from_pretrained(), None
    except ColorizationError as exc:
        log.error("%s", exc)
        return None, str(exc)


def _upload_path(value: Any, what: str) -> Path:
    if isinstance(value, dict):
        value = value.get("path")
    if not value:
        raise gr.Error(f"Please upload {what} first.")
    return Path(value)


def _adjustments(intensity: float, saturation: float, hue: float) -> Adjustments:
    try:
        return Adjustments(float(intensity), float(saturation), float(hue))
    except (TypeError, ValueError) as exc:
        raise gr.Error(str(exc)) from None


def _job_dir() -> Path:
    """A fresh folder for one job's result inside Gradio's cache: a returned file is then served in
    place (not copied) and removed with every other upload and result by `delete_cache`."""
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder())
    cache.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="colorize-", dir=cache))


def _format_seconds(seconds: float) -> str:
    seconds = max(1, round(seconds))
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def build_app(colorizer: Colorizer | None, load_error: str | None = None, limits: AppLimits = AppLimits()) -> gr.Blocks:
    """The Gradio Blocks app around one loaded colorizer (or the reason it could not load)."""
    cancel_flags: dict[str, threading.Event] = {}

    def model() -> Colorizer:
        if colorizer is None:
            raise gr.Error(f"The model is not available, so nothing can be colorized. {load_error}")
        return colorizer

    def read_image(value: Any) -> tuple[LoadedImage, Path]:
        path = _upload_path(value, "a photo")
        try:
            return load_image(path, max_pixels=int(limits.max_image_megapixels * 1e6)), path
        except InputError as exc:
            raise gr.Error(str(exc)) from None

    def save_png(session: Session, adjustments: Adjustments) -> str:
        folder = _job_dir()
        target = folder / f"{Path(session.name).stem or 'image'}-colorized.png"
        full = session.prediction.render(adjustments)
        return str(save_image(full, target, icc_profile=session.icc_profile, exif=session.exif))

    def colorize_image(image: Any, intensity: float = 1.0, saturation: float = 1.0, hue: float = 0.0,
                       render_size: int = 224):
        """Colorize a photo: returns the before/after pair (preview size) and the full-size PNG."""
        loaded, path = read_image(image)
        adjustments = _adjustments(intensity, saturation, hue)
        try:
            prediction = model().predict(loaded.pixels, int(render_size))
        except (InputError, ValueError) as exc:
            raise gr.Error(str(exc)) from None
        pixels = loaded.pixels if loaded.pixels.ndim == 3 else np.repeat(loaded.pixels[..., None], 3, axis=2)
        before = fit_within(pixels[..., :3], limits.preview_size)
        session = Session(prediction, before, path.name, loaded.icc_profile, loaded.exif)
        after = prediction.render(adjustments, limits.preview_size)
        return (before, after), save_png(session, adjustments), session

    def rerender(session: Session | None, intensity: float, saturation: float, hue: float):
        """Re-render the preview from the cached prediction: no network run."""
        if session is None:
            return gr.skip()
        adjustments = _adjustments(intensity, saturation, hue)
        return session.before, session.prediction.render(adjustments, limits.preview_size)

    def full_download(session: Session | None, intensity: float, saturation: float, hue: float):
        if session is None:
            return gr.skip()
        return save_png(session, _adjustments(intensity, saturation, hue))

    def clear_image():
        return None, None, None

    def colorize_many(files: list[Any] | None, intensity: float = 1.0, saturation: float = 1.0, hue: float = 0.0,
                      render_size: int = 224, progress: gr.Progress = gr.Progress()):
        """Colorize several photos with the same settings; returns a zip of PNGs."""
        if not files:
            raise gr.Error("Please upload one or more photos first.")
        adjustments = _adjustments(intensity, saturation, hue)
        folder = _job_dir()
        archive = folder / "colorized.zip"
        problems = []
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:
            for index, item in enumerate(progress.tqdm(files, desc="Colorizing", unit="photos")):
                path = _upload_path(item, "a photo")
                try:
                    loaded = load_image(path, max_pixels=int(limits.max_image_megapixels * 1e6))
                    result = model().colorize(loaded.pixels, adjustments, int(render_size))
                except (InputError, ValueError) as exc:
                    problems.append(f"{path.name}: {exc}")
                    continue
                target = folder / f"{index:03d}-{Path(path.name).stem}.png"
                save_image(result, target, icc_profile=loaded.icc_profile, exif=loaded.exif)
                bundle.write(target, target.name)
                target.unlink()
            if problems:
                bundle.writestr("problems.txt", "\n".join(problems) + "\n")
        if len(problems) == len(files):
            raise gr.Error("None of the files could be colorized: " + "; ".join(problems))
        if problems:
            gr.Warning(f"{len(problems)} file(s) skipped; see problems.txt in the zip.")
        return str(archive)

    def video_path(video: Any) -> Path:
        path = _upload_path(video, "a video")
        if not path.is_file():
            raise gr.Error("The uploaded video is no longer on the server (results and uploads are kept for a limited time); please upload it again.")
        return path

    def preview_video(video: Any, render_size: int = 224, keyframes: int = DEFAULT_KEYFRAME_INTERVAL):
        """One colorized frame from the middle of the video and an estimate of the whole job's time."""
        if video is None:
            return None, ""
        path = video_path(video)
        try:
            info = check_video(path, limits.video)
            frame = grab_frame(path, info, info.duration / 2)
            started = time.monotonic()
            colorized = model().colorize(frame, render_size=int(render_size))
            network_seconds = time.monotonic() - started
        except (InputError, ValueError) as exc:
            raise gr.Error(str(exc)) from None
        estimate = estimate_seconds(info, network_seconds, int(keyframes))
        text = (f"**{info.width}x{info.height}, {float(info.fps):.3g} fps, {info.duration:.1f} s "
                f"({info.frame_count} frames), {'with' if info.has_audio else 'no'} sound.** "
                f"The whole video should take about **{_format_seconds(estimate)}** on this machine.")
        return (fit_within(frame, 1024), fit_within(colorized, 1024)), text

    def colorize_video_job(video: Any, intensity: float = 1.0, saturation: float = 1.0, hue: float = 0.0,
                           smoothing: float = DEFAULT_STRENGTH, keyframes: int = DEFAULT_KEYFRAME_INTERVAL,
                           render_size: int = 224, request: gr.Request = None, progress: gr.Progress = gr.Progress()):
        """Colorize a whole video: H.264 MP4 with the original sound, frame rate and length."""
        path = video_path(video)
        adjustments = _adjustments(intensity, saturation, hue)
        session = getattr(request, "session_hash", None) or f"anonymous-{threading.get_ident()}"
        flag = cancel_flags.setdefault(session, threading.Event())
        flag.clear()

        def report(done: int, total: int, seconds_left: float | None) -> None:
            left = f", about {_format_seconds(seconds_left)} left" if seconds_left is not None else ""
            progress((done, total), desc=f"Frame passes {done}/{total}{left}", unit="frames")

        def stop() -> bool:
            return flag.is_set() or not _session_alive(demo, session)

        folder = _job_dir()
        target = folder / f"{path.stem[:60] or 'video'}-colorized.mp4"
        try:
            colorize_video(path, target, model(), adjustments, smoothing=float(smoothing),
                           keyframe_interval=int(keyframes), render_size=int(render_size), limits=limits.video,
                           progress=report, cancel=stop)
        except ColorizationError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise gr.Error(str(exc)) from None
        except ValueError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise gr.Error(str(exc)) from None
        finally:
            cancel_flags.pop(session, None)
        return str(target)

    def cancel_video(request: gr.Request):
        flag = cancel_flags.get(request.session_hash)
        if flag is not None:
            flag.set()
        gr.Info("Cancelled: the job stops at its next batch of frames and its partial output is deleted.")

    def gallery_example(image: str, original: str):
        """An example: its colorization beside the original colors (the gray input where none exist)."""
        colorized = model().colorize(load_image(image).pixels)
        reference = load_image(original).pixels
        if reference.ndim == 2:
            reference = np.repeat(reference[..., None], 3, axis=2)
        return colorized, (reference[..., :3], colorized)

    def gallery_video(video: str):
        target = _job_dir() / "example-colorized.mp4"
        return str(colorize_video(video, target, model()).path)

    gray_examples = sorted((EXAMPLES / "images").glob("*.png"))
    originals = {p.stem: p for p in (EXAMPLES / "images" / "originals").glob("*.jpg")}
    gallery_rows = [[str(p), str(originals.get(p.stem, p))] for p in gray_examples]
    video_examples = [[str(p)] for p in sorted((EXAMPLES / "videos").glob("*.mp4"))]
    video_limits = (f"Up to {limits.max_video_seconds:.0f} s, {limits.max_video_width}x{limits.max_video_height}, "
                    f"{limits.max_file_size.upper()} a file.")

    sweep = (min(600, limits.keep_results_seconds), limits.keep_results_seconds)
    with gr.Blocks(title="Colorize old photos and films", delete_cache=sweep) as demo:
        gr.Markdown(
            "# Colorize old photos and films\n"
            "Upload a grayscale photo or film and see it in color. The colors come from *Colorful Image "
            "Colorization* by Richard Zhang, Phillip Isola and Alexei A. Efros (ECCV 2016, BSD-2-Clause)."
        )
        if load_error:
            gr.Markdown(f"> **The model could not be loaded, so this demo cannot colorize right now.**\n>\n> {load_error}")
        with gr.Tabs():
            with gr.Tab("Image", id="image"):
                with gr.Row():
                    with gr.Column():
                        image_in = gr.Image(type="filepath", image_mode=None, sources=["upload", "clipboard"],
                                            label="Grayscale photo", height=360, elem_id="image-in")
                        intensity = gr.Slider(0, 2, value=1, step=0.05, label="Color intensity", elem_id="intensity")
                        saturation = gr.Slider(0, 2, value=1, step=0.05, label="Saturation")
                        hue = gr.Slider(-180, 180, value=0, step=1, label="Hue shift (degrees)")
                        render_size = gr.Slider(64, 1024, value=224, step=8, label="Render size",
                                                info="The network's input side. 224 is what it was trained on; larger keeps small details.")
                        gr.Examples([[str(p)] for p in gray_examples], inputs=[image_in], label="Or pick one")
                    with gr.Column():
                        slider = gr.ImageSlider(label="Before / after", buttons=["fullscreen"], max_height=600,
                                                elem_id="result-slider")
                        download = gr.DownloadButton("Download full resolution (PNG)", elem_id="download")
                with gr.Accordion("Several photos at once", open=False):
                    many_in = gr.File(file_count="multiple", file_types=["image"], label="Photos")
                    many_go = gr.Button("Colorize all (same settings)")
                    many_out = gr.File(label="Colorized photos (zip)")
                session_state = gr.State(None, time_to_live=limits.keep_results_seconds)
            with gr.Tab("Video", id="video"):
                gr.Markdown(f"Every frame is colorized, with colors held steady from frame to frame; sound, frame rate and length are kept. {video_limits}")
                with gr.Row():
                    with gr.Column():
                        video_in = gr.Video(sources=["upload"], label="Grayscale film", elem_id="video-in")
                        v_intensity = gr.Slider(0, 2, value=1, step=0.05, label="Color intensity")
                        v_saturation = gr.Slider(0, 2, value=1, step=0.05, label="Saturation")
                        v_hue = gr.Slider(-180, 180, value=0, step=1, label="Hue shift (degrees)")
                        v_smoothing = gr.Slider(0, 1, value=DEFAULT_STRENGTH, step=0.05, label="Temporal smoothing",
                                                info="0 = every frame on its own (flickers); higher = steadier colors.")
                        v_keyframes = gr.Slider(1, 4, value=DEFAULT_KEYFRAME_INTERVAL, step=1, label="Keyframe interval",
                                                info="Run the network on every k-th frame and carry colors between by motion. 1 = every frame (slowest).")
                        v_render = gr.Slider(64, 1024, value=224, step=8, label="Render size")
                    with gr.Column():
                        video_preview = gr.ImageSlider(label="Preview: one frame", max_height=400, elem_id="video-preview")
                        video_estimate = gr.Markdown(elem_id="video-estimate")
                        with gr.Row():
                            video_go = gr.Button("Colorize the whole video", variant="primary")
                            video_cancel = gr.Button("Cancel", variant="stop")
                        video_out = gr.Video(label="Colorized video", buttons=["download"], elem_id="video-out")
            with gr.Tab("Gallery", id="gallery"):
                gr.Markdown("Public-domain and CC0 photographs (see CREDITS.md). Where the original was in color, "
                            "the slider compares the model's colors with the real ones.")
                with gr.Row():
                    gallery_in = gr.Image(type="filepath", label="Grayscale input", interactive=False, height=300)
                    gallery_original = gr.Image(type="filepath", visible=False)
                    gallery_colorized = gr.Image(label="Colorized", interactive=False, height=300, elem_id="gallery-colorized")
                gallery_compare = gr.ImageSlider(label="Original colors / colorized", max_height=450, elem_id="gallery-compare")
                gr.Examples(gallery_rows, inputs=[gallery_in, gallery_original], outputs=[gallery_colorized, gallery_compare],
                            fn=gallery_example, cache_examples=True, cache_mode="lazy", label="Photos",
                            example_labels=[p.stem for p in gray_examples])
                with gr.Row():
                    gallery_video_in = gr.Video(label="Grayscale film", interactive=False)
                    gallery_video_out = gr.Video(label="Colorized film", interactive=False)
                gr.Examples(video_examples, inputs=[gallery_video_in], outputs=[gallery_video_out], fn=gallery_video,
                            cache_examples=True, cache_mode="lazy", label="Films")
        gr.Markdown(
            f"Uploads are used only to make your result. They and the results stay on the server while your job runs "
            f"and are deleted within {limits.keep_results_seconds // 60} minutes. Limits: photos up to "
            f"{limits.max_image_megapixels:.0f} megapixels; films: {video_limits}"
        )

        image_event = dict(concurrency_id="image", concurrency_limit=2)
        controls = [intensity, saturation, hue]
        api_image = gr.Button(visible=False)
        api_image.click(colorize_image, [image_in, *controls, render_size], [slider, download, session_state],
                        preprocess=False, api_name="colorize_image", **image_event)
        image_in.change(colorize_image, [image_in, *controls, render_size], [slider, download, session_state],
                        preprocess=False, api_name="on_upload", api_visibility="private", trigger_mode="always_last",
                        **image_event)
        image_in.clear(clear_image, None, [slider, download, session_state], api_name="on_clear",
                       api_visibility="private")
        gr.on([c.release for c in controls], rerender, [session_state, *controls], [slider], api_name="on_control",
              api_visibility="private", trigger_mode="always_last", **image_event).then(
            full_download, [session_state, *controls], [download], api_name="on_control_download",
            api_visibility="private", **image_event)
        render_size.release(colorize_image, [image_in, *controls, render_size], [slider, download, session_state],
                            preprocess=False, api_name="on_render_size", api_visibility="private",
                            trigger_mode="always_last", **image_event)
        many_go.click(colorize_many, [many_in, *controls, render_size], [many_out], preprocess=False,
                      api_name="colorize_batch", **image_event)

        video_in.change(preview_video, [video_in, v_render, v_keyframes], [video_preview, video_estimate],
                        preprocess=False, api_name="on_video_upload", api_visibility="private", **image_event)
        video_job = video_go.click(colorize_video_job, [video_in, v_intensity, v_saturation, v_hue, v_smoothing,
                                                        v_keyframes, v_render], [video_out], preprocess=False,
                                   api_name="colorize_video", concurrency_id="video", concurrency_limit=1)
        video_cancel.click(cancel_video, None, None, cancels=[video_job], api_name="on_cancel", api_visibility="private",
                           queue=False)
    demo.queue(max_size=limits.queue_size, default_concurrency_limit=1)
    return demo


def _session_alive(demo: gr.Blocks, session_hash: str) -> bool:
    """False once Gradio has seen this visitor's connection drop (it marks their jobs not alive)."""
    try:
        for job in demo._queue.active_jobs:
            for event in job or []:
                if event.session_hash == session_hash and not event.alive:
                    return False
    except AttributeError:  # a Gradio without these internals: rely on the Cancel button alone
        return True
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the colorization demo.")
    parser.add_argument("--share", action="store_true", help="also make a public gradio.live link (needs network)")
    parser.add_argument("--host", default=None, help="default: $GRADIO_SERVER_NAME or 127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: $GRADIO_SERVER_PORT or 7860")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    colorizer, error = load_colorizer()
    limits = AppLimits()
    demo = build_app(colorizer, error, limits)
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, max_file_size=limits.max_file_size,
                show_error=True, footer_links=["api"])


if __name__ == "__main__":
    main()
