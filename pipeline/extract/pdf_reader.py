"""Reading a PDF within safety limits: the one way paperdraft opens a PDF (extraction and publish alike).

What one PDF may cost is bounded, so a hostile file (a decompression bomb, a page
that replays a huge form thousands of times) cannot hang a night's run or exhaust
memory. Memory and per-stream work: pypdf's own limits, tightened (its default lets
one stream inflate to 75 MB, which takes it ~10 s to parse; content streams of real
arXiv pages stay under 1 MB). Time: a budget for the whole file, checked at every
page and every content-stream operator (a page whose content is known to be small, ``UNGUARDED_BYTES``,
is read without the per-operator check, which costs pypdf twice the time). Pages: at most ``MAX_PAGES``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdf
from pypdf.errors import DependencyError, LimitReachedError

from pipeline.errors import ExtractionError
from pipeline.extract.page_text import clean_chars, remove_stamp
from pipeline.pdf_bytes import looks_like_pdf

MAX_PAGES = 1000
MIN_PAGE_CHARS = 40  # fewer non-space characters than this: the page has no usable text
UNDECODABLE_SHARE = 0.5  # a page more U+FFFD than this is set in fonts without a Unicode map: "undecodable"


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


def _open_pdf(path: Path, data: bytes) -> pypdf.PdfReader:
    header = looks_like_pdf(data)

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


# A page whose content, and the forms it draws, add up to less than this is read without the per-operator
# time check: pypdf then skips the content of forms that show no text (a figure's thousands of paths), which
# halves the time of a figure-heavy paper; and parsing this much takes well under a second.
UNGUARDED_BYTES = 4 * 2**20
MAX_FORM_DEPTH = 8  # forms drawing forms deeper than this: read with the time check
_DRAW_FORM = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")


def _forms(owner) -> dict:
    resources = owner.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    forms = resources.get("/XObject")
    return forms.get_object() if forms is not None else {}


def _parse_bound(page) -> int | None:
    """At most how many bytes of content pypdf parses for this page's text: its content, and each form's
    content (and the forms it draws, in turn) once per time it is drawn. None when that cannot be known
    simply (forms nested deeper than ``MAX_FORM_DEPTH``, or drawing themselves)."""
    costs: dict[int, int | None] = {}  # a form's cost, by object id, once known

    def cost(data: bytes, forms: dict, depth: int, inside: frozenset) -> int | None:
        total = len(data)
        for name in _DRAW_FORM.findall(data):
            ref = forms.get("/" + name.decode("latin-1"))
            form = ref.get_object() if ref is not None else None
            if form is None or form.get("/Subtype") != "/Form":
                continue
            key = id(form)
            if key in inside or depth >= MAX_FORM_DEPTH:
                return None  # a form that draws itself, or a nest too deep to add up
            if key not in costs:
                costs[key] = cost(form.get_data(), _forms(form) or forms, depth + 1, inside | {key})
            if costs[key] is None:
                return None
            total += costs[key]
            if total > UNGUARDED_BYTES:
                return total
        return total

    try:
        contents = page.get_contents()
        return cost(contents.get_data() if contents is not None else b"", _forms(page), 0, frozenset())
    except Exception:  # noqa: BLE001 - anything odd, a cycle or a deep nest: read it with the time check
        return None


def _page_lines(page, deadline: float, visitor=None) -> tuple[list[str], str | None]:
    """A page's cleaned lines, and why it has (almost) no readable text, if it has none:
    "limits" (over pypdf's safety limits), "undecodable" (mostly U+FFFD) or "empty"."""

    def on_operator(*_) -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime

    try:
        bound = _parse_bound(page) if visitor is None else None
        guard = None if bound is not None and bound <= UNGUARDED_BYTES else on_operator
        raw = page.extract_text(extraction_mode="plain", visitor_text=visitor, visitor_operand_before=guard)
    except _OutOfTime:
        raise
    except (LimitReachedError, RecursionError):
        return [], "limits"
    except Exception:  # one broken page must not sink the paper: it is reported as unreadable
        raw = ""
    lines = remove_stamp([" ".join(x.split()) for x in clean_chars(raw).split("\n")])
    lines = [x for x in lines if x]
    if raw.count("\ufffd") > UNDECODABLE_SHARE * max(len(raw.strip()), 1):
        return lines, "undecodable"
    return lines, "empty" if sum(len(x.replace(" ", "")) for x in lines) < MIN_PAGE_CHARS else None


@dataclass
class LimitedPdf:
    """An open PDF, its bytes, and the moment its time budget runs out."""

    path: Path
    data: bytes
    reader: pypdf.PdfReader
    deadline: float

    def page_lines(self, number: int, visitor=None) -> tuple[list[str], str | None]:
        """Page ``number`` (1-based) as cleaned lines, and why it has no readable text, if so (see ``_page_lines``)."""
        try:
            if time.monotonic() > self.deadline:
                raise _OutOfTime
            return _page_lines(self.reader.pages[number - 1], self.deadline, visitor)
        except _OutOfTime:
            raise ExtractionError(
                f"{self.path}: reading the PDF took longer than {TIME_BUDGET_SECONDS:g} s (stopped at page {number} "
                f"of {len(self.reader.pages)})", "it may be built to exhaust PDF readers; get a fresh copy") from None


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except (OSError, ValueError) as err:  # ValueError: a NUL in the name
        raise ExtractionError(f"{path}: cannot read the file ({getattr(err, 'strerror', None) or err})") from err


@contextmanager
def open_limited(path: str | Path) -> Iterator[LimitedPdf]:
    """Open ``path`` under ``PYPDF_LIMITS`` and start its ``TIME_BUDGET_SECONDS``; raises ExtractionError."""
    path = Path(path)
    data = read_bytes(path)
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    with pypdf.apply_configuration(**PYPDF_LIMITS):
        yield LimitedPdf(path, data, _open_pdf(path, data), deadline)


def first_page_text(path: str | Path) -> str:
    """The cleaned text of a PDF's first page, read within the same limits as extraction."""
    with open_limited(path) as pdf:
        lines, _ = pdf.page_lines(1)
    return "\n".join(lines)
