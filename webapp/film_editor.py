"""The video tab's hints: pick a moment, paint on that frame as on a photo, keep the strokes frame by frame.

What is painted becomes film strokes (`colorization.film_hints`), the same the API takes: one stroke per brush
color, a point per painted cell of the frame's hint grid. The preview of the frame is the photo path's render
of those strokes, which is exactly what the film will show on that frame.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import numpy as np

from colorization import InputError, propagate
from colorization.ffmpeg import VideoInfo, grab_frame
from colorization.film_hints import frame_at, parse_film_hints
from colorization.hints import MAX_POINTS
from colorization.images import load_image
from colorization.pipeline import fit_within
from colorization.video import check_video

from .handlers import VIDEO_PREVIEW_SIZE, ColorizeApp, _adjustments, shown_to_visitors
from .store import Photo, PhotoRef
from .uploads import upload_path

EDITOR_SIZE = 1024  # long side of the frame in the editor; painted layers come back at this size


def _one_layer(editor: Any) -> list:
    """The editor's painted layers: it has one, so one is all a request may send (each is a PNG to decode)."""
    layers = editor.get("layers") if isinstance(editor, dict) else None
    if not layers:
        return []
    if not isinstance(layers, list) or len(layers) > 1:
        raise InputError(f"The hint editor has 1 layer; this request sent "
                         f"{len(layers) if isinstance(layers, list) else 'something else'}.")
    return layers


def layer_strokes(paint: np.ndarray, seconds: float, grid: tuple[int, int]) -> list[dict]:
    """Film strokes at `seconds` from a painted RGBA layer: a point per painted cell of the hint grid
    (height, width), one stroke per brush color; coarser cells when a large area would pass MAX_POINTS."""
    height, width = grid
    painted = paint[..., 3] >= 128
    if not painted.any():
        return []
    rows = (np.arange(height) + 0.5) * paint.shape[0] / height
    cols = (np.arange(width) + 0.5) * paint.shape[1] / width
    step = 1
    while True:
        ys, xs = np.meshgrid(rows[::step].astype(int), cols[::step].astype(int), indexing="ij")
        hit = painted[ys, xs]
        if hit.sum() <= MAX_POINTS:
            break
        step += 1
    size = 1.5 * step / min(height, width)
    ys, xs = ys[hit], xs[hit]
    colors = paint[ys, xs, :3].astype(int)
    palette, counts = np.unique(colors, axis=0, return_counts=True)
    order = np.argsort(-counts)
    brush = [i for i in order[:12] if counts[i] >= 0.05 * len(colors)] or [order[0]]
    palette = palette[brush]  # the brush colors; the few blended edge pixels join the nearest
    nearest = np.argmin(((colors[:, None, :] - palette[None]) ** 2).sum(axis=2), axis=1)
    strokes = []
    for number, (r, g, b) in enumerate(palette):
        chosen = nearest == number
        points = np.stack([(xs[chosen] + 0.5) / paint.shape[1], (ys[chosen] + 0.5) / paint.shape[0]], axis=1)
        strokes.append({"time": seconds, "points": points.tolist(), "color": f"#{r:02x}{g:02x}{b:02x}",
                        "size": min(size, 1.0)})
    return strokes


def describe(hints: list[dict]) -> tuple[str, list[str]]:
    """The list of hinted frames in words, and the choices to remove one (by its time)."""
    times = sorted({round(h["time"], 3) for h in hints})
    if not times:
        return "No frame has hints yet.", []
    counts = {t: sum(1 for h in hints if round(h["time"], 3) == t) for t in times}
    text = "**Hinted frames:** " + ", ".join(f"{t:.2f} s ({counts[t]} color{'s' if counts[t] > 1 else ''})"
                                             for t in times)
    return text, [f"{t:.3f}" for t in times]


class FilmEditor:
    """Handlers of the video tab's hint painting, around the app's model and photo store."""

    def __init__(self, app: ColorizeApp) -> None:
        self.app = app

    def _film(self, video: Any) -> tuple[Any, VideoInfo]:
        path = upload_path(video, "a video", self.app.roots())
        return path, check_video(path, self.app.limits.video)

    @shown_to_visitors
    def on_film(self, video: Any):
        """A film arrived: the time slider spans it; painted hints of an earlier film are dropped."""
        if video is None:
            return gr.update(value=0, maximum=1), [], *self._listing([])
        _, info = self._film(video)
        return (gr.update(value=0, maximum=round(info.duration, 3), step=round(1 / float(info.fps), 4)), [],
                *self._listing([]))

    @staticmethod
    def _listing(hints: list[dict]):
        text, choices = describe(hints)
        return text, gr.update(choices=choices, value=None)

    @shown_to_visitors
    def on_moment(self, video: Any, seconds: float, intensity: float, saturation: float, hue: float,
                  render_size: int, hints: list[dict] | None, progress: gr.Progress = gr.Progress()):
        """The frame shown at `seconds`: in the editor to paint on, and colorized (with its kept hints) in the preview."""
        if video is None:
            return gr.skip(), gr.skip(), None
        path, info = self._film(video)
        index = frame_at(max(0.0, float(seconds)), info)
        frame = grab_frame(path, info, max(0.0, (index - 0.25) / float(info.fps)))
        with self.app._in_room(self.app.image_room, progress):
            prediction = self.app.model().predict(frame, int(render_size))
        photo = Photo(prediction, fit_within(frame, VIDEO_PREVIEW_SIZE), path.name)
        ref = PhotoRef(self.app.photos.put(photo), path, int(render_size))
        moment = (index + 0.5) / float(info.fps)
        mine = [h for h in hints or [] if frame_at(h["time"], info) == index]
        after = prediction.render(_adjustments(intensity, saturation, hue), VIDEO_PREVIEW_SIZE, self._strokes(mine))
        editor = {"background": fit_within(frame, EDITOR_SIZE), "layers": [], "composite": None}
        return gr.update(value=(photo.before, after), visible=True), editor, {"ref": ref, "time": moment}

    @staticmethod
    def _strokes(hints: list[dict]) -> list:
        return [s.stroke for s in parse_film_hints(hints)] or None

    @shown_to_visitors
    def on_paint(self, frame: dict | None, editor: Any, hints: list[dict] | None, intensity: float,
                 saturation: float, hue: float):
        """A stroke on the frame: its strokes replace that frame's, the preview shows the photo path's result."""
        if not frame:
            return gr.skip(), hints or [], *self._listing(hints or [])
        photo = self.app.photos.get(frame["ref"].key)
        if photo is None:
            raise InputError("This frame is no longer on the server; please pick the moment again.")
        adjustments = _adjustments(intensity, saturation, hue)
        layers = _one_layer(editor)  # refused before waiting in line
        with self.app._in_room(self.app.preview_room, None):
            paint = self._paint(layers)
            moment = frame["time"]
            kept = [h for h in hints or [] if abs(h["time"] - moment) > 1e-6]
            grid = propagate.work_size(*photo.prediction.shape)
            mine = layer_strokes(paint, moment, grid) if paint is not None else []
            updated = kept + mine
            parse_film_hints(updated)  # the limits hold for the whole film
            after = photo.prediction.render(adjustments, VIDEO_PREVIEW_SIZE, self._strokes(mine))
        return (photo.before, after), updated, *self._listing(updated)

    def _paint(self, layers: list) -> np.ndarray | None:
        paint = None
        for layer in layers:
            pixels = load_image(upload_path(layer, "a painted layer", self.app.roots()),
                                max_pixels=EDITOR_SIZE**2 * 2).pixels
            if pixels.ndim == 3 and pixels.shape[2] == 4:
                paint = pixels if paint is None or paint.shape != pixels.shape else np.where(
                    pixels[..., 3:] >= 128, pixels, paint)
        return paint

    @staticmethod
    def on_remove(hints: list[dict] | None, choice: str | None):
        """Forget the hints of one frame (by its time)."""
        hints = hints or []
        if choice:
            hints = [h for h in hints if f"{round(h['time'], 3):.3f}" != choice]
        return hints, *FilmEditor._listing(hints)
