"""The video tab's hints: pick a moment, paint on that frame in the photo's painter, keep the strokes frame by frame.

The painter (`webapp.painter`) sends the frame's strokes as the API takes them, keyed by the frame's photo key;
each becomes a film stroke (`colorization.video.film_hints`) at the frame's time. The preview of the frame is the
photo path's render of those strokes, which is exactly what the film will show on that frame.
"""

from __future__ import annotations

import math
from typing import Any

import gradio as gr

from colorization import InputError
from colorization.hints import Stroke
from colorization.pipeline import check_render_size, fit_within
from colorization.video import check_video
from colorization.video.ffmpeg import VideoInfo, grab_frame
from colorization.video.film_hints import frame_at, parse_film_hints

from . import fields, painter, settings
from .failures import shown_to_visitors
from .jobs import VIDEO_PREVIEW_SIZE
from .state import AppState
from .store import PhotoRef, Picture
from .uploads import upload_path

PAINTER_ID = "film-hint-painter"
EMPTY_TEXT = "Upload a film first; then pick a moment and paint here."
MOMENT_STEP = 0.01  # seconds: finer than a frame up to 100 frames a second, and a number a visitor reads as it is
NO_HINTS = "No frame has hints yet."


def film_painter_component() -> gr.HTML:
    """The video tab's painter: the photo's, under its own id."""
    return painter.painter(PAINTER_ID, EMPTY_TEXT)


def moment_slider() -> gr.Slider:
    """The moment to paint on, in seconds; its range is set when a film arrives (`on_film`)."""
    return gr.Slider(0, 1, value=0, step=MOMENT_STEP, label="Moment (seconds)", elem_id="film-moment")


def last_moment(info: VideoInfo) -> float:
    """The slider's top: the film's length, to its step."""
    return round(math.floor(info.duration / MOMENT_STEP + 1e-6) * MOMENT_STEP, 2)


def frame_time(index: int, info: VideoInfo) -> float:
    """The moment that names frame `index`: the first step of the slider at which it is shown. The slider, the list
    of hinted frames and the hints' times then say one number for one frame."""
    fps = float(info.fps)
    time = round(math.ceil(index / fps / MOMENT_STEP - 1e-6) * MOMENT_STEP, 2)
    return time if frame_at(time, info) == index else (index + 0.5) / fps  # a film above 100 frames a second


def read_moment(value: Any, info: VideoInfo) -> float | None:
    """The moment to show: a typed value clamped to the film and to the slider's step, as `fields.field` reads the
    other sliders; None for an empty box or no number."""
    value = fields.read_number(value)
    if value is None:
        return None
    return round(min(max(round(value / MOMENT_STEP) * MOMENT_STEP, 0.0), last_moment(info)), 2)


def seconds(time: float) -> str:
    """A frame's time as the page says it, in the list and in the choice alike."""
    return f"{time:.2f} s"


def key(time: float) -> str:
    """A hinted frame's time as the choice to remove it carries it."""
    return f"{round(time, 3):.3f}"


def describe(hints: list[dict]) -> tuple[str, list[tuple[str, str]]]:
    """The list of hinted frames in words, and the choices to remove one: (its time as said, its key)."""
    times = sorted({round(h["time"], 3) for h in hints})
    if not times:
        return NO_HINTS, []
    counts = {t: sum(1 for h in hints if round(h["time"], 3) == t) for t in times}
    text = "**Hinted frames:** " + ", ".join(f"{seconds(t)} ({counts[t]} stroke{'s' if counts[t] > 1 else ''})"
                                             for t in times)
    return text, [(seconds(t), key(t)) for t in times]


class FilmEditor:
    """Handlers of the video tab's hint painting, around the app's model and photo store. `page` holds an event's
    inputs by name: `video`, `moment` (seconds), `frame` (the frame picked), `painter` (its strokes), `hints` (the
    film's strokes so far), `choice` (a hinted frame's time), and each color control."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    def _film(self, video: Any) -> tuple[Any, VideoInfo]:
        path = upload_path(video, "a video", self.state.roots())
        return path, check_video(path, self.state.limits.video)

    @shown_to_visitors
    def on_film(self, video: Any):
        """A film arrived (or left): the time slider spans it, at its start; painted hints of an earlier film are
        dropped, so no stroke lands on the new film at an old frame's time. A film refused here is said once, by
        the upload's own handler (`VideoPage.on_video_upload`), which also shows its first frame in the painter."""
        try:
            _, info = self._film(video) if video is not None else (None, None)
        except InputError:
            info = None
        top = last_moment(info) if info is not None else 1
        return gr.update(value=0, maximum=top), [], *self._listing([])

    @staticmethod
    def _listing(hints: list[dict]):
        """The list in words and the choice, the latest painted frame chosen (what Remove most likely means)."""
        text, choices = describe(hints)
        return text, gr.update(choices=choices, value=key(hints[-1]["time"]) if hints else None)

    def show_frame(self, path: Any, info: VideoInfo, index: int, page: dict):
        """Frame `index` colorized with its kept hints: (the preview's pair, the painter showing it with that
        frame's strokes, so Undo reaches only into this frame's, and the frame picked). The network runs once;
        the caller holds a place in a room."""
        state, render_size = self.state, check_render_size(page["render_size"])
        frame = grab_frame(path, info, max(0.0, (index - 0.25) / float(info.fps)))
        mine = self._strokes([h for h in page.get("hints") or [] if frame_at(h["time"], info) == index])
        adjustments = settings.adjustments(page)
        prediction = state.model().predict(frame, render_size)
        after = prediction.render(adjustments, VIDEO_PREVIEW_SIZE, mine)
        shown = prediction.render(adjustments, painter.SIDE, mine)
        photo = Picture(prediction, fit_within(frame, VIDEO_PREVIEW_SIZE), path.name)
        ref = PhotoRef(state.photos.put(photo), path, render_size)
        return (photo.before, after), painter.show(shown, ref.key, mine), {"ref": ref, "time": frame_time(index, info)}

    @shown_to_visitors
    def on_moment(self, progress: gr.Progress = gr.Progress(), **page):
        """The moment moved (mouse, keys or a typed number): the frame shown then, in the preview and the painter.
        A typed moment outside the film shows its first or last frame; an empty box, or the frame already shown,
        changes nothing. The box itself is clamped in the browser when it is committed (`page_js`): an answer
        written back from here could arrive after a newer value and undo it."""
        if page["video"] is None:
            return gr.skip(), painter.cleared(), None
        path, info = self._film(page["video"])
        moment = read_moment(page["moment"], info)
        if moment is None:
            return gr.skip(), gr.skip(), gr.skip()
        index, shown = frame_at(moment, info), page.get("frame")
        if (shown and frame_at(shown["time"], info) == index and self.state.photos.get(shown["ref"].key) is not None
                and shown["ref"].source == path):
            return gr.skip(), gr.skip(), gr.skip()
        with self.state.in_room(self.state.image_room, progress):
            pair, picture, frame = self.show_frame(path, info, index, page)
        return gr.update(value=pair, visible=True), picture, frame

    @staticmethod
    def _strokes(hints: list[dict]) -> list[Stroke]:
        return [s.stroke for s in parse_film_hints(hints)]

    def strokes_at(self, hints: list[dict], time: float) -> list[Stroke]:
        """The strokes of the frame picked at `time`."""
        return self._strokes([h for h in hints if abs(h["time"] - time) <= 1e-6])

    @shown_to_visitors
    def on_paint(self, **page):
        """A stroke (or Undo, or Clear) in the painter: the frame's strokes replace that frame's in the film's list;
        the painter and the preview show the photo path's result, rendered from the kept prediction (no network).
        Strokes painted on another frame than the one picked change nothing."""
        frame, painted, hints = page["frame"], page["painter"], page["hints"] or []
        ref = frame["ref"] if frame else None
        if ref is None or not isinstance(painted, dict) or painted.get("photo") != ref.key:
            return painter.unchanged(), gr.skip(), hints, *self._listing(hints)
        photo = self.state.photos.get(ref.key)
        if photo is None:
            raise InputError("This frame is no longer on the server; please pick the moment again.")
        adjustments = settings.adjustments(page)
        moment = frame["time"]
        kept = [h for h in hints if abs(h["time"] - moment) > 1e-6]
        try:  # refused before waiting in line
            mine = [{"time": moment, "points": [list(p) for p in s.points], "color": s.color, "size": s.size}
                    for s in painter.strokes_for(painted, ref.key)]
            strokes = self._strokes(mine)
            parse_film_hints(kept + mine)  # the limits hold for the whole film
            updated, reset = kept + mine, False
        except InputError as error:  # said, and the painter goes back to the frame's kept strokes
            gr.Warning(str(error))
            updated, reset = hints, True
            strokes = self.strokes_at(hints, moment)
        with self.state.in_room(self.state.preview_room, None):
            after = photo.prediction.render(adjustments, VIDEO_PREVIEW_SIZE, strokes)
            shown = photo.prediction.render(adjustments, painter.SIDE, strokes)
        picture = painter.show(shown, ref.key, strokes) if reset else painter.show(shown)
        return picture, (photo.before, after), updated, *self._listing(updated)

    @shown_to_visitors
    def on_remove(self, **page):
        """Forget the hints of one frame (by its time); when it is the frame in the painter, the painter and the
        preview show it without them (and Undo has nothing left to take back)."""
        hints, choice, frame = page["hints"] or [], page["choice"], page.get("frame")
        if not choice or not any(key(h["time"]) == choice for h in hints):
            gr.Warning("Choose a hinted frame to remove first." if hints else "No frame has hints to remove.")
            return hints, *self._listing(hints), gr.skip(), gr.skip()
        hints = [h for h in hints if key(h["time"]) != choice]
        ref = frame["ref"] if frame else None
        photo = self.state.photos.get(ref.key) if ref is not None else None
        if photo is None or key(frame["time"]) != choice:
            return hints, *self._listing(hints), gr.skip(), gr.skip()
        adjustments = settings.adjustments(page)
        with self.state.in_room(self.state.preview_room, None):
            after = photo.prediction.render(adjustments, VIDEO_PREVIEW_SIZE)
            shown = photo.prediction.render(adjustments, painter.SIDE)
        return hints, *self._listing(hints), painter.show(shown, ref.key), (photo.before, after)
