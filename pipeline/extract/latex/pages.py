"""The source's sentences matched to the PDF's pages, so cites from a LaTeX draft keep "p. 4".

The source has no pages (every section's ``page_starts`` is ``[(0, 0)]``); the PDF has them but loses
spaces, glues footnotes in and flattens equations. Both are reduced to their letters alone (lower case,
math left out of the source), which the PDF's lost spaces, hyphenation and line breaks cannot change.
Each source sentence is then looked up by a few probes of ``PROBE_LETTERS`` letters taken from it; the
page of the PDF position most probes agree on, nearest after the previous sentence's, is its page. A
sentence no probe finds (a table, a caption the PDF draws as an image) takes the page of the one before.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from pipeline.hashing import sha256_text
from pipeline.records import Document, Section

PROBE_LETTERS = 24  # letters per probe: long enough to be unique in a paper, short enough to miss a glitch
MIN_SENTENCE_LETTERS = 30  # shorter sentences have no probe worth looking for; they take the previous page
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)
_NOT_LETTER = re.compile(r"[^a-z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[$])|\n{2,}")


def letters(text: str) -> str:
    return _NOT_LETTER.sub("", text.lower())


class PdfLetters:
    """The PDF's text as one string of letters, and the page each letter came from."""

    def __init__(self, pdf: Document):
        parts, starts, at = [], [], 0
        for section in pdf.sections:
            pairs = section.page_starts or [(0, 0)]
            for i, (offset, page) in enumerate(pairs):
                end = pairs[i + 1][0] if i + 1 < len(pairs) else len(section.text)
                piece = letters(section.text[offset:end])
                if piece:
                    starts.append((at, page))
                    parts.append(piece)
                    at += len(piece)
        self.text = "".join(parts)
        self._offsets = [o for o, _ in starts]
        self._pages = [p for _, p in starts]

    def page_at(self, position: int) -> int:
        i = bisect.bisect_right(self._offsets, position) - 1
        return self._pages[i] if i >= 0 else 0

    def find(self, probe: str, after: int) -> int:
        """The position of ``probe`` at or after ``after``, else anywhere; -1 when absent."""
        found = self.text.find(probe, after)
        return found if found >= 0 else self.text.find(probe)


def _sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pieces of a section's text."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append((start, text[start:m.start()]))
        start = m.end()
    out.append((start, text[start:]))
    return [(o, s) for o, s in out if s.strip()]


def _probes(sentence: str) -> list[str]:
    flat = letters(_MATH.sub(" ", sentence))
    if len(flat) < MIN_SENTENCE_LETTERS:
        return []
    last = len(flat) - PROBE_LETTERS
    return [flat[i:i + PROBE_LETTERS] for i in sorted({0, last // 2, last})]


def match_pages(source: Document, pdf: Document) -> tuple[Document, float]:
    """``source`` with every section's ``page_starts`` taken from ``pdf``, and the share of its sentences
    found there. The Document's hash names the PDF's too: the same source with other pages cites otherwise."""
    index = PdfLetters(pdf)
    cursor, page, found, tried = 0, 1, 0, 0
    sections = []
    for section in source.sections:
        starts: list[tuple[int, int]] = []
        for offset, sentence in _sentences(section.text):
            probes = _probes(sentence)
            hits = [p for p in (index.find(probe, cursor) for probe in probes) if p >= 0]
            tried += bool(probes)
            if hits:
                found += 1
                pages = [index.page_at(h) for h in hits]
                best = max(set(pages), key=lambda p: (pages.count(p), -abs(p - page)))
                cursor = max(h for h, p in zip(hits, pages) if p == best)
                page = best
            if not starts or starts[-1][1] != page:
                starts.append((offset, page))
        sections.append(Section(section.title, section.kind, section.text, starts or [(0, page)]))
    share = found / tried if tried else 0.0
    matched = replace(source, sections=sections, page_count=pdf.page_count,
                      sha256=sha256_text(f"{source.sha256}\n{pdf.sha256}"))
    return matched, share
