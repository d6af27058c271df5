"""The video tab's hints: pick a moment, paint on that frame in the photo's painter, keep the strokes frame by frame.

The painter (`webapp.painter`) sends the frame's strokes as the API takes them, keyed by the frame's photo key;
each becomes a film stroke (`colorization.video.film_hints`) at the frame's time. The preview of the frame is the
photo path's render of those strokes, which is exactly what the film will show on that frame.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from colorization import InputError
from colorization.hints import Stroke
from colorization.pipeline import fit_within
from colorization.video import check_video
from colorization.video.ffmpeg import VideoInfo, grab_frame
from colorization.video.film_hints import frame_at, parse_film_hints

from . import painter, settings
from .failures import shown_to_visitors
from .jobs import VIDEO_PREVIEW_SIZE
from .state import AppState
from .store import Photo, PhotoRef
from .uploads import upload_path

PAINTER_ID = "film-hint-painter"
EMPTY_TEXT = "Upload a film and pick a moment first; then paint here."


def film_painter_component() -> gr.HTML:
    """The video tab's painter: the photo's, under its own id."""
    return painter.painter(PAINTER_ID, EMPTY_TEXT)


def describe(hints: list[dict]) -> tuple[str, list[str]]:
    """The list of hinted frames in words, and the choices to remove one (by its time)."""
    times = sorted({round(h["time"], 3) for h in hints})
    if not times:
        return "No frame has hints yet.", []
    counts = {t: sum(1 for h in hints if round(h["time"], 3) == t) for t in times}
    text = "**Hinted frames:** " + ", ".join(f"{t:.2f} s ({counts[t]} stroke{'s' if counts[t] > 1 else ''})"
                                             for t in times)
    return text, [f"{t:.3f}" for t in times]


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
        """A film arrived (or left): the time slider spans it; painted hints of an earlier film, its frame in the
        painter and the frame picked are dropped, so no stroke lands on the new film at an old frame's time."""
        if video is None:
            return gr.update(value=0, maximum=1), [], *self._listing([]), painter.cleared(), None
        _, info = self._film(video)
        return (gr.update(value=0, maximum=round(info.duration, 3), step=round(1 / float(info.fps), 4)), [],
                *self._listing([]), painter.cleared(), None)

    @staticmethod
    def _listing(hints: list[dict]):
        text, choices = describe(hints)
        return text, gr.update(choices=choices, value=None)

    @shown_to_visitors
    def on_moment(self, progress: gr.Progress = gr.Progress(), **page):
        """The frame shown at the `moment`, colorized with its kept hints: in the preview, and in the painter (with
        that frame's strokes, so Undo reaches only into this frame's)."""
        if page["video"] is None:
            return gr.skip(), painter.cleared(), None
        state, render_size = self.state, int(page["render_size"])
        path, info = self._film(page["video"])
        index = frame_at(max(0.0, float(page["moment"])), info)
        frame = grab_frame(path, info, max(0.0, (index - 0.25) / float(info.fps)))
        mine = self._strokes([h for h in page["hints"] or [] if frame_at(h["time"], info) == index])
        adjustments = settings.adjustments(page)
        with state.in_room(state.image_room, progress):
            prediction = state.model().predict(frame, render_size)
            after = prediction.render(adjustments, VIDEO_PREVIEW_SIZE, mine)
            shown = prediction.render(adjustments, painter.SIDE, mine)
        photo = Photo(prediction, fit_within(frame, VIDEO_PREVIEW_SIZE), path.name)
        ref = PhotoRef(state.photos.put(photo), path, render_size)
        moment = (index + 0.5) / float(info.fps)
        return (gr.update(value=(photo.before, after), visible=True), painter.show(shown, ref.key, mine),
                {"ref": ref, "time": moment})

    @staticmethod
    def _strokes(hints: list[dict]) -> list[Stroke]:
        return [s.stroke for s in parse_film_hints(hints)]

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
            strokes = self._strokes([h for h in hints if abs(h["time"] - moment) <= 1e-6])
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
        if choice:
            hints = [h for h in hints if f"{round(h['time'], 3):.3f}" != choice]
        ref = frame["ref"] if frame else None
        photo = self.state.photos.get(ref.key) if ref is not None and choice else None
        if photo is None or f"{round(frame['time'], 3):.3f}" != choice:
            return hints, *self._listing(hints), gr.skip(), gr.skip()
        adjustments = settings.adjustments(page)
        with self.state.in_room(self.state.preview_room, None):
            after = photo.prediction.render(adjustments, VIDEO_PREVIEW_SIZE)
            shown = photo.prediction.render(adjustments, painter.SIDE)
        return hints, *self._listing(hints), painter.show(shown, ref.key), (photo.before, after)
