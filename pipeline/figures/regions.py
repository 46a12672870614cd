"""Where a caption's figure or table is on the page: the graphics and text beside the caption, up to the body text.

A figure is above its caption; a table is below its caption, or above it where that is the paper's style
(:func:`table_side`). The region is searched within the caption's column, or the page's width when the
caption spans both columns of a two-column paper. It grows from what lies next to the caption, through
graphics and short lines close to each other, and stops at body text and at other captions: a region
never holds a paragraph of the paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.figures.captions import Caption, body_size
from pipeline.figures.page_layout import Box, PageLayout, TextLine

MARGIN_SHARE = 0.065  # the top and bottom of a page this share of its height are running heads and page numbers
BODY_WIDTH_SHARE = 0.6  # a body line is at least this share of its column's width
BODY_MIN_CHARS = 30
SEED_SIZES = 3.5  # the float's content starts within this many font sizes of its caption
TEXT_REACH_SIZES = 1.5  # a text line this close to the float's content is part of it (a label, a cell)
GRAPHIC_REACH_SIZES = 2.5  # a graphic this close is part of it (the next panel)


@dataclass(frozen=True)
class Columns:
    """The paper's text area and whether it is set in two columns."""

    x0: float
    x1: float
    two: bool
    size: float = 10.0  # the body text's font size
    heads: frozenset[tuple[str, int]] = frozenset()  # running heads and feet: (text without digits, rounded top)

    @property
    def mid(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def column_width(self) -> float:
        return (self.x1 - self.x0) / (2.1 if self.two else 1.0)

    def span(self, caption: Box) -> tuple[float, float, bool]:
        """The x-range a caption's float may take, and whether it is full width."""
        if not self.two:
            return self.x0, self.x1, True
        slack = 0.04 * (self.x1 - self.x0)
        if caption.x0 < self.mid - slack and caption.x1 > self.mid + slack:
            return self.x0, self.x1, True
        centre = (caption.x0 + caption.x1) / 2
        return (self.x0, self.mid, False) if centre < self.mid else (self.mid, self.x1, False)


def paper_columns(layouts: list[PageLayout]) -> Columns:
    """The text area (from body-size lines of all pages) and whether most of its lines keep to one half."""
    lines = [x for page in layouts for x in page.lines]
    size = body_size(lines)
    body = [x for x in lines if abs(x.size - size) < 0.6 and len(x.text) >= BODY_MIN_CHARS]
    if not body:
        width = layouts[0].width if layouts else 612.0
        return Columns(0.1 * width, 0.9 * width, False, size)
    x0s, x1s = sorted(x.box.x0 for x in body), sorted(x.box.x1 for x in body)
    x0, x1 = x0s[len(x0s) // 20], x1s[-1 - len(x1s) // 20]
    mid = (x0 + x1) / 2
    crossing = sum(1 for x in body if x.box.x0 < mid - 5 and x.box.x1 > mid + 5)
    return Columns(x0, x1, crossing < 0.2 * len(body), size, _running_heads(layouts))


RUNNING_SHARE = 0.3  # a line at the same place on this share of the pages is a running head or foot


def _running_heads(layouts: list[PageLayout]) -> frozenset[tuple[str, int]]:
    """Lines printed at the same height on many pages ("Published as a conference paper at ICLR 2015")."""
    seen: dict[tuple[str, int], int] = {}
    for page in layouts:
        for key in {head_key(x) for x in page.lines}:
            seen[key] = seen.get(key, 0) + 1
    return frozenset(k for k, n in seen.items() if n >= max(3, RUNNING_SHARE * len(layouts)) and k[0])


def head_key(line: TextLine) -> tuple[str, int]:
    return re.sub(r"[\d\s]+", "", line.text)[:60], round(line.box.top / 3)


def is_sentence_line(line: TextLine, size: float, left: float) -> bool:
    """The end of a paragraph just above a float: body-size words from the column's left edge to a full stop."""
    return (abs(line.size - size) < 0.6 and abs(line.box.x0 - left) < size and len(line.text.split()) >= 6
            and bool(re.search(r"[.:;]$", line.text.rstrip())))


def is_body(line: TextLine, size: float, columns: Columns) -> bool:
    """A line of the paper's running text: in the body's size and most of a column wide; or, in a size near
    it (an appendix, a footnote-sized paragraph), a long line nearly a column wide."""
    wide = line.box.width >= BODY_WIDTH_SHARE * columns.column_width and line.max_gap < 2.0 * size
    if abs(line.size - size) < 0.6:
        return wide and len(line.text) >= BODY_MIN_CHARS
    return (abs(line.size - size) < 2.0 and len(line.text) >= 2 * BODY_MIN_CHARS
            and line.box.width >= 0.85 * columns.column_width and line.max_gap < 2.0 * size)


HEADING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.(?:\d+)*|Appendix [A-Z])\s+[A-Z]")


def is_heading(line: TextLine, size: float) -> bool:
    """A section heading: larger than the body, or short and numbered like one ("3.1 Encoder")."""
    short = len(line.text) < 80 and re.search(r"[A-Za-z]{3}", line.text)
    return bool(short) and (line.size >= size + 1.0 or (bool(HEADING.match(line.text)) and line.size >= size - 0.3))


def _inside(box: Box, x0: float, x1: float) -> bool:
    """Whether most of ``box`` lies within the x-range."""
    return min(box.x1, x1) - max(box.x0, x0) >= 0.5 * max(box.width, 0.1)


@dataclass(frozen=True)
class Sides:
    """A caption's candidate regions (None where nothing is there), and whether it spans the page."""

    caption: Caption
    above: Box | None
    below: Box | None
    full_width: bool


def _grow(seed: Box, items: list[tuple[Box, float]]) -> Box:
    region, left = seed, list(items)
    changed = True
    while changed:
        changed = False
        for item in list(left):
            box, reach = item
            gap = max(box.top - region.bottom, region.top - box.bottom, 0.0)
            if gap <= reach:
                region, changed = region.union(box), True
                left.remove(item)
    return region


def caption_sides(layout: PageLayout, caption: Caption, others: list[Caption], columns: Columns) -> Sides:
    size = columns.size
    x0, x1, full = columns.span(caption.box)
    narrowed = _beside(caption, others, x0, x1)
    clip = narrowed != (x0, x1)  # a figure beside another: its region ends where the other's begins
    x0, x1 = narrowed
    top_limit, bottom_limit = MARGIN_SHARE * layout.height, (1 - MARGIN_SHARE) * layout.height
    caption_lines = {id(x) for x in layout.lines if _within(x.box, caption.box)}
    drawn = [b for b in layout.graphics if b.width * b.height > 4 * size * size]
    # an appendix may be set smaller than the paper: this page's own body size counts as body too
    page_size = body_size([x for x in layout.lines if len(x.text) >= BODY_MIN_CHARS]) if len(layout.lines) > 20 \
        else size
    stops = [x.box for x in layout.lines if _inside(x.box, x0, x1) and id(x) not in caption_lines
             and (is_body(x, size, columns) or is_heading(x, size) or is_sentence_line(x, size, x0)
                  or is_sentence_line(x, page_size, x0) or is_body(x, page_size, columns)
                  or head_key(x) in columns.heads)
             and not any(_within(x.box, b) for b in drawn)]  # text drawn on a figure is the figure's
    stops += [c.box for c in others if c is not caption and _inside(c.box, x0, x1)]
    stops = _with_paragraph_tails(stops, layout.lines, page_size, x0, x1, caption_lines)
    stop_ids = set(map(id, stops))  # body text is never part of a float
    # only text above or below the caption itself bounds the float: text beside it (a figure the text
    # wraps round) does not
    facing = [b for b in stops if b.overlaps_x(caption.box.x0, caption.box.x1)]
    above_stop = max((b.bottom for b in facing if b.bottom <= caption.box.top + 1), default=top_limit)
    below_stop = min((b.top for b in facing if b.top >= caption.box.bottom - 1), default=bottom_limit)
    items = [(b, GRAPHIC_REACH_SIZES * size) for b in layout.graphics if _inside(b, x0, x1)]
    items += [(x.box, TEXT_REACH_SIZES * size) for x in layout.lines
              if _inside(x.box, x0, x1) and id(x) not in caption_lines and id(x.box) not in stop_ids
              and top_limit <= x.box.top and x.box.bottom <= bottom_limit]

    def side(lo: float, hi: float, edge: float) -> Box | None:
        inside = [(_clip(b, lo, hi), r) for b, r in items if b.bottom > lo + 0.5 and b.top < hi - 0.5]
        inside = [(b, r) for b, r in inside if b.height > 0]
        seeds = [b for b, _ in inside if min(abs(b.bottom - edge), abs(b.top - edge)) <= SEED_SIZES * size]
        if not seeds:
            return None
        seed = seeds[0]
        for b in seeds[1:]:
            seed = seed.union(b)
        grown = _grow(seed, inside)
        return Box(max(grown.x0, x0), grown.top, min(grown.x1, x1), grown.bottom) if clip else grown

    return Sides(caption, side(above_stop, caption.box.top, caption.box.top),
                 side(caption.box.bottom, below_stop, caption.box.bottom), full)


def _beside(caption: Caption, others: list[Caption], x0: float, x1: float) -> tuple[float, float]:
    """The x-range narrowed where other captions sit beside this one (side-by-side figures with a caption
    each): the boundary is halfway between the captions."""
    centre = (caption.box.x0 + caption.box.x1) / 2
    for other in others:
        if other is caption or abs(other.box.top - caption.box.top) > 2 * caption.first.size:
            continue
        theirs = (other.box.x0 + other.box.x1) / 2
        if not x0 < theirs < x1:
            continue
        if theirs < centre:
            x0 = max(x0, (other.box.x1 + caption.box.x0) / 2)
        else:
            x1 = min(x1, (caption.box.x1 + other.box.x0) / 2)
    return x0, x1


def _within(inner: Box, outer: Box) -> bool:
    return inner.x0 >= outer.x0 - 0.5 and inner.x1 <= outer.x1 + 0.5 and inner.top >= outer.top - 0.5 \
        and inner.bottom <= outer.bottom + 0.5


def _clip(box: Box, lo: float, hi: float) -> Box:
    return Box(box.x0, max(box.top, lo), box.x1, min(box.bottom, hi))


def _with_paragraph_tails(stops: list[Box], lines: list[TextLine], size: float, x0: float, x1: float,
                          caption_lines: set[int]) -> list[Box]:
    """The body lines, with the short last line of each paragraph: the line just below a body line, at its
    left edge, in the body's size."""
    found = list(stops)
    added = True
    while added:
        added = False
        for line in lines:
            if line.box in found or id(line) in caption_lines or not _inside(line.box, x0, x1):
                continue
            if abs(line.size - size) >= 0.6:
                continue
            for b in found:
                if 0 <= line.box.top - b.bottom < 0.6 * size and abs(line.box.x0 - b.x0) < size:
                    found.append(line.box)
                    added = True
                    break
    return found
