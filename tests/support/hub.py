"""A local stand-in for the Hugging Face Hub: answers what `hf_hub_download` asks, on 127.0.0.1."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"
_ROUTE = re.compile(r"^/(?:(spaces|datasets|models)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


class FakeHub:
    """Serve files per (repo_type, repo_id, path); count GETs; optionally cut a transfer short."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str, str], bytes] = {}
        self.gets: Counter[str] = Counter()
        self.cut: dict[str, int] = {}  # path -> bytes to send before dropping the connection
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:
                self._answer(body=False)

            def do_GET(self) -> None:
                self._answer(body=True)

            def _answer(self, body: bool) -> None:
                match = _ROUTE.match(self.path.split("?")[0])
                if not match:
                    self.send_error(404)
                    return
                kind, repo, _, path = match.groups()
                repo_type = {"spaces": "space", "datasets": "dataset"}.get(kind or "", "model")
                data = hub.files.get((repo_type, repo, path))
                if data is None:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                start = 0
                ranged = re.match(r"bytes=(\d+)-", self.headers.get("Range", ""))
                if ranged:
                    start = int(ranged.group(1))
                self.send_response(206 if ranged else 200)
                self.send_header("Content-Length", str(len(data) - start))
                if ranged:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("ETag", '"' + hashlib.sha256(data).hexdigest() + '"')
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                if not body:
                    return
                hub.gets[path] += 1
                limit = hub.cut.pop(path, None)
                payload = data[start:] if limit is None else data[start : start + limit]
                self.wfile.write(payload)
                if limit is not None:
                    self.wfile.flush()
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add_folder(self, repo_type: str, repo_id: str, folder: Path, subfolder: str = "") -> None:
        for item in folder.iterdir():
            path = f"{subfolder}/{item.name}" if subfolder else item.name
            self.files[(repo_type, repo_id, path)] = item.read_bytes()

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
