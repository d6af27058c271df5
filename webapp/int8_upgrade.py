"""int8 takes over in the background: fp32 serves at once, the int8 network is built and checked in a
low-priority child process (`colorization.model.quantize`), and swapped in only if it passes its self-check."""

from __future__ import annotations

import logging
import subprocess
import threading

from colorization.model import quantize
from colorization.video.estimate import Speeds

from .state import AppState

log = logging.getLogger("colorization.app")


def check_int8_in_background(state: AppState, time_limit: float = 900.0) -> threading.Thread | None:
    """Build and check the int8 network while fp32 serves; swap it in (and measure the new speeds) if it
    passes. Nothing happens when int8 was already decided or is not wanted."""
    colorizer = state.colorizer
    if (colorizer is None or colorizer.files is None or not colorizer.backend.supports_int8
            or quantize.resolve_precision(None) != "auto" or quantize.cached(colorizer.files)[1] is not None):
        return None

    def check() -> None:
        process = quantize.build_in_background(colorizer.files, time_limit)
        try:
            _, errors = process.communicate(timeout=time_limit + 120)
        except subprocess.TimeoutExpired:
            process.kill()
            log.warning("The int8 check did not finish in time; serving fp32")
            return
        if colorizer.use_int8_if_checked():
            state.speeds = Speeds.measure(colorizer)
            log.info("int8 passed its self-check: now serving int8 (network %.3f s a frame)", state.speeds.network)
        else:
            said = (errors or b"").decode(errors="replace").strip().splitlines()
            log.info("Serving fp32; the int8 check said: %s", said[-1] if said else "nothing")

    worker = threading.Thread(target=check, name="int8-check", daemon=True)
    worker.start()
    return worker
