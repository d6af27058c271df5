"""The Image tab: its handlers, its layout, its events (in Gradio's `blocks_flipper` order).

Upload, before/after, download, the color controls, render size, painted hints, several photos at once.
Each event hands its handler the inputs by name (`inputs_kwargs`); the color controls come from the
controls table, so a new row reaches every handler as one more name (`settings`). The public endpoints
of this tab are in `webapp.api`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import gradio as gr

from colorization import InputError, controls, defaults
from colorization.hints import Stroke
from colorization.pipeline import check_render_size
from colorization.video.estimate import image_seconds

from . import fields, jobs, painter, settings, texts
from .api import PublicApi, serve
from .components import HINTS_SCHEMA, STACK_BELOW, color_sliders, described, file_example, render_size_slider
from .failures import shown_to_visitors
from .gradio_internals import last_click_wins
from .state import EXAMPLES, AppState
from .store import PhotoRef
from .uploads import upload_path

DOWNLOAD = "Download full resolution (PNG)"
PREPARING = gr.update(interactive=False, label="Preparing the PNG…")  # a download must be the result on screen
# The same, in the browser the moment a change starts: the server's answer comes 0.2 s or more later, and a click
# in between would fetch the previous PNG. A button already disabled (no photo yet) is left as it is.
PREPARING_NOW = ("() => document.querySelector('#download')?.disabled ? {__type__: 'update'}"
                 " : {__type__: 'update', interactive: false, label: 'Preparing the PNG…'}")
PRIVATE = {"api_visibility": "private", "preprocess": False}


def render_size_cap(width: int, height: int) -> int:
    """The largest render size worth offering for a photo: its long side, rounded up to a step, and one
    step above the smallest (a slider's maximum must pass its minimum, also for a photo of 64 px or less)."""
    step = defaults.RENDER_SIZE_STEP
    low, high = defaults.RENDER_SIZE_RANGE
    return int(min(high, max(low + step, -(-max(width, height) // step) * step)))


class ShownPages:
    """What each visitor's page shows (photo, adjustments, the strokes' hash: a few bytes whatever was painted),
    for the last 10,000 visitors: a download is offered only if it matches."""

    def __init__(self) -> None:
        self._shown: OrderedDict[str, tuple] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def session(request: gr.Request | None) -> str:
        return getattr(request, "session_hash", None) or "direct"

    def now(self, request: gr.Request | None, ref: PhotoRef, adjustments, strokes: list[Stroke]) -> None:
        with self._lock:
            self._shown[self.session(request)] = (ref.key, adjustments, hash(tuple(strokes)))
            self._shown.move_to_end(self.session(request))
            while len(self._shown) > 10_000:
                self._shown.popitem(last=False)

    def stale(self, request: gr.Request | None, ref: PhotoRef, adjustments, strokes: list[Stroke]) -> bool:
        """True when the page now shows something else: a newer change makes its own download."""
        return self._shown.get(self.session(request)) not in (None, (ref.key, adjustments, hash(tuple(strokes))))


class ImagePage:
    """The Image tab's handlers. `page` holds the event's inputs by name: `image`, `photo` (the session's
    `PhotoRef`), `painted` (the painter's strokes), `render_size`, `files`, and each color control."""

    def __init__(self, state: AppState) -> None:
        self.state, self.shown = state, ShownPages()

    @shown_to_visitors
    def on_upload(self, request: gr.Request = None, progress: gr.Progress = gr.Progress(), **page):
        """A photo arrived (uploaded, pasted or an example picked): predict once, show before/after in the
        slider and the painter, fit the render-size slider; the download follows (`on_download`)."""
        if page["image"] is None:
            return self.on_upload_failed()[1:]
        state, adjustments = self.state, settings.adjustments(page)
        path = upload_path(page["image"], "a photo", state.roots())
        width, height = jobs.photo_size(state, path)
        cap = render_size_cap(width, height)
        size = min(check_render_size(page["render_size"]), cap)
        with state.in_room(state.image_room, progress):
            photo, ref = jobs.new_photo(state, path, size)
            after = photo.prediction.render(adjustments, jobs.PREVIEW_SIZE)
            photo.prediction.prepare_hints()  # now, so that the first stroke answers as fast as the next
        self.shown.now(request, ref, adjustments, [])
        slider = gr.update(maximum=cap, value=size, info=self._render_info(size, cap, width * height))
        return (gr.update(value=(photo.before, after), visible=True), PREPARING, ref, slider,
                painter.show(after, ref.key))

    @staticmethod
    def on_upload_failed():
        """Cleared, or an upload was refused: no broken thumbnail, no stale result, nothing to download."""
        size = controls.RENDER_SIZE
        return (None, gr.update(value=None, visible=False), gr.update(value=None, interactive=False, label=DOWNLOAD),
                None, gr.update(maximum=size.high, info=size.info), painter.cleared())  # no photo, no photo's cap

    @shown_to_visitors
    def on_controls(self, request: gr.Request = None, **page):
        """A color control moved or a hint was painted: the painter shows the new result first (rendered at its
        own size from the cached prediction, no network); the slider (`on_preview`) and the download
        (`on_download`) follow. A typed value out of range is clamped and written back to its box; an empty
        box changes nothing."""
        adjustments, boxes = settings.shown_adjustments(page)
        ref = page["photo"]
        if ref is None or adjustments is None:
            return painter.unchanged(), gr.skip(), *boxes
        try:
            strokes = painter.strokes_for(page["painted"], ref.key)
        except InputError:
            return painter.unchanged(), gr.skip(), *boxes
        with self.state.in_room(self.state.image_room, None):
            shown = jobs.kept_photo(self.state, ref).prediction.render(adjustments, painter.SIDE, strokes)
        self.shown.now(request, ref, adjustments, strokes)
        return painter.show(shown), PREPARING, *boxes

    @staticmethod
    def _shown_settings(page: dict[str, Any]) -> tuple[Any, list] | None:
        """The adjustments and strokes the page shows, or None when there is nothing to render (no photo, an
        empty box, strokes the painter should not have sent: the page keeps what it shows)."""
        adjustments, _ = settings.shown_adjustments(page)
        if page["photo"] is None or adjustments is None:
            return None
        try:
            return adjustments, painter.strokes_for(page["painted"], page["photo"].key)
        except InputError:
            return None

    @shown_to_visitors
    def on_preview(self, **page):
        """The before/after slider for the current controls and hints, at preview size."""
        shown = self._shown_settings(page)
        if shown is None:
            return gr.skip()
        adjustments, strokes = shown
        with self.state.in_room(self.state.image_room, None):
            photo = jobs.kept_photo(self.state, page["photo"])
            return photo.before, photo.prediction.render(adjustments, jobs.PREVIEW_SIZE, strokes)

    @shown_to_visitors
    def on_download(self, request: gr.Request = None, **page):
        """The full-resolution PNG of what the page shows, for the download button. It is offered only if
        the page still shows these settings when it is ready: a newer change makes its own."""
        shown = self._shown_settings(page)
        if shown is None:
            return gr.skip()
        (adjustments, strokes), ref = shown, page["photo"]

        def stale() -> bool:  # checked between the steps: a newer change must not wait behind this one
            return self.shown.stale(request, ref, adjustments, strokes)

        if stale():
            return gr.skip()
        with self.state.in_room(self.state.image_room, None):
            photo = jobs.kept_photo(self.state, ref)
            full = photo.prediction.render(adjustments, hints=strokes)
            if stale():
                return gr.skip()
            png = jobs.save_png(self.state, photo, adjustments, strokes, full)
        if stale():
            return gr.skip()
        return gr.update(value=png, interactive=True, label=DOWNLOAD)

    @shown_to_visitors
    def on_render_size(self, request: gr.Request = None, progress: gr.Progress = gr.Progress(), **page):
        """The render size changed (mouse, keys or a typed number): run the network again at the new size
        (painted hints stay). A half-typed or empty number waits; one above the photo's cap is lowered to it."""
        state, ref = self.state, page["photo"]
        nothing = gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        photo = state.photos.get(ref.key) if ref is not None else None
        cap = render_size_cap(*photo.prediction.L.shape[::-1]) if photo is not None else None
        size, corrected = fields.field(page["render_size"], "render_size", cap)
        adjustments, _ = settings.shown_adjustments(page)
        if ref is None or size is None or adjustments is None:
            return nothing
        if size == ref.render_size and not corrected:
            return nothing
        path = upload_path(str(ref.source), "a photo", state.roots())
        try:
            strokes = painter.strokes_for(page["painted"], ref.key)
        except InputError:
            strokes = []
        with state.in_room(state.image_room, progress):
            fresh_photo, fresh = jobs.new_photo(state, path, size)
            after = fresh_photo.prediction.render(adjustments, jobs.PREVIEW_SIZE, strokes)
            fresh_photo.prediction.prepare_hints()
        self.shown.now(request, fresh, adjustments, strokes)
        pixels = fresh_photo.prediction.L.size
        box = gr.update(value=size, info=self._render_info(size, cap, pixels)) if corrected else gr.skip()
        return (fresh_photo.before, after), PREPARING, fresh, box, painter.show(after, fresh.key, strokes)

    @shown_to_visitors
    def on_render_info(self, **page):
        """The expected time beside the render-size slider, as it moves."""
        size, _ = fields.field(page["render_size"], "render_size")  # half-typed values wait; 1e308 is clamped
        ref = page["photo"]
        photo = self.state.photos.get(ref.key) if isinstance(ref, PhotoRef) else None
        pixels = photo.prediction.L.size if photo is not None else 0
        if size is None:
            low, high = defaults.RENDER_SIZE_RANGE
            return gr.update(info=f"The network's input side: from {low} to {high}, a multiple of "
                                  f"{defaults.RENDER_SIZE_STEP}.")
        return gr.update(info=self._render_info(size, None, pixels))

    def _render_info(self, size: int, cap: int | None, pixels: int) -> str:
        seconds = image_seconds(size, self.state.speeds, pixels)
        text = f"The network's input side; 224 is what it was trained on. At {size}: {texts.about(seconds)}"
        return text + (f" (up to {cap} for this photo)." if cap else ".")

    @shown_to_visitors
    def on_batch(self, progress: gr.Progress = gr.Progress(), **page):
        """Several photos from the page: the zip, and the skipped files named on the page."""
        adjustments, size = settings.adjustments(page), check_render_size(page["render_size"])
        archive, problems = jobs.batch(self.state, page["files"], adjustments, size, progress)
        report = ("**Skipped:**\n" + "\n".join(f"- {p}" for p in problems)) if problems else "All photos colorized."
        return gr.update(value=archive, visible=True), report


def build(state: AppState, api: PublicApi) -> None:
    """The tab itself, inside a `gr.Blocks`: its layout, then its events."""
    limits, photos = state.limits, sorted((EXAMPLES / "images").glob("*.png"))
    words = texts.parameters(limits)
    handlers = ImagePage(state)
    with gr.Tab("Image", id="image"):
        with gr.Row(equal_height=False):
            image_in = described(gr.Image(type="filepath", image_mode=None, sources=["upload", "clipboard"],
                                          label="Grayscale photo", height=360, elem_id="image-in",
                                          min_width=STACK_BELOW), words["image"], example=file_example("old-photo.jpg"))
            slider = gr.ImageSlider(label="Before / after", buttons=["fullscreen"], max_height=600,
                                    format="jpeg",  # webp: 1.3 s, jpeg: 0.05
                                    elem_id="result-slider", interactive=False, visible=False,
                                    min_width=STACK_BELOW)
        download = gr.DownloadButton(DOWNLOAD, elem_id="download", interactive=False)
        with gr.Accordion("A color is wrong? Paint hints", open=False, elem_id="hints-panel"):
            gr.Markdown("Pick a color and paint a stroke (or tap) on the photo where that color belongs: it spreads "
                        "over the region up to its edges and keeps the photo's own lightness. The result follows "
                        "after each stroke, here and above; the download includes the hints.")
            hint_painter = painter.painter("hint-painter")
        hints = described(gr.JSON(visible=False, label="hints"), words["hints"], HINTS_SCHEMA,
                          example=[{"points": [[0.5, 0.3], [0.6, 0.3]], "color": "#2b5fd9", "size": 0.02}])
        with gr.Row():
            with gr.Column():
                colors = color_sliders("image", words)
            with gr.Column():
                render_size = render_size_slider("render-size", words)
                picked = gr.Examples([[str(p)] for p in photos], inputs=[image_in], label="Or pick one",
                                     example_labels=[p.stem for p in photos], elem_id="image-examples")
                last_click_wins(picked)
        with gr.Accordion(f"Several photos at once (up to {limits.max_batch_files})", open=False):
            many_in = described(gr.File(file_count="multiple", file_types=["image"], label="Photos"), words["files"],
                                example=[file_example("photo-1.jpg"), file_example("photo-2.jpg")])
            many_go = gr.Button("Colorize all (same settings)")
            # hidden until there is a zip: Gradio's empty file box has an aria-label without a role (axe: serious)
            many_out, many_report = gr.File(label="Colorized photos (zip)", visible=False), gr.Markdown()
        photo = gr.State(None)

        # events: the inputs by name (the handlers' `page`), the color controls from the table
        named = {"image": image_in, **colors, "render_size": render_size}
        serve(api.colorize_image, {**named, "hints": hints}, [slider, download])
        serve(api.colorize_batch, {"files": many_in, **colors, "render_size": render_size}, [many_out])
        shows = {"photo": photo, **colors, "painted": hint_painter}
        painted = [slider, download, photo, render_size, hint_painter]
        downloaded = dict(fn=handlers.on_download, inputs_kwargs=shows, outputs=[download], trigger_mode="always_last",
                          show_progress="hidden", **PRIVATE)
        # an upload, and a picked example (which fires no .upload; .change would fire twice for an upload)
        for arrival in (image_in.upload, picked.load_input_event.then):
            arrived = arrival(handlers.on_upload, inputs_kwargs=named, outputs=painted, trigger_mode="always_last",
                              show_progress_on=[slider], **PRIVATE)
            arrived.success(**downloaded)
            arrived.failure(handlers.on_upload_failed, None, [image_in, *painted], api_visibility="private")
        image_in.clear(handlers.on_upload_failed, None, [image_in, *painted], api_visibility="private")
        changes = [image_in.upload, picked.dataset.click, *(c.input for c in colors.values()), hint_painter.input,
                   render_size.input]
        gr.on(changes, None, None, [download], js=PREPARING_NOW, queue=False, api_visibility="private")
        # the painter first (a stroke's result where it was painted), then the slider, then the PNG
        moved = gr.on([c.input for c in colors.values()] + [hint_painter.input], handlers.on_controls,
                      inputs_kwargs=shows, outputs=[hint_painter, download, *colors.values()],
                      trigger_mode="always_last", show_progress="hidden", **PRIVATE).success(
            handlers.on_preview, inputs_kwargs=shows, outputs=[slider], trigger_mode="always_last",
            show_progress="minimal", **PRIVATE)
        moved.success(**downloaded)
        render_size.input(handlers.on_render_info, inputs_kwargs={"photo": photo, "render_size": render_size},
                          outputs=[render_size], queue=False, **PRIVATE)
        resized = render_size.input(handlers.on_render_size,
                                    inputs_kwargs={"photo": photo, **colors, "render_size": render_size,
                                                   "painted": hint_painter},
                                    outputs=painted, trigger_mode="always_last", show_progress_on=[slider], **PRIVATE)
        resized.success(**downloaded)
        many_go.click(handlers.on_batch, inputs_kwargs={"files": many_in, **colors, "render_size": render_size},
                      outputs=[many_out, many_report], **PRIVATE)
