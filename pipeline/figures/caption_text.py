"""A caption in the words the paper's text has for it.

The figure reader takes a caption from pdfium's text lines, which split words where a PDF spaces its letters
("architec tures", "[ CL S ]", "http s : / / gluebenchmark . com"). The paper's text (pypdf, with
hyphenation and ligatures repaired) has the same caption whole. So a caption is looked up there by its
letters alone, spaces and hyphens aside, and taken as the text has it; one the text does not have (a caption
of an unreadable page, or a paper read from its LaTeX source, whose captions are already the source's) stays
as it was.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from pipeline.records import Document, FigureSet

ANCHOR = 24  # letters of the caption that must be found as they are before the match is followed
SHORTEST = 10  # a caption of fewer letters is too common a phrase to look up ("Hinge loss.")
MATCHED = 0.9  # the share of the caption's letters that must follow on in the text for it to be taken
_SKIPPED = re.compile(r"[\s\-‐‑\u00ad]")  # what pdfium and pypdf disagree on between letters
_LABEL = re.compile(r"^(?:Figure|Table) \S+\s+")  # as the figure reader writes it ("Figure 3:", "Table II.")


def _letters(text: str) -> tuple[str, list[int]]:
    """``text``'s letters (NFKC, no spaces or hyphens) and the offset in ``text`` of each."""
    out, where = [], []
    for i, ch in enumerate(text):
        if _SKIPPED.match(ch):
            continue
        for c in unicodedata.normalize("NFKC", ch):
            out.append(c)
            where.append(i)
    return "".join(out), where


class PaperLetters:
    """The paper's text as letters, kept for looking up each of its captions."""

    def __init__(self, doc: Document):
        self.text = "\n\n".join(s.text for s in doc.sections)
        self.letters, self.where = _letters(self.text)

    def caption(self, caption: str) -> str | None:
        """``caption`` as the paper's text has it, or None when the text does not have it. The label stays the
        figure reader's ("FIG. 1." in the text is "Figure 1." there); where the text's letters stop following
        the caption's (past ``MATCHED`` of them), the rest is the caption's own."""
        label = _LABEL.match(caption)
        head, body = (label.group(0), caption[label.end():]) if label else ("", caption)
        wanted, at = _letters(body)
        if len(wanted) < SHORTEST:
            return None
        anchor = wanted[:ANCHOR]
        start = self.letters.find(anchor)
        while start >= 0:
            n = len(anchor)
            while n < len(wanted) and start + n < len(self.letters) and self.letters[start + n] == wanted[n]:
                n += 1
            if n >= MATCHED * len(wanted):
                first, last = self.where[start], self.where[start + n - 1]
                rest = body[at[n - 1] + 1 :] if n < len(wanted) else ""
                return " ".join((head + self.text[first : last + 1] + rest).split())
            start = self.letters.find(anchor, start + 1)
        return None


def captions_from_text(figures: FigureSet, doc: Document) -> FigureSet:
    """``figures`` with each caption the paper's text has replaced by the text's (a new set; the cached one
    is left as it is)."""
    if doc.text_from == "latex" or not figures.figures:
        return figures
    letters = PaperLetters(doc)
    fixed = []
    for figure in figures.figures:
        found = letters.caption(figure.caption)
        fixed.append(dataclasses.replace(figure, caption=found) if found and found != figure.caption else figure)
    return dataclasses.replace(figures, figures=fixed)
