"""The one ``arxiv.Client`` of the process, with our own fetch loop. The only user of arxiv's private API.

We use arxiv 4's ``Client`` for what it does well: building query URLs, paging,
and parsing the Atom feed into ``arxiv.Result``. Its fetch loop is replaced
(``Client._parse_feed``): arxiv 4's loop retries at once with no backoff,
retries HTTP 400 answers that will never change, cannot tell a 429 from any
other status nor see ``Retry-After``, treats an empty first page as "no
results", and calls ``requests`` without a timeout. Ours goes through the
gate, backs off (:mod:`pipeline.fetch.retries`), and has a timeout.

The private names used here, ``Client._parse_feed`` (called by ``Client._results``),
``Client._session`` and ``arxiv._feed`` (``parse``, ``ParsedFeed``), were read in arxiv
``ARXIV_API_PINNED``; ``check_arxiv_api`` fails loudly at import on any other
minor version, or when one of them is gone (``tests/test_arxiv_private_api.py``).
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
import xml.etree.ElementTree as ET

import arxiv
import requests
from arxiv import _feed

from pipeline.config import Settings
from pipeline.errors import FetchError
from pipeline.fetch.gate import GATE
from pipeline.fetch.retries import HINT_SERVER, Retryable, log, request_errors, status_failure, timeout_seconds, \
    with_retries

ARXIV_API_PINNED = "4.0"  # the arxiv minor version whose private API this module was written against
PAGE_SIZE = 100  # results per API page; the API allows up to 2000, smaller pages retry cheaper
USER_AGENT = f"paperdraft (arxiv.py/{arxiv.__version__}; python-requests/{requests.__version__})"
_FEED_FIELDS = {"header", "results", "malformed", "error"}  # what _fetch_feed_once reads of a ParsedFeed


def _names_used(function: object) -> tuple[str, ...]:
    """The global and attribute names a function's code uses (``self._parse_feed`` gives "_parse_feed")."""
    return getattr(getattr(function, "__code__", None), "co_names", ())


def _field_names(cls: object) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()


def check_arxiv_api(version: str = arxiv.__version__) -> None:
    """Raise ImportError unless the installed arxiv has the private API this module overrides, as pinned."""
    minor = ".".join(version.split(".")[:2])
    if minor != ARXIV_API_PINNED:
        raise ImportError(f"pipeline.fetch.client was written against arxiv {ARXIV_API_PINNED}.x's private API "
                          f"(Client._parse_feed, Client._session, arxiv._feed); found arxiv {version}. "
                          "Pin arxiv in pyproject.toml, or port this module and bump ARXIV_API_PINNED.")
    missing = [name for name, ok in (
        ("Client._parse_feed", callable(getattr(arxiv.Client, "_parse_feed", None))),
        ("Client._results calling self._parse_feed", "_parse_feed" in _names_used(getattr(arxiv.Client, "_results", None))),
        ("arxiv._feed.parse", callable(getattr(_feed, "parse", None))),
        ("arxiv._feed.ParsedFeed", hasattr(_feed, "ParsedFeed")),
        ("ParsedFeed(header, results, malformed, error)", _FEED_FIELDS <= _field_names(getattr(_feed, "ParsedFeed", None))),
        ("Client._session", isinstance(getattr(arxiv.Client(), "_session", None), requests.Session)),
    ) if not ok]
    if not missing and list(inspect.signature(arxiv.Client._parse_feed).parameters)[:2] != ["self", "url"]:
        missing.append("Client._parse_feed(self, url, ...)")
    if missing:
        raise ImportError(f"arxiv {version} lacks the private API pipeline.fetch.client overrides: {', '.join(missing)}")


check_arxiv_api()

_ATOM = "{http://www.w3.org/2005/Atom}"


class ApiError(Exception):
    """The API answered with its error entry (title "Error"): the request itself is wrong."""

    def __init__(self, summary: str):
        super().__init__(summary)
        self.summary = summary


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
    with GATE.slot(settings.arxiv_delay_seconds), request_errors(timeout):
        resp = session.get(url, timeout=timeout)
        content = resp.content
    error = _api_error(content)
    if error is not None:
        raise ApiError(error)
    failure = status_failure(resp)
    if failure is not None:
        raise failure
    if resp.status_code != 200:
        raise FetchError(f"arXiv API answered HTTP {resp.status_code} ({url})", hint="arXiv may have changed its API")
    if b"http://www.w3.org/2005/Atom" not in content[:4096]:
        content_type = resp.headers.get("Content-Type", "?")
        raise Retryable(f"not an Atom feed (Content-Type {content_type}, starts {content[:16]!r})", hint=HINT_SERVER)
    feed = _feed.parse(content)
    if feed.malformed:
        raise Retryable(f"unreadable feed ({feed.error})", hint=HINT_SERVER)
    if not feed.results and feed.header.total_results > feed.header.start_index:
        raise Retryable(
            f"empty page (totalResults={feed.header.total_results} but no entries)", hint=HINT_SERVER
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
        return with_retries("arXiv API request", url, self.settings, lambda: _fetch_feed_once(self._session, url, self.settings))


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
