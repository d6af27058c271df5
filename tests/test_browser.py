"""A person's path through the app, in real headless Chromium: upload, slider, controls, gallery, video."""

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from support.media import make_clip
from support.server import running_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def page(brightness_colorizer):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium is not installed (tests/run.sh installs it)"
    with running_app(brightness_colorizer) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(url)
        page.get_by_text("Colorize old photos and films").first.wait_for()
        yield page
        browser.close()


def after_image_src(page) -> str:
    images = page.locator("#result-slider img")
    images.nth(1).wait_for(state="attached")
    return images.nth(1).get_attribute("src") or ""


def test_upload_see_the_slider_and_move_a_control(page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#image-in input[type=file]").set_input_files(str(ROOT / "examples" / "images" / "chelsea.png"))
    page.wait_for_function("document.querySelectorAll('#result-slider img').length >= 2")
    first = after_image_src(page)
    assert first
    page.locator("#download").wait_for()
    shot = ARTIFACTS / "image-tab.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOT"):
        shutil.copy(shot, ROOT / "docs" / "screenshot.png")
    track = page.locator("#intensity input[type=range]")
    box = track.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.98, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "(old) => { const i = document.querySelectorAll('#result-slider img'); return i.length >= 2 && i[1].src && i[1].src !== old }",
        arg=first)
    assert after_image_src(page) != first


def test_gallery_example_is_shown_colorized(page):
    page.get_by_role("tab", name="Gallery").click()
    page.get_by_text("coffee", exact=True).first.click()
    page.wait_for_function("document.querySelectorAll('#gallery-colorized img').length >= 1")
    page.wait_for_function("document.querySelectorAll('#gallery-compare img').length >= 2")
    page.screenshot(path=str(ARTIFACTS / "gallery-tab.png"), full_page=True)


def test_a_short_video_runs_with_its_progress_bar(page, tmp_path):
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=40, size=(480, 360))
    page.get_by_role("tab", name="Video").click()
    page.locator("#video-in input[type=file]").set_input_files(str(clip))
    page.get_by_text("should take about").wait_for()
    page.wait_for_function("document.querySelectorAll('#video-preview img').length >= 2")
    page.get_by_role("button", name="Colorize the whole video").click()
    page.wait_for_function("document.body.innerText.includes('Frame passes')", polling=50)
    page.wait_for_function("() => { const v = document.querySelector('#video-out video'); return v && v.src; }",
                           timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "video-tab.png"), full_page=True)
    duration = page.evaluate("""() => new Promise(done => {
        const v = document.querySelector('#video-out video');
        if (v.readyState >= 1) return done(v.duration);
        v.addEventListener('loadedmetadata', () => done(v.duration));
    })""")
    assert duration == pytest.approx(80 / 25, abs=0.1)  # Chromium plays it, full length


def test_cancel_stops_the_video_job_and_deletes_its_output(page, brightness_colorizer, tmp_path):
    clip = make_clip(tmp_path / "long.mp4", frames_per_shot=300, size=(640, 360))
    page.get_by_role("tab", name="Video").click()
    page.locator("#video-in button[aria-label='Clear']").first.click()
    page.locator("#video-in input[type=file]").set_input_files(str(clip))
    page.get_by_text("600 frames").wait_for()
    work = lambda: set(Path(tempfile.gettempdir()).glob("colorize-work-*")) - existing  # noqa: E731
    existing = set(Path(tempfile.gettempdir()).glob("colorize-work-*"))
    start_calls = brightness_colorizer.network_calls
    page.get_by_role("button", name="Colorize the whole video").click()
    page.wait_for_function("document.body.innerText.includes('Frame passes')", polling=50)
    page.get_by_role("button", name="Cancel").click()
    deadline = time.monotonic() + 30
    while work() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not work(), "the job kept its working files"
    calls = brightness_colorizer.network_calls - start_calls
    time.sleep(1.0)
    assert brightness_colorizer.network_calls - start_calls == calls < 600 // 2 // 4  # stopped early, for good
    assert not list(Path(tempfile.gettempdir()).rglob(".partial-*.mp4"))
