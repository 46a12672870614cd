"""A local .txt or .md file as the paper's text: one page, Markdown and plain headings both count."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import ExtractionError
from pipeline.extract.front_page import looks_like_title, tidy_title
from pipeline.extract.page_text import clean_chars, remove_stamp
from pipeline.extract.sections import continue_title, split_sections
from pipeline.hashing import sha256_bytes
from pipeline.records import Document


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
    at, title = _title(lines)
    body = lines[:at] + lines[at + 1:] if at is not None else lines  # a "# Title" is no section
    return Document(sections=split_sections([(1, "\n".join(body))], markdown=True), page_count=1, source_path=str(path),
                    sha256=sha256_bytes(data), title=title)


TITLE_SEARCH_LINES = 20  # the title is on the front page: among the file's first non-empty lines


def _title(lines: list[str]) -> tuple[int | None, str | None]:
    """(index of the "# Title" line, title): the first Markdown title near the top that looks like one, else
    the first plain line there that does (with its wrapped continuation), skipping the arXiv stamp, a venue
    or date line and table rows. (None, None) when no line looks like a title."""
    top = [i for i, x in enumerate(lines) if x][:TITLE_SEARCH_LINES]
    for i in top:
        if re.match(r"#\s", lines[i]) and looks_like_title(lines[i][1:]):
            return i, lines[i][1:].strip()
    for i in top:
        line = " ".join(remove_stamp([lines[i]]))  # "arXiv:1803.10963v2 [eess.AS] 25 Feb 2019 Attentive Pooling"
        if not line.startswith("#") and looks_like_title(line):
            following = []
            for x in lines[i + 1:]:
                if not x:
                    break
                following.append(x)
            title, _ = continue_title(line, following)  # "BERT: Pre-training of ... for" + "Language Understanding"
            return None, tidy_title(title)
    return None, None
