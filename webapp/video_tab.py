"""The Video tab: its handlers, its layout, its events (in Gradio's `blocks_flipper` order).

Upload, a preview frame with the time it will take, a test run, the whole film, cancel, hints painted on
frames (`webapp.film_editor`). Each event hands its handler the inputs by name (`inputs_kwargs`); the color
controls and the film's options come from the controls table (`settings`). The public endpoint of this
tab is in `webapp.api`.
"""

from __future__ import annotations

import dataclasses
import threading

import gradio as gr

from colorization import Cancelled, controls
from colorization.pipeline import check_render_size
from colorization.video import VideoOptions, check_video, sample_motion
from colorization.video.estimate import video_seconds

from . import jobs, painter, settings, texts
from .api import PublicApi, serve
from .components import (
    FILM_HINTS_SCHEMA,
    STACK_BELOW,
    color_sliders,
    described,
    file_example,
    render_size_slider,
    sliders,
)
from .failures import shown_to_visitors
from .film_editor import NO_HINTS, FilmEditor, film_painter_component, moment_slider
from .state import AppState
from .store import PhotoRef
from .uploads import upload_path

CANCELLED = "Cancelled: the job was stopped and its files deleted."
PRIVATE = {"api_visibility": "private", "preprocess": False}


class VideoPage:
    """The Video tab's handlers. `page` holds the event's inputs by name: `video` (the file), `ref` (the
    session's preview `PhotoRef`), `frame` (the frame picked, `FilmEditor`), `hints` (the painted frames' strokes),
    each color control and film option."""

    def __init__(self, state: AppState, editing: FilmEditor | None = None) -> None:
        self.state, self.editing = state, editing or FilmEditor(state)

    @shown_to_visitors
    def on_video_upload(self, progress: gr.Progress = gr.Progress(), **page):
        """A film arrived: its first frame colorized, in the preview and the painter (the moment slider starts
        there), and the time it will take; the test run is offered only for a film longer than it. The last film's
        result and status go; cleared (None), the run buttons are disabled."""
        if page["video"] is None:
            return self.on_video_failed()[1:]
        state = self.state
        path = upload_path(page["video"], "a video", state.roots())
        info = check_video(path, state.limits.video)
        size = check_render_size(page["render_size"])
        with state.in_room(state.preview_room, progress):
            pair, picture, frame = self.editing.show_frame(path, info, 0, {**page, "render_size": size, "hints": []})
            motion = sample_motion(path, info, state.model())
        ref = dataclasses.replace(frame["ref"], motion=motion)
        text = self._estimate(ref, {**page, "render_size": size})
        longer = self._longer_than_a_try(info)
        return (gr.update(value=pair, visible=True), text, ref, gr.update(interactive=True),
                gr.update(interactive=longer, visible=longer), gr.update(value=None, visible=False), "", picture,
                frame)

    @staticmethod
    def on_video_failed():
        """The film was cleared or refused: the input empties (one click to try another), nothing stale stays."""
        return (None, gr.update(value=None, visible=False), "", None, gr.update(interactive=False),
                gr.update(interactive=False, visible=True), gr.update(value=None, visible=False), "",
                painter.cleared(), None)

    @shown_to_visitors
    def on_video_controls(self, **page):
        """A color control moved: the frame picked follows at once with its hints, in the preview and the painter
        (no network); typed values are clamped."""
        adjustments, boxes = settings.shown_adjustments(page)
        frame = page["frame"]
        photo = self.state.photos.get(frame["ref"].key) if frame else None
        if photo is None or adjustments is None:
            return gr.skip(), gr.skip(), *boxes
        strokes = self.editing.strokes_at(page["hints"] or [], frame["time"])
        after = photo.prediction.render(adjustments, jobs.VIDEO_PREVIEW_SIZE, strokes)
        shown = photo.prediction.render(adjustments, painter.SIDE, strokes)
        return (photo.before, after), painter.show(shown), *boxes

    @shown_to_visitors
    def on_video_settings(self, **page):
        """A film option or the render size changed: the estimate follows; typed values are clamped."""
        numbers, boxes = settings.as_shown(page, settings.VIDEO)
        if page["ref"] is None or numbers is None:
            return gr.skip(), *boxes
        return self._estimate(page["ref"], numbers), *boxes

    def _estimate(self, ref: PhotoRef, values) -> str:
        limits = self.state.limits
        info = check_video(ref.source, limits.video)
        options = VideoOptions(**{control.name: control.check(values[control.name]) for control in settings.VIDEO})
        whole = video_seconds(info, options, self.state.speeds, ref.motion)
        said = f"**{texts.video_facts(info)}.** The whole film should take **{texts.about(whole)}** here"
        if not self._longer_than_a_try(info):
            return said + "."
        return (f"{said}; the first {limits.quick_try_seconds:g} seconds "
                f"{texts.about(whole * limits.quick_try_seconds / info.duration)}.")

    def _longer_than_a_try(self, info) -> bool:
        """Whether the test run would stop before the film's end (by more than half a frame)."""
        return info.duration > self.state.limits.quick_try_seconds + 0.5 / float(info.fps)

    def _run(self, page, request, progress, seconds: float | None = None) -> tuple[str, list[str]]:
        options = settings.video_options(page, settings.adjustments(page))
        return jobs.film(self.state, page["video"], options, page["hints"], request, progress, seconds)

    @shown_to_visitors
    def on_video_run(self, request: gr.Request = None, progress: gr.Progress = gr.Progress(), **page):
        """The page's 'Colorize the whole video': the film, and a status line."""
        try:
            path, warnings = self._run(page, request, progress)
        except Cancelled:
            return gr.update(value=None, visible=False), CANCELLED
        return gr.update(value=path, visible=True), "Done." + "".join(f" {w}" for w in warnings)

    @shown_to_visitors
    def on_video_try(self, request: gr.Request = None, progress: gr.Progress = gr.Progress(), **page):
        """The page's quick test: the first few seconds, to check the colors before a long run."""
        seconds = self.state.limits.quick_try_seconds
        try:
            path, warnings = self._run(page, request, progress, seconds)
        except Cancelled:
            return gr.update(value=None, visible=False), CANCELLED
        return (gr.update(value=path, visible=True),
                f"The first {seconds:g} seconds, as a test." + "".join(f" {w}" for w in warnings))

    def on_video_started(self, request: gr.Request):
        """A video job starts: clear the old result; only Cancel can be pressed. The job's cancel flag is made
        here, before the job is in line, so that a Cancel pressed at once is never lost."""
        self.state.cancel_flags[request.session_hash] = threading.Event()
        return (gr.update(value=None, visible=False), "Starting…", gr.update(interactive=False),
                gr.update(interactive=False), gr.update(interactive=True))

    @staticmethod
    def on_video_finished(ref: PhotoRef | None = None):
        """A job ended: the run buttons again, if a film is still there."""
        return gr.update(interactive=ref is not None), gr.update(interactive=ref is not None), gr.update(
            interactive=False)

    def on_cancel(self, request: gr.Request):
        """Stop this visitor's video job at its next frame; its files go, the page says so."""
        flag = self.state.cancel_flags.get(request.session_hash)
        if flag is not None:
            flag.set()
        return gr.update(value=None, visible=False), CANCELLED, gr.update(interactive=False)


def build(state: AppState, api: PublicApi) -> None:
    """The tab itself, inside a `gr.Blocks`: its layout, then its events."""
    limits, words = state.limits, texts.parameters(state.limits)
    editing = FilmEditor(state)
    handlers = VideoPage(state, editing)
    with gr.Tab("Video", id="video"):
        gr.Markdown("Every frame is colorized, with colors held steady from frame to frame; sound, frame rate and "
                    f"length are kept. Films {texts.video_limits(limits)}")
        with gr.Row(equal_height=False):
            video_in = described(gr.Video(sources=["upload"], label="Grayscale film", elem_id="video-in",
                                          min_width=STACK_BELOW),
                                 words["video"], example=file_example("old-film.mp4"))
            preview = gr.ImageSlider(label="Preview: one frame", max_height=400, elem_id="video-preview",
                                     interactive=False, visible=False, format="jpeg",
                                     min_width=STACK_BELOW)
        estimate = gr.Markdown(elem_id="video-estimate")
        with gr.Row():
            go = gr.Button("Colorize the whole video", variant="primary", interactive=False, elem_id="video-go")
            trial = gr.Button(f"Try the first {limits.quick_try_seconds:g} seconds", interactive=False,
                              elem_id="video-trial")
            cancel = gr.Button("Cancel", variant="stop", interactive=False, elem_id="video-cancel")
        with gr.Accordion("A color is wrong? Paint hints on a frame", open=False, elem_id="film-hints-panel"):
            gr.Markdown("Pick a moment, then paint where a color belongs, as on a photo: the preview shows that "
                        "frame, and the correction follows the object through its shot (up to the cuts). Several "
                        "frames may carry hints; the test run and the whole film use them.")
            moment = moment_slider()
            film_painter = film_painter_component()
            hinted_list = gr.Markdown(NO_HINTS, elem_id="film-hinted-frames")
            with gr.Row():
                hinted_choice = gr.Dropdown(choices=[], label="Hinted frame (seconds)", elem_id="film-hinted-choice")
                remove_hints = gr.Button("Remove this frame's hints", size="sm")
        status = gr.Markdown(elem_id="video-status")
        video_out = gr.Video(label="Colorized video", buttons=["download"], elem_id="video-out", interactive=False,
                             visible=False)
        with gr.Row():
            with gr.Column():
                colors = color_sliders("video", words)
            with gr.Column():
                options = {**sliders(controls.FILM_ONLY, "video", words),
                           "render_size": render_size_slider("video-render-size", words)}  # in `settings.VIDEO` order
        video, painted, frame_shown = gr.State(None), gr.State([]), gr.State(None)
        film_hints = described(gr.JSON(visible=False, label="hints"),
                               texts.endpoint_parameters(limits, "colorize_video")["hints"], FILM_HINTS_SCHEMA,
                               example=[{"time": 0.5, "points": [[0.5, 0.3], [0.6, 0.3]], "color": "#2b5fd9",
                                         "size": 0.02}])

        # events: the inputs by name (the handlers' `page`), the controls from the table
        named, buttons = {"video": video_in, **colors, **options}, [go, trial, cancel]
        serve(api.colorize_video, {**named, "hints": film_hints}, [video_out])
        loaded = [preview, estimate, video, go, trial, video_out, status, film_painter, frame_shown]
        arrived = video_in.upload(handlers.on_video_upload, inputs_kwargs=named, outputs=loaded,
                                  trigger_mode="always_last", **PRIVATE)
        arrived.failure(handlers.on_video_failed, None, [video_in, *loaded], api_visibility="private")
        video_in.clear(handlers.on_video_failed, None, [video_in, *loaded], api_visibility="private")
        gr.on([c.input for c in colors.values()], handlers.on_video_controls,
              inputs_kwargs={"frame": frame_shown, "hints": painted, **colors},
              outputs=[preview, film_painter, *colors.values()], trigger_mode="always_last", **PRIVATE)
        gr.on([s.input for s in options.values()], handlers.on_video_settings, inputs_kwargs={"ref": video, **options},
              outputs=[estimate, *options.values()], trigger_mode="always_last", **PRIVATE)
        gr.on([video_in.upload, video_in.clear], editing.on_film, [video_in], [moment, painted, hinted_list,
                                                                              hinted_choice], **PRIVATE)
        moment.input(editing.on_moment, inputs_kwargs={"video": video_in, "moment": moment, **colors,
                                                       "render_size": options["render_size"], "hints": painted,
                                                       "frame": frame_shown},
                     outputs=[preview, film_painter, frame_shown], trigger_mode="always_last",
                     show_progress="minimal", **PRIVATE)
        film_painter.input(editing.on_paint, inputs_kwargs={"frame": frame_shown, "painter": film_painter,
                                                            "hints": painted, **colors},
                           outputs=[film_painter, preview, painted, hinted_list, hinted_choice],
                           trigger_mode="always_last", show_progress="hidden", **PRIVATE)
        remove_hints.click(editing.on_remove, inputs_kwargs={"hints": painted, "choice": hinted_choice,
                                                             "frame": frame_shown, **colors},
                           outputs=[painted, hinted_list, hinted_choice, film_painter, preview], **PRIVATE)
        focus = "() => document.querySelector('#{} button, button#{}')?.focus()"  # a disabled button drops the focus
        jobs_run = [button.click(handlers.on_video_started, None, [video_out, status, *buttons], queue=False,
                                 api_visibility="private").then(
            None, js=focus.format("video-cancel", "video-cancel")).then(
            handler, inputs_kwargs={**named, "hints": painted}, outputs=[video_out, status], concurrency_limit=None,
            **PRIVATE)
            for button, handler in ((go, handlers.on_video_run), (trial, handlers.on_video_try))]
        for job in jobs_run:
            job.then(handlers.on_video_finished, [video], buttons, queue=False, api_visibility="private").then(
                None, js=focus.format("video-go", "video-go"))
        # the flag alone stops a job: Gradio's `cancels` raced the job's own end (an Error badge beside "Cancelled")
        cancel.click(handlers.on_cancel, None, [video_out, status, cancel], queue=False,
                     api_visibility="private").then(
            handlers.on_video_finished, [video], buttons, queue=False, api_visibility="private").then(
            None, js=focus.format("video-go", "video-go"))
