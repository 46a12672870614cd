"""Prefect's console logs, one line a record: an exception as ``Type: message``, not a traceback.

:func:`one_line_console_logs` gives Prefect's console handlers a formatter that prints each record on one
line (a :class:`~pipeline.errors.PapersFailed` as its message, not a ``repr`` holding every row), unless
``PAPERDRAFT_DEBUG`` is set. The records Prefect sends to its API (the UI's logs) keep their tracebacks.
"""

from __future__ import annotations

import logging
import os
from typing import Iterator



def debug() -> bool:
    return bool(os.environ.get("PAPERDRAFT_DEBUG"))


class OneLineFormatter(logging.Formatter):
    """Formats a record as ``inner`` would, without its traceback or stack, and with the exception's
    ``repr`` in the message shortened to ``Type: message``."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        if not (record.exc_info or record.exc_text or record.stack_info):
            return self.inner.format(record)
        line = logging.makeLogRecord(record.__dict__)  # a copy: other handlers see the record whole
        message = record.getMessage()
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            message = message.replace(repr(exc), f"{type(exc).__name__}: {exc}")
        line.msg, line.args = message, None
        line.exc_info, line.exc_text, line.stack_info = None, None, None
        return self.inner.format(line)


def _console_handlers() -> Iterator[logging.Handler]:
    from prefect.logging.handlers import APILogHandler

    loggers = [logging.getLogger()] + [lg for lg in logging.Logger.manager.loggerDict.values()
                                       if isinstance(lg, logging.Logger)]
    seen: set[int] = set()
    for lg in loggers:
        for handler in lg.handlers:
            if id(handler) in seen or isinstance(handler, APILogHandler):
                continue
            seen.add(id(handler))
            # Prefect's console handler and its debug handler; never another library's (pytest's, the user's)
            if isinstance(handler, logging.StreamHandler) and type(handler).__module__.startswith("prefect."):
                yield handler


def one_line_console_logs() -> int:
    """Make Prefect's console logs one line per record, unless PAPERDRAFT_DEBUG is set; how many handlers changed.

    Imports Prefect (its logging is configured at import), so call it after :func:`keep_prefect_local`.
    """
    if debug():
        return 0
    import prefect.main  # noqa: F401 - configures Prefect's logging (later calls only update levels)
    from prefect.logging.configuration import ensure_logging_setup

    ensure_logging_setup()

    changed = 0
    for handler in _console_handlers():
        if not isinstance(handler.formatter, OneLineFormatter):
            handler.setFormatter(OneLineFormatter(handler.formatter))
            changed += 1
    return changed
