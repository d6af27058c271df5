"""Components the page declares more than once, and plain descriptions for the API page.

Gradio describes a file parameter with its internal FileData docstring and a slider as "numeric
value between ..."; `described` gives each parameter one plain sentence instead, which is what
the API page, `view_api()` and the MCP tool list show.
"""

from __future__ import annotations

import copy
from typing import Any

import gradio as gr

from colorization import controls
from colorization.controls import Control

# The hints' JSON schema: gr.JSON says `"type": {}`, which is no schema at all, and MCP clients then
# refuse the whole tool. A list of strokes as `colorization.hints` checks them.
HINTS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "points": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
            "color": {"type": "string"},
            "size": {"type": "number"},
        },
        "required": ["points", "color"],
    },
}


# The least width of an input or a result that sits beside the other in a row: on a narrower screen (a phone)
# Gradio's row wraps and each takes the whole width, one above the other, instead of two of 180 pixels.
STACK_BELOW = 320

# A film's strokes: the photo's, each with the time of the frame it is painted on.
FILM_HINTS_SCHEMA = copy.deepcopy(HINTS_SCHEMA)
FILM_HINTS_SCHEMA["items"]["properties"]["time"] = {"type": "number", "minimum": 0}
FILM_HINTS_SCHEMA["items"]["required"] = ["time", "points", "color"]


def file_example(name: str) -> dict:
    """What `gradio_client.handle_file(name)` sends for a file. Gradio 6's API page writes `handle_file(...)` only
    for an example with a `url` (a plain dict otherwise), so the name is given as one too."""
    return {"path": name, "url": name, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def described(component: gr.components.Component, text: str, schema: dict | None = None,
              example: Any = None) -> gr.components.Component:
    """Replace the API description of an input component with one sentence (and its JSON schema, when given);
    Gradio's FileData docstring goes from nested file types. `example` replaces the API page's example value
    (Gradio's are links to GitHub, which this app refuses, and a PDF for a batch of photos)."""
    base = component.api_info_as_input

    def api_info_as_input() -> dict:
        info = copy.deepcopy(schema) if schema is not None else copy.deepcopy(base())
        for definition in info.get("$defs", {}).values():
            definition.pop("description", None)
        info["description"] = text
        info["additional_description"] = text
        return info

    component.api_info_as_input = api_info_as_input
    if example is not None:
        component.example_payload = lambda: copy.deepcopy(example)
    return component


def slider(control: Control, elem_id: str, words: dict[str, str] | None = None) -> gr.Slider:
    """A control's slider: range, step, default, label and info from the table; its API sentence from `words`."""
    component = gr.Slider(control.low, control.high, value=control.default, step=control.step, label=control.label,
                          info=control.info, elem_id=elem_id, precision=0 if control.whole else None)
    return described(component, (words or {}).get(control.name, control.help), example=control.default)


def sliders(rows: tuple[Control, ...], prefix: str, words: dict[str, str]) -> dict[str, gr.Slider]:
    """One slider per row of the controls table, by name, with the table's ranges and defaults; each one's id
    is `prefix-name` (`video-render-size`); `words`: `texts.parameters`."""
    return {control.name: slider(control, f"{prefix}-{control.name.replace('_', '-')}", words) for control in rows}


def color_sliders(prefix: str, words: dict[str, str]) -> dict[str, gr.Slider]:
    """The color controls (intensity, saturation, hue, and any row added to `controls.COLOR`), by name."""
    return sliders(controls.COLOR, prefix, words)


def render_size_slider(elem_id: str, words: dict[str, str]) -> gr.Slider:
    return slider(controls.RENDER_SIZE, elem_id, words)
