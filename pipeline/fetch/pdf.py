"""PDF downloads: cached by id and version, complete or not at all.

The file appears only whole (a temp file, then ``os.replace``), starts with
``%PDF-`` and ends with ``%%EOF``, and has the announced Content-Length.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import requests

from pipeline.cache_files import whole_file
from pipeline.config import Settings
from pipeline.errors import FetchError, PaperNotFoundError
from pipeline.fetch.client import shared_client
from pipeline.fetch.gate import GATE
from pipeline.fetch.retries import HINT_NETWORK, HINT_SERVER, Retryable, log, request_errors, status_failure, \
    timeout_seconds, with_retries
from pipeline.hashing import sha256_text
from pipeline.pdf_bytes import SNIFF_BYTES, looks_complete, looks_like_pdf
from pipeline.records import PaperMeta, versioned_id

CHUNK_BYTES = 64 * 1024  # bytes read from the socket at a time
ProgressFn = Callable[[int, "int | None"], None]

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
        stem = "_id-" + sha256_text(repr((meta.arxiv_id, meta.version)), 16)
    else:
        stem = "_url-" + sha256_text(meta.pdf_url or "", 16)
    return settings.cache / "pdfs" / f"{stem}.pdf"


_download_locks: dict[Path, threading.Lock] = {}
_download_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _download_locks_guard:
        return _download_locks.setdefault(path, threading.Lock())


def eprint_cache_path(meta: PaperMeta, settings: Settings) -> Path:
    """``<cache>/eprints/2310.03240v1.eprint``: named as the PDF is, one per version. (The e-print is
    :mod:`pipeline.fetch.eprint`'s; its place is named here, where the PDF may be taken from it.)"""
    return settings.cache / "eprints" / (pdf_cache_path(meta, settings).stem + ".eprint")


def on_disk(meta: PaperMeta, settings: Settings) -> bool:
    """Whether the paper's PDF can be had without a request: downloaded, or served as its e-print (arXiv's
    e-print of a paper with no source is its PDF)."""
    return is_cached(pdf_cache_path(meta, settings)) or is_cached(eprint_cache_path(meta, settings))


def is_cached(path: Path) -> bool:
    """Whether ``path`` holds a whole PDF: a file cut short (by any means) is downloaded again."""
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
            f.seek(max(path.stat().st_size - SNIFF_BYTES, 0))
            return looks_like_pdf(head) and looks_complete(f.read(SNIFF_BYTES))
    except OSError:
        return False


def announced_length(resp: requests.Response) -> int | None:
    """The body's length as the server announced it, or None: none given, or the length of an encoded body."""
    encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    length = resp.headers.get("Content-Length")
    return int(length) if length and length.isdigit() and not encoded else None


def _download_once(
    session: requests.Session, url: str, target: Path, settings: Settings, on_progress: ProgressFn | None
) -> Path:
    timeout = timeout_seconds(settings)
    with whole_file(target) as out:
        with GATE.slot(settings.arxiv_delay_seconds), request_errors(timeout):
            with session.get(url, stream=True, timeout=timeout, headers={"Accept": "application/pdf"}) as resp:
                failure = status_failure(resp)
                if failure is not None:
                    raise failure
                if resp.status_code in (404, 410):
                    raise PaperNotFoundError(f"arXiv has no PDF at {url}", hint=f"HTTP {resp.status_code}")
                if resp.status_code != 200:
                    raise FetchError(f"PDF download answered HTTP {resp.status_code} ({url})")
                content_type = resp.headers.get("Content-Type", "?")
                total = announced_length(resp)
                done, head, tail = 0, b"", b""
                for chunk in resp.iter_content(CHUNK_BYTES):
                    if not chunk:
                        continue
                    if len(head) < SNIFF_BYTES:
                        head += chunk[: SNIFF_BYTES - len(head)]
                        if len(head) >= SNIFF_BYTES and not looks_like_pdf(head):
                            break
                    tail = (tail + chunk)[-SNIFF_BYTES:]
                    out.write(chunk)
                    done += len(chunk)
                    if on_progress is not None:
                        on_progress(done, total)
        if not looks_like_pdf(head):
            raise Retryable(f"not a PDF (Content-Type {content_type}, starts {head[:16]!r})", hint=HINT_SERVER)
        if total is not None and done != total:
            raise Retryable(f"incomplete PDF ({done} of {total} bytes)", hint=HINT_NETWORK)
        if not looks_complete(tail):  # no Content-Length (chunked, or read to close): the end tells
            raise Retryable(f"incomplete PDF (no %%EOF at the end of its {done} bytes)", hint=HINT_NETWORK)
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
        if not is_cached(target) and is_cached(eprint := eprint_cache_path(meta, settings)):
            target.parent.mkdir(parents=True, exist_ok=True)
            with whole_file(target) as out, eprint.open("rb") as kept:
                shutil.copyfileobj(kept, out)
            log.info("the e-print of %s is its PDF: kept as %s, no download", meta.versioned_id, target)
        if is_cached(target):
            if on_progress is not None:
                size = target.stat().st_size
                on_progress(size, size)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        session = shared_client(settings).session
        return with_retries(
            f"PDF download of {meta.versioned_id or repr(meta.title)}",
            meta.pdf_url,
            settings,
            lambda: _download_once(session, meta.pdf_url, target, settings, on_progress),
        )
