"""The Gallery tab: its handlers, its layout, its events (in Gradio's `blocks_flipper` order).

Curated examples, colorized once and kept (by the weights' digest): the photos beside their real colors
where the gallery has them, and the example film, colorized when the tab is first opened.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import gradio as gr
import numpy as np

from colorization.images import load_image
from colorization.video import colorize_video

from . import jobs
from .components import STACK_BELOW
from .failures import shown_to_visitors
from .gradio_internals import last_click_wins
from .state import EXAMPLES, AppState
from .uploads import upload_path


class Gallery:
    """The gallery's handlers; each example's pair is made once and kept for every visitor."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self._pairs: dict[str, tuple[np.ndarray, np.ndarray, str]] = {}  # example name -> its pair, made once
        self._pairs_lock = threading.Lock()
        self._film_lock = threading.Lock()

    @shown_to_visitors
    def gallery_example(self, image: str):
        """An example photo: its colorization, and a slider against the real colors where they exist."""
        colorized, reference, label = self.gallery_pair(image)
        return gr.update(value=(reference, colorized), label=label)

    def gallery_pair(self, image: str | Path) -> tuple[np.ndarray, np.ndarray, str]:
        """(colorized, what to compare it with, the comparison's label) for one gallery photo.

        The comparison is the photo's original in color where the gallery has it (examples/images/
        originals/<name>.jpg), else the gray input itself.
        """
        path = upload_path(str(image), "a photo", self.state.roots())
        ours = EXAMPLES / "images" / path.name
        if not ours.is_file():
            return self._pair(path)  # not one of the gallery's: made, never kept for others
        with self._pairs_lock:  # kept by name, made from the gallery's own file, whatever was sent
            if ours.name not in self._pairs:
                self._pairs[ours.name] = self._pair(ours)
            return self._pairs[ours.name]

    def _pair(self, path: Path) -> tuple[np.ndarray, np.ndarray, str]:
        gray = load_image(path).pixels
        original = EXAMPLES / "images" / "originals" / f"{path.stem}.jpg"
        model = self.state.model()
        if original.is_file():
            return model.colorize(gray), load_image(original).pixels[..., :3], "Real colors / colorized"
        return model.colorize(gray), jobs.gray_to_rgb(gray), "Grayscale input / colorized"

    @shown_to_visitors
    def gallery_film(self, progress: gr.Progress = gr.Progress()):
        """The example film, colorized once per model (kept with the gallery's cache), shown when ready."""
        film = sorted((EXAMPLES / "videos").glob("*.mp4"))[0]
        with self._film_lock:
            target = Path(os.environ.get("GRADIO_EXAMPLES_CACHE", tempfile.gettempdir())) / f"{film.stem}-colorized.mp4"
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)

                def report(update) -> None:
                    progress(update.fraction, desc=f"Colorizing the example film: {update.describe().lower()}")

                with self.state.in_room(self.state.video_room, progress):
                    colorize_video(film, target, self.state.model(), progress=report, speeds=self.state.speeds)
        return gr.update(value=str(target), visible=True), ""


def build(state: AppState) -> Gallery:
    """The tab itself (its layout, then its events), inside a `gr.Blocks`; returns its handlers."""
    gallery = Gallery(state)
    photos, film = sorted((EXAMPLES / "images").glob("*.png")), sorted((EXAMPLES / "videos").glob("*.mp4"))[0]
    with gr.Tab("Gallery", id="gallery") as tab:
        gr.Markdown("Public-domain and CC0 photographs (see CREDITS.md), colorized. Where the original was in color, "
                    "the slider compares the network's colors with the real ones; elsewhere with the grayscale input.")
        shown, compared, label = gallery.gallery_pair(photos[0]) if state.colorizer else (None, None, "")
        gray_in = gr.Image(str(photos[0]), type="filepath", visible=False)
        compare = gr.ImageSlider(None if shown is None else (compared, shown), label=label or "Real colors / colorized",
                                 max_height=480, elem_id="gallery-compare", interactive=False)  # the first one at once
        # not Gradio's example cache: its lazy mode fails on an ImageSlider output ("'ImageSlider' object has no
        # attribute 'info'"); the handler keeps each pair itself
        picked = gr.Examples([[str(p)] for p in photos], [gray_in], label="Photos",
                             example_labels=[p.stem for p in photos], elem_id="gallery-examples")
        last_click_wins(picked)
        picked.load_input_event.then(gallery.gallery_example, gray_in, compare, trigger_mode="always_last",
                                     api_visibility="private")
        with gr.Row():
            gr.Video(str(film), label="Grayscale film", interactive=False, elem_id="gallery-film",
                     min_width=STACK_BELOW)
            film_out = gr.Video(label="Colorized film", interactive=False, elem_id="gallery-film-out", visible=False,
                                min_width=STACK_BELOW)
        film_status = gr.Markdown("The colorized film appears here.", elem_id="gallery-film-status")
    if state.colorizer:  # the example film is colorized once per model, when the gallery is first opened
        tab.select(gallery.gallery_film, None, [film_out, film_status], api_visibility="private")
    return gallery
