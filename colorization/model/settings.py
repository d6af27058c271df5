"""How the network is loaded: one frozen object that the library, the command line, the app and Ray carry whole.

Each field is one setting; None means "as the environment says" (`config`), resolved where the setting is
used. A field with a `flag` in its metadata is also a command-line option, made from these words. A new
setting is a field here, its variable in `config` if it has one, and its use in the backend that needs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .. import config

# The backends' registry: name -> "module:Class" in `colorization.backends`, imported only when chosen, so
# listing the names (the CLI's --help) loads nothing. A new backend is its module and its line here.
BACKENDS = {"onnxruntime": "onnx_backend:OnnxBackend", "opencv": "opencv_backend:OpenCVBackend"}


@dataclass(frozen=True)
class ModelSettings:
    """Where the model files come from and how the network runs."""

    source: str | os.PathLike | None = field(default=None, metadata={
        "flag": "--model", "help": "model folder or Hub repo id (default: $COLORIZATION_MODEL, ./models, the Hub)"})
    backend: str | None = field(default=None, metadata={
        "flag": "--backend", "choices": list(BACKENDS), "help": "inference backend (default: fastest installed)"})
    precision: str | None = field(default=None, metadata={
        "flag": "--precision", "choices": list(config.PRECISIONS),
        "help": "auto (default, or $COLORIZATION_PRECISION): int8 when its cached self-check on these weights "
                "passed; int8: forced, built on first use (onnxruntime only)"})
    device: str | None = None  # cuda or cpu, for ONNX Runtime; None: $COLORIZATION_DEVICE, else CUDA when present
    threads: int | None = None  # for one network run; None: $COLORIZATION_THREADS, else every core

    @classmethod
    def named(cls, values: Mapping[str, Any]) -> ModelSettings:
        """The settings found by name in `values` (a parsed command line, keyword arguments); the rest default."""
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})

    @staticmethod
    def flags() -> list[tuple[str, dict[str, Any]]]:
        """(flag, argparse keywords) of each setting the command line offers."""
        options = []
        for f in fields(ModelSettings):
            if "flag" in f.metadata:
                options.append((f.metadata["flag"], {"dest": f.name, "default": None, "help": f.metadata["help"],
                                                     "choices": f.metadata.get("choices")}))
        return options
