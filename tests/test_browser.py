"""The whole page in real headless Chromium, at desktop and phone sizes: the result above the fold on a
phone, and axe-core finding nothing critical or serious in any state a visitor reaches (menus open,
results shown, a film loaded, the gallery). Screenshots of each tab at both sizes are written to
test-artifacts/ (and to docs/ with UPDATE_SCREENSHOTS=1). The tabs' own behaviour is tested in
test_browser_image.py, test_browser_video.py and test_browser_gallery.py.
"""

import time

import pytest
from support.browser import (
    DESKTOP,
    FILM_PAINTER,
    PHONE,
    close,
    open_page,
    open_painter,
    overflowing,
    serious_violations,
    shoot,
    stacked,
    upload_photo,
)
from support.media import make_clip

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_critical_or_serious_accessibility_findings_in_any_state(site, viewport, tmp_path):
    name = "desktop" if viewport is DESKTOP else "phone"
    page = open_page(site, viewport)
    found = {"image, empty": serious_violations(page)}
    upload_photo(page)
    assert viewport is DESKTOP or stacked(page, "#image-in", "#result-slider")  # a phone: one above the other
    open_painter(page)
    page.get_by_role("button", name="Several photos at once").click()
    time.sleep(0.5)
    found["image: result shown, hint colors and batch open"] = serious_violations(page)
    shoot(page, f"image-{name}")
    brush, small = (page.locator(f"#hint-painter {s}").first.bounding_box()
                    for s in (".hp-whole .hp-label", ".hp-size"))
    assert abs(brush["y"] + brush["height"] / 2 - (small["y"] + small["height"] / 2)) < 8  # "Brush:" beside its buttons
    page.locator("#hint-painter .hp-swatch").nth(2).focus()  # the colors are reachable by keyboard
    page.keyboard.press("Enter")
    assert page.locator("#hint-painter .hp-swatch").nth(2).get_attribute("aria-pressed") == "true"
    page.locator("#result-slider [data-testid=slider]").focus()  # and so is the before/after divider
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('#result-slider [data-testid=slider]')"
                           ".getAttribute('aria-valuenow') < 50")
    assert all(page.locator("#result-slider img").nth(i).get_attribute("alt") for i in range(2))
    page.get_by_role("tab", name="Video").click()
    found["video, empty"] = serious_violations(page)
    page.locator("#video-in input[type=file]").set_input_files(str(make_clip(tmp_path / "f.mp4", frames_per_shot=10)))
    page.get_by_text("The whole film should take").wait_for()
    assert viewport is DESKTOP or stacked(page, "#video-in", "#video-preview")
    found["video: film loaded, run buttons enabled"] = serious_violations(page)
    shoot(page, f"video-{name}")
    page.get_by_text("A color is wrong? Paint hints on a frame").click()
    found["video: hint panel open, no moment picked"] = serious_violations(page)
    moment = page.locator("#film-moment input[type=range]")
    moment.scroll_into_view_if_needed()
    box = moment.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    open_painter(page, FILM_PAINTER)  # the film's painter beside the photo's: ids stay unique
    found["video: a frame in the film's painter"] = serious_violations(page)
    page.get_by_role("tab", name="Gallery").click()
    page.wait_for_function("document.querySelectorAll('#gallery-compare img').length >= 2")
    found["gallery"] = serious_violations(page)
    shoot(page, f"gallery-{name}")
    if viewport is PHONE:
        page.locator("#gallery-film-out video").wait_for(timeout=120_000)
        assert stacked(page, "#gallery-film", "#gallery-film-out")
        page.get_by_role("button", name="Use via API").click()  # Gradio hides it on a phone; the page shows it
        page.locator(".api-docs").get_by_text("colorize_image").first.wait_for()  # MCP first, as on the Space
        assert not overflowing(page, ".api-docs")  # the header and the row of client tabs wrap within the phone
        found["API page on a phone"] = serious_violations(page)
    assert not any(found.values()), found
    close(page)


def test_a_link_to_the_api_page_opens_it(site):
    browser, url = site
    page = open_page((browser, url + "?view=api"))
    page.wait_for_function("() => !!document.querySelector('.api-docs')", timeout=30_000)
    page.locator(".api-docs").get_by_text("colorize_video").first.wait_for()  # it opens on MCP, as the Space does
    assert page.get_by_role("checkbox", name="Offer colorize_video to MCP clients").is_checked()
    assert serious_violations(page) == []  # its tool checkboxes are named
    page.locator(".api-docs li.snippet", has_text="Python").click()
    page.locator(".api-docs").get_by_text("/colorize_image").first.wait_for()  # the endpoints are listed
    snippets = page.locator(".api-docs").inner_text()
    assert "image=handle_file('old-photo.jpg')" in snippets, snippets[:2000]  # a file is passed as the client takes it
    assert "files=[handle_file('photo-1.jpg'), handle_file('photo-2.jpg')]" in snippets
    assert "gradio.FileData" not in snippets.split("Accepts")[0]
    assert page.locator(".api-docs").get_by_role("button", name="Close the API page").count() == 1
    page.locator(".api-docs").get_by_role("button", name="Close the API page").click()  # the page is back
    page.get_by_role("tab", name="Image").wait_for()
    close(page)
