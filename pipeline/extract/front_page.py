"""The paper's title and authors from its first page: the title is the largest type at the top,
the authors are the name-shaped lines under it that are not affiliations."""

from __future__ import annotations

import math
import re

from pipeline.extract.page_text import STAMP, clean_chars
from pipeline.extract.sections import (
    KEYWORD_HEADING,
    NUMBERED_HEADING,
    RUN_IN_HEADING,
    STOP_WORDS,
    reads_like_title,
)

_AFFILIATION = re.compile(
    r"@|https?:|www\.|universit|institut|college|school|department|dept\.|laborator|\blab\b|research|"
    r"google|microsoft|facebook|openai|deepmind|corporation|\binc\b|\bltd\b|\bteam\b|\bbrain\b|centre|"
    r"center|faculty|academy|\bieee\b|member|fellow|published|conference|workshop|proceedings|preprint|"
    r"dated|draft|january|february|march|april|may|june|july|august|september|october|november|december|"
    r"equal contribution|\busa\b|\buk\b|japan|china|germany|france|canada", re.I)
# Lines at the top of a page that are not the title: the venue or status of the paper, and dates
# ("Published as a conference paper at ICLR 2015", "November 17, 2014 DRAFT", "Preprint. Under review.").
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_RUNNING_HEAD = re.compile(
    r"^(?:published|accepted|under review|to appear|appeared in|preprint|proceedings of|in proceedings|journal of|"
    r"technical report|copyright)\b|\bconference paper\b|\bdraft$|"
    rf"\b{_MONTH}\s+\d{{1,2}},?\s+(?:19|20)\d\d\b|\b\d{{1,2}}\s+{_MONTH}\s+(?:19|20)\d\d\b", re.IGNORECASE)
_CONTACT = re.compile(r"@|https?:|www\.")
MIN_TITLE_CHARS = 4  # shorter is a page number or a stray mark, not a title
TITLE_MAX_CHARS = 250  # the longest arXiv titles run to about 200 characters
MIN_LINE_LETTERS = 3  # a line of the title page with fewer letters is a page number, a mark or a rule
# Most of a title's tokens are words (two letters or more): "layers 1+2n 2n 2n", a table row, has one in four,
# while "An Image Is Worth 16x16 Words" or "word2vec Parameter Learning Explained" are all words.
TITLE_WORD_SHARE = 0.5


def looks_like_title(line: str) -> bool:
    """Whether a line of text can be (the start of) a paper's title: words of a title's length, and not the
    arXiv stamp, a venue or date line, an address, a section heading or a table row."""
    text = " ".join(line.split())
    tokens = text.split()
    if not MIN_TITLE_CHARS <= len(text) <= TITLE_MAX_CHARS or sum(c.isalpha() for c in text) < MIN_LINE_LETTERS:
        return False
    if STAMP.search(text) or _RUNNING_HEAD.search(text) or _CONTACT.search(text) or KEYWORD_HEADING.match(text):
        return False
    numbered = NUMBERED_HEADING.match(text)
    if numbered and not numbered["num"].isalpha():  # "1 Introduction"; but "A Survey of ..." is a title
        return False
    words = sum(sum(c.isalpha() for c in t) >= 2 for t in tokens)
    return reads_like_title(text) and words >= TITLE_WORD_SHARE * len(tokens)


_NAME_WORD = re.compile(r"^(?:[A-Z\u00c0-\u024f\u0141][\w'’\-\u0300-\u036f]*\.?|van|von|de|del|der|da|di|le|la)$")


UPRIGHT = 1e-6  # a text matrix's rotation terms below this: upright text (the arXiv stamp runs up the margin)
SAME_ROW_POINTS = 3  # pieces whose baselines are this close (in points) are on one line of the page
SUPERSCRIPT_SIZE = 0.75  # of a line's largest type: smaller pieces are footnote marks and superscripts
TITLE_SIZE = 0.95  # of the page's largest type: lines at least this big are the title (rounding aside)
AUTHOR_LINES = 15  # the authors and their affiliations are within this many lines under the title
AUTHOR_LINE_CHARS = 120  # a longer line is running text (the abstract), and the author block has ended


class FirstPage:
    """A visitor for pypdf that notes each text piece's size and position on the title page."""

    def __init__(self) -> None:
        self.pieces: list[tuple[float, float, str]] = []  # size, y, text

    def __call__(self, text: str, cm, tm, font_dict, font_size) -> None:
        if text.strip() and abs(tm[1]) < UPRIGHT and abs(tm[2]) < UPRIGHT and not STAMP.search(text):
            scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
            self.pieces.append((float(font_size) * scale, tm[5] * cm[3] + cm[5], clean_chars(text)))

    def lines(self) -> list[tuple[float, str]]:
        """(largest size, text) per line of the page, superscripts (footnote marks) dropped."""
        rows: list[list[tuple[float, float, str]]] = []
        for piece in sorted(self.pieces, key=lambda p: -p[1]):  # top of the page first
            if rows and abs(rows[-1][-1][1] - piece[1]) < SAME_ROW_POINTS:
                rows[-1].append(piece)
            else:
                rows.append([piece])
        out = []
        for row in rows:
            big = max(size for size, _, _ in row)
            text = "|".join(t for size, _, t in row if size >= SUPERSCRIPT_SIZE * big)
            out.append((big, text))
        return out

    def title_and_authors(self) -> tuple[str | None, list[str]]:
        lines = [(size, text) for size, text in self.lines() if sum(c.isalpha() for c in text) >= MIN_LINE_LETTERS]
        if not lines:
            return None, []
        top = max(size for size, _ in lines)
        first = next(i for i, (size, _) in enumerate(lines) if size >= TITLE_SIZE * top)
        end = first
        while end < len(lines) and lines[end][0] >= TITLE_SIZE * top:
            end += 1
        title = " ".join(text.replace("|", "") for _, text in lines[first:end])
        authors: list[str] = []
        for _, text in lines[end:end + AUTHOR_LINES]:
            plain = " ".join(text.replace("|", " ").split())
            if KEYWORD_HEADING.match(plain) or RUN_IN_HEADING.match(plain) or len(plain) > AUTHOR_LINE_CHARS:
                break
            if not _AFFILIATION.search(plain):
                authors += _names(text)
        return tidy_title(title), list(dict.fromkeys(authors))


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


def tidy_title(title: str) -> str | None:
    title = " ".join(title.split())
    if len(title) < MIN_TITLE_CHARS:
        return None
    if title.isupper():  # ADAM: A METHOD FOR ... -> Adam: A Method for ...
        words = title.lower().split()
        title = " ".join(w if i and w in STOP_WORDS and not words[i - 1].endswith(":") else w[:1].upper() + w[1:]
                         for i, w in enumerate(words))
    return title
