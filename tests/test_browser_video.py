"""The Video tab in real headless Chromium: waits are told, Cancel is honest, a cleared or bad film
leaves nothing stale, and keys and typed numbers move every control as the mouse does."""

import time
from pathlib import Path

import pytest
from support.browser import (
    DESKTOP,
    FILM_PAINTER,
    blueness,
    close,
    close_to,
    errors_shown,
    move_color_control,
    open_page,
    open_painter,
    painter_button,
    painter_picture,
    shoot,
    shown_before,
    shown_result,
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


def test_the_video_tab_tells_its_waits_and_cancel_is_honest(site, brightness_colorizer, tmp_path, work_folders):
    page = open_page(site)
    go, trial, cancel = video_tab(page)
    assert go.is_disabled() and trial.is_disabled() and cancel.is_disabled()
    upload_film(page, make_clip(tmp_path / "long.mp4", frames_per_shot=300, size=(640, 360)))
    page.get_by_text("600 frames").wait_for()
    assert page.locator("#video-in video").bounding_box()["height"] <= 0.6 * DESKTOP["height"]  # controls in reach
    shoot(page, "video-desktop")
    go.click()
    page.wait_for_function("document.body.innerText.includes('Colorizing frame')", polling=50)
    assert cancel.is_enabled() and go.is_disabled()
    assert page.evaluate("document.activeElement.id") == "video-cancel"  # the focus follows, never to <body>
    cancel.click()
    page.get_by_text("Cancelled: the job was stopped").wait_for()
    deadline = time.monotonic() + 30
    while work_folders() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not work_folders(), "the job kept its files"
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
    assert page.locator("#video-out video").bounding_box()["height"] <= 0.6 * DESKTOP["height"]  # not 948 pixels
    close(page)


def test_a_cleared_or_replaced_film_leaves_nothing_stale_and_a_bad_one_one_click_away(site, tmp_path):
    page = open_page(site)
    go, trial, _ = video_tab(page)
    upload_film(page, make_clip(tmp_path / "first.mp4", frames_per_shot=20, size=(320, 240)))
    assert not trial.is_visible() and "first 3 seconds" not in page.locator("#video-estimate").inner_text()  # 1.6 s
    go.click()
    page.get_by_text("Done.").wait_for(timeout=120_000)
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
    page.wait_for_function("() => document.querySelector('#video-in video') === null")  # the input is empty again
    time.sleep(1.0)
    assert page.locator(".toast-message-text").all_inner_texts() == [NOT_A_CONTAINER]  # one sentence, said once
    assert go.is_disabled() and trial.is_disabled()
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


def test_a_film_opens_on_its_first_frame_and_hints_painted_on_a_frame_reach_the_film(site, brightness_colorizer,
                                                                                      tmp_path):
    import httpx
    from support.media import decode

    page = open_page(site)
    go, _, _ = video_tab(page)
    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=20, size=(320, 240))  # 1.6 s: astronaut, then coffee
    upload_film(page, clip)
    first = decode(clip)[0].astype(int)
    assert close_to(shown_before(page, "#video-preview"), first)  # the moment slider's 0, not the film's middle
    open_painter(page, FILM_PAINTER)  # ready to paint on that frame at once
    assert close_to(painter_picture(page, FILM_PAINTER), shown_result(page, "#video-preview"))
    moment = page.locator("#film-moment input[type=number]")
    for typed, shown in (("99", "1.6"), ("-1", "0")):  # clamped to the film, as the other sliders clamp
        moment.fill(typed)
        moment.press("Enter")
        page.wait_for_function("([box, shown]) => document.querySelector(box).value === shown",
                               arg=["#film-moment input[type=number]", shown])
    picture = painter_picture(page, FILM_PAINTER)
    old = page.locator(f"{FILM_PAINTER} img.hp-photo").get_attribute("src")
    page.locator("#film-moment input[type=range]").focus()
    for _ in range(24):  # keys move it a hundredth of a second each: to frame 6, still the first shot
        page.keyboard.press("ArrowRight")
    page.wait_for_function("(old) => document.querySelector('#film-hint-painter img.hp-photo').src !== old", arg=old)
    deadline = time.monotonic() + 30
    while not close_to(shown_before(page, "#video-preview"), decode(clip)[6].astype(int), 1.0):  # the last key's
        assert time.monotonic() < deadline, "the preview never showed frame 6"
        time.sleep(0.2)
    assert moment.input_value() == "0.24" and not close_to(painter_picture(page, FILM_PAINTER), picture, 1.0)
    picture = painter_picture(page, FILM_PAINTER)
    assert painter_button(page, "Undo stroke", FILM_PAINTER).is_disabled()  # nothing of this frame to undo yet
    calls = brightness_colorizer.network_calls
    stroke(page, at=(0.3, 0.5), length=0.4, painter=FILM_PAINTER, slider="#video-preview")
    assert blueness(painter_picture(page, FILM_PAINTER)) > blueness(picture) + 2  # the stroke's effect, in place
    assert painter_button(page, "Undo stroke", FILM_PAINTER).is_enabled()
    page.get_by_text("Hinted frames: 0.24 s (1 stroke)").wait_for()
    assert page.locator("#film-hinted-choice input").input_value() == "0.24 s"  # the same time, chosen already
    assert brightness_colorizer.network_calls == calls  # a stroke never runs the network
    shoot(page, "video-hints-desktop")

    def whole_film(name: str) -> list:
        go.click()
        page.wait_for_function("() => !document.querySelector('#video-status').innerText.includes('Done')")
        page.wait_for_function("() => document.querySelector('#video-status').innerText.includes('Done')",
                               timeout=180_000)
        source = page.evaluate("document.querySelector('#video-out video').src")
        (tmp_path / name).write_bytes(httpx.get(source, timeout=60).content)
        return [f.astype(int) for f in decode(tmp_path / name)]

    hinted = whole_film("hinted.mp4")
    page.get_by_role("button", name="Remove this frame's hints").click()  # the one preselected
    page.get_by_text("No frame has hints yet.").wait_for()
    page.wait_for_function("(p) => document.querySelector(p + ' .hp-undo').disabled", arg=FILM_PAINTER)
    assert abs(blueness(painter_picture(page, FILM_PAINTER)) - blueness(picture)) < 2  # the frame, without them
    page.get_by_role("button", name="Remove this frame's hints").click()
    page.get_by_text("No frame has hints to remove.").wait_for()  # said, not silent
    plain = whole_film("plain.mp4")
    assert len(hinted) == len(plain) == 40  # two shots of 20 frames
    assert all(blueness(h) > blueness(p) + 2 for h, p in zip(hinted[:20], plain[:20]))  # the whole shot
    assert all(abs(blueness(h) - blueness(p)) < 1.5 for h, p in zip(hinted[20:], plain[20:]))  # not the next
    assert errors_shown(page) == 0
    close(page)
