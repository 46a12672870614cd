"""Number headings, floats, equations and theorems as LaTeX does, and remember what each ``\\label`` names.

Chapters (book, report) number their sections "2.3" and their floats and equations "2.1", reset per chapter;
without chapters, sections are "3", "3.2", "3.2.1". After ``\\appendix`` the top level is lettered ("A",
"A.1"). Starred headings get no number. A label names the innermost numbered thing around it, as
``\\@currentlabel`` does: a label in a float without a caption names the section it sits in.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

LEVELS = {"part": -1, "chapter": 0, "section": 1, "subsection": 2, "subsubsection": 3, "paragraph": 4,
          "subparagraph": 5}
REF_NAMES = {"figure": "Figure", "table": "Table", "algorithm": "Algorithm", "equation": "Eq.",
             "chapter": "Chapter", "part": "Part", "item": "item", "footnote": "footnote"}


@dataclass(frozen=True)
class Target:
    """What a label names: its kind ("section", "figure", "equation", "Theorem" …), number and title."""

    kind: str
    number: str | None
    title: str = ""
    appendix: bool = False


class Numbering:
    """The counters of one document."""

    def __init__(self, chapters: bool):
        self.chapters = chapters
        self.appendix = False
        self.heads = dict.fromkeys(LEVELS, 0)
        self.numbers = dict.fromkeys(LEVELS, "")
        self.counts: dict[str, int] = {}

    def start_appendix(self) -> None:
        self.appendix = True
        top = "chapter" if self.chapters else "section"
        self.heads[top] = 0

    def heading(self, command: str, starred: bool) -> str | None:
        """The number of a new heading (None when unnumbered); resets the counters below it."""
        level = LEVELS[command]
        if starred or level > (2 if self.chapters else 3) or command == "part":
            return None
        self.heads[command] += 1
        for name, lower in LEVELS.items():
            if lower > level:
                self.heads[name] = 0
        if self.chapters and command == "chapter":
            for kind in ("figure", "table", "equation", "algorithm"):
                self.counts.pop(kind, None)
        top = "chapter" if self.chapters else "section"
        own = self.heads[command]
        if command == top:
            number = _letter(own) if self.appendix else str(own)
        else:
            parent = {"section": "chapter", "subsection": "section", "subsubsection": "subsection"}[command]
            number = f"{self.numbers[parent] or 0}.{own}"
        self.numbers[command] = number
        return number

    def next(self, kind: str) -> str:
        """The next number of a figure, table, algorithm, equation or theorem-like environment."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        n = self.counts[kind]
        if self.chapters and kind in ("figure", "table", "equation", "algorithm"):
            return f"{self.numbers['chapter'] or 0}.{n}"
        return str(n)


def _letter(n: int) -> str:
    return string.ascii_uppercase[(n - 1) % 26] * ((n - 1) // 26 + 1)


def render_reference(style: str, target: Target | None) -> str:
    """The text a reference prints: ``ref`` the number ("3.2"), ``eqref`` "(4)", ``autoref``/``cref`` the
    name and number ("Table 2", "§3.2", "Appendix A", "Eq. (4)"), ``nameref`` the title; "??" when unknown."""
    if target is None or (target.number is None and style not in ("nameref",)):
        return target.title if target is not None and style == "nameref" and target.title else "??"
    number = target.number or ""
    if style in ("ref", "subref", "pageref", "labelcref"):
        return number
    if style == "eqref":
        return f"({number})"
    if style == "nameref":
        return target.title or number
    if target.kind == "equation":
        return f"Eq. ({number})"
    if target.kind in ("section", "chapter"):
        if target.appendix:
            return f"Appendix {number}"
        return f"Chapter {number}" if target.kind == "chapter" else f"§{number}"
    name = REF_NAMES.get(target.kind, target.kind)
    return f"{name} {number}"
