"""The public endpoints, named after their api_names: `colorize_image`, `colorize_batch`, `colorize_video`.

Gradio's API page and its MCP server show assistants these names, parameters and docstrings, and
`gradio_client` callers pass the parameters by position: names, order and defaults are public (a new
parameter goes last). `serve` wires each one to the page's components by parameter name.
"""

from __future__ import annotations

import inspect
from typing import Any

import gradio as gr

from colorization import defaults
from colorization.hints import parse_hints
from colorization.pipeline import check_render_size

from . import jobs, settings, texts
from .failures import shown_to_visitors
from .limits import AppLimits
from .state import AppState
from .uploads import upload_path


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
    them themselves (`webapp.uploads`). A component without its parameter (a new row of the controls table)
    stops the page from being built, with the fix in its words."""
    names = [name for name in inspect.signature(endpoint).parameters if name in components]
    missing = [name for name in components if name not in names]
    if missing:
        raise TypeError(f"{endpoint.__name__} has no parameter for {', '.join(missing)}: add it after the last one, "
                        "with the table's default (the order is public)")
    gr.Button(visible=False).click(endpoint, [components[name] for name in names], outputs,
                                   api_name=endpoint.__name__, preprocess=False)


class PublicApi:
    """The endpoints around the app's shared state."""

    def __init__(self, state: AppState) -> None:
        self.state = state

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
        adjustments = settings.adjustments(locals())  # the color parameters, by name
        size = check_render_size(render_size)
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
    def colorize_batch(self, files: Any, intensity: float = defaults.INTENSITY,
                       saturation: float = defaults.SATURATION, hue: float = defaults.HUE,
                       render_size: int = defaults.RENDER_SIZE, progress: gr.Progress = gr.Progress()):
        """Colorize several photos with the same settings, into one zip of PNGs.

        Returns:
            A zip of PNGs, with problems.txt naming any file that could not be colorized and why.
        """
        adjustments = settings.adjustments(locals())
        return jobs.batch(self.state, files, adjustments, check_render_size(render_size), progress)[0]

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
        options = settings.video_options(locals(), settings.adjustments(locals()))
        return jobs.film(self.state, video, options, hints, request, progress)[0]
