"""Figure and table captions on a page: a label with its punctuation at the start of a line, and the lines after it.

"Figure 3:", "Fig. 3.", "Table 2:", "TABLE II." and "Figure A.1:" start a caption. The punctuation is
required, so running text that happens to start a line with "Figure 3a illustrates…" or "Table 2 shows…"
is not taken; and a line that carries on a sentence from the body line just above it is not a caption.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.figures.page_layout import Box, PageLayout, TextLine

CAPTION = re.compile(
    r"^(?P<kind>Figure|FIGURE|Fig\s*\.|FIG\s*\.|Table|TABLE)\s*"
    r"(?P<number>(?:[A-Z]\s?\.?\s?)?\d(?: ?\d){0,2}|[IVXL]{1,6})\s*(?P<punct>[:.|]|—|–(?=\s))\s*(?P<rest>.*)$"
)
CAPTION_LINES = 15  # a caption longer than this many lines has run into the text below it
# A caption's next line starts within this many font sizes of the previous line's bottom.
LINE_SPACING_SIZES = 0.75
SENTENCE_END = re.compile(r"[.:;!?)\]]$")


@dataclass(frozen=True)
class Caption:
    kind: str  # "figure" or "table"
    number: str  # as printed: "3", "A.1", "II"
    page: int
    text: str  # the whole caption, its lines joined
    box: Box  # all of its lines
    first: TextLine


def _kind(label: str) -> str:
    return "table" if label.lower().startswith("tab") else "figure"


def body_size(lines: list[TextLine]) -> float:
    """The font size most characters of these lines are set in: the body text's."""
    weights: dict[float, int] = {}
    for line in lines:
        key = round(line.size * 2) / 2
        weights[key] = weights.get(key, 0) + len(line.text)
    return max(weights, key=weights.get) if weights else 10.0


def _aligned(line: TextLine, block: list[TextLine], size: float) -> bool:
    """A caption's next line starts at its left edge, or is centred on the same middle."""
    first = block[0].box
    left = abs(line.box.x0 - first.x0) < 1.5 * size
    centre = abs((line.box.x0 + line.box.x1) / 2 - (first.x0 + max(b.box.x1 for b in block)) / 2) < 1.5 * size
    return left or centre


def _rule_between(layout: PageLayout, upper: TextLine, lower: TextLine) -> bool:
    """Whether a drawn line (a table's rule) lies between two lines of text."""
    return any(upper.box.bottom - 1 <= g.top and g.bottom <= lower.box.top + 1 and g.height < 3
               and g.overlaps_x(lower.box.x0, lower.box.x1) for g in layout.graphics)


def _block(start: TextLine, layout: PageLayout, x0: float, x1: float) -> list[TextLine]:
    """The caption's lines within the x-range: ``start`` and the rest of its row (a justified line in a narrow
    column can break into pieces at its wide spaces), then each next line just below, aligned with it, up to
    a table's rule."""
    lines = layout.lines
    inside = [x for x in lines if min(x.box.x1, x1) - max(x.box.x0, x0) >= 0.5 * max(x.box.width, 0.1)]
    block = [start]
    row = sorted((x for x in inside if x is not start and abs(x.box.top - start.box.top) < 0.3 * start.size
                  and x.box.x0 > start.box.x0), key=lambda x: x.box.x0)
    for piece in row:
        if piece.box.x0 - block[-1].box.x1 > 3 * start.size or CAPTION.match(piece.text):
            break
        block.append(piece)
    below = sorted((x for x in inside if x.box.top > start.box.top + 0.5 * start.size), key=lambda x: x.box.top)
    for line in below:
        last = block[-1]
        if line.box.top - last.box.bottom > LINE_SPACING_SIZES * last.size or len(block) >= CAPTION_LINES:
            break
        if abs(line.size - start.size) > 1.5 or CAPTION.match(line.text):
            break
        if line.box.top > last.box.bottom - 1 and (not _aligned(line, block, start.size)
                                                   or _rule_between(layout, last, line)):
            break
        block.append(line)
    return block


def _carries_on(line: TextLine, lines: list[TextLine], size: float) -> bool:
    """Whether ``line`` continues a sentence of the body line just above it (same column, no sentence end)."""
    above = [x for x in lines if x.box.bottom <= line.box.top + 1 and line.box.top - x.box.bottom < 0.6 * size
             and x.box.overlaps_x(line.box.x0, line.box.x0 + 3 * size) and abs(x.size - line.size) < 0.6
             and abs(x.box.x0 - line.box.x0) < 2 * size]
    return any(len(x.text) > 40 and not SENTENCE_END.search(x.text.rstrip()) for x in above)


def find_captions(layout: PageLayout, span: Callable[[Box], tuple[float, float, bool]]) -> list[Caption]:
    """The captions on one page, top to bottom. ``span`` gives the x-range a caption starting at a box may
    take: its column, or the page's width; captions side by side (two figures with a caption each) share it."""
    size = body_size(layout.lines)
    starts = []
    for line in sorted(layout.lines, key=lambda x: (x.box.top, x.box.x0)):
        match = CAPTION.match(line.text.strip())
        if not match or _carries_on(line, layout.lines, size):
            continue
        if match.group("punct") == "." and re.match(r"[a-z]", match.group("rest")):
            continue  # "Table 2. shows": a sentence, not a caption
        starts.append((line, match))
    found = []
    for line, match in starts:
        x0, x1, _ = span(line.box)
        for other, _m in starts:  # a caption beside this one, on the same row, ends this one's x-range
            if other is not line and abs(other.box.top - line.box.top) < 2 * line.size:
                if other.box.x0 > line.box.x0:
                    x1 = min(x1, other.box.x0 - 0.5 * line.size)
                else:
                    x0 = max(x0, line.box.x0 - line.size)
        block = _block(line, layout, x0, x1)
        box = block[0].box
        for piece in block[1:]:
            box = box.union(piece.box)
        number = re.sub(r"\s+", "", match.group("number"))
        label = f"{'Table' if _kind(match.group('kind')) == 'table' else 'Figure'} {number}{match.group('punct')}"
        rest = [match.group("rest")] + [" ".join(x.text.split()) for x in block[1:]]
        text = " ".join([label] + [x for x in rest if x])
        found.append(Caption(_kind(match.group("kind")), number, layout.number, text, box, line))
    return found
