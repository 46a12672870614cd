"""One error hierarchy. Every failure a user can meet is one of these.

Each error carries a message that names the input and what went wrong, and an
optional hint that says what to do. The CLI prints them as one line; tests let
them propagate so they stay loud. All of them pickle (Prefect moves them
between processes), because their constructor arguments are their ``args``.
"""

from __future__ import annotations


class PaperdraftError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message, hint)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InvalidSourceError(PaperdraftError):
    """What the user typed is not an arXiv id, URL, PDF or text file."""

    exit_code = 2


class ConfigError(PaperdraftError):
    """The config file or an environment variable holds a bad value."""

    exit_code = 2


class PaperNotFoundError(PaperdraftError):
    """arXiv has no such paper, or it has no PDF."""


class FetchError(PaperdraftError):
    """The network failed, after retries."""


class ExtractionError(PaperdraftError):
    """A PDF or text file could not be turned into text: encrypted, damaged, no text layer."""


class ModelError(PaperdraftError):
    """The model could not be found or loaded."""


class DraftConflictError(PaperdraftError):
    """A draft exists and the author has edited it."""


class WriteError(PaperdraftError):
    """A file could not be written (a full disk, a quota, no permission); the old file is unchanged."""
