"""Gradio's wire protocol by hand: call any event, public or private, with any value, as an attacker would.

gradio_client only calls public endpoints and wraps files properly; a hostile caller posts raw
JSON to /gradio_api/queue/join with an event's fn_index and reads the answer from the SSE stream.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Answer:
    """How the server answered: an HTTP refusal, an error message, or output data."""

    status: int
    error: str | None = None
    data: list[Any] | None = None

    @property
    def refused(self) -> bool:
        return self.status != 200 or self.error is not None


def fn_index(demo, name: str) -> int:
    """The index of the event whose handler is named `name` (api_name for public ones)."""
    for index, fn in demo.fns.items():
        handler = getattr(fn, "fn", None)
        if fn.api_name == name or getattr(handler, "__name__", None) == name:
            return index
    raise KeyError(name)


def call(url: str, index: int, data: list[Any], session_hash: str | None = None, timeout: float = 120) -> Answer:
    """Run one event through the queue and wait for its result."""
    session = session_hash or uuid.uuid4().hex[:10]
    with httpx.Client(timeout=timeout) as http:
        join = http.post(f"{url}gradio_api/queue/join",
                         json={"data": data, "fn_index": index, "session_hash": session, "event_data": None,
                               "trigger_id": None})
        if join.status_code != 200:
            is_json = join.headers.get("content-type", "").startswith("application/json")
            detail = join.json().get("detail") if is_json else join.text
            return Answer(join.status_code, error=str(detail))
        with http.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data: "):
                    continue
                message = json.loads(line[len("data: "):])
                if message.get("msg") == "process_completed":
                    output = message.get("output") or {}
                    if not message.get("success"):
                        return Answer(200, error=str(output.get("error")))
                    return Answer(200, data=output.get("data"))
    raise AssertionError("the event stream ended without a result")
