"""Exceptions a user of the package may catch; each message is meant to be shown as is."""


class ColorizationError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(ColorizationError, ValueError):
    """The image or video given cannot be used (unreadable, damaged, too large, wrong shape)."""


class ModelUnavailableError(ColorizationError, RuntimeError):
    """No verified copy of the model files could be found or downloaded."""


class ModelInvalidError(ColorizationError, RuntimeError):
    """Model files were found but do not form a working colorization network."""


class Cancelled(ColorizationError):
    """A long job was stopped on request."""
