"""Colorize grayscale photos and films with the Zhang et al. ECCV 2016 network."""

from . import defaults
from .color import Adjustments
from .errors import (
    Cancelled,
    ColorizationError,
    InputError,
    ModelInvalidError,
    ModelUnavailableError,
    OutputError,
)
from .model_files import KNOWN_SOURCES, HubSource, ModelFile, ModelFiles
from .pipeline import Colorizer, Prediction

__version__ = "0.1.0"

__all__ = [
    "Adjustments",
    "Cancelled",
    "ColorizationError",
    "Colorizer",
    "HubSource",
    "InputError",
    "KNOWN_SOURCES",
    "ModelFile",
    "ModelFiles",
    "ModelInvalidError",
    "ModelUnavailableError",
    "OutputError",
    "Prediction",
    "defaults",
]
