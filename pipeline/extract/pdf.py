"""Turn a PDF (with pypdf) into a Document: cleaned text split into sections.

This module reads the file through :mod:`pipeline.extract.pdf_reader` (pages, stream sizes, a time budget) and runs
the steps: each page's lines cleaned (page_text), section headings found over the whole paper
and each section's lines unwrapped into paragraphs (sections, paragraphs), title and authors
from the PDF's metadata or its first page (front_page).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path


from pipeline.errors import ExtractionError
from pipeline.extract.front_page import MIN_TITLE_CHARS, FirstPage
from pipeline.extract.page_text import clean_chars, strip_page_furniture
from pipeline.extract.pdf_reader import MAX_STREAM_BYTES, open_limited
from pipeline.extract.sections import split_sections
from pipeline.hashing import sha256_bytes
from pipeline.pdf_bytes import looks_like_pdf
from pipeline.records import Document

log = logging.getLogger(__name__)

FRONT_PIECES = 40  # text pieces of pages 1-2 that title and author detection looks at
FRONT_PAGES = 2  # the title is on page 1, or page 2 after a cover page (1411.3715)
UNREADABLE_SHARE = 0.5  # unreadable pages this share of the paper (or pages 1-2): no draft, an error instead
GARBLED_SHARE = 0.5  # of the unreadable pages mostly U+FFFD: the error says the fonts lack a Unicode map

def describe_pages(pages: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    runs: list[list[int]] = []
    for p in pages:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _meaningful(value) -> str | None:
    """A metadata value (the PDF's /Title, /Author) worth using: not a placeholder or a file name."""
    value = " ".join(clean_chars(str(value or "")).split())
    bad = re.search(r"^(untitled|unknown|none|title)$|\.(pdf|tex|dvi|docx?|ps)$|^microsoft word", value, re.I)
    return value if len(value) >= MIN_TITLE_CHARS and not bad else None


def extract_pdf(path: str | Path, on_page: Callable[[int, int], None] | None = None) -> Document:
    """Read a PDF with pypdf into a Document: cleaned text by section, title, authors, page numbers.

    ``on_page(done, total)`` is called after each page, for a progress bar. Time and memory are
    bounded (``PYPDF_LIMITS``, ``TIME_BUDGET_SECONDS``, ``MAX_PAGES``); pages that cannot be read
    are listed in ``unreadable_pages``, or make an ExtractionError when they are most of the paper.
    """
    with open_limited(path) as pdf:
        path, data = pdf.path, pdf.data
        first = FirstPage()
        pages, reasons = [], {}
        count = len(pdf.reader.pages)
        for number in range(1, count + 1):
            front = number <= FRONT_PAGES and len(first.pieces) < FRONT_PIECES
            lines, why = pdf.page_lines(number, first if front else None)
            pages.append(lines)
            if why:
                reasons[number] = why
            if on_page:
                on_page(number, count)
        meta = pdf.reader.metadata or {}
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
        sha256=sha256_bytes(data),
        title=_meaningful(meta.get("/Title")) or title,
        authors=[a.strip() for a in re.split(r",|;|\band\b", meta_authors) if a.strip()] if meta_authors
        else authors,
        unreadable_pages=unreadable,
    )


def _check_text_layer(path: Path, data: bytes, count: int, reasons: dict[int, str]) -> None:
    """Raise when the unreadable pages are most of the paper (or its first two); a few are let through."""
    unreadable = sorted(reasons)
    front_lost = unreadable[:FRONT_PAGES] == list(range(1, FRONT_PAGES + 1))
    if not unreadable or not (len(unreadable) >= UNREADABLE_SHARE * count or front_lost):
        return
    over = [p for p in unreadable if reasons[p] == "limits"]
    if over:
        raise ExtractionError(
            f"{path}: pages {describe_pages(over)} of {count} exceed the safety limits for reading a PDF "
            f"(more than {MAX_STREAM_BYTES >> 20} MiB from one stream, or too deeply nested)",
            "it may be a decompression bomb; get a fresh copy")
    garbled = [p for p in unreadable if reasons[p] == "undecodable"]
    if len(garbled) >= GARBLED_SHARE * len(unreadable):
        raise ExtractionError(
            f"{path}: the text of pages {describe_pages(garbled)} of {count} cannot be decoded (mostly U+FFFD)",
            "its fonts have no Unicode map: run OCR (e.g. ocrmypdf --force-ocr) or get another copy")
    damaged = "" if looks_like_pdf(data) else "the file is damaged (no %PDF header at its start) and "
    hint = "it may be a scan or damaged: run OCR first (e.g. ocrmypdf) or get a fresh copy"
    if len(unreadable) == count:
        raise ExtractionError(f"{path}: {damaged}the PDF has no text layer", hint)
    raise ExtractionError(f"{path}: {damaged}pages {describe_pages(unreadable)} of {count} have no text layer", hint)
