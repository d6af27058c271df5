"""A visitor's path through the page in real headless Chromium, at desktop and phone sizes.

Every control answers (mouse, keyboard, typed numbers), every wait is told, Cancel and Download
are honest, hints can be painted, the phone shows the result above the fold, and axe-core finds
nothing critical or serious on any tab. Screenshots of each tab at both sizes are written to
test-artifacts/ (and to docs/ with UPDATE_SCREENSHOTS=1).
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from support.media import make_clip
from support.server import running_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
CAT = ROOT / "examples" / "images" / "chelsea.png"


@pytest.fixture(scope="module")
def site(brightness_colorizer):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium is not installed (tests/run.sh installs it)"
    ARTIFACTS.mkdir(exist_ok=True)
    with running_app(brightness_colorizer) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser, url
        browser.close()


def open_page(site, viewport=DESKTOP):
    browser, url = site
    page = browser.new_page(viewport=viewport, accept_downloads=True)
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_text("Colorize old photos and films").first.wait_for()
    return page


def upload_photo(page, path: Path = CAT) -> str:
    page.locator("#image-in input[type=file]").set_input_files(str(path))
    page.wait_for_function("document.querySelectorAll('#result-slider img').length >= 2")
    return after_src(page)


def after_src(page) -> str:
    return page.locator("#result-slider img").nth(1).get_attribute("src") or ""


def wait_for_new_result(page, old: str) -> str:
    page.wait_for_function("(old) => { const i = document.querySelectorAll('#result-slider img');"
                           " return i.length >= 2 && i[1].src && i[1].src !== old }", arg=old)
    return after_src(page)


def shoot(page, name: str) -> None:
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(shot, ROOT / "docs" / shot.name)


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {n['html'][:120]}" for v in found if v["impact"] in ("critical", "serious")
            for n in v["nodes"]]


def test_every_way_of_moving_a_control_re_renders(site, brightness_colorizer):
    page = open_page(site)
    download = page.locator("#download")
    assert download.is_disabled()  # nothing to download yet
    calls = brightness_colorizer.network_calls
    first = upload_photo(page)
    assert download.is_enabled()
    slider = page.locator("#image-intensity input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")
    second = wait_for_new_result(page, first)  # the keyboard
    number = page.locator("#image-intensity input[type=number]")
    number.fill("0.3")
    number.press("Enter")
    third = wait_for_new_result(page, second)  # a typed number
    box = page.locator("#image-saturation input[type=range]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    wait_for_new_result(page, third)  # the mouse
    assert brightness_colorizer.network_calls == calls + 1  # the sliders never ran the network again
    shoot(page, "image-desktop")
    page.close()


def test_a_replaced_photo_runs_once_and_a_bad_file_leaves_no_broken_thumbnail(site, brightness_colorizer, tmp_path):
    page = open_page(site)
    first = upload_photo(page)
    calls = brightness_colorizer.network_calls
    page.locator("#image-in input[type=file]").set_input_files(str(ROOT / "examples" / "images" / "coins.png"))
    wait_for_new_result(page, first)
    time.sleep(1.0)
    assert brightness_colorizer.network_calls == calls + 1  # one run per upload
    bad = tmp_path / "broken.jpg"
    bad.write_text("not a photo at all")
    page.locator("#image-in input[type=file]").set_input_files(str(bad))
    page.get_by_text("not an image we can read").first.wait_for()
    time.sleep(1.0)
    assert page.get_by_text("not an image we can read").count() == 1  # said once
    assert page.locator("#image-in img").count() == 0  # no broken thumbnail
    assert not page.locator("#result-slider").is_visible() and page.locator("#download").is_disabled()
    upload_photo(page)  # and the page still works
    page.close()


def test_a_painted_hint_changes_the_result_and_the_download(site, brightness_colorizer, tmp_path):
    page = open_page(site)
    before = upload_photo(page)
    with page.expect_download() as plain:
        page.locator("#download").click()
    plain_png = np.asarray(Image.open(plain.value.path())).astype(int)
    page.get_by_text("A color is wrong? Paint hints").click()
    calls = brightness_colorizer.network_calls
    canvas = page.locator("#hint-editor canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
    page.mouse.move(x - 30, y)
    page.mouse.down()
    for step in range(12):
        page.mouse.move(x - 30 + step * 5, y + step)
    page.mouse.up()
    wait_for_new_result(page, before)
    time.sleep(1.5)  # the download follows the preview
    with page.expect_download() as hinted:
        page.locator("#download").click()
    hinted_png = np.asarray(Image.open(hinted.value.path())).astype(int)
    assert brightness_colorizer.network_calls == calls  # strokes never run the network
    assert hinted_png.shape == plain_png.shape
    blueness = lambda png: (png[..., 2] - png[..., 0]).mean()  # noqa: E731  (the default brush color is blue)
    assert blueness(hinted_png) > blueness(plain_png) + 5
    shoot(page, "hints-desktop")
    painted = after_src(page)
    page.locator("#hint-editor button[aria-label='Undo']").first.click()  # the editor's own undo, stroke by stroke
    wait_for_new_result(page, painted)
    time.sleep(1.5)
    with page.expect_download() as undone:
        page.locator("#download").click()
    assert abs(blueness(np.asarray(Image.open(undone.value.path())).astype(int)) - blueness(plain_png)) < 1
    page.close()


def test_the_video_tab_tells_its_waits_and_cancel_is_honest(site, brightness_colorizer, tmp_path):
    page = open_page(site)
    page.get_by_role("tab", name="Video").click()
    go, trial = page.get_by_role("button", name="Colorize the whole video"), page.get_by_role("button", name="Try the first")
    cancel = page.get_by_role("button", name="Cancel")
    assert go.is_disabled() and trial.is_disabled() and cancel.is_disabled()
    clip = make_clip(tmp_path / "long.mp4", frames_per_shot=300, size=(640, 360))
    page.locator("#video-in input[type=file]").set_input_files(str(clip))
    page.get_by_text("The whole film should take about").wait_for()
    page.get_by_text("600 frames").wait_for()
    page.wait_for_function("document.querySelectorAll('#video-preview img').length >= 2")
    preview = page.locator("#video-preview img").nth(1).get_attribute("src")
    calls = brightness_colorizer.network_calls
    page.locator("#video-intensity input[type=range]").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("(old) => document.querySelectorAll('#video-preview img')[1].src !== old", arg=preview)
    assert brightness_colorizer.network_calls == calls  # the preview follows the sliders from its cache
    shoot(page, "video-desktop")
    existing = set(Path(tempfile.gettempdir()).glob("colorize-work-*"))
    go.click()
    page.wait_for_function("document.body.innerText.includes('Colorizing frame')", polling=50)
    assert cancel.is_enabled() and go.is_disabled()
    cancel.click()
    page.get_by_text("Cancelled: the job was stopped").wait_for()
    deadline = time.monotonic() + 30
    while set(Path(tempfile.gettempdir()).glob("colorize-work-*")) - existing and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not set(Path(tempfile.gettempdir()).glob("colorize-work-*")) - existing, "the job kept its files"
    calls = brightness_colorizer.network_calls
    time.sleep(1.0)
    assert brightness_colorizer.network_calls == calls  # stopped for good
    assert not page.locator("#video-out video").is_visible()  # no stale result that looks finished
    page.wait_for_function("() => !document.querySelector('#video-status').innerText.includes('Colorizing')")
    assert cancel.is_disabled() and go.is_enabled()
    page.close()


def test_a_quick_try_and_a_whole_film_play_with_their_progress_told(site, tmp_path):
    page = open_page(site)
    page.get_by_role("tab", name="Video").click()
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=50, size=(480, 360))  # 4 s at 25 fps
    page.locator("#video-in input[type=file]").set_input_files(str(clip))
    page.get_by_text("The whole film should take about").wait_for()
    page.get_by_role("button", name="Try the first").click()
    page.get_by_text("The first 3 seconds, as a test").wait_for(timeout=120_000)
    assert abs(video_duration(page) - 3.0) < 0.1
    page.get_by_role("button", name="Colorize the whole video").click()
    page.wait_for_function("document.body.innerText.match(/Colorizing frame \\d+ of 100/)", polling=50)
    page.get_by_text("Done.").wait_for(timeout=120_000)
    assert abs(video_duration(page) - 4.0) < 0.1  # Chromium plays it, full length
    page.close()


def video_duration(page) -> float:
    return page.evaluate("""() => new Promise(done => {
        const v = document.querySelector('#video-out video');
        if (v.readyState >= 1) return done(v.duration);
        v.addEventListener('loadedmetadata', () => done(v.duration));
    })""")


def test_the_gallery_shows_examples_and_its_film(site):
    page = open_page(site)
    for cached in Path(os.environ["GRADIO_EXAMPLES_CACHE"]).glob("*-colorized.mp4"):
        cached.unlink()  # colorized once per model: made afresh here, so its progress can be seen
    page.get_by_role("tab", name="Gallery").click()
    page.wait_for_function("document.body.innerText.includes('Colorizing the example film')", polling=50)
    page.wait_for_function("document.querySelectorAll('#gallery-compare img').length >= 2")  # at once
    page.get_by_role("button", name="coffee").click()
    page.wait_for_function("document.querySelector('#gallery-compare').innerText.includes('Real colors')")
    page.wait_for_function("() => { const v = document.querySelector('#gallery-film-out video'); return v && v.src }",
                           timeout=120_000)
    shoot(page, "gallery-desktop")
    page.close()


def test_the_phone_shows_the_result_above_the_fold(site):
    page = open_page(site, PHONE)
    upload_photo(page)
    result = page.locator("#result-slider").bounding_box()
    assert result["y"] + 150 < PHONE["height"], result  # its top part is in view without scrolling
    shoot(page, "image-phone")
    for tab in ("Video", "Gallery"):
        page.get_by_role("tab", name=tab).click()
        time.sleep(1.0)
        shoot(page, f"{tab.lower()}-phone")
    page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_critical_or_serious_accessibility_findings_on_any_tab(site, viewport):
    page = open_page(site, viewport)
    found = {"image, empty": serious_violations(page)}
    upload_photo(page)
    page.get_by_text("A color is wrong? Paint hints").click()
    time.sleep(0.5)
    found["image, with a photo"] = serious_violations(page)
    for tab in ("Video", "Gallery"):
        page.get_by_role("tab", name=tab).click()
        time.sleep(1.0)
        found[tab.lower()] = serious_violations(page)
    assert not any(found.values()), found
    page.close()


def test_hints_painted_on_a_frame_of_a_film_reach_the_test_run(site, brightness_colorizer, tmp_path):
    import httpx

    from support.media import decode

    page = open_page(site)
    page.get_by_role("tab", name="Video").click()
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=20, size=(320, 240))
    page.locator("#video-in input[type=file]").set_input_files(str(clip))
    page.get_by_text("The whole film should take about").wait_for()
    page.get_by_text("A color is wrong? Paint hints on a frame").click()
    moment = page.locator("#film-moment input[type=range]")
    moment.scroll_into_view_if_needed()
    box = moment.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)  # a moment in the first shot
    page.wait_for_function("document.querySelector('#film-hint-editor canvas') !== null")
    time.sleep(2.0)  # the frame arrives in the editor
    preview = page.locator("#video-preview img").nth(1).get_attribute("src")
    calls = brightness_colorizer.network_calls
    canvas = page.locator("#film-hint-editor canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
    page.mouse.move(x - 60, y - 20)
    page.mouse.down()
    for step in range(20):
        page.mouse.move(x - 60 + step * 6, y - 20 + step * 2)
    page.mouse.up()
    page.get_by_text("Hinted frames:").wait_for()
    page.wait_for_function("(old) => document.querySelectorAll('#video-preview img')[1].src !== old", arg=preview)
    assert brightness_colorizer.network_calls == calls  # a stroke never runs the network
    shoot(page, "video-hints-desktop")
    page.get_by_role("button", name="Try the first").click()
    page.get_by_text("The first 3 seconds, as a test").wait_for(timeout=180_000)
    source = page.evaluate("document.querySelector('#video-out video').src")
    (tmp_path / "hinted.mp4").write_bytes(httpx.get(source, timeout=60).content)
    hinted = decode(tmp_path / "hinted.mp4")
    page.locator("#film-hinted-choice input").click()
    page.get_by_role("option").first.click()
    page.get_by_role("button", name="Remove this frame's hints").click()
    page.get_by_text("No frame has hints yet.").wait_for()
    page.get_by_role("button", name="Try the first").click()
    page.wait_for_function("() => !document.querySelector('#video-status').innerText.includes('as a test')")
    page.get_by_text("The first 3 seconds, as a test").wait_for(timeout=180_000)
    source = page.evaluate("document.querySelector('#video-out video').src")
    (tmp_path / "plain.mp4").write_bytes(httpx.get(source, timeout=60).content)
    plain = decode(tmp_path / "plain.mp4")
    blueness = lambda frame: (frame[..., 2].astype(int) - frame[..., 0].astype(int)).mean()  # noqa: E731
    assert len(hinted) == len(plain) == 40  # two shots of 20 frames, shorter than the test run
    assert all(blueness(h) > blueness(p) + 2 for h, p in zip(hinted[:20], plain[:20]))  # the whole shot
    assert all(abs(blueness(h) - blueness(p)) < 1.5 for h, p in zip(hinted[20:], plain[20:]))  # not the next
    page.close()
