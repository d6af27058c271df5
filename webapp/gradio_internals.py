"""The one place that reads Gradio's private internals; it logs once and degrades when they move.

Gradio lets a running handler continue after its visitor's connection drops; it only marks the
visitor's queued events as not alive. Reading that mark is the one way to stop a long video job
nobody will receive. Without it, the Cancel button still works.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger("colorization.app")
_warned: set[str] = set()


def session_alive(demo, session_hash: str) -> bool:
    """False once Gradio has seen this visitor's connection drop; True when it cannot tell."""
    try:
        for job in demo._queue.active_jobs:
            for event in job or []:
                if event.session_hash == session_hash and not event.alive:
                    return False
    except AttributeError as exc:
        if "active_jobs" not in _warned:
            _warned.add("active_jobs")
            log.warning("Gradio's queue internals have moved (%s): jobs of visitors who left now run to the end", exc)
    return True


@dataclass(frozen=True)
class Caller:
    """Who sent the event being handled: their address (as uvicorn read it, trusted proxies applied),
    session hash and the event's id; None where Gradio gives none (a direct call, a test)."""

    client: str | None = None
    session: str | None = None
    event_id: str | None = None


def current_caller() -> Caller:
    """The caller of the event this thread handles, from Gradio's context variables."""
    try:
        from gradio.context import LocalContext

        request = LocalContext.request.get(None)
        event_id = LocalContext.event_id.get(None)
    except (ImportError, AttributeError) as exc:
        if "context" not in _warned:
            _warned.add("context")
            log.warning("Gradio's request context has moved (%s): jobs are not counted per client", exc)
        return Caller()
    if request is None:
        return Caller(event_id=event_id)
    client = getattr(getattr(request, "client", None), "host", None)
    return Caller(client, getattr(request, "session_hash", None), event_id)
