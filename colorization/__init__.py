"""Colorize grayscale photos and films with the Zhang et al. ECCV 2016 network.

The names below load their modules on first use (OpenCV, SciPy and ONNX Runtime come with them), so
`import colorization` and the command line's --help and --version stay instant.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import controls, defaults
from .errors import (
    Cancelled,
    ColorizationError,
    InputError,
    ModelInvalidError,
    ModelUnavailableError,
    OutputError,
)

__version__ = "0.1.0"

_LAZY = {
    "Adjustments": "color",
    "Colorizer": "pipeline",
    "Prediction": "pipeline",
    "KNOWN_SOURCES": "model.files",
    "HubSource": "model.files",
    "ModelFile": "model.files",
    "ModelFiles": "model.files",
}

if TYPE_CHECKING:
    from .color import Adjustments
    from .model.files import KNOWN_SOURCES, HubSource, ModelFile, ModelFiles
    from .pipeline import Colorizer, Prediction


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "KNOWN_SOURCES",
    "Adjustments",
    "Cancelled",
    "ColorizationError",
    "Colorizer",
    "HubSource",
    "InputError",
    "ModelFile",
    "ModelFiles",
    "ModelInvalidError",
    "ModelUnavailableError",
    "OutputError",
    "Prediction",
    "controls",
    "defaults",
]
