"""Refuse file values that are links before Gradio fetches them; bound what an MCP call may send.

Given a file value whose path is a URL, Gradio downloads it into its cache before any handler
runs, with no size limit. The app takes files, not addresses: this ASGI middleware reads the
small JSON body of every request that may run an event and answers 400 with `uploads.LINKS_REFUSED`
when a file value names a link. It guards by default: every request but a GET, HEAD or OPTIONS is
an event request (`/queue/join`, `/api/<name>`, `/run/<name>`, `/call/<name>`, `/stream/<id>`, and
any route a newer Gradio adds) except the two it names: the upload route (multipart, size-limited
by Gradio) and the MCP route (bounded below). An event body is at most `MAX_EVENT_BODY` bytes,
nested at most `MAX_DEPTH` deep, and names no file outside the upload folder and the examples:
each refused with one sentence before Gradio parses it.
One kind of link is read, not fetched: one to this app's own file route (`.../gradio_api/file=<path>`),
which Gradio's upload tool for MCP clients returns after an upload; it becomes the path it names,
which `uploads.upload_path` then holds to the upload folder like any other.
An MCP tool call reaches the same events through Gradio's own client, but it may carry a file
inline as base64, which Gradio decodes with no size limit: its body is counted as it streams in and
cut off past `max_mcp_body` bytes; a tool call naming a link or a server file is answered here as a
failed tool call with the same sentence.
Two more jobs ride on the same pass over each request: uploads and MCP bodies are charged to the
sending address's disk quota (`quota`) and refused past it, and every open result stream is noted
(`presence`) so that a job nobody reads can leave its room.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from .presence import LISTENERS, Listeners
from .quota import DiskQuota, QuotaFull
from .uploads import LINKS_REFUSED, NOT_AVAILABLE, is_link

MAX_EVENT_BODY = 1 << 20  # event bodies carry settings and file references, never file contents
MAX_DEPTH = 32  # the deepest value an event takes is a list of strokes of points: 5 levels
TOO_LARGE = "The request is too large."
TOO_DEEP = "The request is nested too deeply."
NOT_JSON = "The request is not valid JSON."
_READ_ONLY = ("GET", "HEAD", "OPTIONS")
_MCP_PATH = "/gradio_api/mcp"
_UPLOAD_PATH = "/gradio_api/upload"
_RESULT_STREAM = re.compile(r"^/gradio_api/(?:queue/data/?$|call/(?:v2/)?[^/]+/(?P<event>[^/]+)/?$)")
_SYNC_CALL = re.compile(r"^/gradio_api/(?:api|run)/[^/]+/?$")
_OWN_FILE = re.compile(r"^https?://[^/?#]+(?:/[^?#]*)?/gradio_api/file=(?P<path>[^?#]+)$")


def localize(data: Any) -> Any:
    """`data` with every file value whose path links to a Gradio file route replaced by the server path
    it names (whatever the host: nothing is fetched, and the path must still be an upload here)."""
    if isinstance(data, dict):
        return {key: _own_file(value) if key == "path" and isinstance(value, str) else localize(value)
                for key, value in data.items()}
    if isinstance(data, list):
        return [localize(value) for value in data]
    return data


def _own_file(path: str) -> str:
    match = _OWN_FILE.match(path.strip())
    return unquote(match.group("path")) if match else path


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """True when lists and dicts in `data` nest deeper than `limit` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (list, dict)):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return False


def names_another_file(data: Any, roots: Sequence[Path]) -> bool:
    """True when a file value's path (a dict's "path" that is not a link) is not a file under one of `roots`."""
    if isinstance(data, dict):
        path = data.get("path")
        if isinstance(path, str) and not is_link(path):
            try:
                if not _within(path, roots):
                    return True
            except (OSError, ValueError, RuntimeError):
                return True
        elif "path" in data and path is not None and not isinstance(path, str):
            return True
        return any(names_another_file(v, roots) for k, v in data.items() if k != "path")
    if isinstance(data, list):
        return any(names_another_file(v, roots) for v in data)
    return False


def _within(path: str, roots: Sequence[Path]) -> bool:
    real = Path(path).resolve()
    return any(real.is_relative_to(root.resolve()) for root in roots)


def names_a_link(data: Any) -> bool:
    """True when a value of the event's `data`, or a file value's path, is a link.

    A file value's "url" is not looked at: the browser sets it to this server's own address of
    the upload, and Gradio reads a file from its "path".
    """
    if isinstance(data, str):
        return is_link(data)
    if isinstance(data, dict):
        return any(names_a_link(v) for k, v in data.items() if k != "url")
    if isinstance(data, list):
        return any(names_a_link(v) for v in data)
    return False


class RefuseLinks:
    """ASGI middleware: event requests naming a link get 400 before Gradio sees them (a link to a Gradio
    file route is read as the path it names); MCP calls are cut off past `max_mcp_body` bytes.

    `roots()` gives the folders a file value may name (None: any path; the handlers check them again).
    """

    def __init__(self, app, max_mcp_body: int = 300 << 20,
                 roots: Callable[[], Sequence[Path]] | None = None, listeners: Listeners = LISTENERS,
                 quota: DiskQuota | None = None) -> None:
        self.app, self.max_mcp_body, self.roots, self.listeners = app, max_mcp_body, roots, listeners
        self.quota = quota

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in _READ_ONLY:
            stream = _RESULT_STREAM.match(scope["path"]) if scope["type"] == "http" else None
            key = None
            if stream is not None:
                key = stream.group("event") or _query(scope, "session_hash")
            with self.listeners.listening(key):  # a result stream, read while it is open
                await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(_MCP_PATH):
            await self._bounded(scope, receive, send, app=self._tool_call)
            return
        if path.rstrip("/") == _UPLOAD_PATH:  # its size per file is Gradio's; its bytes count against the quota
            await self._bounded(scope, receive, send, limit=1 << 62, too_large="")
            return
        await self._event(scope, receive, send)

    async def _event(self, scope, receive, send) -> None:
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > MAX_EVENT_BODY:
            await _answer(send, 413, TOO_LARGE)
            return
        body, messages = b"", []
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if len(body) > MAX_EVENT_BODY:
                await _answer(send, 413, TOO_LARGE)
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        refusal, payload, data = _read(body)
        if refusal is not None:
            await _answer(send, 400, refusal)
            return
        local = localize(data)
        if names_a_link(local):
            await _answer(send, 400, LINKS_REFUSED)
            return
        if self.roots is not None and names_another_file(local, self.roots()):
            await _answer(send, 400, NOT_AVAILABLE)
            return
        if local != data:
            body = json.dumps({**payload, "data": local}).encode()
            messages = [{"type": "http.request", "body": body, "more_body": False}]
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
            scope = {**scope, "headers": headers + [(b"content-length", str(len(body)).encode())]}

        async def replay():
            return messages.pop(0) if messages else await receive()

        session = payload.get("session_hash") if _SYNC_CALL.match(scope["path"]) else None
        with self.listeners.listening(session if isinstance(session, str) else None):  # answered in this request
            await self.app(scope, replay, send)

    async def _bounded(self, scope, receive, send, limit: int | None = None, too_large: str = "", app=None) -> None:
        """Pass a request on, but answer 413 when its Content-Length passes `limit` (default: `max_mcp_body`),
        or once its body does as it streams in (a chunked body declares none); the app then sees a
        disconnect, its answer is dropped. With a quota, what streams in is charged to the client, and
        refused once their share or the server's is used up."""
        if limit is None:
            limit, too_large = self.max_mcp_body, f"An MCP call may carry at most {self.max_mcp_body >> 20} MB."
        client = (scope.get("client") or (None,))[0]
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        size = int(declared) if declared.isdigit() else 0
        if size > limit:
            await _answer(send, 413, too_large)
            return
        refusal = self._over_quota(client, size)
        if refusal:
            await _answer(send, 413, refusal)
            return
        key, seen, answered = f"request-{uuid.uuid4().hex}", 0, False

        async def bounded_receive():
            nonlocal seen, answered
            message = await receive()
            more = len(message.get("body", b""))
            if not answered:
                said = too_large if seen + more > limit else self._over_quota(client, more)
                if said:
                    answered = True
                    await _answer(send, 413, said)
                else:
                    seen += more
                    if self.quota is not None:
                        self.quota.charge(client, key, seen)
            return {"type": "http.disconnect"} if answered else message

        async def guarded_send(message) -> None:
            if not answered:
                await send(message)

        await (app or self.app)(scope, bounded_receive, guarded_send)

    async def _tool_call(self, scope, receive, send) -> None:
        """An MCP request, read whole (it is bounded): a tool call whose arguments name a link or a server
        file is answered as a failed tool call with one sentence (the loopback call Gradio would make for it
        gets a 400 that the assistant would see as an HTTP error message)."""
        messages, body = [], b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        refusal, request_id = _tool_refusal(body, self.roots)
        if refusal is not None:
            answer = json.dumps({"jsonrpc": "2.0", "id": request_id,
                                 "result": {"content": [{"type": "text", "text": refusal}], "isError": True}}).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(answer)).encode())]})
            await send({"type": "http.response.body", "body": answer})
            return

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    def _over_quota(self, client: str | None, more: int) -> str | None:
        if self.quota is None:
            return None
        try:
            self.quota.check(client, more)
        except QuotaFull as exc:
            return str(exc)
        return None


async def _answer(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail, "error": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _tool_refusal(body: bytes, roots: Callable[[], Sequence[Path]] | None) -> tuple[str | None, Any]:
    """(refusal, JSON-RPC id) for an MCP body: a tools/call whose arguments are nested too deeply, name a
    link (an inline data: file is fine; a link to this app's file route is the upload it names), or
    name a file outside the upload folder and the examples."""
    try:
        payload = json.loads(body or b"null")
    except RecursionError:
        return TOO_DEEP, None
    except ValueError:
        return None, None
    if too_deep(payload, 2 * MAX_DEPTH):
        return TOO_DEEP, payload.get("id") if isinstance(payload, dict) else None
    if not isinstance(payload, dict) or payload.get("method") != "tools/call":
        return None, None
    arguments = (payload.get("params") or {}).get("arguments") if isinstance(payload.get("params"), dict) else None
    strings = list(_strings(localize(arguments)))
    if any(is_link(text) and not text.strip().lower().startswith("data:") for text in strings) or \
            names_a_link(list(_file_values(arguments))):
        return LINKS_REFUSED, payload.get("id")
    if roots is not None:
        paths = [text for text in strings if text.strip().startswith(("/", "~", ".."))]
        try:
            outside = any(not _within(path, roots()) for path in paths)
        except (OSError, ValueError, RuntimeError):
            outside = True
        if outside or names_another_file(localize(arguments), roots()):
            return NOT_AVAILABLE, payload.get("id")
    return None, None


def _strings(data: Any):
    """Every string in `data`, own file-route links read as the paths they name."""
    if isinstance(data, str):
        yield _own_file(data)
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _file_values(data: Any):
    if isinstance(data, dict):
        if "path" in data:
            yield data
        for value in data.values():
            yield from _file_values(value)
    elif isinstance(data, list):
        for value in data:
            yield from _file_values(value)


def _query(scope, name: str) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return values[0] if values else None


def _read(body: bytes) -> tuple[str | None, dict, Any]:
    """(refusal, payload, its "data") of an event body: JSON nested too deeply is refused; a body that
    is not JSON, or not an object, passes with no data (Gradio answers it itself, as it does a form)."""
    try:
        payload = json.loads(body or b"null")
    except RecursionError:
        return TOO_DEEP, {}, None
    except ValueError:
        return None, {}, None
    if too_deep(payload):
        return TOO_DEEP, {}, None
    if not isinstance(payload, dict):
        return None, {}, None
    return None, payload, payload.get("data")


