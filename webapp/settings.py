"""One job's settings read by name from the controls table (`colorization.controls`), for the API and the page.

The page's events hand their handlers the inputs by name (Gradio's `inputs_kwargs`, built from the same
table in each tab), so a new row of the table reaches every handler without a new parameter: the API checks
the values strictly (`adjustments`, `video_options`), the page reads them as its slider boxes hold them
(`as_shown`, which also says how to correct each box).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from colorization import Adjustments, controls
from colorization.video import VideoOptions

from . import fields

COLOR = controls.COLOR  # the color controls: fields of `Adjustments`
VIDEO = (*controls.FILM_ONLY, controls.RENDER_SIZE)  # a film's settings besides the colors (the estimate reads them)


def adjustments(values: Mapping[str, Any]) -> Adjustments:
    """The color controls as sent; `Adjustments` checks each against the controls table."""
    return Adjustments.named(values)


def video_options(values: Mapping[str, Any], adjusted: Adjustments) -> VideoOptions:
    """A film's options as sent (its own rows and the render size), each checked against the controls table."""
    return VideoOptions.named(adjusted, values)


def as_shown(values: Mapping[str, Any], rows=COLOR) -> tuple[dict[str, float] | None, list]:
    """The `rows` as their slider boxes show them (typed values clamped, `fields.field`), or None when a box is
    empty or half-typed; and each box's update, in the order of `rows` (the events list the boxes so)."""
    read = [fields.field(values[control.name], control.name) for control in rows]
    boxes = [fields.box(*value) for value in read]
    if any(number is None for number, _ in read):
        return None, boxes
    return {control.name: number for control, (number, _) in zip(rows, read)}, boxes


def shown_adjustments(values: Mapping[str, Any]) -> tuple[Adjustments | None, list]:
    """The adjustments the color boxes show (None for an empty box), and each box's update."""
    numbers, boxes = as_shown(values)
    return (None if numbers is None else Adjustments(**numbers)), boxes
