"""A figure's region of a page rendered to a PNG with pypdfium2, its white margins trimmed.

The resolution suits a blog (``DPI``); a crop is never more than ``MAX_PIXELS``, and a page larger than
PDF allows (``MAX_PAGE_POINTS``) is not rendered at all, so a hostile page size cannot exhaust memory.
"""

from __future__ import annotations

import math
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageOps

from pipeline.figures.page_layout import Box

DPI = 160
MAX_PIXELS = 16_000_000
MAX_PAGE_POINTS = 14_400  # 200 inches: PDF's own limit on a page's side
PAD_PIXELS = 8  # of white kept around the trimmed picture
WHITE = 245  # a pixel lighter than this (0-255, every channel) is background


class RenderProblem(Exception):
    """This region cannot be rendered: the page is too large, or the crop is blank."""


def trim(image: Image.Image) -> Image.Image | None:
    """``image`` without its white margins (``PAD_PIXELS`` kept); None when it is all white."""
    ink = ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 255 - WHITE else 0)
    box = ink.getbbox()
    if box is None:
        return None
    x0, y0, x1, y1 = box
    return image.crop((max(x0 - PAD_PIXELS, 0), max(y0 - PAD_PIXELS, 0),
                       min(x1 + PAD_PIXELS, image.width), min(y1 + PAD_PIXELS, image.height)))


def render_region(page: pdfium.PdfPage, box: Box, path: Path, dpi: int = DPI) -> tuple[int, int]:
    """Render ``box`` of ``page`` to the PNG ``path``; returns its size in pixels. Raises RenderProblem."""
    width, height = page.get_size()
    if width > MAX_PAGE_POINTS or height > MAX_PAGE_POINTS:
        raise RenderProblem(f"the page is {width:.0f} x {height:.0f} points, larger than a PDF page may be")
    scale = dpi / 72
    area = max(box.width, 1.0) * max(box.height, 1.0) * scale * scale
    if area > MAX_PIXELS:
        scale *= math.sqrt(MAX_PIXELS / area)
    crop = (max(box.x0, 0.0), max(height - box.bottom, 0.0), max(width - box.x1, 0.0), max(box.top, 0.0))
    bitmap = page.render(scale=scale, crop=crop, draw_annots=False, may_draw_forms=False)
    try:
        image = trim(bitmap.to_pil().convert("RGB"))
    finally:
        bitmap.close()
    if image is None:
        raise RenderProblem("the region is blank")
    image.save(path, "PNG")
    return image.width, image.height
