"""The Image tab in real headless Chromium, clicked as a visitor clicks it.

Each example gives its before/after pair and a download; one stroke, Undo and "Clear all hints" keep
a working painter and a result that matches the picture painted on, the slider and the downloaded
PNG (compared by pixels); keys and typed numbers move every control as the mouse does, and values out
of range are clamped in their box while the result stays.
"""

import time

import numpy as np
import pytest
from PIL import Image
from support.browser import (
    EXAMPLE_NAMES,
    PANELS,
    PHONE,
    PHOTO_PAINTER,
    PHOTOS,
    after_src,
    blueness,
    click_second_while_first_loads,
    close,
    close_to,
    download,
    errors_shown,
    move_color_control,
    open_page,
    open_painter,
    paint,
    painter_busy,
    painter_button,
    painter_picture,
    settle,
    shoot,
    shown_before,
    shown_result,
    stroke,
    upload_photo,
    wait_for_download,
    wait_for_new_result,
)

from webapp import painter

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def gray_of(name: str) -> np.ndarray:
    return np.asarray(Image.open(PHOTOS / f"{name}.png").convert("RGB")).astype(int)


def test_each_example_gives_its_pair_and_download(site):
    page = open_page(site)
    assert page.locator("#download").is_disabled()  # nothing to download yet
    move_color_control(page, "image", "hue", "key")
    time.sleep(0.5)
    assert page.locator("#download").inner_text().strip() == "Download full resolution (PNG)"  # nor anything made
    old = ""
    for name in EXAMPLE_NAMES:
        page.get_by_role("button", name=name, exact=True).first.click()
        old = wait_for_new_result(page, old)
        wait_for_download(page)
        before = shown_before(page)
        assert close_to(before, gray_of(name)), name  # the pair is of the photo that was picked
        assert close_to(download(page), shown_result(page)), name
        assert errors_shown(page) == 0, name
    first, last = EXAMPLE_NAMES[1], EXAMPLE_NAMES[2]
    click_second_while_first_loads(page, "#image-examples", first, last)
    wait_for_new_result(page, old)
    deadline = time.monotonic() + 60
    while not close_to(shown_before(page), gray_of(last)):
        assert time.monotonic() < deadline, f"{first} then {last} clicked: the result never showed {last}"
        page.wait_for_timeout(250)
    wait_for_download(page)
    assert close_to(download(page), shown_result(page))
    assert errors_shown(page) == 0
    close(page)


def test_a_stroke_shows_where_it_was_painted_and_in_the_download(site):
    page = open_page(site)
    page.get_by_text(PANELS[PHOTO_PAINTER]).click()  # before any photo: a sentence, no broken-image icon
    page.get_by_text(painter.EMPTY_TEXT).wait_for()
    assert page.evaluate("document.querySelector('#hint-painter img.hp-photo').getBoundingClientRect().height") == 0
    upload_photo(page)
    plain = download(page)
    canvas = open_painter(page)
    assert painter_button(page, "Undo stroke").is_disabled()  # nothing to undo before a stroke
    assert close_to(painter_picture(page), plain)  # the painter shows the result itself
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    for step in range(10):
        page.mouse.move(box["x"] + box["width"] * (0.3 + step * 0.02), box["y"] + box["height"] * 0.5 + step)
    old = after_src(page)
    page.mouse.up()
    assert painter_busy(page) == "updating…"  # said at once, until the result is there
    settle(page, old)
    hinted = download(page)  # right after the stroke: the first file offered
    assert blueness(hinted) > blueness(plain) + 5  # the default color is blue
    assert close_to(hinted, shown_result(page))  # the download is what the slider shows
    assert close_to(painter_picture(page), hinted)  # and what the painter shows
    assert painter_button(page, "Undo stroke").is_enabled() and errors_shown(page) == 0
    shoot(page, "hints-desktop")
    close(page)


def test_undo_and_clear_all_hints_keep_the_photo_and_give_back_the_plain_result(site):
    page = open_page(site)
    upload_photo(page)
    plain = download(page)
    stroke(page, (0.2, 0.3))
    one = download(page)
    stroke(page, (0.5, 0.7))
    assert not close_to(download(page), one, 0.5)
    old = after_src(page)
    painter_button(page, "Undo stroke").click()
    settle(page, old)
    assert close_to(download(page), one, 0.5)  # one stroke undone, the other kept
    old = after_src(page)
    painter_button(page, "Clear all hints").click()
    settle(page, old)
    assert np.array_equal(download(page), plain)  # no hint at all: exactly the plain result
    assert close_to(shown_result(page), plain)
    assert page.locator("#hint-painter img.hp-photo").is_visible()  # the photo stays
    assert painter_button(page, "Clear all hints").is_disabled() and painter_button(page, "Undo stroke").is_disabled()
    stroke(page, (0.4, 0.4))  # and painting still works
    assert blueness(download(page)) > blueness(plain) + 5
    assert errors_shown(page) == 0
    close(page)


def test_strokes_belong_to_their_photo(site):
    page = open_page(site)
    upload_photo(page)
    stroke(page)
    upload_photo(page, PHOTOS / "coins.png")
    plain_coins = download(page)
    open_painter(page)
    assert painter_button(page, "Undo stroke").is_disabled()  # the cat's strokes are gone with the cat
    assert close_to(painter_picture(page), plain_coins)
    stroke(page, (0.3, 0.3))
    old = after_src(page)
    painter_button(page, "Undo stroke").click()
    settle(page, old)
    assert np.array_equal(download(page), plain_coins)
    assert close_to(shown_before(page), gray_of("coins"))  # the coins, never the cat
    close(page)


def test_download_right_after_a_slider_move_is_the_shown_result(site):
    page = open_page(site)
    upload_photo(page)
    first = download(page)
    old = after_src(page)
    page.locator("#image-hue input[type=range]").focus()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    wait_for_new_result(page, old)
    moved = download(page)
    assert not close_to(moved, first, 2.0) and close_to(moved, shown_result(page))
    close(page)


def test_download_clicked_right_after_a_change_is_the_result_then_shown(site):
    page = open_page(site)
    upload_photo(page)
    plain = download(page)
    for change in ("a stroke", "a reset"):
        old = after_src(page)
        if change == "a stroke":
            paint(page, (0.3, 0.5), 0.3)
        else:
            move_color_control(page, "image", "hue", "reset")  # the stroke's hue: from -90 to 0 again
        with page.expect_download() as got:
            page.locator("#download").click()  # at once: disabled from the change's start until its PNG is ready
        pixels = np.asarray(Image.open(got.value.path()).convert("RGB")).astype(int)
        settle(page, old)
        assert close_to(pixels, shown_result(page)), change
        if change == "a stroke":
            assert blueness(pixels) > blueness(plain) + 5
            move_color_control(page, "image", "hue", "typed")
            wait_for_new_result(page, after_src(page))
            wait_for_download(page)
    close(page)


def test_keys_typed_numbers_the_mouse_and_reset_all_re_render_every_color_control(site, brightness_colorizer):
    page = open_page(site)
    upload_photo(page)
    calls = brightness_colorizer.network_calls
    for control in ("intensity", "saturation", "hue"):
        results = []
        for move in ("key", "typed", "mouse", "reset"):
            old = after_src(page)
            move_color_control(page, "image", control, move)
            wait_for_new_result(page, old)
            results.append(download(page))
            assert close_to(results[-1], shown_result(page)), (control, move)
        assert not close_to(results[0], results[1], 1.0) and not close_to(results[1], results[2], 1.0), control
        assert not close_to(results[2], results[3], 1.0), control  # the reset re-renders, as moving the slider does
    assert brightness_colorizer.network_calls == calls  # the color controls never run the network
    close(page)


def test_out_of_range_and_empty_numbers_are_clamped_and_keep_the_result(site):
    page = open_page(site)
    upload_photo(page)
    wait_for_download(page)
    for control, typed, clamped in (("intensity", "5", "2"), ("hue", "999", "180"), ("saturation", "-3", "0"),
                                    ("hue", "1.5", "2")):  # a fraction between the slider's steps: its knob's value
        number = page.locator(f"#image-{control} input[type=number]")
        old = after_src(page)
        number.fill(typed)
        number.press("Enter")
        page.wait_for_function("([box, want]) => document.querySelector(box).value === want",
                               arg=[f"#image-{control} input[type=number]", clamped])
        wait_for_new_result(page, old)
        assert close_to(download(page), shown_result(page)), control
    shown, kept = after_src(page), download(page)
    number = page.locator("#image-intensity input[type=number]")
    number.fill("")
    time.sleep(1.5)
    assert after_src(page) == shown and page.locator("#result-slider img").count() == 2  # the result stays
    number.blur()  # left empty: the box says the value in use again, not 0
    page.wait_for_function("() => document.querySelector('#image-intensity input[type=number]').value === '2'")
    old = after_src(page)
    move_color_control(page, "image", "hue", "key")  # the next change keeps that intensity
    wait_for_new_result(page, old)
    after = download(page)
    assert close_to(after, shown_result(page)) and close_to(after, kept)  # a degree of hue, not gray (intensity 0)
    assert number.input_value() == "2"
    assert errors_shown(page) == 0
    close(page)


def test_render_size_follows_keys_and_typed_numbers_within_the_photo(site, brightness_colorizer):
    page = open_page(site)
    upload_photo(page)  # 451 x 300: render sizes up to 456
    number = page.locator("#render-size input[type=number]")
    assert number.input_value() == "224"
    calls = brightness_colorizer.network_calls
    old = after_src(page)
    page.locator("#render-size input[type=range]").focus()
    page.keyboard.press("ArrowRight")  # the keyboard
    old = wait_for_new_result(page, old)
    assert brightness_colorizer.network_calls == calls + 1 and number.input_value() == "232"
    number.fill("448")  # typed: runs without leaving the box; "4" and "44" on the way run nothing
    number.press("Enter")
    old = wait_for_new_result(page, old)
    wait_for_download(page)
    assert brightness_colorizer.network_calls == calls + 2
    number.fill("1024")  # above this photo's cap: lowered to it, in the box too
    page.wait_for_function("() => document.querySelector('#render-size input[type=number]').value === '456'")
    wait_for_new_result(page, old)
    assert close_to(download(page), shown_result(page)) and errors_shown(page) == 0
    assert "At 456" in page.locator("#render-size").inner_text()
    for typed, shown in (("10", "64"), ("", "64")):  # below the range: clamped; emptied: back to the size in use
        old = after_src(page)
        number.fill(typed)
        number.press("Enter")
        page.wait_for_function("(shown) => document.querySelector('#render-size input[type=number]').value === shown",
                               arg=shown)
        if typed:
            wait_for_new_result(page, old)
        assert close_to(download(page), shown_result(page)) and "At 64" in page.locator("#render-size").inner_text()
    calls = brightness_colorizer.network_calls
    old = after_src(page)
    page.locator("#render-size [data-testid=reset-button]").click()  # back to 224, and run at 224
    wait_for_new_result(page, old)
    assert number.input_value() == "224" and brightness_colorizer.network_calls == calls + 1
    assert close_to(download(page), shown_result(page)) and "At 224" in page.locator("#render-size").inner_text()
    page.locator("#image-in button[aria-label='Remove Image']").first.click()  # no photo: no photo's cap or cost
    page.wait_for_function("() => { const box = document.querySelector('#render-size');"
                           " return box.querySelector('input[type=range]').max === '1024'"
                           " && !/this photo|At \\d/.test(box.innerText) }")
    close(page)


def test_a_replaced_photo_runs_once_and_a_bad_file_leaves_no_broken_thumbnail(site, brightness_colorizer, tmp_path):
    page = open_page(site)
    upload_photo(page)
    calls = brightness_colorizer.network_calls
    upload_photo(page, PHOTOS / "coins.png")
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
    close(page)


def test_on_a_phone_a_swipe_over_the_painter_scrolls_and_a_tap_paints(site):
    page = open_page(site, PHONE, touch=True)
    upload_photo(page)
    result = page.locator("#result-slider").bounding_box()
    assert result["y"] + 150 < PHONE["height"], result  # the result's top part is in view without scrolling
    canvas = open_painter(page)
    box = canvas.bounding_box()
    assert box["width"] > 300  # the photo uses the phone's width
    assert page.evaluate("getComputedStyle(document.querySelector('#hint-painter canvas')).touchAction") \
        == "pan-y pinch-zoom"  # a vertical swipe is the browser's: it scrolls
    old = after_src(page)
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    settle(page, old)
    assert painter_button(page, "Undo stroke").is_enabled()
    label = page.get_by_text("A color is wrong? Paint hints").bounding_box()
    assert label["x"] >= 0 and label["x"] + label["width"] <= PHONE["width"]
    shoot(page, "hints-phone")
    close(page)
