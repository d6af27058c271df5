"""How failures reach a visitor: our own errors as their sentence, bugs as a short message with an id.

The server log gets one line per refused input and, for a bug, the id with the whole traceback,
so a visitor's report can be matched to it.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from typing import TypeVar

import gradio as gr

from colorization import ColorizationError

log = logging.getLogger("colorization.app")
F = TypeVar("F", bound=Callable)


def visitor_error(message: str) -> gr.Error:
    """A message for the page, without a traceback in the server log."""
    return gr.Error(message, print_exception=False)


def shown_to_visitors(fn: F) -> F:
    """Wrap a handler: ColorizationError -> its message; any other exception -> an id to report."""

    @functools.wraps(fn)
    def handler(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except ColorizationError as exc:
            log.info("%s refused: %s", fn.__name__, exc)
            raise visitor_error(str(exc)) from None
        except Exception:
            error_id = secrets.token_hex(4)
            log.exception("error %s in %s", error_id, fn.__name__)
            raise visitor_error(f"Something went wrong on our side (error {error_id}). Please try again; "
                                "if it happens again, tell us this id.") from None

    return handler  # type: ignore[return-value]
