"""The paper's title and authors from its first page: the title is the largest type at the top,
the authors are the name-shaped lines under it that are not affiliations."""

from __future__ import annotations

import math
import re

from pipeline.extract.page_text import STAMP, clean_chars
from pipeline.extract.sections import KEYWORD_HEADING, RUN_IN_HEADING, STOP_WORDS

_AFFILIATION = re.compile(
    r"@|https?:|www\.|universit|institut|college|school|department|dept\.|laborator|\blab\b|research|"
    r"google|microsoft|facebook|openai|deepmind|corporation|\binc\b|\bltd\b|\bteam\b|\bbrain\b|centre|"
    r"center|faculty|academy|\bieee\b|member|fellow|published|conference|workshop|proceedings|preprint|"
    r"dated|draft|january|february|march|april|may|june|july|august|september|october|november|december|"
    r"equal contribution|\busa\b|\buk\b|japan|china|germany|france|canada", re.I)
_NAME_WORD = re.compile(r"^(?:[A-Z\u00c0-\u024f\u0141][\w'’\-\u0300-\u036f]*\.?|van|von|de|del|der|da|di|le|la)$")


class FirstPage:
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
            if KEYWORD_HEADING.match(plain) or RUN_IN_HEADING.match(plain) or len(plain) > 120:
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
        title = " ".join(w if i and w in STOP_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words))
    return title
