"""E-print downloads (the paper's LaTeX source): cached by id and version, complete or not at all.

arXiv's e-print is a gzipped tar, a plain gzip of one ``.tex``, or the PDF alone for a paper without
source; what it holds is :mod:`pipeline.extract.latex.archive`'s business (and treated as hostile there).
Here the download goes through the same politeness gate, retries and session as the PDF's
(:mod:`pipeline.fetch.pdf`): it appears only whole (a temp file, then ``os.replace``), has the announced
Content-Length, starts as an e-print does (gzip, tar, PDF or TeX), and is at most ``MAX_EPRINT_BYTES``.
"""

from __future__ import annotations

from pathlib import Path

import requests

from pipeline.cache_files import whole_file
from pipeline.config import Settings
from pipeline.errors import FetchError, PaperNotFoundError
from pipeline.fetch.client import shared_client
from pipeline.fetch.gate import GATE
from pipeline.fetch.pdf import CHUNK_BYTES, _lock_for, announced_length, eprint_cache_path
from pipeline.fetch.retries import HINT_NETWORK, HINT_SERVER, Retryable, log, request_errors, status_failure, \
    timeout_seconds, with_retries
from pipeline.records import PaperMeta

# arXiv caps a submission at 50 MB compressed; four times that is no real e-print.
MAX_EPRINT_BYTES = 200 << 20


def eprint_url(meta: PaperMeta) -> str | None:
    """The e-print's URL: the one arXiv's API gave (``Result.source_url()``), else the PDF's with /src/."""
    if meta.source_url:
        return meta.source_url
    return meta.pdf_url.replace("/pdf/", "/src/") if meta.pdf_url and "/pdf/" in meta.pdf_url else None


def looks_like_eprint(head: bytes) -> bool:
    """A gzip, a tar, a PDF or a TeX file, by their first bytes: never an HTML error page."""
    if head.startswith((b"\x1f\x8b", b"%PDF")) or head[257:262] == b"ustar":
        return True
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text[:1] in (b"\\", b"%") and not text.lower().startswith((b"<!doctype", b"<html"))


def _download_once(session: requests.Session, url: str, target: Path, settings: Settings) -> Path:
    timeout = timeout_seconds(settings)
    with whole_file(target) as out:
        with GATE.slot(settings.arxiv_delay_seconds), request_errors(timeout):
            with session.get(url, stream=True, timeout=timeout) as resp:
                failure = status_failure(resp)
                if failure is not None:
                    raise failure
                if resp.status_code in (403, 404, 410):
                    raise PaperNotFoundError(f"arXiv has no source at {url}", hint=f"HTTP {resp.status_code}")
                if resp.status_code != 200:
                    raise FetchError(f"e-print download answered HTTP {resp.status_code} ({url})")
                total = announced_length(resp)
                if total is not None and total > MAX_EPRINT_BYTES:
                    raise FetchError(f"the e-print at {url} is {total} bytes, more than {MAX_EPRINT_BYTES}")
                done, head = 0, b""
                for chunk in resp.iter_content(CHUNK_BYTES):
                    head += chunk[: max(512 - len(head), 0)]
                    out.write(chunk)
                    done += len(chunk)
                    if done > MAX_EPRINT_BYTES:
                        raise FetchError(f"the e-print at {url} is more than {MAX_EPRINT_BYTES} bytes")
        if not head or not looks_like_eprint(head):
            raise Retryable(f"not an e-print (starts {head[:16]!r})", hint=HINT_SERVER)
        if total is not None and done != total:
            raise Retryable(f"incomplete e-print ({done} of {total} bytes)", hint=HINT_NETWORK)
    log.info("downloaded %s (%d bytes) to %s", url, done, target)
    return target


def download_eprint(meta: PaperMeta, settings: Settings) -> Path:
    """The paper's e-print in the cache, downloaded once; later calls make no request.

    Raises PaperNotFoundError (no source URL, HTTP 403/404/410) or FetchError (after the retries).
    """
    url = eprint_url(meta)
    if not url:
        raise PaperNotFoundError(f"arXiv has no source for {meta.versioned_id or meta.title!r}")
    target = eprint_cache_path(meta, settings)
    with _lock_for(target):
        if target.is_file() and target.stat().st_size > 0:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        session = shared_client(settings).session
        return with_retries(f"e-print download of {meta.versioned_id or repr(meta.title)}", url, settings,
                            lambda: _download_once(session, url, target, settings))
