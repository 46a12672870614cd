"""Turn a PDF (with pypdf) or a local text file into a Document: cleaned text split into sections.

This module reads the file within safety limits (pages, stream sizes, a time budget) and runs
the steps: each page's lines cleaned (page_text), section headings found over the whole paper
and each section's lines unwrapped into paragraphs (sections, paragraphs), title and authors
from the PDF's metadata or its first page (front_page).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

import pypdf
from pypdf.errors import DependencyError, LimitReachedError

from .errors import ExtractionError
from .front_page import FirstPage
from .page_text import clean_chars, remove_stamp, strip_page_furniture
from .records import Document
from .sections import split_sections

log = logging.getLogger(__name__)

MAX_PAGES = 1000
MIN_PAGE_CHARS = 40  # fewer non-space characters than this: the page has no usable text

# What one PDF may cost, so a hostile file (a decompression bomb, a page that replays a huge form
# thousands of times) cannot hang a night's run or exhaust memory. Memory and per-stream work:
# pypdf's own limits, tightened (its default lets one stream inflate to 75 MB, which takes it
# ~10 s to parse; content streams of real arXiv pages stay under 1 MB). Time: a budget for the
# whole file, checked at every page and every content-stream operator.
MAX_STREAM_BYTES = 16 * 2**20
TIME_BUDGET_SECONDS = 300.0
PYPDF_LIMITS = {
    "zlib_maximum_output_length": MAX_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_STREAM_BYTES,
    "stream_decoding_work_maximum_length": 2 * MAX_STREAM_BYTES,
}


def describe_pages(pages: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    runs: list[list[int]] = []
    for p in pages:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _open_pdf(path: Path, data: bytes) -> pypdf.PdfReader:
    header = b"%PDF-" in data[:1024]

    def unreadable(err: Exception) -> ExtractionError:
        if isinstance(err, (LimitReachedError, RecursionError)):
            return ExtractionError(f"{path}: the PDF exceeds safety limits ({err})", "it may be malicious")
        reason = "it is not a PDF (no %PDF header)" if not header else f"the PDF is damaged ({err})"
        return ExtractionError(f"{path}: {reason}")

    try:
        reader = pypdf.PdfReader(path)
    except Exception as err:
        raise unreadable(err) from err
    if reader.is_encrypted:  # before the pages: an encrypted page tree cannot be read without the key
        try:
            opened = reader.decrypt("")
        except DependencyError as err:  # AES needs the cryptography package
            raise ExtractionError(f"{path}: the PDF is encrypted; opening it needs {err}") from err
        except Exception as err:
            raise ExtractionError(f"{path}: the PDF is encrypted and cannot be opened ({err})") from err
        if not opened:
            raise ExtractionError(f"{path}: the PDF is encrypted with a password",
                                  "save an unencrypted copy, e.g. qpdf --decrypt --password=PW in.pdf out.pdf")
    try:
        count = len(reader.pages)
    except Exception as err:
        raise unreadable(err) from err
    if count == 0:
        raise ExtractionError(f"{path}: the PDF has no pages")
    if count > MAX_PAGES:
        raise ExtractionError(f"{path}: the PDF has {count} pages, more than the limit of {MAX_PAGES}")
    return reader


class _OutOfTime(Exception):
    """The extraction's time budget is spent (raised from pypdf's per-operator callback)."""


def _page_lines(page, deadline: float, visitor=None) -> tuple[list[str], str | None]:
    """A page's cleaned lines, and why it has (almost) no readable text, if it has none:
    "limits" (over pypdf's safety limits), "undecodable" (mostly U+FFFD) or "empty"."""

    def on_operator(*_) -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime

    try:
        raw = page.extract_text(extraction_mode="plain", visitor_text=visitor, visitor_operand_before=on_operator)
    except _OutOfTime:
        raise
    except (LimitReachedError, RecursionError):
        return [], "limits"
    except Exception:  # one broken page must not sink the paper: it is reported as unreadable
        raw = ""
    lines = remove_stamp([" ".join(x.split()) for x in clean_chars(raw).split("\n")])
    lines = [x for x in lines if x]
    if raw.count("\ufffd") > 0.5 * max(len(raw.strip()), 1):
        return lines, "undecodable"
    return lines, "empty" if sum(len(x.replace(" ", "")) for x in lines) < MIN_PAGE_CHARS else None


def _meaningful(value) -> str | None:
    """A metadata value (the PDF's /Title, /Author) worth using: not a placeholder or a file name."""
    value = " ".join(clean_chars(str(value or "")).split())
    bad = re.search(r"^(untitled|unknown|none|title)$|\.(pdf|tex|dvi|docx?|ps)$|^microsoft word", value, re.I)
    return value if len(value) >= 4 and not bad else None


def extract_pdf(path: str | Path, on_page: Callable[[int, int], None] | None = None) -> Document:
    """Read a PDF with pypdf into a Document: cleaned text by section, title, authors, page numbers.

    ``on_page(done, total)`` is called after each page, for a progress bar. Time and memory are
    bounded (``PYPDF_LIMITS``, ``TIME_BUDGET_SECONDS``, ``MAX_PAGES``); pages that cannot be read
    are listed in ``unreadable_pages``, or make an ExtractionError when they are most of the paper.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as err:  # ValueError: a NUL in the name
        raise ExtractionError(f"{path}: cannot read the file ({getattr(err, 'strerror', None) or err})") from err
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    with pypdf.apply_configuration(**PYPDF_LIMITS):
        reader = _open_pdf(path, data)
        first = FirstPage()
        pages, reasons = [], {}
        count = len(reader.pages)
        for number, page in enumerate(reader.pages, 1):
            try:
                if time.monotonic() > deadline:
                    raise _OutOfTime
                lines, why = _page_lines(page, deadline, first if number <= 2 and len(first.pieces) < 40 else None)
            except _OutOfTime:
                raise ExtractionError(
                    f"{path}: reading the PDF took longer than {TIME_BUDGET_SECONDS:g} s (stopped at page {number} of "
                    f"{count})", "it may be built to exhaust PDF readers; get a fresh copy") from None
            pages.append(lines)
            if why:
                reasons[number] = why
            if on_page:
                on_page(number, count)
        meta = reader.metadata or {}
    unreadable = sorted(reasons)
    _check_text_layer(path, data, len(pages), reasons)
    if unreadable:
        log.warning("%s: pages %s of %d could not be read", path, describe_pages(unreadable), len(pages))
    pages = strip_page_furniture(pages)
    sections = split_sections([(n, "\n".join(lines)) for n, lines in enumerate(pages, 1)])
    title, authors = first.title_and_authors()
    meta_authors = _meaningful(meta.get("/Author"))
    return Document(
        sections=sections, page_count=len(pages), source_path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        title=_meaningful(meta.get("/Title")) or title,
        authors=[a.strip() for a in re.split(r",|;|\band\b", meta_authors) if a.strip()] if meta_authors
        else authors,
        unreadable_pages=unreadable,
    )


def _check_text_layer(path: Path, data: bytes, count: int, reasons: dict[int, str]) -> None:
    """Raise when the unreadable pages are most of the paper (or its first two); a few are let through."""
    unreadable = sorted(reasons)
    if not unreadable or not (len(unreadable) * 2 >= count or unreadable[:2] == [1, 2]):
        return
    over = [p for p in unreadable if reasons[p] == "limits"]
    if over:
        raise ExtractionError(
            f"{path}: pages {describe_pages(over)} of {count} exceed the safety limits for reading a PDF "
            f"(more than {MAX_STREAM_BYTES >> 20} MiB from one stream, or too deeply nested)",
            "it may be a decompression bomb; get a fresh copy")
    garbled = [p for p in unreadable if reasons[p] == "undecodable"]
    if len(garbled) * 2 >= len(unreadable):
        raise ExtractionError(
            f"{path}: the text of pages {describe_pages(garbled)} of {count} cannot be decoded (mostly U+FFFD)",
            "its fonts have no Unicode map: run OCR (e.g. ocrmypdf --force-ocr) or get another copy")
    damaged = "" if b"%PDF-" in data[:1024] else "the file is damaged (no %PDF header at its start) and "
    hint = "it may be a scan or damaged: run OCR first (e.g. ocrmypdf) or get a fresh copy"
    if len(unreadable) == count:
        raise ExtractionError(f"{path}: {damaged}the PDF has no text layer", hint)
    raise ExtractionError(f"{path}: {damaged}pages {describe_pages(unreadable)} of {count} have no text layer", hint)


def extract_text_file(path: str | Path) -> Document:
    """A local .txt or .md file as the paper's text: one page; Markdown and plain headings both count."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as err:  # ValueError: a NUL in the name
        raise ExtractionError(f"{path}: cannot read the file ({getattr(err, 'strerror', None) or err})") from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ExtractionError(f"{path}: the file is not UTF-8 text ({err.reason})") from err
    lines = [" ".join(x.split()) for x in clean_chars(text.replace("\r\n", "\n")).split("\n")]
    if not any(lines):
        raise ExtractionError(f"{path}: the file is empty")
    at = next((i for i, x in enumerate(lines) if re.match(r"#\s", x)), None)
    title = lines[at][1:].strip() if at is not None else next(x for x in lines if x)
    body = lines[:at] + lines[at + 1:] if at is not None else lines  # the title is no section
    return Document(sections=split_sections([(1, "\n".join(body))], markdown=True), page_count=1, source_path=str(path),
                    sha256=hashlib.sha256(data).hexdigest(), title=title)
