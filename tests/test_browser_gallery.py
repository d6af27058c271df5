"""The Gallery tab in real headless Chromium: every example gives its pair, and the film is colorized."""

import os
from pathlib import Path

import pytest
from support.browser import (
    EXAMPLE_NAMES,
    PHOTOS,
    after_src,
    close,
    close_to,
    errors_shown,
    open_page,
    shoot,
    shown_before,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_each_gallery_example_gives_its_pair_and_the_film_is_colorized(site):
    import numpy as np
    from PIL import Image

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
        original = PHOTOS / "originals" / f"{name}.jpg"
        label = page.locator("#gallery-compare").inner_text()
        compared = shown_before(page, "#gallery-compare")
        if original.is_file():
            assert "Real colors" in label, name
            assert close_to(compared, np.asarray(Image.open(original).convert("RGB")).astype(int), 6.0), name
        else:
            assert "Grayscale input" in label, name
            assert close_to(compared, np.asarray(Image.open(PHOTOS / f"{name}.png").convert("RGB")).astype(int)), name
        assert errors_shown(page) == 0, name
    page.wait_for_function("() => { const v = document.querySelector('#gallery-film-out video'); return v && v.src }",
                           timeout=120_000)
    shoot(page, "gallery-desktop")
    close(page)
