"""What a slider's number box may hold, read as the slider would: typed values are clamped to its range.

Gradio's slider sends what was typed in its number box as is (5 for a 0..2 intensity, 999 for a hue
that shows 180, nothing for an empty box) and clamps the box only on blur. The page's handlers read
each value through `field`, use the clamped number and write it back to the box, and skip the event
for an empty box or a half-typed number, keeping the result on screen.
"""

from __future__ import annotations

import math
from typing import Any

import gradio as gr

from colorization import controls


def read_number(value: Any) -> float | None:
    """A number box's value as a finite number (typed text read), or None for an empty box or no number."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def field(value: Any, name: str, high: float | None = None) -> tuple[float | None, bool]:
    """(the number to use, whether the box must be corrected); (None, False) for an empty box or no number.

    A value is rounded to the slider's step, as its knob shows it (1.5 degrees of hue is 2; halves go up).
    A render size below the range is taken as half-typed (None): "4" on the way to "448" must not run the
    network at 64. `high` lowers the range's top (a photo's cap).
    """
    value = read_number(value)
    if value is None:
        return None, False
    control = controls.BY_NAME[name]
    low, top = control.low, control.high
    top = min(top, high) if high is not None else top
    if control is controls.RENDER_SIZE and value < low:
        return None, False
    number = round(low + math.floor((value - low) / control.step + 0.5) * control.step, 9)
    number = min(max(number, low), top)
    return (int(number) if control.whole else float(number)), number != float(value)


def box(number: float | None, corrected: bool):
    """The update for a slider's box: the corrected number, or nothing."""
    return gr.update(value=number) if corrected else gr.skip()
