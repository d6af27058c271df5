"""The page's words: durations, the model's status, limits, video facts and the API's parameters, as plain strings."""

from __future__ import annotations

import os
from pathlib import Path

from colorization import Colorizer, controls
from colorization.hints import FILM_STROKE, STROKE
from colorization.images import FORMAT_NAMES
from colorization.video.ffmpeg import VideoInfo

from .limits import AppLimits

NO_MODEL = ("The colorization model could not be fetched, so this demo cannot colorize right now. "
            "The Space's owner can let it reach the Hugging Face Hub or put the three model files in a folder "
            "named by COLORIZATION_MODEL; the server log lists every source that was tried.")


def duration(seconds: float) -> str:
    """'under a second', '7 s', '2 min 5 s', '1 h 3 min': whole units a person reads at a glance."""
    if seconds < 0.95:
        return "under a second"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def about(seconds: float) -> str:
    """'under a second' or 'about 7 s': never 'about under a second'."""
    said = duration(seconds)
    return said if seconds < 0.95 else f"about {said}"


def model_status(colorizer: Colorizer | None) -> str:
    """Which weights answer: the released ones (verified by digest) or someone's own."""
    if colorizer is None or colorizer.files is None:
        return "Model: not loaded."
    files = colorizer.files
    local = os.path.isabs(files.origin) or Path(files.origin).exists()  # a server path is nobody's business
    weights = ("released weights (verified)" if files.released
               else "custom weights (a local copy)" if local else f"custom weights: {files.origin}")
    return f"Model: Zhang et al. ECCV 2016, {weights}; {colorizer.backend.name} backend, {colorizer.precision}."


def video_limits(limits: AppLimits) -> str:
    """'up to 60 s, 1920x1080, ...': starts lower case, for the middle of a sentence (see `sentence`)."""
    return (f"up to {limits.max_video_seconds:.0f} s, {limits.max_video_width}x{limits.max_video_height}, "
            f"{limits.max_video_fps:.0f} frames a second, {limits.max_file_size.upper()} a file.")


def page_limits(limits: AppLimits) -> str:
    return (f"Uploads are used only to make your result; they and the results are deleted within "
            f"{limits.keep_results_seconds // 60} minutes. Limits: photos up to {limits.max_image_megapixels:.0f} "
            f"megapixels; several photos at once: up to {limits.max_batch_files} files and "
            f"{limits.max_batch_megapixels:.0f} megapixels together; films: {video_limits(limits)}")


def video_facts(info: VideoInfo) -> str:
    return (f"{info.width}x{info.height}, {float(info.fps):.3g} fps, {info.duration:.1f} s "
            f"({info.frame_count} frames), {'with' if info.has_audio else 'no'} sound")


SEND_FILES = (" Send the file itself: links are not fetched (an MCP call may send a data: URL, or the link Gradio's "
              "upload tool returned).")


def parameters(limits: AppLimits) -> dict[str, str]:
    """One plain sentence per API parameter, by name: the API page and `view_api()` show it (see
    `components.described`), and so do the MCP tools (the handlers' docstrings are filled from it)."""
    return {
        **{control.name: f"{control.help} Default {control.default:g}." for control in controls.FILM},
        "image": f"The photo ({FORMAT_NAMES}), up to {limits.max_image_megapixels:g} megapixels.{SEND_FILES}",
        "files": f"Up to {limits.max_batch_files} photos, {limits.max_batch_megapixels:g} megapixels together."
                 f"{SEND_FILES}",
        "video": f"The film: MP4, MOV, WebM, AVI or MKV, {video_limits(limits)}{SEND_FILES}",
        "hints": f"Optional color hints, a list of strokes {STROKE} with x, y as fractions of the photo's width and "
                 "height (origin top left) and size as a fraction of its shorter side.",
        "film_hints": f"Optional color hints painted on frames, a list of strokes {FILM_STROKE}: time in seconds from "
                      "the start (the frame shown then), x, y and size as for photos; each is carried through its "
                      "shot, up to the cuts.",
    }


def endpoint_parameters(limits: AppLimits, endpoint: str) -> dict[str, str]:
    """`parameters` as one endpoint names them: a film's `hints` carry times."""
    words = parameters(limits)
    if endpoint == "colorize_video":
        words["hints"] = words["film_hints"]
    return words
