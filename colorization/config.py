"""Every environment variable the package reads is named and parsed here, and nowhere else.

The readers are called where a run begins (loading the model, building a session); from there the values
travel as arguments. They read the environment when called, not at import, so a process (or a test) that
sets a variable before loading a model gets what it set. The Hub's own switches are parsed as
huggingface_hub parses them.
"""

from __future__ import annotations

import os
from pathlib import Path

MODEL = "COLORIZATION_MODEL"
BACKEND = "COLORIZATION_BACKEND"
PRECISION = "COLORIZATION_PRECISION"
DEVICE = "COLORIZATION_DEVICE"
THREADS = "COLORIZATION_THREADS"
CACHE = "COLORIZATION_CACHE"

VARIABLES = {
    MODEL: "a folder holding the three model files, or a Hub repo id; default: ./models of a checkout, then the Hub",
    BACKEND: "onnxruntime or opencv; default: the fastest installed",
    PRECISION: "auto, fp32 or int8; default auto (int8 when its cached self-check on these weights passed)",
    DEVICE: "cuda or cpu for ONNX Runtime; default: CUDA when onnxruntime-gpu has it",
    THREADS: "threads for one network run; default: every core",
    CACHE: "a folder for derived files (the ONNX translation, the int8 model) tried before the weights' folder",
    "HF_ENDPOINT": "the Hub's address (huggingface_hub's own variable), e.g. a mirror",
    "HF_HUB_OFFLINE": "1: use the local Hub cache only (huggingface_hub's own variable)",
    "XDG_CACHE_HOME": "the user's cache folder; derived files fall back to <it>/colorization",
}


def _text(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def model_source() -> str | None:
    return _text(MODEL)


def backend() -> str | None:
    return (_text(BACKEND) or "").lower() or None


PRECISIONS = ("auto", "fp32", "int8")  # what COLORIZATION_PRECISION and --precision take


def precision() -> str | None:
    return (_text(PRECISION) or "").lower() or None


def device() -> str | None:
    return (_text(DEVICE) or "").lower() or None


def threads() -> int | None:
    """A positive whole number of threads, or None (a malformed value is ignored: all cores)."""
    text = _text(THREADS) or ""
    return int(text) if text.isdigit() and int(text) > 0 else None


def cache_dir() -> Path | None:
    text = _text(CACHE)
    return Path(text) if text else None


def user_cache_dir() -> Path:
    return Path(_text("XDG_CACHE_HOME") or Path.home() / ".cache") / "colorization"


def hub_endpoint() -> str | None:
    return _text("HF_ENDPOINT")


def hub_offline() -> bool:
    from huggingface_hub.constants import _is_true

    return _is_true(os.environ.get("HF_HUB_OFFLINE"))
