"""The public endpoints, named after their api_names: `colorize_image`, `colorize_batch`, `colorize_video`.

Gradio's API page and its MCP server show assistants these names, parameters and docstrings, and
`gradio_client` callers pass the parameters by position: names, order and defaults are public. Each endpoint
states its published order (`published`); a row of the controls table that is not in it yet becomes a new last
parameter by itself, with the table's default. `serve` wires each one to the page's components by name.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from typing import Any

import gradio as gr

from colorization import controls
from colorization.controls import Control
from colorization.hints import parse_hints
from colorization.pipeline import check_render_size

from . import jobs, settings, texts
from .failures import shown_to_visitors
from .limits import AppLimits
from .state import AppState
from .uploads import upload_path

_SPECIAL = ("request", "progress")  # filled in by Gradio, not sent by callers


def published(order: Sequence[str], rows: Sequence[Control]):
    """Give an endpoint its public signature: the parameters in `order` (their published positions), then each
    row of `rows` not among them (a new control goes last, where it breaks no caller), then Gradio's own.
    A control's parameter takes the table's default and type; the others are the method's. The method gets
    every value by name (`**values`)."""
    def wrap(method):
        own = inspect.signature(method).parameters
        table = {row.name: row for row in rows}

        def parameter(name: str) -> inspect.Parameter:
            if name not in table:
                return own[name].replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
            row = table[name]
            return inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=row.default,
                                     annotation=int if row.whole else float)

        names = [*order, *(row.name for row in rows if row.name not in order)]
        params = [own["self"], *map(parameter, names), *(own[name] for name in _SPECIAL if name in own)]
        signature = inspect.Signature(params)

        @functools.wraps(method)
        def endpoint(self, *args, **kwargs):
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            return method(**bound.arguments)

        endpoint.__signature__ = signature
        endpoint.__annotations__ = {p.name: p.annotation for p in params[1:] if p.annotation is not p.empty}
        return endpoint

    return wrap


def _documented(method):
    """Write the Args section of an API method's docstring from `texts.parameters`: the MCP tools read
    the docstring, the API page reads `components.described`, and both say the same."""
    words = texts.endpoint_parameters(AppLimits(), method.__name__)
    names = [name for name in inspect.signature(method).parameters if name in words]
    summary, returns = inspect.cleandoc(method.__doc__).split("\nReturns:\n")
    args = "".join(f"    {name}: {words[name]}\n" for name in names)
    method.__doc__ = f"{summary}\nArgs:\n{args}Returns:\n{returns}"
    return method


def serve(endpoint, components: dict[str, gr.components.Component], outputs: list) -> None:
    """Make `endpoint` public under its own name, its inputs the components named like its parameters, in its
    signature's order (the order `gradio_client` callers rely on). Handlers see file values as sent and check
    them themselves (`webapp.uploads`). A component without its parameter stops the page from being built."""
    names = [name for name in inspect.signature(endpoint).parameters if name in components]
    missing = [name for name in components if name not in names]
    if missing:
        raise TypeError(f"{endpoint.__name__} has no parameter for {', '.join(missing)}: a row of the controls table "
                        "it does not take (see `published`), or a parameter to add after the last one")
    gr.Button(visible=False).click(endpoint, [components[name] for name in names], outputs,
                                   api_name=endpoint.__name__, preprocess=False)


class PublicApi:
    """The endpoints around the app's shared state."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    @_documented
    @shown_to_visitors
    @published(("image", "intensity", "saturation", "hue", "render_size", "hints"), controls.PHOTO)
    def colorize_image(self, image: Any, hints: Any = None, progress: gr.Progress = gr.Progress(), **values: float):
        """Colorize a grayscale photo with the Zhang et al. (ECCV 2016) network, optionally steered by color hints.

        Returns:
            The before/after pair at preview size (long side at most 2048 px), then the full-resolution PNG.
        """
        adjustments = settings.adjustments(values)
        size = check_render_size(values["render_size"])
        strokes = parse_hints(hints)
        state = self.state
        path = upload_path(image, "a photo", state.roots())
        jobs.photo_size(state, path)  # refused before waiting in line
        with state.in_room(state.image_room, progress):
            photo, _ = jobs.new_photo(state, path, size, keep=False)
            after = photo.prediction.render(adjustments, jobs.PREVIEW_SIZE, strokes)
            return (photo.before, after), jobs.save_png(state, photo, adjustments, strokes)

    @_documented
    @shown_to_visitors
    @published(("files", "intensity", "saturation", "hue", "render_size"), controls.PHOTO)
    def colorize_batch(self, files: Any, progress: gr.Progress = gr.Progress(), **values: float):
        """Colorize several photos with the same settings, into one zip of PNGs.

        Returns:
            A zip of PNGs, with problems.txt naming any file that could not be colorized and why.
        """
        adjustments = settings.adjustments(values)
        return jobs.batch(self.state, files, adjustments, check_render_size(values["render_size"]), progress)[0]

    @_documented
    @shown_to_visitors
    @published(("video", "intensity", "saturation", "hue", "smoothing", "keyframes", "render_size", "hints"),
               controls.FILM)
    def colorize_video(self, video: Any, hints: Any = None, request: gr.Request = None,
                       progress: gr.Progress = gr.Progress(), **values: float):
        """Colorize a whole film: every frame, steady colors, the original sound, frame rate and length; optionally
        steered by color hints painted on frames.

        Returns:
            The colorized MP4 (H.264, AAC sound).
        """
        options = settings.video_options(values, settings.adjustments(values))
        return jobs.film(self.state, video, options, hints, request, progress)[0]
