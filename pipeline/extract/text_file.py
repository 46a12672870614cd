"""A local .txt or .md file as the paper's text: one page, Markdown and plain headings both count.

A YAML front matter (``---`` ... ``---`` at the top, as Jekyll, Hugo and pandoc write it) gives the title and
authors and is no part of the text. Files are bounded in size, as PDFs are in pages and time.
"""

from __future__ import annotations

import re
from itertools import islice, takewhile
from pathlib import Path

import yaml

from pipeline.errors import ExtractionError
from pipeline.extract.front_page import looks_like_title, tidy_title
from pipeline.extract.page_text import clean_chars, remove_stamp
from pipeline.extract.sections import continue_title, split_sections
from pipeline.hashing import sha256_bytes
from pipeline.records import Document

# A text file this big is no paper: a PDF at its page limit (pdf_reader.MAX_PAGES, 1000 pages) holds about
# 4 MB of text, and the longest corpus paper (PaLM, 83 pages) 0.3 MB. Larger files take minutes before the
# first model call and hours of model time after it.
MAX_TEXT_BYTES = 10 * 2**20


def _read(path: Path) -> bytes:
    """The file's bytes, at most ``MAX_TEXT_BYTES`` of them; raises ExtractionError naming the size and the limit."""
    try:
        with path.open("rb") as f:
            size = path.stat().st_size
            if size > MAX_TEXT_BYTES:
                raise ExtractionError(_too_big(path, size), _TOO_BIG_HINT)
            data = f.read(MAX_TEXT_BYTES + 1)  # a FIFO or a growing file has no size to check beforehand
    except (OSError, ValueError) as err:  # ValueError: a NUL in the name
        raise ExtractionError(f"{path}: cannot read the file ({getattr(err, 'strerror', None) or err})") from err
    if len(data) > MAX_TEXT_BYTES:
        raise ExtractionError(_too_big(path, None), _TOO_BIG_HINT)
    return data


def _size(n: float, digits: int = 1) -> str:
    return f"{n / 2**20:.{digits}f} MiB" if n >= 2**20 else f"{n / 2**10:.{digits}f} KiB"


def _too_big(path: Path, size: int | None) -> str:
    what = f"is {_size(size)}" if size is not None else "holds more than that"
    return (f"{path}: the text file {what}, over the limit of {_size(MAX_TEXT_BYTES, 0)} for a paper's text "
            "(pipeline.extract.text_file.MAX_TEXT_BYTES)")


_TOO_BIG_HINT = "give the paper itself (its PDF, or its text alone), not a collection or a dump"


def extract_text_file(path: str | Path) -> Document:
    """A local .txt or .md file as the paper's text: one page; Markdown and plain headings both count."""
    path = Path(path)
    data = _read(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ExtractionError(f"{path}: the file is not UTF-8 text ({err.reason})") from err
    raw = clean_chars(text.replace("\r\n", "\n")).split("\n")
    front, raw = front_matter(raw)  # before lines are tidied: YAML nests by indentation
    lines = [" ".join(x.split()) for x in raw]
    if not any(lines):
        raise ExtractionError(f"{path}: the file is empty" + (" but for its front matter" if front else ""))
    at, title = _title(lines)
    body = lines[:at] + lines[at + 1:] if at is not None else lines  # a "# Title" is no section
    fm_title, fm_authors = _front_title(front), _front_authors(front)
    return Document(sections=split_sections([(1, "\n".join(body))], markdown=True), page_count=1, source_path=str(path),
                    sha256=sha256_bytes(data), title=fm_title or title, authors=fm_authors, text_from="text")


_FENCE = re.compile(r"^---$")
_FENCE_END = re.compile(r"^(---|\.\.\.)$")
FRONT_MATTER_LINES = 200  # a front matter closes within this many lines; an opening "---" with no close is a rule


def front_matter(lines: list[str]) -> tuple[dict, list[str]]:
    """(the YAML front matter as a mapping, the lines after it). A file that opens with ``---`` and closes it
    within ``FRONT_MATTER_LINES`` lines has one when YAML reads a mapping there; its lines are no part of the
    text. One YAML cannot read but that starts like one ("title: ...") is left out of the text too, and gives
    ``{}``: no title or authors from it, as a file without one. Anything else (no closing line; a block YAML
    reads as a string, a thematic break in Markdown) is text."""
    start = next((i for i, x in enumerate(lines) if x.strip()), None)
    if start is None or not _FENCE.match(lines[start].strip()):
        return {}, lines
    end = next((i for i in range(start + 1, min(len(lines), start + 1 + FRONT_MATTER_LINES))
                if _FENCE_END.match(lines[i].rstrip())), None)
    if end is None:
        return {}, lines
    block = lines[start + 1:end]
    try:
        meta = yaml.safe_load("\n".join(block))
    except yaml.YAMLError:
        first = next((x for x in block if x.strip()), "")
        return ({}, lines[end + 1:]) if _YAML_KEY.match(first) else ({}, lines)
    return (meta, lines[end + 1:]) if isinstance(meta, dict) else ({}, lines)


_YAML_KEY = re.compile(r"^[\w-]+\s*:(\s|$)")


def _text(value) -> str | None:
    """A front-matter value as one line of text, or None: a date, a number or a list is no title."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _front_title(front: dict) -> str | None:
    title = _text(front.get("title"))
    return title if title and re.search(r"\w", title) else None


def _front_authors(front: dict) -> list[str]:
    """``authors`` or ``author``: a list of names (or of {name: ...}, as pandoc writes them), or one string
    ("Ada Lovelace and Charles Babbage", "A. One; B. Two", "A. One, B. Two")."""
    value = front.get("authors", front.get("author"))
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        names = [_text(v.get("name") if isinstance(v, dict) else v) for v in value]
        return [n for n in names if n]
    text = _text(value)
    if not text:
        return []
    parts = [p.strip() for p in re.split(r";|\s+and\s+|\s*&\s*", text) if p.strip()]
    split = [q.strip() for p in parts for q in p.split(",") if q.strip()]
    # "Lovelace, Ada" is one name written surname first: split at commas only where each piece is a whole name
    return split if all(len(q.split()) > 1 for q in split) else parts


TITLE_SEARCH_LINES = 20  # the title is on the front page: among the file's first non-empty lines


def _title(lines: list[str]) -> tuple[int | None, str | None]:
    """(index of the "# Title" line, title): the first Markdown title near the top that looks like one, else
    the first plain line there that does (with its wrapped continuation), skipping the arXiv stamp, a venue
    or date line and table rows. (None, None) when no line looks like a title."""
    top = [i for i, x in enumerate(lines) if x][:TITLE_SEARCH_LINES]
    top = [i for i in top if re.search(r"[^\W\d_]", lines[i])]  # "---", "***", "===": a rule, never a title
    for i in top:
        if re.match(r"#\s", lines[i]) and looks_like_title(lines[i][1:]):
            return i, lines[i][1:].strip()
    for i in top:
        line = " ".join(remove_stamp([lines[i]]))  # "arXiv:1803.10963v2 [eess.AS] 25 Feb 2019 Attentive Pooling"
        if not line.startswith("#") and looks_like_title(line):
            following = list(takewhile(bool, islice(lines, i + 1, None)))
            title, _ = continue_title(line, following)  # "BERT: Pre-training of ... for" + "Language Understanding"
            return None, tidy_title(title)
    return None, None
