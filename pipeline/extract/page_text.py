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
# Running headers: the same line on at least this share of the pages, and on at least this many of them.
RUNNING_SHARE = 0.4  # (some pages carry none: the first page, full-page figures and tables)
RUNNING_MIN_PAGES = 3  # (two pages alike by chance are no running header)
STAMP_CHAR_LINES = 15  # a run of this many one- or two-character lines may be the stamp set one character a line
STAMP_CHAR_WIDTH = 2  # (pypdf gives its characters one or two to a line)
TOC_MIN_LINES = 5  # a page with this many table-of-contents lines is a table of contents (and drops them)

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
        while j < len(lines) and len(lines[j].strip()) <= STAMP_CHAR_WIDTH:
            j += 1
        if j - i >= STAMP_CHAR_LINES:  # a run of one-character lines: the stamp set vertically?
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


FOOTNOTE_MIN_WORDS = 4  # a footnote's first line has this many words, or a URL; shorter is a label or a table cell
FOOTNOTE_ZONE = 12  # footnotes sit among a page's last this many lines (and in its lower half)
# A footnote set in the middle of the page's text, where a two-column page's left column ends ("... and a passage
# from" | "9The GLUE data set ..." | "Wikipedia containing the answer"): its number glued to a word of three
# letters or more, or to a URL, so a line that starts "3He" or "10Gb" is not taken for one.
_MID_FOOTNOTE = re.compile(r"^(\d{1,2})(?:[A-Z][a-z]{2,}|https?:|www\.)")
_NOTE_END = re.compile(r"[.!?][\"'”’)\]]?$|(?:https?://|www\.)\S+$")
MID_FOOTNOTE_LINES = 6  # a footnote mid-page ends a sentence within this many lines; one that runs on is no footnote
# Footnotes are numbered through the paper: one mid-page goes on from the last one found (a note or two may
# have been missed), and the first is 1, so a figure's axis ("75" / "80Accuracy [%]") is not taken for
# footnote 80, nor the second of two affiliations ("2Department of Physics, ...") for footnote 2.
FOOTNOTE_NUMBER_STEP = 3


def _heading(line: str) -> bool:
    return bool(NUMBERED_HEADING.match(line) or KEYWORD_HEADING.match(line))


def _footnotes(lines: list[str]) -> bool:
    """Whether these lines, the last of a page, are footnotes: the first starts with a mark, none is a heading."""
    first = lines[0]
    return bool(FOOTNOTE_START.match(first)) and (len(first.split()) >= FOOTNOTE_MIN_WORDS or "http" in first) \
        and not any(_heading(x) for x in lines)


def _mid_page_footnotes(lines: list[str], i: int, last: int) -> tuple[int, int]:
    """(how many lines from ``i`` are footnotes set mid-page, the last footnote's number): each note from a line
    that starts with the next footnote number glued to its text, to the line that ends its sentence (or URL);
    one note after another; no heading among them, and no note that runs into the next mark without an end
    (affiliations: "1Institute for Quantum Matter ..." / "2Department of Physics ...")."""
    j = i
    while j < len(lines):
        mark = _MID_FOOTNOTE.match(lines[j])
        expected = range(last + 1, last + FOOTNOTE_NUMBER_STEP + 1) if last else range(1, 2)
        if not mark or int(mark[1]) not in expected or not (
                len(lines[j].split()) >= FOOTNOTE_MIN_WORDS or "http" in lines[j] or "www." in lines[j]):
            break
        window = range(j, min(j + MID_FOOTNOTE_LINES, len(lines)))
        end = next((k for k in window if _NOTE_END.search(lines[k])), None)
        if end is None or any(_heading(x) or FOOTNOTE_START.match(x) for x in lines[j + 1:end + 1]):
            break
        j, last = end + 1, int(mark[1])
    return j - i, last


def _note_number(line: str, last: int) -> int:
    """The footnote number a marked line starts with, if it starts a note, else ``last``."""
    mark = re.match(r"\d{1,2}", line[1:]) if line.startswith(FOOTNOTE) and FOOTNOTE_START.match(line[1:]) else None
    return max(last, int(mark[0])) if mark else last


def strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers (same line, digits aside, at the edge of many pages),
    bare page numbers at the edges, and table-of-contents lines; mark footnotes (FOOTNOTE), at the
    foot of the page and, on a two-column page, at the foot of the left column in mid-page."""
    counts = Counter(k for lines in pages for k in {_key(x) for x in lines[:EDGE] + lines[-EDGE:]})
    need = max(RUNNING_MIN_PAGES, RUNNING_SHARE * len(pages))
    running = {k for k, n in counts.items() if n >= need and re.search("[a-z]{2}", k)}

    def furniture(line: str) -> bool:
        return _key(line) in running or bool(_PAGE_NUMBER.match(line.strip()))

    out = []
    last_note = 0  # the number of the last footnote found: they are numbered through the paper
    for lines in pages:
        lines = list(lines)
        for _ in range(EDGE):
            if lines and furniture(lines[0]):
                lines.pop(0)
            if lines and furniture(lines[-1]):
                lines.pop()
        bottom = range(max(len(lines) - FOOTNOTE_ZONE, len(lines) // 2), len(lines))
        foot = next((i for i in bottom if _footnotes(lines[i:])), None)
        if foot is not None:  # footnotes at the foot of the page
            lines = lines[:foot] + [FOOTNOTE + x for x in lines[foot:]]
        body, i = lines[:foot], 0  # (all of them when foot is None)
        while i < len(body):  # and footnotes at the foot of a left column, in mid-page
            notes, last_note = _mid_page_footnotes(body, i, last_note)
            lines[i:i + notes] = [FOOTNOTE + x for x in lines[i:i + notes]]
            i += notes or 1
        for line in lines[len(body):]:
            last_note = _note_number(line, last_note)
        toc = [x for x in lines if _TOC_LINE.match(x)]
        if len(toc) >= TOC_MIN_LINES:
            lines = [x for x in lines if not _TOC_LINE.match(x) and x.strip().lower() not in
                     {"contents", "table of contents"}]
        out.append(lines)
    return out
