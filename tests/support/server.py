"""Start the real app in-process on a free loopback port."""

from __future__ import annotations

import socket
from contextlib import contextmanager

from colorization import Colorizer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(colorizer: Colorizer | None, error: str | None = None, **limits):
    import app

    demo = app.build_app(colorizer, error, app.AppLimits(**limits))
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                max_file_size=demo_limits(limits).max_file_size)
    try:
        yield f"http://127.0.0.1:{port}/", demo
    finally:
        demo.close()


def demo_limits(limits: dict):
    import app

    return app.AppLimits(**limits)
