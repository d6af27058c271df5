"""The public demo (the Space's entry point): colorize grayscale photos and films in the browser or by API.

Read it as Gradio's own demos read: the handlers live in `webapp.handlers.ColorizeApp`, this file
holds the page's layout per tab and the wiring, then `main`. The model loads once at startup.
"""

import argparse
import logging
import os
import tempfile

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from colorization import ColorizationError, Colorizer  # noqa: E402
from colorization.controls import KEYFRAMES, SMOOTHING  # noqa: E402
from webapp import painter, texts  # noqa: E402
from webapp.components import (  # noqa: E402
    FILM_HINTS_SCHEMA,
    HINTS_SCHEMA,
    color_sliders,
    described,
    file_example,
    render_size_slider,
    slider,
)
from webapp.film_editor import FilmEditor, film_painter_component  # noqa: E402
from webapp.guard import RefuseLinks  # noqa: E402
from webapp.handlers import DOWNLOAD, EXAMPLES, ColorizeApp  # noqa: E402
from webapp.limits import AppLimits  # noqa: E402
from webapp.memory import keep_memory  # noqa: E402
from webapp.page_js import PAGE_CSS, PAGE_HEAD, PAGE_JS  # noqa: E402
from webapp.sweep import start_sweeper, sweep_leftovers  # noqa: E402
from webapp.uploads import upload_folder  # noqa: E402

log = logging.getLogger("colorization.app")
PRIVATE = dict(api_visibility="private")
# Gradio's default theme, readable: its subdued gray (#bbbbc2) has a contrast of 1.9 on white, its orange accent
# on a selected tab 2.8, white on its primary (orange-500) and stop (red-500) buttons 2.8 and 3.8; neutral-600,
# primary-700 and red-700 reach 7.7, 5.2 and 6.5.
THEME = gr.themes.Default().set(body_text_color_subdued="*neutral_600", color_accent="*primary_700",
                                button_primary_background_fill="*primary_700",
                                button_primary_background_fill_hover="*primary_800",
                                button_cancel_background_fill="#b91c1c", button_cancel_background_fill_hover="#991b1b")
RAW = dict(preprocess=False)  # handlers see file values as sent and check them themselves (webapp.uploads)


def load_colorizer() -> tuple[Colorizer | None, str | None]:
    """Load the model; on failure keep the page up and say why (the log gets every source tried)."""
    try:
        return Colorizer.from_pretrained(), None
    except ColorizationError as exc:
        log.error("%s", exc)
        return None, texts.NO_MODEL


def build_app(app: ColorizeApp) -> gr.Blocks:
    """The page: a header, three tabs, the model and limits in a footer."""
    digest = app.colorizer.files.weights_sha256[:12] if app.colorizer and app.colorizer.files else "none"
    os.environ["GRADIO_EXAMPLES_CACHE"] = os.path.join(tempfile.gettempdir(), f"colorization-examples-{digest}")
    keep = app.limits.keep_results_seconds
    with gr.Blocks(title="Colorize old photos and films", delete_cache=(min(600, keep), keep)) as demo:
        gr.Markdown("# Colorize old photos and films\nUpload a grayscale photo or film and see it in color, with the "
                    "network of *Colorful Image Colorization* (Zhang, Isola, Efros, ECCV 2016).")
        if app.load_error:
            gr.Markdown(f"**{app.load_error}**", elem_id="model-error")
        with gr.Tab("Image", id="image"):
            image_tab(app)
        with gr.Tab("Video", id="video"):
            video_tab(app)
        with gr.Tab("Gallery", id="gallery") as gallery:
            film_outputs = gallery_tab(app)
        gr.Markdown(f"{texts.model_status(app.colorizer)} {texts.page_limits(app.limits)}", elem_id="footer-info")
        if app.colorizer:  # the example film is colorized once per model, when the gallery is first opened
            gallery.select(app.gallery_film, None, list(film_outputs), api_visibility="private")
    demo.queue(max_size=4 * (app.limits.image_waiting + app.limits.video_waiting), default_concurrency_limit=None)
    app.demo = demo
    demo.colorize_quota = app.quota  # the guard charges uploads to the same disk quota as results
    demo.colorize_photos = app.photos  # the memory keeper expires them
    return demo


def image_tab(app: ColorizeApp) -> None:
    """Upload, before/after, download, color controls, render size, several photos at once."""
    limits, photos = app.limits, sorted((EXAMPLES / "images").glob("*.png"))
    words = texts.parameters(limits)
    with gr.Row(equal_height=False):
        image_in = described(gr.Image(type="filepath", image_mode=None, sources=["upload", "clipboard"],
                                      label="Grayscale photo", height=360, elem_id="image-in"), words["image"],
                             example=file_example("old-photo.jpg"))
        slider = gr.ImageSlider(label="Before / after", buttons=["fullscreen"], max_height=600, format="jpeg",
                                elem_id="result-slider", interactive=False, visible=False)  # webp: 1.3 s, jpeg: 0.05
    download = gr.DownloadButton(DOWNLOAD, elem_id="download", interactive=False)
    with gr.Accordion("A color is wrong? Paint hints", open=False, elem_id="hints-panel"):
        gr.Markdown("Pick a color and paint a stroke (or tap) on the photo where that color belongs: it spreads over "
                    "the region up to its edges and keeps the photo's own lightness. The result follows after each "
                    "stroke, here and above; the download includes the hints.")
        hint_painter = painter.painter("hint-painter")
    hints = described(gr.JSON(visible=False, label="hints"), words["hints"], HINTS_SCHEMA,
                      example=[{"points": [[0.5, 0.3], [0.6, 0.3]], "color": "#2b5fd9", "size": 0.02}])
    with gr.Row():
        with gr.Column():
            controls = color_sliders("image", words)
        with gr.Column():
            render_size = render_size_slider("render-size", words)
            picked = gr.Examples([[str(p)] for p in photos], inputs=[image_in], label="Or pick one",
                                 example_labels=[p.stem for p in photos])
    with gr.Accordion(f"Several photos at once (up to {limits.max_batch_files})", open=False):
        many_in = described(gr.File(file_count="multiple", file_types=["image"], label="Photos"), words["files"],
                            example=[file_example("photo-1.jpg"), file_example("photo-2.jpg")])
        many_go = gr.Button("Colorize all (same settings)")
        # hidden until there is a zip: Gradio's empty file box has an aria-label without a role (axe: serious)
        many_out, many_report = gr.File(label="Colorized photos (zip)", visible=False), gr.Markdown()
    photo = gr.State(None)

    inputs = [image_in, *controls, render_size]
    gr.Button(visible=False).click(app.colorize_image, [*inputs, hints], [slider, download], api_name="colorize_image",
                                   **RAW)
    gr.Button(visible=False).click(app.colorize_batch, [many_in, *controls, render_size], [many_out],
                                   api_name="colorize_batch", **RAW)
    shows, painted = [photo, *controls, hint_painter], [slider, download, photo, render_size, hint_painter]
    # an upload, and a picked example (which fires no .upload; .change would fire twice for an upload)
    for arrival in (image_in.upload, picked.load_input_event.then):
        arrived = arrival(app.on_upload, inputs, painted, trigger_mode="always_last", show_progress_on=[slider], **RAW,
                          **PRIVATE)
        arrived.success(app.on_download, shows, [download], trigger_mode="always_last", show_progress="hidden",
                        **RAW, **PRIVATE)
        arrived.failure(app.on_upload_failed, None, [image_in, *painted], **PRIVATE)
    image_in.clear(app.on_upload_failed, None, [image_in, *painted], **PRIVATE)
    # the painter first (a stroke's result where it was painted), then the slider, then the PNG
    moved = gr.on([c.input for c in controls] + [hint_painter.input], app.on_controls, shows,
                  [hint_painter, download, *controls], trigger_mode="always_last", show_progress="hidden", **RAW,
                  **PRIVATE).success(app.on_preview, shows, [slider], trigger_mode="always_last",
                                     show_progress="minimal", **RAW, **PRIVATE)
    moved.success(app.on_download, shows, [download], trigger_mode="always_last", show_progress="hidden", **RAW,
                  **PRIVATE)
    render_size.input(app.on_render_info, [photo, render_size], [render_size], queue=False, **RAW, **PRIVATE)
    resized = render_size.input(app.on_render_size, [photo, *controls, render_size, hint_painter], painted,
                                trigger_mode="always_last", show_progress_on=[slider], **RAW, **PRIVATE)
    resized.success(app.on_download, shows, [download], trigger_mode="always_last", show_progress="hidden", **RAW,
                    **PRIVATE)
    many_go.click(app.on_batch, [many_in, *controls, render_size], [many_out, many_report], **RAW, **PRIVATE)


def video_tab(app: ColorizeApp) -> None:
    """Upload, a preview frame with the time it will take, a test run, the whole film, cancel."""
    limits, words = app.limits, texts.parameters(app.limits)
    gr.Markdown("Every frame is colorized, with colors held steady from frame to frame; sound, frame rate and length "
                f"are kept. Films {texts.video_limits(limits)}")
    with gr.Row(equal_height=False):
        video_in = described(gr.Video(sources=["upload"], label="Grayscale film", elem_id="video-in"), words["video"],
                             example=file_example("old-film.mp4"))
        preview = gr.ImageSlider(label="Preview: one frame", max_height=400, elem_id="video-preview", interactive=False,
                                 visible=False, format="jpeg")
    estimate = gr.Markdown(elem_id="video-estimate")
    with gr.Row():
        go = gr.Button("Colorize the whole video", variant="primary", interactive=False, elem_id="video-go")
        trial = gr.Button(f"Try the first {limits.quick_try_seconds:g} seconds", interactive=False,
                          elem_id="video-trial")
        cancel = gr.Button("Cancel", variant="stop", interactive=False, elem_id="video-cancel")
    with gr.Accordion("A color is wrong? Paint hints on a frame", open=False, elem_id="film-hints-panel"):
        gr.Markdown("Pick a moment, then paint where a color belongs, as on a photo: the preview shows that frame, "
                    "and the correction follows the object through its shot (up to the cuts). Several frames may "
                    "carry hints; the test run and the whole film use them.")
        moment = gr.Slider(0, 1, value=0, step=0.04, label="Moment (seconds)", elem_id="film-moment")
        film_painter = film_painter_component()
        hinted_list = gr.Markdown("No frame has hints yet.", elem_id="film-hinted-frames")
        with gr.Row():
            hinted_choice = gr.Dropdown(choices=[], label="Hinted frame (seconds)", elem_id="film-hinted-choice")
            remove_hints = gr.Button("Remove this frame's hints", size="sm")
    status = gr.Markdown(elem_id="video-status")
    video_out = gr.Video(label="Colorized video", buttons=["download"], elem_id="video-out", interactive=False,
                         visible=False)
    with gr.Row():
        with gr.Column():
            controls = color_sliders("video", words)
        with gr.Column():
            smoothing = slider(SMOOTHING, "video-smoothing", words)
            keyframes = slider(KEYFRAMES, "video-keyframes", words)
            render_size = render_size_slider("video-render-size", words)
    video, painted, frame_shown = gr.State(None), gr.State([]), gr.State(None)
    film_hints = described(gr.JSON(visible=False, label="hints"),
                           texts.endpoint_parameters(limits, "colorize_video")["hints"], FILM_HINTS_SCHEMA,
                           example=[{"time": 0.5, "points": [[0.5, 0.3], [0.6, 0.3]], "color": "#2b5fd9", "size": 0.02}])

    inputs, buttons = [video_in, *controls, smoothing, keyframes, render_size], [go, trial, cancel]
    gr.Button(visible=False).click(app.colorize_video, [*inputs, film_hints], [video_out], api_name="colorize_video",
                                   **RAW)
    loaded = [preview, estimate, video, go, trial, video_out, status]
    arrived = video_in.upload(app.on_video_upload, inputs, loaded, trigger_mode="always_last", **RAW, **PRIVATE)
    arrived.failure(app.on_video_failed, None, [video_in, *loaded], **PRIVATE)
    video_in.clear(app.on_video_failed, None, [video_in, *loaded], **PRIVATE)
    gr.on([c.input for c in controls], app.on_video_controls, [video, *controls], [preview, *controls],
          trigger_mode="always_last", **RAW, **PRIVATE)
    settings = [smoothing, keyframes, render_size]
    gr.on([s.input for s in settings], app.on_video_settings, [video, *settings], [estimate, *settings],
          trigger_mode="always_last", **RAW, **PRIVATE)
    editing = FilmEditor(app)
    gr.on([video_in.upload, video_in.clear], editing.on_film, [video_in],
          [moment, painted, hinted_list, hinted_choice, film_painter, frame_shown],
          **RAW, **PRIVATE)
    moment.release(editing.on_moment, [video_in, moment, *controls, render_size, painted],
                   [preview, film_painter, frame_shown], trigger_mode="always_last", **RAW, **PRIVATE)
    film_painter.input(editing.on_paint, [frame_shown, film_painter, painted, *controls],
                       [film_painter, preview, painted, hinted_list, hinted_choice], trigger_mode="always_last",
                       show_progress="hidden", **RAW, **PRIVATE)
    remove_hints.click(editing.on_remove, [painted, hinted_choice, frame_shown, *controls],
                       [painted, hinted_list, hinted_choice, film_painter, preview], **RAW, **PRIVATE)
    focus = "() => document.querySelector('#{} button, button#{}')?.focus()"  # a disabled button drops the focus
    jobs = [button.click(app.on_video_started, None, [video_out, status, *buttons], queue=False, **PRIVATE).then(
        None, js=focus.format("video-cancel", "video-cancel")).then(
        handler, [*inputs, painted], [video_out, status], concurrency_limit=None, **RAW, **PRIVATE)
        for button, handler in ((go, app.on_video_run), (trial, app.on_video_try))]
    for job in jobs:
        job.then(app.on_video_finished, [video], buttons, queue=False, **PRIVATE).then(
            None, js=focus.format("video-go", "video-go"))
    cancel.click(app.on_cancel, None, [video_out, status, cancel], cancels=jobs, queue=False, **PRIVATE).then(
        app.on_video_finished, [video], buttons, queue=False, **PRIVATE).then(
        None, js=focus.format("video-go", "video-go"))


def gallery_tab(app: ColorizeApp) -> tuple[gr.Video, gr.Markdown]:
    """Curated examples, colorized once and cached (keyed by the weights' digest); returns the film's outputs."""
    photos, film = sorted((EXAMPLES / "images").glob("*.png")), sorted((EXAMPLES / "videos").glob("*.mp4"))[0]
    gr.Markdown("Public-domain and CC0 photographs (see CREDITS.md), colorized. Where the original was in color, "
                "the slider compares the network's colors with the real ones; elsewhere with the grayscale input.")
    shown, compared, label = app.gallery_pair(photos[0]) if app.colorizer else (None, None, "")
    gray_in = gr.Image(str(photos[0]), type="filepath", visible=False)
    compare = gr.ImageSlider(None if shown is None else (compared, shown), label=label or "Real colors / colorized",
                             max_height=480, elem_id="gallery-compare", interactive=False)  # the first example at once
    # not Gradio's example cache: its lazy mode fails on an ImageSlider output ("'ImageSlider' object has no
    # attribute 'info'"); the handler keeps each pair itself
    gr.Examples([[str(p)] for p in photos], [gray_in], [compare], fn=app.gallery_example, cache_examples=False,
                run_on_click=True, label="Photos", example_labels=[p.stem for p in photos])
    with gr.Row():
        gr.Video(str(film), label="Grayscale film", interactive=False, elem_id="gallery-film")
        film_out = gr.Video(label="Colorized film", interactive=False, elem_id="gallery-film-out", visible=False)
    film_status = gr.Markdown("The colorized film appears here.", elem_id="gallery-film-status")
    return film_out, film_status


def launch(demo: gr.Blocks, limits: AppLimits, **options) -> None:
    """Sweep old files and unused photos now and then, refuse links, bound MCP calls, serve; `options` go to
    `Blocks.launch`."""
    start_sweeper(upload_folder(), every=min(600, limits.keep_results_seconds), keep=limits.keep_results_seconds)
    if (photos := getattr(demo, "colorize_photos", None)) is not None:
        keep_memory(photos, every=min(30.0, limits.photo_memory_seconds / 4))
    guard = Middleware(RefuseLinks, max_mcp_body=limits.max_mcp_request_mb << 20,
                       roots=lambda: [upload_folder(), EXAMPLES], quota=getattr(demo, "colorize_quota", None))
    demo.launch(max_file_size=limits.max_file_size, show_error=True, footer_links=["api"], theme=THEME, js=PAGE_JS,
                css=PAGE_CSS, head=PAGE_HEAD,
                app_kwargs={"middleware": [guard]}, **options)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the colorization demo.")
    parser.add_argument("--share", action="store_true", help="also make a public gradio.live link (needs network)")
    parser.add_argument("--host", default=None, help="default: $GRADIO_SERVER_NAME or 127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: $GRADIO_SERVER_PORT or 7860")
    parser.add_argument("--no-mcp", action="store_true", help="do not serve the endpoints as MCP tools")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    limits = AppLimits()
    sweep_leftovers(upload_folder(), limits.keep_results_seconds)
    handlers = ColorizeApp(*load_colorizer(), limits)
    handlers.check_int8_in_background()  # fp32 serves at once; int8 takes over if it passes its self-check
    demo = build_app(handlers)
    launch(demo, limits, server_name=args.host, server_port=args.port, share=args.share, mcp_server=not args.no_mcp)


if __name__ == "__main__":
    main()
