"""Components the page declares more than once, and plain descriptions for the API page.

Gradio describes a file parameter with its internal FileData docstring and a slider as "numeric
value between ..."; `described` gives each parameter one plain sentence instead, which is what
the API page, `view_api()` and the MCP tool list show.
"""

from __future__ import annotations

import copy

import gradio as gr

from colorization import defaults


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


# A film's strokes: the photo's, each with the time of the frame it is painted on.
FILM_HINTS_SCHEMA = copy.deepcopy(HINTS_SCHEMA)
FILM_HINTS_SCHEMA["items"]["properties"]["time"] = {"type": "number", "minimum": 0}
FILM_HINTS_SCHEMA["items"]["required"] = ["time", "points", "color"]


def described(component: gr.components.Component, text: str, schema: dict | None = None) -> gr.components.Component:
    """Replace the API description of an input component with one sentence (and its JSON schema, when given)."""
    base = component.api_info_as_input

    def api_info_as_input() -> dict:
        info = copy.deepcopy(schema) if schema is not None else copy.deepcopy(base())
        info["description"] = text
        info["additional_description"] = text
        return info

    component.api_info_as_input = api_info_as_input
    return component


def color_sliders(prefix: str, words: dict[str, str]) -> tuple[gr.Slider, gr.Slider, gr.Slider]:
    """Intensity, saturation and hue, with the library's ranges and defaults; `words`: `texts.parameters`."""
    return (
        described(gr.Slider(*defaults.INTENSITY_RANGE, value=defaults.INTENSITY, step=0.05, label="Color intensity",
                            elem_id=f"{prefix}-intensity", info="0 = gray, 1 = the network's colors, 2 = twice as strong."),
                  words["intensity"]),
        described(gr.Slider(*defaults.SATURATION_RANGE, value=defaults.SATURATION, step=0.05, label="Saturation",
                            elem_id=f"{prefix}-saturation"),
                  words["saturation"]),
        described(gr.Slider(*defaults.HUE_RANGE, value=defaults.HUE, step=1, label="Hue shift (degrees)",
                            elem_id=f"{prefix}-hue"),
                  words["hue"]),
    )


def render_size_slider(elem_id: str, words: dict[str, str]) -> gr.Slider:
    return described(gr.Slider(*defaults.RENDER_SIZE_RANGE, value=defaults.RENDER_SIZE, step=defaults.RENDER_SIZE_STEP,
                               precision=0, label="Render size", elem_id=elem_id,
                               info="The network's input side; 224 is what it was trained on."),
                     words["render_size"])
