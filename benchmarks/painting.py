"""Painting on the page, timed as a visitor feels it: from mouse-up to the painter's new picture.

The app is served in this process around the benchmark's colorizer and driven in headless Chromium
(Debian's, as the browser tests drive it): a 12-MP photo is uploaded, then strokes are painted one
after another. Each stroke is timed from mouse-up to the painter's new picture, to the before/after
slider's, and to the download being ready; the baseline is the least the server must do for the
painter (`Prediction.render` at the painter's size with a new stroke) in the same process.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

import numpy as np

from colorization.images import save_image
from colorization.pipeline import Colorizer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
STROKES = 6
PICTURE = "document.querySelector('#hint-painter img.hp-photo')"
NEW_PICTURE = ("() => document.querySelector('#hint-painter .hp-busy').innerText === '' && "
               f"{PICTURE}.src !== window.paintedOver")
NEW_RESULT = ("(old) => { const i = document.querySelectorAll('#result-slider img');"
              " return i.length >= 2 && i[1].src && i[1].src !== old }")
DOWNLOAD_READY = "() => { const b = document.querySelector('#download'); return b && !b.disabled }"


def _serve(colorizer: Colorizer):
    """(url, close) of the app around `colorizer`, on a free port of 127.0.0.1."""
    import socket

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    import app
    from webapp.limits import AppLimits
    from webapp.state import AppState

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    state = AppState(colorizer, None, AppLimits())
    demo = app.build_app(state)
    app.launch(demo, state.limits, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
               quiet=True, mcp_server=False)
    return f"http://127.0.0.1:{port}/", demo.close


def report(colorizer: Colorizer, gray: np.ndarray, work: Path) -> list[str]:
    """Rows for the benchmark: seconds from mouse-up, per stroke, on the photo `gray` (HxWx3 uint8)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return ["(painting: skipped, playwright is not installed: pip install -r requirements-test.txt)", ""]
    if not Path(CHROMIUM).exists():
        return ["(painting: skipped, Chromium is not installed: apt-get install chromium)", ""]
    height, width = gray.shape[:2]
    photo = work / "painting.png"
    save_image(gray, photo)
    baseline = _baseline(colorizer, gray)
    url, stop = _serve(colorizer)
    times: dict[str, list[float]] = {"painter": [], "slider": [], "download": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
            page.set_default_timeout(180_000)
            page.goto(url)
            page.locator("#image-in input[type=file]").set_input_files(str(photo))
            page.wait_for_function(NEW_RESULT, arg="")
            page.wait_for_function(DOWNLOAD_READY)
            page.get_by_text("A color is wrong? Paint hints").click()
            canvas = page.locator("#hint-painter canvas")
            canvas.scroll_into_view_if_needed()
            page.wait_for_function("() => { const i = document.querySelector('#hint-painter img.hp-photo');"
                                   " return i && !i.hidden && i.clientWidth > 0 }")
            box = canvas.bounding_box()
            for index in range(STROKES):
                old = page.locator("#result-slider img").nth(1).get_attribute("src") or ""
                x = box["x"] + box["width"] * (0.15 + 0.12 * index)
                y = box["y"] + box["height"] * (0.3 + 0.08 * (index % 3))
                page.evaluate(f"() => {{ window.paintedOver = {PICTURE}.src }}")
                page.mouse.move(x, y)
                page.mouse.down()
                for step in range(1, 9):
                    page.mouse.move(x + box["width"] * 0.01 * step, y + 2 * step)
                page.mouse.up()
                started = time.perf_counter()
                page.wait_for_function(NEW_PICTURE, polling=10)
                times["painter"].append(time.perf_counter() - started)
                page.wait_for_function(NEW_RESULT, arg=old, polling=10)
                times["slider"].append(time.perf_counter() - started)
                page.wait_for_function(DOWNLOAD_READY, polling=10)
                times["download"].append(time.perf_counter() - started)
            browser.close()
    finally:
        stop()
    painter = statistics.median(times["painter"])
    rows = [f"### Painting on the page: a {width * height / 1e6:.0f}-MP photo ({width}x{height}), {STROKES} strokes "
            "one after another, headless Chromium on this machine (seconds from mouse-up)",
            "| what shows the stroke | median | slowest | against the server's least work | goal |",
            "| --- | ---: | ---: | ---: | --- |"]
    for what, label, goal in (("painter", "the painter's picture", "<= 1 s"), ("slider", "the before/after slider", ""),
                              ("download", "the download (full-size PNG)", "")):
        rows.append(f"| {label} | {statistics.median(times[what]):.2f} | {max(times[what]):.2f} | "
                    f"{statistics.median(times[what]) / baseline:.1f}x | {goal} |")
    rows.append(f"| least work: `Prediction.render` at the painter's size with a new stroke, in-process | "
                f"{baseline:.2f} | | 1.0x | |")
    return rows + [f"The painter's picture shows a stroke {painter:.2f} s after mouse-up (median).", ""]


def _baseline(colorizer: Colorizer, gray: np.ndarray) -> float:
    """Median seconds of the painter's render with a new stroke each time (the solve is never cached)."""
    from webapp import painter

    prediction = colorizer.predict(gray)
    prediction.prepare_hints()
    seconds = []
    for index in range(STROKES):
        x, y = 0.15 + 0.12 * index, 0.3 + 0.08 * (index % 3)
        strokes = [{"points": [[x, y], [x + 0.08, y + 0.02]], "color": "#2b5fd9", "size": 0.02}]
        started = time.perf_counter()
        prediction.render(size=painter.SIDE, hints=strokes)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)
