"""The one place that reads Gradio's private internals; it logs once and degrades when they move.

Gradio lets a running handler continue after its visitor's connection drops; it only marks the
visitor's queued events as not alive. Reading that mark is the one way to stop a long video job
nobody will receive. Without it, the Cancel button still works.
Gradio saves a picture a handler returns under a name made of its bytes' hash, and rewrites that file in
place each time: two visitors given the same picture at once (one example, one photo) share the file, and
one's browser can read it while the other's copy truncates it (an empty answer). `write_pictures_whole`
makes that write a rename, as Gradio already does for files it copies.
`gr.Examples` loads a clicked example with an event of its own that drops a click arriving while it runs;
`last_click_wins` makes the last of quick clicks the one shown.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

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


def write_pictures_whole() -> None:
    """Make Gradio's `processing_utils.save_pil_to_cache` write a new picture beside its place and rename it in,
    and leave one that is already there as it is (its name is its bytes' hash), so a reader always reads a whole
    file. Every picture output goes through it: Image, ImageSlider, Gallery, the editor."""
    try:
        from gradio import processing_utils

        encode, hash_bytes = processing_utils.encode_pil_to_bytes, processing_utils.hash_bytes
        if getattr(processing_utils.save_pil_to_cache, "whole", False):
            return
    except (ImportError, AttributeError) as exc:
        if "save_pil_to_cache" not in _warned:
            _warned.add("save_pil_to_cache")
            log.warning("Gradio's picture cache has moved (%s): two visitors given the same picture at once may "
                        "see it fail to load", exc)
        return

    def save_pil_to_cache(img, cache_dir: str, name: str = "image", format: str = "webp") -> str:
        data = encode(img, format)
        folder = Path(cache_dir) / hash_bytes(data)
        folder.mkdir(exist_ok=True, parents=True)
        target = (folder / f"{name}.{format}").resolve()
        if target.is_file() and target.stat().st_size == len(data):
            os.utime(target)  # Gradio's delete_cache ages by ctime: this new reference gets the full time
            return str(target)
        handle, staging = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(staging, 0o644)
            os.replace(staging, target)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise
        return str(target)

    save_pil_to_cache.whole = True
    processing_utils.save_pil_to_cache = save_pil_to_cache


def last_click_wins(examples) -> None:
    """Make a `gr.Examples`' own loading event run again for a click that comes while it runs (Gradio's
    "always_last"), instead of dropping it; call it inside the Blocks that holds the examples."""
    try:
        from gradio.context import get_blocks_context

        get_blocks_context().fns[examples.load_input_event["id"]].trigger_mode = "always_last"
    except (ImportError, AttributeError, KeyError, TypeError) as exc:
        if "examples" not in _warned:
            _warned.add("examples")
            log.warning("Gradio's examples have moved (%s): a click on an example while one loads may be lost", exc)
