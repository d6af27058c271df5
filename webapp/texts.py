"""The page's words: durations, the model's status, limits, video facts and the API's parameters, as plain strings."""

from __future__ import annotations

from colorization import Colorizer, defaults
from colorization.ffmpeg import VideoInfo

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


def model_status(colorizer: Colorizer | None) -> str:
    """Which weights answer: the released ones (verified by digest) or someone's own."""
    if colorizer is None or colorizer.files is None:
        return "Model: not loaded."
    files = colorizer.files
    weights = "released weights (verified)" if files.released else f"custom weights: {files.origin}"
    return f"Model: Zhang et al. ECCV 2016, {weights}; {colorizer.backend.name} backend, {colorizer.precision}."


def video_limits(limits: AppLimits) -> str:
    return (f"Up to {limits.max_video_seconds:.0f} s, {limits.max_video_width}x{limits.max_video_height}, "
            f"{limits.max_video_fps:.0f} frames a second, {limits.max_file_size.upper()} a file.")


def page_limits(limits: AppLimits) -> str:
    return (f"Uploads are used only to make your result; they and the results are deleted within "
            f"{limits.keep_results_seconds // 60} minutes. Limits: photos up to {limits.max_image_megapixels:.0f} "
            f"megapixels; several photos at once: up to {limits.max_batch_files} files and "
            f"{limits.max_batch_megapixels:.0f} megapixels together; films: {video_limits(limits)}")


def video_facts(info: VideoInfo) -> str:
    return (f"{info.width}x{info.height}, {float(info.fps):.3g} fps, {info.duration:.1f} s "
            f"({info.frame_count} frames), {'with' if info.has_audio else 'no'} sound")


def parameters(limits: AppLimits) -> dict[str, str]:
    """One plain sentence per API parameter, by name: the API page and `view_api()` show it (see
    `components.described`), and so do the MCP tools (the handlers' docstrings are filled from it)."""
    intensity, saturation, hue = defaults.INTENSITY_RANGE, defaults.SATURATION_RANGE, defaults.HUE_RANGE
    (size_low, size_high), (keys_low, keys_high) = defaults.RENDER_SIZE_RANGE, defaults.KEYFRAMES_RANGE
    return {
        "image": f"The photo: JPEG, PNG, WebP, GIF, BMP or TIFF, up to {limits.max_image_megapixels:g} megapixels.",
        "files": f"Up to {limits.max_batch_files} photos, {limits.max_batch_megapixels:g} megapixels together.",
        "video": f"The film: MP4, MOV, WebM, AVI or MKV. {video_limits(limits)}",
        "intensity": f"How strong the colors are, {intensity[0]:g} (gray) to {intensity[1]:g}; 1 is the network's own.",
        "saturation": f"Saturation multiplier, {saturation[0]:g} to {saturation[1]:g}; 1 leaves it unchanged.",
        "hue": f"Rotation of all hues in degrees, {hue[0]:g} to {hue[1]:g}.",
        "render_size": f"The network's input side in pixels, {size_low} to {size_high}, a multiple of "
                       f"{defaults.RENDER_SIZE_STEP}; {defaults.RENDER_SIZE} is what it was trained on.",
        "smoothing": "How steady colors are over time, 0 (every frame on its own) to 1.",
        "keyframes": f"Most frames between network runs, {keys_low} (every frame) to {keys_high}; colors are "
                     "carried by motion between them.",
        "hints": 'Optional color hints, a list of strokes {"points": [[x, y], ...], "color": "#rrggbb", "size": 0.02} '
                 "with x, y as fractions of the photo's width and height (origin top left) and size as a fraction "
                 "of its shorter side.",
        "film_hints": 'Optional color hints painted on frames, a list of strokes {"time": 12.4, "points": [[x, y], '
                      '...], "color": "#rrggbb", "size": 0.02}: time in seconds from the start (the frame shown then), '
                      "x, y and size as for photos; each is carried through its shot, up to the cuts.",
    }


def endpoint_parameters(limits: AppLimits, endpoint: str) -> dict[str, str]:
    """`parameters` as one endpoint names them: a film's `hints` carry times."""
    words = parameters(limits)
    if endpoint == "colorize_video":
        words["hints"] = words["film_hints"]
    return words
