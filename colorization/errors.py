"""Exceptions a user of the package may catch; each message is a sentence meant to be shown as is.

Bad input from a user raises `InputError`; the shells (CLI, app) catch `ColorizationError` only,
so anything else is a bug and is reported as one.
"""


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
