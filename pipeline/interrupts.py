"""Ctrl-C and SIGTERM while a file is being written: held back until the write is done, then reported.

:func:`deferred` holds both signals back for the length of a block (in the main
thread; elsewhere signals cannot be handled, so nothing changes). The caller
raises :class:`Interrupted` afterwards, carrying what the block finished, so the
CLI's last word is true: "written: …", then "interrupted".
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; ``result`` is what was finished before it took effect, if anything."""

    def __init__(self, signum: int, result: Any = None):
        super().__init__(signum)
        self.signum = signum
        self.result = result

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # what a shell reports for a process ended by the signal: 130, 143


@dataclass
class Pending:
    signum: int | None = None


@contextmanager
def deferred() -> Iterator[Pending]:
    """Hold SIGINT and SIGTERM back while the block runs; ``Pending.signum`` says whether one came."""
    pending = Pending()
    if threading.current_thread() is not threading.main_thread():
        yield pending
        return

    def hold(signum: int, frame: object) -> None:
        pending.signum = pending.signum or signum

    previous = {s: signal.signal(s, hold) for s in SIGNALS}
    try:
        yield pending
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def raise_on_sigterm() -> None:
    """Make SIGTERM end the process the way Ctrl-C does (an exception that unwinds, so terminals are restored)."""
    def on_term(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    signal.signal(signal.SIGTERM, on_term)
