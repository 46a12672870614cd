"""Turn a PDF (with pypdf) or a local text file into cleaned text, split into sections.

Per page: normalise characters (ligatures, TeX accents, control characters), drop the
arXiv margin stamp, running headers and footers, page numbers and a table of contents.
Then find the section headings over the whole paper, and unwrap each section's lines
into paragraphs of running text, remembering which page each piece came from.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pypdf
from pypdf.errors import DependencyError, LimitReachedError

from .errors import ExtractionError
from .records import Document, Section

log = logging.getLogger(__name__)

MAX_PAGES = 1000
MIN_PAGE_CHARS = 40  # fewer non-space characters than this: the page has no usable text
EDGE = 3  # lines at the top and bottom of a page where headers, footers and page numbers live

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

# ---------------------------------------------------------------- characters and lines

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


def clean_chars(text: str) -> str:
    """Ligatures and odd spaces to plain text, TeX accents recombined, control characters dropped."""
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
    return bool(_FOOTNOTE.match(first)) and (len(first.split()) >= 4 or "http" in first) and not any(
        _NUMBERED.match(x) or _KEYWORD_LINE.match(x) for x in lines)


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


# ---------------------------------------------------------------- headings and kinds

_KINDS = [
    ("references", r"^(references|bibliography|literature cited|works cited)$"),
    ("acknowledgements", r"acknowledge?ments?|^funding"),
    ("appendix", r"^(appendix|appendices|supplementary)"),
    ("abstract", r"^abstract$"),
    ("related_work", r"related work|prior work|previous work|literature review"),
    ("introduction", r"^introduction|^motivation"),
    ("background", r"background|preliminar"),
    ("limitations", r"limitation"),
    ("conclusion", r"conclu|^summary( and|$)|future work"),
    ("discussion", r"discussion|broader impact|ethic"),
    ("results", r"\bresults?\b|ablation"),
    ("experiments", r"experiment|evaluation|empirical|setup|benchmark"),
    ("method", r"method|approach|model|architecture|algorithm|framework|proposed|formulation"),
]
_OVERRIDES = {"results", "limitations", "discussion", "related_work", "conclusion"}
_LATE = {"experiments", "results", "discussion", "conclusion", "references"}
_SPECIAL = re.compile(r"^(abstract|references|bibliography|acknowledge?ments?|appendix|appendices)\b", re.I)
_KEYWORD_LINE = re.compile(
    r"^(abstract|introduction|related work|background|methods?|methodology|approach|experiments?|results|"
    r"discussion|limitations?|conclusions?( and future work)?|acknowledge?ments?|references|bibliography|"
    r"appendix|appendices|supplementary material)\s*:?$", re.I)
_RUN_IN = re.compile(r"^(acknowledge?ments?|abstract)(?:\s*[:.—–-]\s*|\s+)(?=[A-Z])(.+)$", re.I)
_APPENDIX_LINE = re.compile(r"^(appendix|appendices)\b(?!\s+[a-z](?<!for))", re.I)
_NUMBERED = re.compile(r"^(?P<num>[IVX]{1,5}|[A-Z](?:\.\d{1,2}){0,3}|\d{1,2}(?:\.\d{1,2}){0,3})"
                       r"(?P<dot>\.?)\s+(?P<title>[A-Z].*)$")
_STOP = {"of", "and", "the", "for", "in", "on", "with", "to", "a", "an", "from", "by", "via", "its", "at", "as",
         "or", "vs", "into", "over", "per"}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
          "XI": 11, "XII": 12, "XIII": 13, "XIV": 14, "XV": 15}


def keyword_kind(title: str) -> str | None:
    low = " ".join(title.lower().split())
    return next((kind for kind, pattern in _KINDS if re.search(pattern, low)), None)


def _title_ok(title: str, strict: bool = False) -> bool:
    words = title.split()
    if not words or len(title) > 100 or len(words) > 14 or title[-1] in ".,;=" or "et al" in title \
            or title.count(",") > 2:
        return False
    if sum(c.isalpha() for c in title) < 0.6 * sum(not c.isspace() for c in title):
        return False
    if strict:  # lettered/skipping headings: Title Case or UPPER CASE, no years
        big = [w for w in words if len(w) > 3 and w[0].isalpha()]
        return not re.search(r"\b(19|20)\d\d\b", title) and all(w[0].isupper() for w in big)
    return True


class _Numbering:
    """Accepts a numbered heading only where it continues the paper's numbering."""

    def __init__(self) -> None:
        self.path: tuple[int, ...] = ()
        self.dot: str | None = None
        self.roman = 0
        self.sub_letter = "@"  # REVTeX "A. Ordered phase" under roman sections
        self.letter = "@"  # appendix "A Proofs", "B.1 Setup"
        self.letter_path: tuple[int, ...] = ()

    @staticmethod
    def _next(path: tuple[int, ...], parts: tuple[int, ...], slack: int) -> bool:
        k = len(parts)
        cur = path[k - 1] if len(path) >= k else 0
        return parts[:-1] == path[: k - 1] and 1 <= parts[-1] - cur <= slack

    def accept(self, num: str, dot: str, title: str, appendix_mode: bool) -> int | None:
        """The heading's depth (1 = top level) if it fits the numbering, else None."""
        head, *rest = num.split(".")
        if head in _ROMAN and (self.roman or head == "I") and _ROMAN[head] == self.roman + 1 and not rest:
            self.roman, self.sub_letter = _ROMAN[head], "@"
            return 1
        if len(head) > 1 and head.isalpha():
            return None
        if head.isalpha() and not rest and dot and self.roman and not appendix_mode:
            if ord(head) == ord(self.sub_letter) + 1:
                self.sub_letter = head
                return 2
            return None
        if head.isalpha():
            if not appendix_mode or re.search(r"\b[A-Z]\.\s", title) or not (
                    _title_ok(title, strict=True) or len(title.split()) <= 6):
                return None
            if not rest and 1 <= ord(head) - ord(self.letter) <= 2:
                self.letter, self.letter_path = head, ()
                return 1
            parts = tuple(map(int, rest))
            if rest and head == self.letter and self._next(self.letter_path, parts, 2):
                self.letter_path = parts
                return 1 + len(parts)
            return None
        parts = (int(head), *map(int, rest))
        if self.letter != "@" or self.roman or (self.dot is not None and dot != self.dot):
            return None
        slack = 2 if len(parts) > 1 or _title_ok(title, strict=True) else 1
        if self._next(self.path, parts, slack) or (not self.path and parts == (0,)):
            self.path, self.dot = parts, dot
            return len(parts)
        return None


def _continue_title(title: str, following: list[str]) -> tuple[str, int]:
    """Join a heading's wrapped continuation lines ("Comparison of BERT, ELMo, and" + "OpenAI GPT")."""
    used = 0
    for line in following[:3]:
        last = re.sub(r"\W", "", title.split()[-1].lower()) if title.split() else ""
        wraps = last in _STOP or title.endswith((",", "-")) or (title.isupper() and line.isupper())
        if not wraps or len(line) > 60 or _NUMBERED.match(line) or line.endswith("."):
            break
        title, used = f"{title} {line.strip()}", used + 1
    return title, used


def _heading(lines: list[tuple[int, str]], i: int, numbering: _Numbering, appendix_mode: bool,
             numbered: int, markdown: bool) -> tuple[str, int, int, str, str | None, bool] | None:
    """(title, depth, continuation lines used, run-in text, kind from its words, numbered?) or None."""
    line = lines[i][1]
    if markdown and re.match(r"#{1,6}\s", line):
        title = line.lstrip("#").strip()
        m = _NUMBERED.match(title)
        depth = len(m["num"].split(".")) if m and not m["num"].isalpha() else 1
        return title, depth, 0, "", keyword_kind(m["title"] if m else title), False
    if _KEYWORD_LINE.match(line) or (_APPENDIX_LINE.match(line) and _title_ok(line)):
        if numbered >= 2 and not _SPECIAL.match(line):  # a numbered paper: "Results" alone is a table cell
            return None
        title, used = _continue_title(line.rstrip(":"), [x for _, x in lines[i + 1:]])
        return title, 1, used, "", keyword_kind(title), False
    m = _RUN_IN.match(line)
    if m and (m[1].lower().startswith("ack") or numbered == 0):
        return m[1], 1, 0, m[2], keyword_kind(m[1]), False
    m = _NUMBERED.match(line)
    if not m or not _title_ok(m["title"]):
        return None
    title, used = _continue_title(m["title"], [x for _, x in lines[i + 1:]])
    depth = numbering.accept(m["num"], m["dot"], title, appendix_mode)
    if depth is None:
        return None
    return f"{m['num']}{m['dot']} {title}", depth, used, "", keyword_kind(title), True


def split_sections(pages: list[tuple[int, str]], markdown: bool = False) -> list[Section]:
    """Find the headings in cleaned page texts (one line each) and split the paper into sections of
    running text. With ``markdown`` (text files), lines starting with "#" are headings too, and
    only blank lines end paragraphs."""
    lines = [(page, line.strip()) for page, text in pages for line in text.split("\n")]
    numbering = _Numbering()
    heads: list[tuple[str, str]] = [("Front matter", "front")]
    bodies: list[list[tuple[int, str]]] = [[]]
    stack: list[str] = []  # the kind at each heading depth
    seen, numbered, i = set(), 0, 0
    while i < len(lines):
        late = bool(seen & {"references", "appendix", "acknowledgements"})
        found = _heading(lines, i, numbering, late, numbered, markdown)
        if found is None:
            bodies[-1].append(lines[i])
            i += 1
            continue
        title, depth, used, run_in, own, is_numbered = found
        numbered += is_numbered
        parent = stack[min(depth - 1, len(stack)) - 1] if depth > 1 and stack else None
        if parent is None:
            kind = own or ("body" if seen & _LATE else "method")
        else:
            kind = own if own in _OVERRIDES and parent not in ("appendix", "references") else parent
        if late and kind not in ("acknowledgements", "references") and (
                "references" in seen or "appendix" in seen or depth == 1 and is_numbered):
            kind = "appendix"
        stack[depth - 1:] = [kind]
        seen.add(kind)
        heads.append((title, kind))
        bodies.append([(lines[i][0], run_in)] if run_in else [])
        i += 1 + used
    vocab = _vocabulary(line for body in bodies for _, line in body)
    full = _full_widths(lines)
    out = []
    for (title, kind), body in zip(heads, bodies):
        text, starts = unwrap(body, vocab, full, blank_only=markdown)
        if text:
            out.append(Section(title=title, kind=kind, text=text, page_starts=starts))
    return out


# ---------------------------------------------------------------- lines to running text

FOOTNOTE = "\x00"  # marks a footnote line in cleaned page text (control characters are gone by then)
_FOOTNOTE = re.compile(r"^(?:[∗†‡§¶*]+ ?|\d{1,2}(?=[A-Z][a-z]|https?:|www\.))\S")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_END = re.compile(r"[.!?:][\"'”’)\]]?\d?$")
_BULLET = re.compile(r"^([•◦▪·∙\-*–]|\((?:\d{1,2}|[a-z]|[ivx]{1,4})\)|\[\d+\])\s")


def _vocabulary(lines) -> tuple[set[str], set[str]]:
    """Words and hyphenated compounds that occur whole in the text (not the halves of a word split
    at a line end), to decide line-end hyphens."""
    words: set[str] = set()
    split = False
    for line in lines:
        found = _WORD.findall(line)
        if split and found:
            found = found[1:]
        split = line.endswith("-")
        words.update(w.lower() for w in (found[:-1] if split else found))
    return {w for w in words if "-" not in w}, {w for w in words if "-" in w}


def join_hyphen(left: str, right: str, vocab: tuple[set[str], set[str]] = (set(), set())) -> str:
    """Join a word split across a line end: "repre-" + "sentation", but keep "sequence-" + "aligned"."""
    head = re.search(r"([A-Za-z]+(?:-[A-Za-z]+)*)-$", left)
    tail = re.match(r"[a-z]+(?:-[A-Za-z]+)*", right)
    if not head or not tail:
        return left + right  # "GPT-" + "3", "Berkeley-" + "Parser"
    plain, hyphenated = vocab
    if (head[1] + tail[0]).lower() in plain:
        keep = False
    elif f"{head[1]}-{tail[0]}".lower() in hyphenated or "-" in head[1] or "-" in tail[0]:
        keep = True
    else:  # no evidence: two real words make a compound ("attention-based"), else a syllable break
        keep = all(len(p) >= 3 and p.lower() in plain for p in (head[1], tail[0]))
    return left + right if keep else left[:-1] + right


def _full_widths(lines: list[tuple[int, str]]) -> dict[int, int]:
    """The length of a full line on each page (the 80th percentile)."""
    widths: dict[int, list[int]] = {}
    for page, line in lines:
        if line:
            widths.setdefault(page, []).append(len(line))
    return {p: sorted(w)[int(0.8 * (len(w) - 1))] for p, w in widths.items()}


def unwrap(lines: list[tuple[int, str]], vocab: tuple[set[str], set[str]] = (set(), set()),
           full: dict[int, int] | None = None, blank_only: bool = False) -> tuple[str, list[tuple[int, int]]]:
    """Join a section's lines into paragraphs; a paragraph ends at a blank line, or at a line that
    ends a sentence well short of the full line width. Footnote lines (marked with FOOTNOTE) are
    held back to the next paragraph break, so they don't cut a sentence. Returns text, page starts."""
    full = full or _full_widths(lines)
    parts: list[str] = []  # the text so far, as pieces; "".join(parts) is the text
    starts: list[tuple[int, int]] = []
    size, last_page = 0, None
    notes: list[tuple[int, str]] = []

    def add(page: int, line: str, sep: str) -> None:
        nonlocal size, last_page
        if sep == " " and parts and parts[-1].endswith("-"):
            cut = parts[-1].rfind(" ") + 1
            joined = join_hyphen(parts[-1][cut:], line, vocab)
            piece, sep = joined[: len(joined) - len(line)], ""
            size += len(piece) - len(parts[-1]) + cut
            parts[-1] = parts[-1][:cut] + piece
        if page != last_page:
            starts.append((size + len(sep), page))
            last_page = page
        parts.append(sep + line)
        size += len(sep) + len(line)

    def flush() -> None:
        for i, (page, note) in enumerate(notes):
            add(page, note, "\n\n" if parts and (i == 0 or _FOOTNOTE.match(note)) else " " if parts else "")
        notes.clear()

    prev = ""
    for page, line in lines:
        if line.startswith(FOOTNOTE):
            notes.append((page, line[1:]))
            continue
        if not line:
            prev = "\n\n" if parts else ""
            continue
        if not parts:
            sep = ""
        elif prev == "\n\n" or _BULLET.match(line) or (
                not blank_only and _END.search(prev) and len(prev) < 0.85 * full.get(page, 80)):
            sep = "\n\n"
            flush()
        else:
            sep = " "
        add(page, line, sep)
        prev = line
    flush()
    return "".join(parts), starts


# ---------------------------------------------------------------- title and authors

_AFFILIATION = re.compile(
    r"@|https?:|www\.|universit|institut|college|school|department|dept\.|laborator|\blab\b|research|"
    r"google|microsoft|facebook|openai|deepmind|corporation|\binc\b|\bltd\b|\bteam\b|\bbrain\b|centre|"
    r"center|faculty|academy|\bieee\b|member|fellow|published|conference|workshop|proceedings|preprint|"
    r"dated|draft|january|february|march|april|may|june|july|august|september|october|november|december|"
    r"equal contribution|\busa\b|\buk\b|japan|china|germany|france|canada", re.I)
_NAME_WORD = re.compile(r"^(?:[A-Z\u00c0-\u024f\u0141][\w'’\-\u0300-\u036f]*\.?|van|von|de|del|der|da|di|le|la)$")


class _FirstPage:
    """A visitor for pypdf that notes each text piece's size and position on the title page."""

    def __init__(self) -> None:
        self.pieces: list[tuple[float, float, str]] = []  # size, y, text

    def __call__(self, text: str, cm, tm, font_dict, font_size) -> None:
        if text.strip() and abs(tm[1]) < 1e-6 and abs(tm[2]) < 1e-6 and not STAMP.search(text):
            scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
            self.pieces.append((float(font_size) * scale, tm[5] * cm[3] + cm[5], clean_chars(text)))

    def lines(self) -> list[tuple[float, str]]:
        """(largest size, text) per line of the page, superscripts (footnote marks) dropped."""
        rows: list[list[tuple[float, float, str]]] = []
        for piece in sorted(self.pieces, key=lambda p: -p[1]):  # top of the page first
            if rows and abs(rows[-1][-1][1] - piece[1]) < 3:
                rows[-1].append(piece)
            else:
                rows.append([piece])
        out = []
        for row in rows:
            big = max(size for size, _, _ in row)
            text = "|".join(t for size, _, t in row if size >= 0.75 * big)
            out.append((big, text))
        return out

    def title_and_authors(self) -> tuple[str | None, list[str]]:
        lines = [(size, text) for size, text in self.lines() if sum(c.isalpha() for c in text) >= 3]
        if not lines:
            return None, []
        top = max(size for size, _ in lines)
        first = next(i for i, (size, _) in enumerate(lines) if size >= 0.95 * top)
        end = first
        while end < len(lines) and lines[end][0] >= 0.95 * top:
            end += 1
        title = " ".join(text.replace("|", "") for _, text in lines[first:end])
        authors: list[str] = []
        for _, text in lines[end:end + 15]:
            plain = " ".join(text.replace("|", " ").split())
            if _KEYWORD_LINE.match(plain) or _RUN_IN.match(plain) or len(plain) > 120:
                break
            if not _AFFILIATION.search(plain):
                authors += _names(text)
        return _tidy_title(title), list(dict.fromkeys(authors))


def _names(line: str) -> list[str]:
    """Person names in an author line: split on separators, then into names by their shape."""
    names = []
    for part in re.split(r"\||,|;|\band\b|&|\s{2,}", line):
        if re.search(r"\d", part):
            continue
        words = part.split()
        if not words or not all(_NAME_WORD.match(w) for w in words):
            continue
        while words:  # "Jacob Devlin Ming-Wei Chang": given name(s), initials, surname
            take = 1
            while take < len(words) - 1 and re.fullmatch(r"[A-Z]\.", words[take]):
                take += 1
            take = min(take + 1, len(words)) if len(words) != 3 or "." in words[1] else 3
            names.append(" ".join(words[:take]))
            words = words[take:]
    return [n for n in names if " " in n]


def _tidy_title(title: str) -> str | None:
    title = " ".join(title.split())
    if len(title) < 4:
        return None
    if title.isupper():  # ADAM: A METHOD FOR ... -> Adam: A Method for ...
        words = title.lower().split()
        title = " ".join(w if i and w in _STOP else w[:1].upper() + w[1:] for i, w in enumerate(words))
    return title


def _meaningful(value) -> str | None:
    value = " ".join(clean_chars(str(value or "")).split())
    bad = re.search(r"^(untitled|unknown|none|title)$|\.(pdf|tex|dvi|docx?|ps)$|^microsoft word", value, re.I)
    return value if len(value) >= 4 and not bad else None


# ---------------------------------------------------------------- files

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
        first = _FirstPage()
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
