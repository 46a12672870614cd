"""A paper's figures and tables: each caption once, with the region of the page it labels.

Per page, :mod:`.captions` finds the captions and :mod:`.regions` the content beside each. Here the paper
is looked at whole: which side of their captions its tables sit (the paper's style, from the tables that
have content on one side only), and which caption to keep when two lines carry the same label.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.figures.captions import find_captions
from pipeline.figures.page_layout import Box, PageLayout
from pipeline.figures.regions import Columns, Sides, caption_sides

PAD_POINTS = 3.0  # around the region, so a frame or an axis label at its edge is not cut


@dataclass(frozen=True)
class Located:
    kind: str  # "figure" or "table"
    number: str
    page: int
    caption: str
    box: Box  # the float and its caption, in points from the page's top-left corner
    full_width: bool
    found: bool  # False when no content was found beside the caption: the box is the caption alone


def page_sides(layout: PageLayout, columns: Columns) -> list[Sides]:
    captions = find_captions(layout, columns.span)
    return [caption_sides(layout, c, captions, columns) for c in captions]


def table_side(sides: list[Sides]) -> str:
    """"below" or "above": where the paper puts a table's body, by the tables with content on one side only."""
    votes = {"above": 0, "below": 0}
    for s in sides:
        if s.caption.kind == "table" and (s.above is None) != (s.below is None):
            votes["above" if s.above else "below"] += 1
    return "above" if votes["above"] > votes["below"] else "below"


def _choose(s: Sides, tables_go: str) -> Box | None:
    if s.caption.kind == "figure":
        return s.above or s.below
    first, second = (s.below, s.above) if tables_go == "below" else (s.above, s.below)
    return first or second


def locate(layouts: dict[int, PageLayout], sides: dict[int, list[Sides]]) -> list[Located]:
    """Every caption of the paper once (the first one with content, else the first), with its region."""
    tables_go = table_side([s for page in sides.values() for s in page])
    chosen: dict[tuple[str, str], Located] = {}
    for number in sorted(sides):
        layout = layouts[number]
        for s in sides[number]:
            region = _choose(s, tables_go)
            box = s.caption.box if region is None else region.union(s.caption.box)
            box = Box(max(box.x0 - PAD_POINTS, 0.0), max(box.top - PAD_POINTS, 0.0),
                      min(box.x1 + PAD_POINTS, layout.width), min(box.bottom + PAD_POINTS, layout.height))
            item = Located(s.caption.kind, s.caption.number, number, s.caption.text, box, s.full_width,
                           region is not None)
            key = (item.kind, item.number)
            if key not in chosen or (item.found and not chosen[key].found):
                chosen[key] = item
    return sorted(chosen.values(), key=lambda x: (x.page, x.box.top, x.box.x0))

