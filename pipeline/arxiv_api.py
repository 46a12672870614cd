"""arXiv metadata and PDFs, fetched politely.

Every request to arXiv from this process, API queries and PDF downloads alike,
goes through one :data:`GATE`: at most one request in flight, and at least
``settings.arxiv_delay_seconds`` between the starts of two requests, across
threads (Prefect runs tasks in threads).

We use one shared ``arxiv.Client`` (arxiv 4.x) for what it does well: building
query URLs, paging, and parsing the Atom feed into ``arxiv.Result``. Its own
fetch loop is replaced (``_Client._parse_feed``): arxiv 4's loop retries at
once with no backoff, retries HTTP 400 answers that will never change, cannot
tell a 429 from any other status nor see ``Retry-After``, treats an empty first
page as "no results", and calls ``requests`` without a timeout. Ours backs off
exponentially, honours ``Retry-After``, gives up after ``settings.arxiv_retries``
retries with a :class:`FetchError` naming the URL and attempt count.

``arxiv.Result`` never leaves this module: callers get :class:`PaperMeta`.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import os
import re
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TypeVar

import arxiv
import requests
import urllib3
from arxiv import _feed

from .config import Settings
from .errors import ConfigError, FetchError, InvalidSourceError, PaperNotFoundError
from .records import PaperMeta, SourceRef, versioned_id

if not (hasattr(arxiv.Client, "_parse_feed") and hasattr(arxiv.Client, "_format_url")):  # pragma: no cover
    raise ImportError(f"pipeline.arxiv_api needs arxiv 4.x (Client._parse_feed); found arxiv {arxiv.__version__}")

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60.0
MAX_RETRY_AFTER_SECONDS = 300.0
PAGE_SIZE = 100
CHUNK_BYTES = 64 * 1024
USER_AGENT = f"paperdraft (arxiv.py/{arxiv.__version__}; python-requests/{requests.__version__})"

T = TypeVar("T")
ProgressFn = Callable[[int, "int | None"], None]


# --------------------------------------------------------------------------- gate


class PolitenessGate:
    """One request at a time, starts spaced by at least ``delay`` seconds, process-wide.

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
                self._last_start = time.monotonic()
                self.requests += 1
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield
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


# --------------------------------------------------------------------------- retries


class _Retryable(Exception):
    """A failure worth retrying: 429, 5xx, timeout, broken connection, empty page, not-a-PDF."""

    def __init__(self, reason: str, retry_after: float | None = None, hint: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.hint = hint


class _ApiError(Exception):
    """The API answered with its error entry (title "Error"): the request itself is wrong."""

    def __init__(self, summary: str):
        super().__init__(summary)
        self.summary = summary


_HINT_NETWORK = "check the network, or PAPERDRAFT_ARXIV_API_URL; arXiv may be down (https://status.arxiv.org)"
_HINT_RATE = "arXiv is rate-limiting this machine; wait a few minutes, or raise arxiv_delay_seconds"
_HINT_SERVER = "arXiv is having trouble; try again later (https://status.arxiv.org)"


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


def _with_retries(what: str, url: str, settings: Settings, attempt_once: Callable[[], T]) -> T:
    attempts = max(settings.arxiv_retries, 0) + 1
    last: _Retryable | None = None
    for attempt in range(1, attempts + 1):
        try:
            return attempt_once()
        except _Retryable as exc:
            last = exc
            if attempt == attempts:
                break
            wait = backoff_seconds(settings, attempt)
            if exc.retry_after is not None:
                if exc.retry_after > MAX_RETRY_AFTER_SECONDS:
                    raise FetchError(
                        f"{what} failed: arXiv asked to wait {exc.retry_after:.0f} s ({url})",
                        hint=exc.hint or _HINT_RATE,
                    ) from None
                wait = max(wait, exc.retry_after)
            log.warning("%s: %s (attempt %d of %d); retrying in %.2f s: %s", what, exc.reason, attempt, attempts, wait, url)
            GATE.defer(wait)
    assert last is not None
    raise FetchError(
        f"{what} failed after {attempts} attempts: {last.reason} ({url})",
        hint=last.hint or _HINT_NETWORK,
    )


def _status_failure(resp: requests.Response) -> _Retryable | None:
    """A retryable failure for 429/408/5xx, else None."""
    status = resp.status_code
    if status == 429:
        return _Retryable("HTTP 429 Too Many Requests", _retry_after(resp), _HINT_RATE)
    if status == 408 or status >= 500:
        return _Retryable(f"HTTP {status} {resp.reason or ''}".strip(), _retry_after(resp), _HINT_SERVER)
    return None


@contextmanager
def _request_errors(timeout: float) -> Iterator[None]:
    """Turn requests' exceptions into retryable failures, or a FetchError for a bad URL."""
    try:
        yield
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema) as exc:
        raise FetchError(f"bad URL: {exc}", hint="check PAPERDRAFT_ARXIV_API_URL") from None
    except requests.Timeout:
        raise _Retryable(f"no answer within {timeout:g} s (timeout)") from None
    except requests.ConnectionError as exc:
        # requests reports a read that times out mid-body (iter_content) as a ConnectionError
        if exc.args and isinstance(exc.args[0], urllib3.exceptions.ReadTimeoutError):
            raise _Retryable(f"the answer stalled for {timeout:g} s partway (timeout)") from None
        raise _Retryable(f"connection failed ({type(exc).__name__})") from None
    except requests.RequestException as exc:  # ChunkedEncodingError, ContentDecodingError, ...
        raise _Retryable(f"response broken off ({type(exc).__name__})") from None


# --------------------------------------------------------------------------- API


_ATOM = "{http://www.w3.org/2005/Atom}"


def _api_error(content: bytes) -> str | None:
    """The summary of the API's error entry (``<title>Error</title>``), if the feed is one."""
    if b"Error</title>" not in content:
        return None
    try:
        root = ET.fromstring(content)
    except ET.ParseError:
        return None
    for entry in root.iterfind(f"{_ATOM}entry"):
        if (entry.findtext(f"{_ATOM}title") or "").strip() == "Error":
            return " ".join((entry.findtext(f"{_ATOM}summary") or "unknown error").split())
    return None


def _fetch_feed_once(session: requests.Session, url: str, settings: Settings) -> _feed.ParsedFeed:
    timeout = timeout_seconds(settings)
    with GATE.slot(settings.arxiv_delay_seconds), _request_errors(timeout):
        resp = session.get(url, timeout=timeout)
        content = resp.content
    error = _api_error(content)
    if error is not None:
        raise _ApiError(error)
    failure = _status_failure(resp)
    if failure is not None:
        raise failure
    if resp.status_code != 200:
        raise FetchError(f"arXiv API answered HTTP {resp.status_code} ({url})", hint="arXiv may have changed its API")
    if b"http://www.w3.org/2005/Atom" not in content[:4096]:
        content_type = resp.headers.get("Content-Type", "?")
        raise _Retryable(f"not an Atom feed (Content-Type {content_type}, starts {content[:16]!r})", hint=_HINT_SERVER)
    feed = _feed.parse(content)
    if feed.malformed:
        raise _Retryable(f"unreadable feed ({feed.error})", hint=_HINT_SERVER)
    if not feed.results and feed.header.total_results > feed.header.start_index:
        raise _Retryable(
            f"empty page (totalResults={feed.header.total_results} but no entries)", hint=_HINT_SERVER
        )
    return feed


class _Client(arxiv.Client):
    """``arxiv.Client`` with our fetch: the gate, a timeout, backoff, Retry-After."""

    def __init__(self, settings: Settings):
        super().__init__(page_size=PAGE_SIZE, delay_seconds=0.0, num_retries=0)
        base = settings.arxiv_api_url.replace("{", "{{").replace("}", "}}")
        self.query_url_format = base + ("&" if "?" in base else "?") + "{}"
        self.settings = settings
        self._session.headers["User-Agent"] = USER_AGENT

    @property
    def session(self) -> requests.Session:
        return self._session

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> _feed.ParsedFeed:
        return _with_retries("arXiv API request", url, self.settings, lambda: _fetch_feed_once(self._session, url, self.settings))


_client_lock = threading.Lock()
_client: _Client | None = None
_client_key: tuple | None = None


def _key(settings: Settings) -> tuple:
    return (settings.arxiv_api_url, settings.arxiv_delay_seconds, settings.arxiv_retries, timeout_seconds(settings))


def shared_client(settings: Settings) -> _Client:
    """The process's one client; made on first use, remade only when the arXiv settings change."""
    global _client, _client_key
    key = _key(settings)
    with _client_lock:
        if _client is None or _client_key != key:
            if _client is not None:
                log.debug("arXiv settings changed; new client for %s", settings.arxiv_api_url)
            _client = _Client(settings)
            _client_key = key
        return _client


_VERSIONED = re.compile(r"(?P<id>.+?)v(?P<version>\d+)")


def _iso_date(dt: datetime | None) -> str | None:
    if dt is None or dt.year <= 1:
        return None
    return dt.date().isoformat()


def _to_meta(result: arxiv.Result) -> PaperMeta:
    short = result.get_short_id()
    m = _VERSIONED.fullmatch(short)
    arxiv_id, version = (m["id"], int(m["version"])) if m else (short, None)
    return PaperMeta(
        title=" ".join(result.title.split()),
        authors=[" ".join(a.name.split()) for a in result.authors],
        arxiv_id=arxiv_id,
        version=version,
        url=f"https://arxiv.org/abs/{short}",
        pdf_url=result.pdf_url,
        categories=list(result.categories),
        published=_iso_date(result.published),
        updated=_iso_date(result.updated),
        abstract=" ".join(result.summary.split()) or None,
    )


def fetch_metadata(ref: SourceRef, settings: Settings) -> PaperMeta:
    """Metadata for one arXiv paper: the given version, or the latest when none is given."""
    if ref.kind != "arxiv" or not ref.arxiv_id:
        raise InvalidSourceError(f"not an arXiv paper: {ref.raw!r}", hint="local files have no arXiv metadata")
    wanted = ref.versioned_id
    search = arxiv.Search(id_list=[wanted], max_results=1)
    try:
        results = list(shared_client(settings).results(search))
    except _ApiError as exc:
        raise PaperNotFoundError(f"arXiv has no paper {wanted}", hint=f"arXiv says: {exc.summary}") from None
    except FetchError as exc:  # name the paper: in a batch, the failure is this paper's alone
        raise FetchError(f"{wanted}: {exc.message}", hint=exc.hint) from None
    if not results:
        raise PaperNotFoundError(f"arXiv has no paper {wanted}", hint="check the id on https://arxiv.org")
    meta = _to_meta(results[0])
    if meta.arxiv_id != ref.arxiv_id or (ref.version is not None and meta.version != ref.version):
        raise PaperNotFoundError(
            f"arXiv has no paper {wanted}", hint=f"arXiv answered with {meta.versioned_id} instead"
        )
    if not meta.pdf_url:
        raise PaperNotFoundError(f"arXiv has no PDF for {meta.versioned_id}", hint="the paper may be withdrawn")
    return meta


def _run_search(search: arxiv.Search, settings: Settings) -> Iterator[PaperMeta]:
    try:
        for result in shared_client(settings).results(search):
            yield _to_meta(result)
    except _ApiError as exc:
        raise InvalidSourceError(f"arXiv rejected the query {search.query!r}: {exc.summary}") from None


def search(query: str, settings: Settings, max_results: int = 10) -> list[PaperMeta]:
    """Papers matching an arXiv query (``au:vaswani AND ti:attention``), by relevance."""
    if not query.strip():
        raise InvalidSourceError("empty arXiv query", hint="e.g. 'ti:transformer AND cat:cs.CL'")
    if max_results < 1:
        raise InvalidSourceError(f"max_results must be at least 1, got {max_results}")
    return list(_run_search(arxiv.Search(query=query.strip(), max_results=max_results), settings))


_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?")


def new_in_categories(
    categories: list[str], since: date, settings: Settings, max_results: int = 100
) -> list[PaperMeta]:
    """Papers first submitted on or after ``since`` in any of ``categories``, newest first."""
    if not categories:
        raise InvalidSourceError("no arXiv categories given", hint="e.g. cs.CL, cs.LG")
    bad = [c for c in categories if not _CATEGORY.fullmatch(c)]
    if bad:
        raise InvalidSourceError(f"not an arXiv category: {bad[0]!r}", hint="e.g. cs.CL, cs.LG, stat.ML")
    if max_results < 1:
        raise InvalidSourceError(f"max_results must be at least 1, got {max_results}")
    query = " OR ".join(f"cat:{c}" for c in categories)
    s = arxiv.Search(
        query=query,
        max_results=max_results,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Descending,
    )
    found: list[PaperMeta] = []
    for meta in _run_search(s, settings):
        if meta.published is not None and date.fromisoformat(meta.published) < since:
            break
        found.append(meta)
    return found


# --------------------------------------------------------------------------- PDFs


# An id we name the file after: arXiv's shapes, loosely (no "_", which stands for "/"; no trailing vN).
_SAFE_ID = re.compile(r"(?!.*v\d+$)[A-Za-z0-9][A-Za-z0-9.-]{0,63}(?:/[A-Za-z0-9.-]{1,32})?")


def pdf_cache_path(meta: PaperMeta, settings: Settings) -> Path:
    """``<cache>/pdfs/2106.09685v2.pdf``; old-style ids become ``hep-th_9901001v1.pdf``.

    Always one plain file name inside ``<cache>/pdfs``, and one per paper version: an id of
    any other shape (from a hostile or broken feed: ``../``, NUL, look-alikes, 300 bytes) is
    named by its hash (``_id-<hash>``; a "_" starts no safe name), so it can neither escape the
    folder nor share a file with another paper.
    """
    if meta.arxiv_id and _SAFE_ID.fullmatch(meta.arxiv_id):
        stem = versioned_id(meta.arxiv_id.replace("/", "_"), meta.version)
    elif meta.arxiv_id:
        stem = "_id-" + hashlib.sha256(repr((meta.arxiv_id, meta.version)).encode()).hexdigest()[:16]
    else:
        stem = "_url-" + hashlib.sha256((meta.pdf_url or "").encode()).hexdigest()[:16]
    return settings.cache / "pdfs" / f"{stem}.pdf"


def _looks_like_pdf(head: bytes) -> bool:
    return b"%PDF-" in head[:1024]


def _looks_complete(tail: bytes) -> bool:
    """A whole PDF ends with ``%%EOF`` (give or take trailing whitespace or junk); a cut one does not."""
    return b"%%EOF" in tail[-1024:]


_download_locks: dict[Path, threading.Lock] = {}
_download_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _download_locks_guard:
        return _download_locks.setdefault(path, threading.Lock())


def _cached(path: Path) -> bool:
    """Whether ``path`` holds a whole PDF: a file cut short (by any means) is downloaded again."""
    try:
        with path.open("rb") as f:
            head = f.read(1024)
            f.seek(max(path.stat().st_size - 1024, 0))
            return _looks_like_pdf(head) and _looks_complete(f.read(1024))
    except OSError:
        return False


def _download_once(
    session: requests.Session, url: str, target: Path, settings: Settings, on_progress: ProgressFn | None
) -> Path:
    timeout = timeout_seconds(settings)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            with GATE.slot(settings.arxiv_delay_seconds), _request_errors(timeout):
                with session.get(url, stream=True, timeout=timeout, headers={"Accept": "application/pdf"}) as resp:
                    failure = _status_failure(resp)
                    if failure is not None:
                        raise failure
                    if resp.status_code in (404, 410):
                        raise PaperNotFoundError(f"arXiv has no PDF at {url}", hint=f"HTTP {resp.status_code}")
                    if resp.status_code != 200:
                        raise FetchError(f"PDF download answered HTTP {resp.status_code} ({url})")
                    content_type = resp.headers.get("Content-Type", "?")
                    encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
                    length = resp.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() and not encoded else None
                    done, head, tail = 0, b"", b""
                    for chunk in resp.iter_content(CHUNK_BYTES):
                        if not chunk:
                            continue
                        if len(head) < 1024:
                            head += chunk[: 1024 - len(head)]
                            if len(head) >= 1024 and not _looks_like_pdf(head):
                                break
                        tail = (tail + chunk)[-1024:]
                        out.write(chunk)
                        done += len(chunk)
                        if on_progress is not None:
                            on_progress(done, total)
            if not _looks_like_pdf(head):
                raise _Retryable(f"not a PDF (Content-Type {content_type}, starts {head[:16]!r})", hint=_HINT_SERVER)
            if total is not None and done != total:
                raise _Retryable(f"incomplete PDF ({done} of {total} bytes)", hint=_HINT_NETWORK)
            if not _looks_complete(tail):  # no Content-Length (chunked, or read to close): the end tells
                raise _Retryable(f"incomplete PDF (no %%EOF at the end of its {done} bytes)", hint=_HINT_NETWORK)
            out.flush()
            os.fsync(out.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(out.fileno(), 0o644)  # mkstemp makes 0600
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("downloaded %s (%d bytes) to %s", url, done, target)
    return target


def download_pdf(meta: PaperMeta, settings: Settings, on_progress: ProgressFn | None = None) -> Path:
    """The paper's PDF in the cache, downloaded once; later calls make no request.

    The file appears only complete (temp file + ``os.replace``), starts with
    ``%PDF-``, and has the announced Content-Length. ``on_progress(bytes, total)``
    is called as it streams (``total`` is None when the server gives no length;
    a retried download counts again from 0), and once with ``(size, size)`` on a
    cache hit. Raises PaperNotFoundError (no pdf_url, HTTP 404/410) or FetchError.
    """
    if not meta.pdf_url:
        raise PaperNotFoundError(f"arXiv has no PDF for {meta.versioned_id or meta.title!r}")
    target = pdf_cache_path(meta, settings)
    with _lock_for(target):
        if _cached(target):
            if on_progress is not None:
                size = target.stat().st_size
                on_progress(size, size)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        session = shared_client(settings).session
        return _with_retries(
            f"PDF download of {meta.versioned_id or repr(meta.title)}",
            meta.pdf_url,
            settings,
            lambda: _download_once(session, meta.pdf_url, target, settings, on_progress),
        )


__all__ = [
    "GATE",
    "PolitenessGate",
    "backoff_seconds",
    "download_pdf",
    "fetch_metadata",
    "new_in_categories",
    "pdf_cache_path",
    "search",
    "shared_client",
    "timeout_seconds",
]
