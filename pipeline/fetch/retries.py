"""Retries for arXiv requests: which failures are worth another try, backoff, ``Retry-After``.

A request is one attempt (``attempt_once``); :func:`with_retries` repeats it on a
:class:`Retryable` failure (429, 5xx, timeouts, broken connections, empty pages,
not-a-PDF), backing off exponentially and honouring ``Retry-After``, and gives up
with a :class:`FetchError` naming the URL and the number of attempts.

Two failures are bounded more tightly than the backoff alone would:

- a connection that cannot be made at all (refused, no route, no such host) gets
  ``UNREACHABLE_ATTEMPTS`` quick tries, not the full backoff (see the constants);
- after a timeout, the backoff counts from the start of the attempt that timed out,
  which already waited ``arxiv_timeout_seconds`` on the server: a server that never
  answers costs about ``arxiv_timeout_seconds`` x attempts, not that plus the backoff.
"""

from __future__ import annotations

import email.utils
import errno
import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TypeVar

import requests
import urllib3

from pipeline.config import Settings
from pipeline.errors import ConfigError, FetchError
from pipeline.fetch.gate import GATE

log = logging.getLogger("pipeline.fetch")

MAX_BACKOFF_SECONDS = 60.0
MAX_RETRY_AFTER_SECONDS = 300.0


# A connection that cannot be made at all (refused, no route to the host, a name that does not resolve) fails
# at once, before any server has seen the request. arXiv under load answers 503 or slowly; it does not refuse
# connections, so this is the machine offline, a local stand-in not running, or a wrong URL, none of which a
# minute of backoff mends. One quick retry covers a server restarting or a network coming back; then we give up.
UNREACHABLE_ATTEMPTS = 2
UNREACHABLE_RETRY_SECONDS = 0.5
T = TypeVar("T")


class Retryable(Exception):
    """A failure worth retrying: 429, 5xx, timeout, broken connection, empty page, not-a-PDF.

    ``unreachable``: no connection could be made, so no server saw the request (the gate does not count it
    against the politeness delay, and it gets only ``UNREACHABLE_ATTEMPTS``). ``waited``: seconds the attempt
    spent waiting on the server before it failed (a timeout), which count towards the backoff.
    """

    def __init__(self, reason: str, retry_after: float | None = None, hint: str | None = None, *,
                 unreachable: bool = False, waited: float = 0.0):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.hint = hint
        self.unreachable = unreachable
        self.waited = waited


HINT_NETWORK = "check the network, or PAPERDRAFT_ARXIV_API_URL; arXiv may be down (https://status.arxiv.org)"
HINT_RATE = "arXiv is rate-limiting this machine; wait a few minutes, or raise arxiv_delay_seconds"
HINT_SERVER = "arXiv is having trouble; try again later (https://status.arxiv.org)"


def timeout_seconds(settings: Settings) -> float:
    """Per-request connect/read timeout."""
    if settings.arxiv_timeout_seconds <= 0:
        raise ConfigError(f"arxiv_timeout_seconds must be positive, got {settings.arxiv_timeout_seconds!r}")
    return settings.arxiv_timeout_seconds


def backoff_seconds(settings: Settings, attempt: int) -> float:
    """Wait after failed attempt ``attempt`` (1-based): delay, 2*delay, 4*delay, ... capped."""
    base = max(settings.arxiv_delay_seconds, 0.0)
    return min(base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def retry_wait(settings: Settings, attempt: int, exc: Retryable) -> float:
    """Seconds to wait after failed attempt ``attempt`` before the next, ``Retry-After`` aside.

    A connection that was never made: ``UNREACHABLE_RETRY_SECONDS``. Otherwise the backoff, less what the
    attempt already waited on the server (a timeout): the backoff is counted from the attempt's start.
    """
    if exc.unreachable:
        return UNREACHABLE_RETRY_SECONDS
    return max(backoff_seconds(settings, attempt) - exc.waited, 0.0)


def with_retries(what: str, url: str, settings: Settings, attempt_once: Callable[[], T]) -> T:
    attempts = max(settings.arxiv_retries, 0) + 1
    last: Retryable | None = None
    unreachable = 0
    attempt = 0
    while attempt < attempts:
        attempt += 1
        try:
            return attempt_once()
        except Retryable as exc:
            last = exc
            unreachable += exc.unreachable
            if attempt == attempts or unreachable >= UNREACHABLE_ATTEMPTS:
                break
            wait = retry_wait(settings, attempt, exc)
            if exc.retry_after is not None:
                if exc.retry_after > MAX_RETRY_AFTER_SECONDS:
                    raise FetchError(
                        f"{what} failed: arXiv asked to wait {exc.retry_after:.0f} s ({url})",
                        hint=exc.hint or HINT_RATE,
                    ) from None
                wait = max(wait, exc.retry_after)
            stays = f", {UNREACHABLE_ATTEMPTS} while unreachable" if exc.unreachable else ""
            log.warning("%s: %s (attempt %d of %d%s); retrying in %.2f s: %s", what, exc.reason, attempt, attempts,
                        stays, wait, url)
            GATE.defer(wait)
    assert last is not None
    raise FetchError(
        f"{what} failed after {attempt} attempt{'s' * (attempt != 1)}: {last.reason} ({url})",
        hint=last.hint or HINT_NETWORK,
    )


def status_failure(resp: requests.Response) -> Retryable | None:
    """A retryable failure for 429/408/5xx, else None."""
    status = resp.status_code
    if status == 429:
        return Retryable("HTTP 429 Too Many Requests", _retry_after(resp), HINT_RATE)
    if status == 408 or status >= 500:
        return Retryable(f"HTTP {status} {resp.reason or ''}".strip(), _retry_after(resp), HINT_SERVER)
    return None


def unreachable_reason(exc: BaseException) -> str | None:
    """Why no connection could be made ("connection refused", ...), if that is what ``exc`` (or any
    exception it wraps: requests -> urllib3 -> socket) says; None for any other failure."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, (socket.gaierror, urllib3.exceptions.NameResolutionError)):
            return "could not resolve the host name"
        if isinstance(e, ConnectionRefusedError):
            return "connection refused"
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "no route to the host (network unreachable)"
        wrapped = (getattr(e, "reason", None), e.__cause__, e.__context__, *e.args)
        todo.extend(w for w in wrapped if isinstance(w, BaseException))
    return None


@contextmanager
def request_errors(timeout: float) -> Iterator[None]:
    """Turn requests' exceptions into retryable failures, or a FetchError for a bad URL."""
    started = time.monotonic()
    try:
        yield
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema) as exc:
        raise FetchError(f"bad URL: {exc}", hint="check PAPERDRAFT_ARXIV_API_URL") from None
    except requests.Timeout:
        raise Retryable(f"no answer within {timeout:g} s (timeout)", waited=time.monotonic() - started) from None
    except requests.ConnectionError as exc:
        # requests reports a read that times out mid-body (iter_content) as a ConnectionError
        if exc.args and isinstance(exc.args[0], urllib3.exceptions.ReadTimeoutError):
            raise Retryable(f"the answer stalled for {timeout:g} s partway (timeout)",
                            waited=time.monotonic() - started) from None
        why = unreachable_reason(exc)
        if why is not None:
            raise Retryable(why, unreachable=True) from None
        raise Retryable(f"connection failed ({type(exc).__name__})") from None
    except requests.RequestException as exc:  # ChunkedEncodingError, ContentDecodingError, ...
        raise Retryable(f"response broken off ({type(exc).__name__})") from None
