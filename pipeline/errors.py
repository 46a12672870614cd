"""One error hierarchy. Every failure a user can meet is one of these::

    PaperdraftError                 exit 1 unless noted
    ├── InvalidSourceError          exit 2: not an arXiv id, URL, PDF or text file; a bad selection
    ├── ConfigError                 exit 2: a bad config file, environment variable or flag
    │   └── NoEditorError           exit 2: no editor to open a draft in
    ├── PaperNotFoundError          arXiv has no such paper, or no PDF for it
    ├── FetchError                  the network failed, after retries
    ├── ExtractionError             a PDF or text file could not be turned into text
    ├── ModelError                  the model could not be found, loaded or fitted
    ├── DraftConflictError          a draft exists and the author has edited it
    ├── DraftNotFoundError          no draft matches what the user named
    ├── WriteError                  a file could not be written; the old file is unchanged
    ├── NotReadyError               publish refused: the draft has check errors (``findings``)
    ├── PostConflictError           the post exists and paperdraft did not write it as it is now
    ├── PublishFormatError          exit 2: an unknown site generator
    └── PapersFailed                some papers of a flow run failed (``rows``: the whole report)

Each error carries a message that names the input and what went wrong, and an
optional hint that says what to do. The CLI prints them as one line; tests let
them propagate so they stay loud. All of them pickle (Prefect moves them between
processes), because their constructor arguments are their ``args``.
"""

from __future__ import annotations

from typing import Any


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
    """What the user typed is not an arXiv id, URL, PDF or text file; or a selection of papers is bad."""

    exit_code = 2


class ConfigError(PaperdraftError):
    """The config file, an environment variable or a flag holds a bad value."""

    exit_code = 2


class NoEditorError(ConfigError):
    """No editor could be found or started: a configuration problem."""


class PaperNotFoundError(PaperdraftError):
    """arXiv has no such paper, or it has no PDF."""


class FetchError(PaperdraftError):
    """The network failed, after retries."""


class ExtractionError(PaperdraftError):
    """A PDF or text file could not be turned into text: encrypted, damaged, no text layer."""


class ModelError(PaperdraftError):
    """The model could not be found or loaded, or its context is too small for the work."""


class DraftConflictError(PaperdraftError):
    """A draft exists and the author has edited it."""


class DraftNotFoundError(PaperdraftError):
    """No draft matches what the user named."""


class WriteError(PaperdraftError):
    """A file could not be written (a full disk, a quota, no permission); the old file is unchanged."""


class NotReadyError(PaperdraftError):
    """The draft has check errors; ``findings`` lists them (:class:`pipeline.author.check.Finding`)."""

    def __init__(self, message: str, hint: str | None = None, findings: list[Any] | None = None):
        super().__init__(message, hint)
        self.findings = list(findings or [])
        self.args = (message, hint, self.findings)


class PostConflictError(PaperdraftError):
    """The post exists and paperdraft did not write it as it is now."""


class PublishFormatError(PaperdraftError):
    """An unknown site generator."""

    exit_code = 2


class PapersFailed(PaperdraftError):
    """Some papers of a run failed (each with its own message); ``rows`` is the whole report."""

    def __init__(self, message: str, rows: list[dict[str, Any]], hint: str | None = None):
        super().__init__(message, hint)
        self.rows = rows
        self.args = (message, rows, hint)  # pickles: Prefect keeps it as the failed run's result

    def __repr__(self) -> str:  # the rows are for the report, not for a log line
        return f"PapersFailed({self.message!r}, <{len(self.rows)} rows>)"
