"""Exceptions a user of the package may catch; each message is a sentence meant to be shown as is.

Bad input from a user raises `InputError`; the shells (CLI, app) catch `ColorizationError` only,
so anything else is a bug and is reported as one.
"""

from __future__ import annotations


class ColorizationError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(ColorizationError, ValueError):
    """What the user gave cannot be used: an unreadable, damaged or too large file, or a value out of range."""


class OutputError(ColorizationError, OSError):
    """A result cannot be written where asked (it would replace an input or an existing file, or the OS refused)."""


class ModelUnavailableError(ColorizationError, RuntimeError):
    """No verified copy of the model files could be found or downloaded."""


class ModelInvalidError(ColorizationError, RuntimeError):
    """Model files were found but do not form a working colorization network."""


class Cancelled(ColorizationError):
    """A long job was stopped on request."""


def said(what: BaseException | str | bytes | None, *, first: bool = False, limit: int = 300,
         default: str = "") -> str:
    """One line of what a tool or an exception said, to quote in a message or a log line.

    The last non-blank line (where ffmpeg, OpenCV and a traceback put the reason), or the first with
    `first` (a Python exception's own sentence); stripped, cut to `limit` characters; `default` when
    there is no text at all. Bytes (a child process's stderr) are decoded, undecodable bytes replaced.
    """
    text = what.decode(errors="replace") if isinstance(what, bytes) else "" if what is None else str(what)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return default
    return (lines[0] if first else lines[-1])[:limit]
