"""The politeness gate: every request to arXiv from this process goes through :data:`GATE`.

At most one request in flight, and at least ``settings.arxiv_delay_seconds``
between the starts of two requests, across threads (Prefect runs tasks in
threads). arXiv asks for one request every 3 seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class PolitenessGate:
    """One request at a time, starts spaced by at least ``delay`` seconds, process-wide.

    A request that fails with an exception marked ``unreachable`` (no connection could be made:
    :class:`~pipeline.fetch.retries.Retryable`) reached no server, so the next start is spaced from
    the request before it instead.

    ``requests`` counts request starts and ``max_in_flight`` records the most
    requests ever in flight at once (always 1), so tests can check both.
    """

    def __init__(self) -> None:
        self._slot = threading.Lock()  # held for the whole of a request
        self._state = threading.Lock()  # guards the fields below
        self._last_start: float | None = None
        self._not_before = 0.0
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    @contextmanager
    def slot(self, delay: float) -> Iterator[None]:
        """Wait for our turn, then hold the gate while the request runs."""
        with self._slot:
            while True:
                with self._state:
                    earliest = self._not_before
                    if self._last_start is not None:
                        earliest = max(earliest, self._last_start + max(delay, 0.0))
                now = time.monotonic()
                if now >= earliest:
                    break
                time.sleep(earliest - now)
            with self._state:
                previous, self._last_start = self._last_start, time.monotonic()
                self.requests += 1
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield
            except BaseException as exc:
                if getattr(exc, "unreachable", False) is True:
                    # no connection was made, so no server saw a request: the delay counts from the one before
                    with self._state:
                        self._last_start = previous
                raise
            finally:
                with self._state:
                    self.in_flight -= 1

    def defer(self, seconds: float) -> None:
        """Start no request, from any thread, for ``seconds`` from now (backoff, Retry-After)."""
        with self._state:
            self._not_before = max(self._not_before, time.monotonic() + max(seconds, 0.0))

    def reset(self) -> None:
        """Forget past requests and deferrals (tests)."""
        with self._state:
            self._last_start = None
            self._not_before = 0.0
            self.requests = 0
            self.max_in_flight = self.in_flight


GATE = PolitenessGate()
