"""The Video tab in real headless Chromium: waits are told, Cancel is honest, a cleared or bad film
leaves nothing stale, and keys and typed numbers move every control as the mouse does."""

import tempfile
import time
from pathlib import Path

import pytest
from support.browser import (
    FILM_PAINTER,
    blueness,
    close,
    errors_shown,
    move_color_control,
    open_page,
    open_painter,
    painter_button,
    painter_picture,
    shoot,
    stroke,
)
from support.media import make_clip

from colorization.video.ffmpeg import NOT_A_CONTAINER

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def video_tab(page):
    page.get_by_role("tab", name="Video").click()
    return (page.get_by_role("button", name="Colorize the whole video"),
            page.get_by_role("button", name="Try the first"),
            page.get_by_role("button", name="Cancel"))


def upload_film(page, clip: Path) -> str:
    page.locator("#video-in input[type=file]").set_input_files(str(clip))
    page.get_by_text("The whole film should take").wait_for()
    page.wait_for_function("document.querySelectorAll('#video-preview img').length >= 2")
    return preview_src(page)


def preview_src(page) -> str:
    return page.locator("#video-preview img").nth(1).get_attribute("src") or ""


def video_duration(page) -> float:
    return page.evaluate("""() => new Promise(done => {
        const v = document.querySelector('#video-out video');
        if (v.readyState >= 1) return done(v.duration);
        v.addEventListener('loadedmetadata', () => done(v.duration));
    })""")


def test_the_video_tab_tells_its_waits_and_cancel_is_honest(site, brightness_colorizer, tmp_path):
    page = open_page(site)
    go, trial, cancel = video_tab(page)
    assert go.is_disabled() and trial.is_disabled() and cancel.is_disabled()
    upload_film(page, make_clip(tmp_path / "long.mp4", frames_per_shot=300, size=(640, 360)))
    page.get_by_text("600 frames").wait_for()
    shoot(page, "video-desktop")
    existing = set(Path(tempfile.gettempdir()).glob("colorize-work-*"))
    go.click()
    page.wait_for_function("document.body.innerText.includes('Colorizing frame')", polling=50)
    assert cancel.is_enabled() and go.is_disabled()
    assert page.evaluate("document.activeElement.id") == "video-cancel"  # the focus follows, never to <body>
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
    page.wait_for_function("() => document.activeElement.id === 'video-go'")
    assert cancel.is_disabled() and go.is_enabled() and errors_shown(page) == 0
    close(page)


def test_a_quick_try_and_a_whole_film_play_with_their_progress_told(site, tmp_path):
    page = open_page(site)
    go, trial, _ = video_tab(page)
    upload_film(page, make_clip(tmp_path / "film.mp4", frames_per_shot=50, size=(480, 360)))  # 4 s at 25 fps
    trial.click()
    page.get_by_text("The first 3 seconds, as a test").wait_for(timeout=120_000)
    assert abs(video_duration(page) - 3.0) < 0.1
    go.click()
    page.wait_for_function("document.body.innerText.match(/Colorizing frame \\d+ of 100/)", polling=50)
    page.get_by_text("Done.").wait_for(timeout=120_000)
    assert abs(video_duration(page) - 4.0) < 0.1  # Chromium plays it, full length
    close(page)


def test_a_cleared_or_replaced_film_leaves_nothing_stale_and_a_bad_one_one_click_away(site, tmp_path):
    page = open_page(site)
    go, trial, _ = video_tab(page)
    upload_film(page, make_clip(tmp_path / "first.mp4", frames_per_shot=20, size=(320, 240)))
    trial.click()
    page.get_by_text("as a test").wait_for(timeout=120_000)
    page.wait_for_function("() => document.activeElement.id === 'video-go'")
    page.locator("#video-in button[aria-label='Clear']").first.click()
    page.wait_for_function("() => document.querySelector('#video-estimate').innerText.trim() === ''")
    assert page.locator("#video-status").inner_text().strip() == ""
    assert not page.locator("#video-out").is_visible() and not page.locator("#video-preview").is_visible()
    assert go.is_disabled() and trial.is_disabled()  # no film, nothing to run
    bad = tmp_path / "notes.mp4"
    bad.write_text("a text file named like a film")
    page.locator("#video-in input[type=file]").set_input_files(str(bad))
    page.get_by_text(NOT_A_CONTAINER).first.wait_for()
    assert page.get_by_text("Invalid data").count() == 0  # not ffmpeg's words
    page.wait_for_function("() => document.querySelector('#video-in video') === null")  # the input is empty again
    assert go.is_disabled()  # (Chromium's own "Video not playable" toast may still be fading: Gradio shows it)
    upload_film(page, make_clip(tmp_path / "second.mp4", frames_per_shot=20, size=(320, 240)))  # no extra click
    assert go.is_enabled() and not page.locator("#video-out").is_visible()
    close(page)


def test_the_preview_follows_keys_typed_numbers_and_the_mouse(site, brightness_colorizer, tmp_path):
    page = open_page(site)
    video_tab(page)
    old = upload_film(page, make_clip(tmp_path / "clip.mp4", frames_per_shot=10, size=(320, 240)))
    calls = brightness_colorizer.network_calls
    for control in ("intensity", "saturation", "hue"):
        number = page.locator(f"#video-{control} input[type=number]")
        for move in ("key", "typed", "mouse", "out of range"):
            if move != "out of range":
                move_color_control(page, "video", control, move)
            else:
                number.fill("999")
                number.press("Enter")
                top = "180" if control == "hue" else "2"
                page.wait_for_function("([box, top]) => document.querySelector(box).value === top",
                                       arg=[f"#video-{control} input[type=number]", top])
            page.wait_for_function("(old) => document.querySelectorAll('#video-preview img')[1].src !== old", arg=old)
            old = preview_src(page)
    assert brightness_colorizer.network_calls == calls and errors_shown(page) == 0  # from the cached frame
    close(page)


def test_the_estimate_follows_keys_and_typed_numbers_and_clamps_them(site, tmp_path):
    page = open_page(site)
    video_tab(page)
    upload_film(page, make_clip(tmp_path / "clip.mp4", frames_per_shot=300, size=(640, 360)))

    def changed_by(action) -> None:
        old = page.locator("#video-estimate").inner_text()
        action()
        page.wait_for_function("(old) => document.querySelector('#video-estimate').innerText !== old", arg=old)

    def typed(control: str, value: str, shown: str) -> None:
        box = f"#video-{control} input[type=number]"
        page.locator(box).fill(value)
        page.locator(box).press("Enter")
        page.wait_for_function("([box, shown]) => document.querySelector(box).value === shown", arg=[box, shown])

    def keys() -> None:
        page.locator("#video-render-size input[type=range]").focus()
        page.keyboard.press("End")

    changed_by(keys)  # 224 -> 1024: the network's share grows 20-fold
    assert page.locator("#video-render-size input[type=number]").input_value() == "1024"
    changed_by(lambda: typed("render-size", "224", "224"))
    changed_by(lambda: typed("keyframes", "1", "1"))  # the network on every frame
    typed("keyframes", "40", "16")  # clamped in the box
    typed("smoothing", "7", "1")
    typed("render-size", "5000", "1024")
    time.sleep(1.0)
    assert page.locator("#video-estimate").inner_text().startswith("640x360") and errors_shown(page) == 0
    close(page)


def test_hints_painted_on_a_frame_of_a_film_reach_the_test_run(site, brightness_colorizer, tmp_path):
    import httpx
    from support.media import decode

    page = open_page(site)
    page.get_by_role("tab", name="Video").click()
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=20, size=(320, 240))
    page.locator("#video-in input[type=file]").set_input_files(str(clip))
    page.get_by_text("The whole film should take").wait_for()
    page.get_by_text("A color is wrong? Paint hints on a frame").click()
    moment = page.locator("#film-moment input[type=range]")
    moment.scroll_into_view_if_needed()
    box = moment.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)  # a moment in the first shot
    canvas = open_painter(page, FILM_PAINTER)  # the frame's colorized preview arrives in the painter
    assert painter_button(page, "Undo stroke", FILM_PAINTER).is_disabled()  # nothing of this frame to undo yet
    picture = painter_picture(page, FILM_PAINTER)
    calls = brightness_colorizer.network_calls
    stroke(page, at=(0.3, 0.5), length=0.4, painter=FILM_PAINTER, slider="#video-preview")
    assert blueness(painter_picture(page, FILM_PAINTER)) > blueness(picture) + 2  # the stroke's effect, in place
    assert canvas.is_visible() and page.locator(f"{FILM_PAINTER} img.hp-photo").is_visible()
    assert painter_button(page, "Undo stroke", FILM_PAINTER).is_enabled()
    page.get_by_text("Hinted frames:").wait_for()
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
    page.wait_for_function("(p) => document.querySelector(p + ' .hp-undo').disabled", arg=FILM_PAINTER)
    assert abs(blueness(painter_picture(page, FILM_PAINTER)) - blueness(picture)) < 2  # the frame, without them
    page.get_by_role("button", name="Try the first").click()
    page.wait_for_function("() => !document.querySelector('#video-status').innerText.includes('as a test')")
    page.get_by_text("The first 3 seconds, as a test").wait_for(timeout=180_000)
    source = page.evaluate("document.querySelector('#video-out video').src")
    (tmp_path / "plain.mp4").write_bytes(httpx.get(source, timeout=60).content)
    plain = decode(tmp_path / "plain.mp4")
    assert len(hinted) == len(plain) == 40  # two shots of 20 frames, shorter than the test run
    hinted, plain = [f.astype(int) for f in hinted], [f.astype(int) for f in plain]
    assert all(blueness(h) > blueness(p) + 2 for h, p in zip(hinted[:20], plain[:20]))  # the whole shot
    assert all(abs(blueness(h) - blueness(p)) < 1.5 for h, p in zip(hinted[20:], plain[20:]))  # not the next
    close(page)
