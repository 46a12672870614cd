"""One PDF page as geometry: its text lines and its graphics, read with pypdfium2 (Apache-2.0/BSD-3).

Coordinates are PDF points with the origin at the page's top-left corner (``top`` grows downwards), so
"above" is a smaller ``top``. pypdfium2 objects stay in this module; :class:`PageLayout` crosses it.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# A gap wider than this many font sizes between two characters on one baseline ends a text line: the
# gutter between two columns, or between a table's cells. A word space is about 0.25-0.6 of the size.
LINE_GAP_SIZES = 1.0
# Characters whose baselines differ by more than this share of the font size are on different lines.
BASELINE_SHARE = 0.5
# Graphics smaller than this (points, both sides) are specks: a bullet, a dot, a hairline's end.
MIN_GRAPHIC_POINTS = 2.0
# pdfium gives the font size before the text matrix: a PDF that sets its text at size 1 and scales the matrix
# (macOS Quartz re-saves) reads as 1 pt. Below this, the size is taken from the character's font box instead,
# which is about LOOSE_BOX_SIZES times the size.
MIN_FONT_POINTS = 3.0
LOOSE_BOX_SIZES = 1.15
MAX_OBJECTS = 50_000  # a page with more drawing objects than this is read no further (a hostile or huge plot)


@dataclass(frozen=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def union(self, other: "Box") -> "Box":
        return Box(min(self.x0, other.x0), min(self.top, other.top), max(self.x1, other.x1),
                   max(self.bottom, other.bottom))

    def overlaps_x(self, x0: float, x1: float) -> bool:
        return self.x0 < x1 and self.x1 > x0


@dataclass(frozen=True)
class TextLine:
    """A run of characters on one baseline with no wide gap: a line of one column, or one table cell."""

    text: str
    box: Box
    size: float  # the font size of most of its characters
    max_gap: float = 0.0  # the widest space between two of its words, in points


@dataclass
class PageLayout:
    number: int  # 1-based
    width: float
    height: float
    lines: list[TextLine] = field(default_factory=list)
    graphics: list[Box] = field(default_factory=list)  # images, vector paths and shadings
    rotated: bool = False


def _char_lines(textpage: pdfium.PdfTextPage, height: float, x_off: float) -> list[TextLine]:
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    loose = pdfium_c.FS_RECTF()
    lines: list[TextLine] = []
    chars: list[tuple[str, float, float, float, float, float]] = []

    def flush() -> None:
        if chars:
            lines.append(_line(chars))
            chars.clear()

    for i in range(count):
        ch = chr(pdfium_c.FPDFText_GetUnicode(raw, i) or 32)
        if ch in "\r\n\x02\ufffe":
            flush()
            continue
        if ch.isspace():
            continue
        if pdfium_c.FPDFText_GetCharAngle(raw, i) not in (0.0, -1.0):  # rotated text: the arXiv stamp, a y label
            continue
        if not pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top):
            continue
        size = pdfium_c.FPDFText_GetFontSize(raw, i)
        if size < MIN_FONT_POINTS and pdfium_c.FPDFText_GetLooseCharBox(raw, i, loose):
            size = (loose.top - loose.bottom) / LOOSE_BOX_SIZES  # text scaled by its matrix, not its font size
        x0, x1, t, b = left.value - x_off, right.value - x_off, height - top.value, height - bottom.value
        if chars:
            last = chars[-1]
            same_line = abs(b - last[4]) <= BASELINE_SHARE * max(size, last[5], 1.0) or (t < last[4] and b > last[3])
            if not same_line or x0 - last[2] > LINE_GAP_SIZES * max(size, last[5], 1.0) or x0 < last[1] - 1:
                flush()
        chars.append((ch, x0, x1, t, b, size))
    flush()
    return _merge_rows(lines)


def _merge_rows(lines: list[TextLine]) -> list[TextLine]:
    """Pieces of one printed line put back together: a sub- or superscript, or text the PDF wrote out of
    order, breaks a run of characters, but the pieces overlap vertically and nearly touch."""
    merged: list[TextLine] = []
    for line in sorted(lines, key=lambda x: (round(x.box.bottom), x.box.x0)):
        for i, other in enumerate(merged):
            overlap = min(line.box.bottom, other.box.bottom) - max(line.box.top, other.box.top)
            gap = line.box.x0 - other.box.x1
            size = max(line.size, other.size)
            if overlap >= 0.5 * min(line.box.height, other.box.height) and -1 <= gap <= LINE_GAP_SIZES * size:
                main = line if len(line.text) > len(other.text) else other
                merged[i] = TextLine(f"{other.text} {line.text}", other.box.union(line.box), main.size,
                                     max(other.max_gap, line.max_gap, gap))
                break
        else:
            merged.append(line)
    return merged


def _line(chars: list[tuple[str, float, float, float, float, float]]) -> TextLine:
    gaps, text = [], ""
    for i, (ch, x0, x1, *_rest) in enumerate(chars):
        if i and x0 - chars[i - 1][2] > 0.15 * max(chars[i][5], 1.0):
            gaps.append(x0 - chars[i - 1][2])
            text += " "
        text += ch
    sizes = sorted(c[5] for c in chars)
    box = Box(min(c[1] for c in chars), min(c[3] for c in chars), max(c[2] for c in chars), max(c[4] for c in chars))
    return TextLine(text=text, box=box, size=round(sizes[len(sizes) // 2], 2), max_gap=max(gaps, default=0.0))


_DRAWN = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_SHADING)
FORM_DESCEND_SHARE = 0.35  # a form XObject covering this share of the page may wrap the page: look inside it
MAX_FORM_DEPTH = 6


def _graphics(page: pdfium.PdfPage, height: float, x_off: float, width: float) -> list[Box]:
    """The bounds of the page's drawn objects in page space. A form XObject counts as one object (a figure
    included as a PDF usually is one), unless it wraps most of the page: then its own objects count."""
    boxes: list[Box] = []

    def visit(form, matrix, depth: int) -> None:
        for obj in page.get_objects(form=form, max_depth=1):
            if len(boxes) >= MAX_OBJECTS:
                return
            kind = obj.type
            if kind not in _DRAWN and kind != pdfium_c.FPDF_PAGEOBJ_FORM:
                continue
            try:
                l, b, r, t = obj.get_bounds()
                if matrix is not None:
                    l, b, r, t = matrix.on_rect(l, b, r, t)
            except pdfium.PdfiumError:
                continue
            box = Box(max(l - x_off, 0.0), max(height - t, 0.0), min(r - x_off, width), min(height - b, height))
            if box.width <= 0 or box.height <= 0:
                continue
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH \
                    and box.width * box.height > FORM_DESCEND_SHARE * width * height:
                inner = obj.get_matrix()
                visit(obj, inner if matrix is None else inner.multiply(matrix), depth + 1)
                continue
            if box.width < MIN_GRAPHIC_POINTS and box.height < MIN_GRAPHIC_POINTS:
                continue
            if box.width > 0.95 * width and box.height > 0.95 * height:  # a page background
                continue
            boxes.append(box)

    visit(None, None, 0)
    return boxes


def read_page(page: pdfium.PdfPage, number: int) -> PageLayout:
    """The text lines and graphics of ``page``; text set at an angle (the arXiv stamp) is left out."""
    crop_l, crop_b, crop_r, crop_t = page.get_cropbox()
    width, height = crop_r - crop_l, crop_t - crop_b
    textpage = page.get_textpage()
    try:
        lines = _char_lines(textpage, crop_t, crop_l)
    finally:
        textpage.close()
    return PageLayout(number=number, width=width, height=height, lines=lines,
                      graphics=_graphics(page, crop_t, crop_l, width), rotated=page.get_rotation() % 360 != 0)
