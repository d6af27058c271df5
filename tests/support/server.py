"""Start the real app in-process on a free loopback port, launched as `python app.py` launches it."""

from __future__ import annotations

import socket
from contextlib import contextmanager

from colorization import Colorizer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(handlers, mcp: bool = False):
    """Serve a ColorizeApp; yields (url, demo)."""
    import app

    demo = app.build_app(handlers)
    port = free_port()
    app.launch(demo, handlers.limits, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
               quiet=True, mcp_server=mcp)
    try:
        yield f"http://127.0.0.1:{port}/", demo
    finally:
        demo.close()


@contextmanager
def running_app(colorizer: Colorizer | None, error: str | None = None, mcp: bool = False, **limits):
    """Serve the app around `colorizer` with the given AppLimits fields; yields (url, demo)."""
    from webapp.handlers import ColorizeApp
    from webapp.limits import AppLimits

    with serving(ColorizeApp(colorizer, error, AppLimits(**limits)), mcp) as served:
        yield served
