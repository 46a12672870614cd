"""Clean each page's text lines: normalise characters (ligatures, TeX accents, control characters),
drop the arXiv margin stamp, running headers and footers, page numbers and a table of contents,
and mark the footnotes at the foot of a page."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from pipeline.extract.paragraphs import FOOTNOTE, FOOTNOTE_START
from pipeline.extract.sections import KEYWORD_HEADING, NUMBERED_HEADING

EDGE = 3  # lines at the top and bottom of a page where headers, footers and page numbers live

_STAMP_ID = r"arXiv:\s*(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})v\d+\s*\[[\w.\-]+\]"
STAMP = re.compile(_STAMP_ID + r"(?:\s*\d{1,2}\s*[A-Z][a-z]{2}\s*\d{4})?")
_TRANSLATE = {ord(k): v for k, v in {
    "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st",
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202f": " ", "\t": " ",
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\ufffd": "",
}.items()}
_TRANSLATE.update({c: None for c in [*range(0, 9), 11, 12, *range(14, 32), 127]})
# pypdf emits TeX accents as a spacing accent before the letter ("Fern´andez"): recombine them.
_ACCENTS = {"´": "\u0301", "ˇ": "\u030c", "¨": "\u0308", "˜": "\u0303", "ˆ": "\u0302", "¸": "\u0327",
            "˘": "\u0306", "˚": "\u030a", "˝": "\u030b"}
_ACCENT_RE = re.compile(f"([{''.join(_ACCENTS)}])([A-Za-zı])")


# Some TeX fonts carry a wrong ToUnicode map, and pypdf reads their ff ligature as "↵" and ffi as U+0000
# ("e↵ective", "e\x00ciently" in 1410.0342). "↵" between letters means nothing else; U+0000 is taken for
# ffi only before the letters that follow ffi in English words (efficient, suffix, affine, affirm, affliction),
# so a stray NUL ("Ti\x00tle") is just dropped.
_BROKEN_LIGATURE = re.compile(r"(?<=[A-Za-z])(?:(↵)(?=[a-z])|\x00(?=[cxlnr]))")


def clean_chars(text: str) -> str:
    """Ligatures and odd spaces to plain text, TeX accents recombined, control characters dropped."""
    text = _BROKEN_LIGATURE.sub(lambda m: "ff" if m[1] else "ffi", text)
    text = text.translate(_TRANSLATE)  # first: a dropped control character may sit between accent and letter
    text = _ACCENT_RE.sub(lambda m: ("i" if m[2] == "ı" else m[2]) + _ACCENTS[m[1]], text)
    return unicodedata.normalize("NFC", text)


def remove_stamp(lines: list[str]) -> list[str]:
    """Drop the arXiv margin stamp: on one line, reversed, or one character per line."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and len(lines[j].strip()) <= 2:
            j += 1
        if j - i >= 15:  # a run of one-character lines: the stamp set vertically?
            run = "".join(line.strip() for line in lines[i:j])
            if STAMP.search(run) or STAMP.search(run[::-1]):
                i = j
                continue
        line = STAMP.sub("", lines[i])
        if line == lines[i] and STAMP.search(line[::-1]):
            line = STAMP.sub("", line[::-1])[::-1]
        if line.strip() or not lines[i].strip():
            out.append(line.strip() if line != lines[i] else line)
        i += 1
    return out


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


_PAGE_NUMBER = re.compile(r"^(page\s*)?(\d{1,4}|[ivxl]{1,6})(\s*(of|/)\s*\d{1,4})?$", re.I)
_TOC_LINE = re.compile(r"^(?:[A-Z]|\d{1,2})(?:\.\d{1,2})*\.?\s+\S.*?\s(?:\.\s?){2,}\s*\d{1,3}$|"
                       r"^(?:[A-Z]|\d{1,2})(?:\.\d{1,2})*\.?\s+[A-Z][^.]{1,80}?\s\d{1,3}$")


def _footnotes(lines: list[str]) -> bool:
    """Whether these lines, the last of a page, are footnotes: the first starts with a mark, none is a heading."""
    first = lines[0]
    return bool(FOOTNOTE_START.match(first)) and (len(first.split()) >= 4 or "http" in first) and not any(
        NUMBERED_HEADING.match(x) or KEYWORD_HEADING.match(x) for x in lines)


def strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers (same line, digits aside, at the edge of many pages),
    bare page numbers at the edges, and table-of-contents lines."""
    counts = Counter(k for lines in pages for k in {_key(x) for x in lines[:EDGE] + lines[-EDGE:]})
    need = max(3, 0.4 * len(pages))
    running = {k for k, n in counts.items() if n >= need and re.search("[a-z]{2}", k)}

    def furniture(line: str) -> bool:
        return _key(line) in running or bool(_PAGE_NUMBER.match(line.strip()))

    out = []
    for lines in pages:
        lines = list(lines)
        for _ in range(EDGE):
            if lines and furniture(lines[0]):
                lines.pop(0)
            if lines and furniture(lines[-1]):
                lines.pop()
        bottom = range(max(len(lines) - 12, len(lines) // 2), len(lines))
        foot = next((i for i in bottom if _footnotes(lines[i:])), None)
        if foot is not None:  # footnotes at the foot of the page
            lines = lines[:foot] + [FOOTNOTE + x for x in lines[foot:]]
        toc = [x for x in lines if _TOC_LINE.match(x)]
        if len(toc) >= 5:
            lines = [x for x in lines if not _TOC_LINE.match(x) and x.strip().lower() not in
                     {"contents", "table of contents"}]
        out.append(lines)
    return out
