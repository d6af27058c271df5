"""The Gallery tab in real headless Chromium: every example gives its pair, and the film is colorized."""

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.browser import (
    EXAMPLE_NAMES,
    PHOTOS,
    after_src,
    click_second_while_first_loads,
    close,
    close_to,
    errors_shown,
    open_page,
    shoot,
    shown_before,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def shows_pair_of(page, name: str) -> bool:
    """The slider compares `name`'s colorization with its real colors where the gallery has them, else with
    its gray input, and its label says which."""
    original = PHOTOS / "originals" / f"{name}.jpg"
    compared, label = shown_before(page, "#gallery-compare"), page.locator("#gallery-compare").inner_text()
    reference, words, tolerance = ((original, "Real colors", 6.0) if original.is_file()
                                   else (PHOTOS / f"{name}.png", "Grayscale input", 4.0))
    expected = np.asarray(Image.open(reference).convert("RGB")).astype(int)
    return words in label and close_to(compared, expected, tolerance)


def test_each_gallery_example_gives_its_pair_and_the_film_is_colorized(site):
    page = open_page(site)
    for cached in Path(os.environ["GRADIO_EXAMPLES_CACHE"]).glob("*-colorized.mp4"):
        cached.unlink()  # colorized once per model: made afresh here, so its progress can be seen
    page.get_by_role("tab", name="Gallery").click()
    page.wait_for_function("document.body.innerText.includes('Colorizing the example film')", polling=50)
    page.wait_for_function("document.querySelectorAll('#gallery-compare img').length >= 2")  # at once
    for name in reversed(EXAMPLE_NAMES):  # the first is shown on load: start with the others
        old = after_src(page, "#gallery-compare")
        page.get_by_role("button", name=name, exact=True).click()  # each differs from the one before
        page.wait_for_function("(old) => { const i = document.querySelectorAll('#gallery-compare img');"
                               " return i.length >= 2 && i[1].src !== old }", arg=old)
        assert shows_pair_of(page, name), name
        assert errors_shown(page) == 0, name
    first, last = EXAMPLE_NAMES[1], EXAMPLE_NAMES[2]  # a second click while the first one loads: it is shown
    click_second_while_first_loads(page, "#gallery-examples", first, last)
    deadline = time.monotonic() + 60
    while not shows_pair_of(page, last):
        assert time.monotonic() < deadline, f"{first} then {last} clicked: the slider never showed {last}"
        page.wait_for_timeout(250)
    assert errors_shown(page) == 0
    page.wait_for_function("() => { const v = document.querySelector('#gallery-film-out video'); return v && v.src }",
                           timeout=120_000)
    shoot(page, "gallery-desktop")
    close(page)
