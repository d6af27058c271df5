"""What the browser tests share: one served app and Chromium per session, and a visitor's moves.

Helpers act as a visitor does (click, drag, type, press keys) and read outcomes as a visitor sees
them: the pixels of the shown result, the downloaded file, whether a button can be pressed.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
PHOTOS = ROOT / "examples" / "images"
CAT = PHOTOS / "chelsea.png"
EXAMPLE_NAMES = sorted(p.stem for p in PHOTOS.glob("*.png"))
PHOTO_PAINTER, FILM_PAINTER = "#hint-painter", "#film-hint-painter"
PANELS = {PHOTO_PAINTER: "A color is wrong? Paint hints", FILM_PAINTER: "A color is wrong? Paint hints on a frame"}


def launch(colorizer):
    """(browser, url) context: the app served around `colorizer`, and headless Chromium."""
    from contextlib import contextmanager

    from playwright.sync_api import sync_playwright

    from support.server import running_app

    @contextmanager
    def served():
        assert Path(CHROMIUM).exists(), "chromium is not installed (tests/run.sh installs it)"
        ARTIFACTS.mkdir(exist_ok=True)
        with running_app(colorizer, mcp=True) as (url, _), sync_playwright() as playwright:  # as `python app.py`
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            try:
                yield browser, url
            finally:
                browser.close()

    return served()


def open_page(site, viewport=DESKTOP, touch: bool = False):
    browser, url = site
    context = browser.new_context(viewport=viewport, accept_downloads=True, has_touch=touch, is_mobile=touch)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_text("Colorize old photos and films").first.wait_for()
    return page


def close(page) -> None:
    page.context.close()


# ---- the image tab ------------------------------------------------------------------------------

def upload_photo(page, path: Path = CAT) -> str:
    """Upload through the file input; returns the shown result's address once it is there."""
    old = after_src(page) if page.locator("#result-slider img").count() >= 2 else ""
    page.locator("#image-in input[type=file]").set_input_files(str(path))
    return wait_for_new_result(page, old)


def after_src(page, slider: str = "#result-slider") -> str:
    return page.locator(f"{slider} img").nth(1).get_attribute("src") or ""


def wait_for_new_result(page, old: str, slider: str = "#result-slider") -> str:
    page.wait_for_function("([old, slider]) => { const i = document.querySelectorAll(slider + ' img');"
                           " return i.length >= 2 && i[1].src && i[1].src !== old }", arg=[old, slider])
    return after_src(page, slider)


def wait_for_download(page) -> None:
    """Until the download button can be pressed (it is disabled while its PNG is made)."""
    page.wait_for_function("() => { const b = document.querySelector('#download'); return b && !b.disabled }")


def download(page) -> np.ndarray:
    """Press Download as soon as it can be pressed; the PNG's pixels."""
    wait_for_download(page)
    with page.expect_download() as got:
        page.locator("#download").click()
    return np.asarray(Image.open(got.value.path()).convert("RGB")).astype(int)


def shown_result(page, slider: str = "#result-slider") -> np.ndarray:
    """The pixels of the result image the page shows (the slider's right-hand image)."""
    return fetch_image(page, after_src(page, slider))


def click_second_while_first_loads(page, examples: str, first: str, second: str) -> None:
    """Click the example `first`, then `second` 0.1 s later, while the first one is still loading: its request
    leaves 0.4 s late, as on a slow line (Gradio drops a click that comes while its event runs)."""
    page.evaluate("""([examples, first, second]) => {
        const click = name => [...document.querySelectorAll(examples + ' button')]
            .find(b => b.innerText.trim() === name).click();
        const fetch = window.fetch;
        let delayed = false;
        window.fetch = (...call) => {
            if (delayed || !String(call[0]?.url ?? call[0]).includes('/run/')) return fetch(...call);
            delayed = true;
            return new Promise(wait => setTimeout(wait, 400)).then(() => fetch(...call));
        };
        click(first);
        setTimeout(() => click(second), 100);
        setTimeout(() => { window.fetch = fetch; }, 1000);
    }""", [examples, first, second])


def shown_before(page, slider: str = "#result-slider") -> np.ndarray:
    return fetch_image(page, page.locator(f"{slider} img").nth(0).get_attribute("src"))


def fetch_image(page, src: str) -> np.ndarray:
    answer = page.request.get(src)
    assert answer.ok, (src, answer.status)
    return np.asarray(Image.open(io.BytesIO(answer.body())).convert("RGB")).astype(int)


def painter_picture(page, painter: str = PHOTO_PAINTER) -> np.ndarray:
    """The pixels the hint painter shows (the result it paints on)."""
    src = page.locator(f"{painter} img.hp-photo").get_attribute("src") or ""
    assert src.startswith("data:image/"), src[:40]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB")).astype(int)


def close_to(a: np.ndarray, b: np.ndarray, tolerance: float = 4.0) -> bool:
    """Same picture up to the shown images' JPEG coding: the mean absolute difference (0..255 levels) of their
    8x8 block means, where JPEG's block and chroma-subsampling noise averages out (about 1 level on a hinted
    photo against 4.3 pixel by pixel) and a stale picture does not (60 levels); b is brought to a's size first."""
    if a.shape != b.shape:
        b = np.asarray(Image.fromarray(b.astype(np.uint8)).resize((a.shape[1], a.shape[0]), Image.BILINEAR)).astype(int)
    height, width = a.shape[0] // 8 * 8, a.shape[1] // 8 * 8

    def blocks(x: np.ndarray) -> np.ndarray:
        return x[:height, :width].astype(np.float32).reshape(height // 8, 8, width // 8, 8, -1).mean(axis=(1, 3))

    return float(np.abs(blocks(a) - blocks(b)).mean()) < tolerance


def move_color_control(page, prefix: str, control: str, move: str) -> None:
    """Move a color slider (`#<prefix>-<control>`) as a visitor does: "key" (ArrowLeft), "typed" (a value + Enter),
    "mouse" (a click near its right end) or "reset" (its ↺ button: back to the default)."""
    slider = page.locator(f"#{prefix}-{control} input[type=range]")
    if move == "reset":
        page.locator(f"#{prefix}-{control} [data-testid=reset-button]").click()
    elif move == "key":
        slider.focus()
        page.keyboard.press("ArrowLeft")
    elif move == "typed":
        number = page.locator(f"#{prefix}-{control} input[type=number]")
        number.fill("0.5" if control != "hue" else "-90")
        number.press("Enter")
    else:
        box = slider.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.85, box["y"] + box["height"] / 2)


def blueness(pixels: np.ndarray) -> float:
    return float((pixels[..., 2] - pixels[..., 0]).mean())


def open_painter(page, painter: str = PHOTO_PAINTER):
    """The painter's canvas (`painter` is its CSS selector), its panel opened, once it shows a picture."""
    panel = page.locator(painter)
    if not panel.is_visible():
        page.get_by_text(PANELS[painter]).click()
    canvas = page.locator(f"{painter} canvas")
    canvas.scroll_into_view_if_needed()
    page.wait_for_function("(p) => { const i = document.querySelector(p + ' img.hp-photo');"
                           " return i && !i.hidden && i.clientWidth > 0 }", arg=painter)
    return canvas


def painter_busy(page, painter: str = PHOTO_PAINTER) -> str:
    return page.locator(f"{painter} .hp-busy").inner_text()


def paint(page, at: tuple[float, float] = (0.5, 0.5), length: float = 0.15, painter: str = PHOTO_PAINTER) -> None:
    """Paint one stroke with the mouse, from `at` (fractions of the picture) to the right; returns at mouse-up."""
    canvas = open_painter(page, painter)
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * at[0], box["y"] + box["height"] * at[1]
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + box["width"] * length * step / 10, y + step)
    page.mouse.up()


def stroke(page, at: tuple[float, float] = (0.5, 0.5), length: float = 0.15, painter: str = PHOTO_PAINTER,
           slider: str = "#result-slider") -> None:
    """Paint one stroke (`paint`) and wait until the painter and the slider follow it (and, on the image tab,
    the download)."""
    open_painter(page, painter)
    old = after_src(page, slider)
    paint(page, at, length, painter)
    settle(page, old, painter, slider)


def settle(page, old_result: str, painter: str = PHOTO_PAINTER, slider: str = "#result-slider") -> None:
    """After a change: the painter is no longer updating, the slider shows a new result, the download (of a
    photo) is ready."""
    page.wait_for_function("(p) => document.querySelector(p + ' .hp-busy').innerText === ''", arg=painter)
    wait_for_new_result(page, old_result, slider)
    if painter == PHOTO_PAINTER:
        wait_for_download(page)


def painter_button(page, name: str, painter: str = PHOTO_PAINTER):
    return page.locator(painter).get_by_role("button", name=name, exact=True)


def stacked(page, first: str, second: str) -> bool:
    """Whether `second` is below `first` and each takes most of the page's width (on a phone: not side by side)."""
    one, two = page.locator(first).bounding_box(), page.locator(second).bounding_box()
    width = page.viewport_size["width"]
    return two["y"] >= one["y"] + one["height"] - 1 and min(one["width"], two["width"]) > 0.8 * width


def overflowing(page, selector: str) -> list[str]:
    """The elements within `selector` that reach past the right edge of the window, but for those in a box that
    scrolls sideways (code)."""
    return page.evaluate("""(selector) => {
        const scrolls = (e) => { for (let p = e.parentElement; p; p = p.parentElement)
            if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true; return false; };
        return [...document.querySelectorAll(selector + ' *')]
            .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > innerWidth + 1
                         && !scrolls(e))
            .map(e => `${e.tagName}.${e.className}: ${(e.innerText || '').slice(0, 30)}`); }""", selector)


def errors_shown(page) -> int:
    """Gradio's red Error badges and error toasts on the page."""
    return page.evaluate("""() => [...document.querySelectorAll('.error, [data-testid="toast-body"]')]
        .filter(e => e.offsetParent !== null && /error/i.test(e.innerText)).length""")


# ---- reports --------------------------------------------------------------------------------------

def shoot(page, name: str) -> None:
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(shot, ROOT / "docs" / shot.name)


_CALM = """() => {
    const busy = document.querySelector('.pending') || document.getAnimations().some(
        a => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity);  // a pulsing dot never ends
    if (busy) { window.__calmSince = null; return false; }
    window.__calmSince ??= performance.now();
    return performance.now() - window.__calmSince > 300;
}"""


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # colors are judged once the page is calm for 300 ms: a panel still fading in has half its contrast (seen on a
    # busy machine), Gradio shows a component at 0.2 opacity while an event that updates it runs (`.pending`), and
    # it fades back in after (a CI run measured a label during that fade)
    page.evaluate("window.__calmSince = null")
    page.wait_for_function(_CALM, timeout=60_000)
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {n['html'][:120]} {n.get('failureSummary', '')[-160:]}" for v in found
            if v["impact"] in ("critical", "serious") for n in v["nodes"]]
