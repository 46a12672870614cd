"""A local .txt or .md file as the paper's text: one page, Markdown and plain headings both count."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import ExtractionError
from pipeline.extract.page_text import clean_chars
from pipeline.extract.sections import split_sections
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
    at = next((i for i, x in enumerate(lines) if re.match(r"#\s", x)), None)
    title = lines[at][1:].strip() if at is not None else next(x for x in lines if x)
    body = lines[:at] + lines[at + 1:] if at is not None else lines  # the title is no section
    return Document(sections=split_sections([(1, "\n".join(body))], markdown=True), page_count=1, source_path=str(path),
                    sha256=sha256_bytes(data), title=title)
