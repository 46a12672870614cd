"""The source's figures as the pictures a draft shows: a :class:`~pipeline.records.FigureSet` like the PDF's.

Each captioned figure or table of the source (:mod:`.floats`) becomes one :class:`~pipeline.records.Figure`
whose picture is made from its ``\\includegraphics`` files: a PNG is used as it is, a JPEG is written as a
PNG (the draft's pictures are PNGs), a PDF figure's first page is rendered to PNG with pypdfium2 (the
renderer of the PDF path, :mod:`pipeline.figures.render`), and the panels of a figure with several
files are set side by side. A figure whose files are EPS, missing, or unreadable, and a table typeset in
LaTeX, take the crop of the same figure in the PDF when there is one; else the figure has no picture and
says why. The archive is untrusted: a picture over ``MAX_PIXELS`` or a page larger than PDF allows is refused.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from pipeline.figures.render import DPI, MAX_PAGE_POINTS, MAX_PIXELS, trim
from pipeline.extract.latex.records import SourceFigure
from pipeline.records import Document, Figure, FigureSet

RASTER = {".png", ".jpg", ".jpeg"}
PANELS_PER_ROW = 3
PANEL_GAP = 16  # white pixels between panels
MAX_PANEL_HEIGHT = 700  # panels set side by side are scaled to one height, at most this
MAX_FIGURES = 80  # a paper's pictures made at most; a hostile tree cannot make thousands


class _Refused(Exception):
    """This file cannot be made into a picture: why."""


def _render_pdf(path: Path) -> Image.Image:
    pdf = pdfium.PdfDocument(str(path))
    try:
        if len(pdf) < 1:
            raise _Refused("the PDF has no page")
        page = pdf[0]
        width, height = page.get_size()
        if width > MAX_PAGE_POINTS or height > MAX_PAGE_POINTS:
            raise _Refused(f"its page is {width:.0f} x {height:.0f} points, larger than a PDF page may be")
        scale = min(DPI / 72, (MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
        bitmap = page.render(scale=scale, draw_annots=False, may_draw_forms=False)
        try:
            image = trim(bitmap.to_pil().convert("RGB"))
        finally:
            bitmap.close()
    finally:
        pdf.close()
    if image is None:
        raise _Refused("its page is blank")
    return image


def _open_raster(path: Path) -> Image.Image:
    with Image.open(path) as image:  # lazy: the size is known before any pixel is decoded
        if image.width * image.height > MAX_PIXELS:
            raise _Refused(f"it is {image.width} x {image.height} pixels, more than {MAX_PIXELS}")
        return image.convert("RGB")


def _picture(path: Path) -> Image.Image:
    try:
        if path.suffix.lower() == ".pdf":
            return _render_pdf(path)
        if path.suffix.lower() in RASTER:
            return _open_raster(path)
    except _Refused:
        raise
    except Exception as err:  # noqa: BLE001 - a damaged file costs its own figure only
        raise _Refused(f"it cannot be read ({type(err).__name__})") from err
    raise _Refused(f"{path.suffix or 'a file without extension'} is not a format a blog shows")


def _side_by_side(images: list[Image.Image]) -> Image.Image:
    height = min(MAX_PANEL_HEIGHT, min(i.height for i in images))
    scaled = [i.resize((max(1, round(i.width * height / i.height)), height)) for i in images]
    rows = [scaled[k:k + PANELS_PER_ROW] for k in range(0, len(scaled), PANELS_PER_ROW)]
    width = max(sum(i.width for i in row) + PANEL_GAP * (len(row) - 1) for row in rows)
    sheet = Image.new("RGB", (width, height * len(rows) + PANEL_GAP * (len(rows) - 1)), "white")
    for r, row in enumerate(rows):
        x = 0
        for image in row:
            sheet.paste(image, (x, r * (height + PANEL_GAP)))
            x += image.width + PANEL_GAP
    return sheet


def _write(figure: SourceFigure, root: Path, target: Path) -> tuple[int, int]:
    """The figure's picture written to ``target``; its size. Raises _Refused."""
    if figure.missing and not figure.files:
        raise _Refused(f"its file {figure.missing[0]} is not in the source")
    paths = [root / f for f in figure.files]
    if not paths:
        raise _Refused("it is typeset in LaTeX, with no picture file")
    if len(paths) == 1 and paths[0].suffix.lower() == ".png":
        with Image.open(paths[0]) as image:  # checked as any raster is, then used as it is
            if image.format != "PNG" or image.width * image.height > MAX_PIXELS:
                raise _Refused("it is not a PNG a blog can show")
            size = image.size
        shutil.copyfile(paths[0], target)
        return size
    images = [_picture(p) for p in paths]
    image = images[0] if len(images) == 1 else _side_by_side(images)
    image.save(target, "PNG")
    return image.size


def _page(label: str, pdf_figures: FigureSet | None, doc: Document | None) -> int:
    """The figure's page: the PDF's figure of the same label, else the page of the text's first mention
    of it (a float sits near where it is first referred to); 0 when the text has no pages."""
    crop = pdf_figures.get(label) if pdf_figures else None
    if crop is not None:
        return crop.page
    mention = re.compile(rf"\b{re.escape(label)}(?![\w.])")
    for section in doc.sections if doc is not None else []:
        m = mention.search(section.text)
        if m:
            return section.page_at(m.start())
    return 0


def source_figure_set(figures: list[SourceFigure], root: Path, out: Path, pdf_figures: FigureSet | None = None,
                      doc: Document | None = None) -> FigureSet:
    """The captioned figures and tables of the source with their pictures in ``out`` (see the module);
    ``pdf_figures`` are the PDF's crops, ``doc`` the source's Document with its pages matched, if any."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    made: list[Figure] = []
    for source in figures:
        if source.kind not in ("figure", "table") or not source.number or source.caption is None:
            continue  # LaTeX numbers only a captioned float, and only those can be referred to
        label = f"{source.kind.capitalize()} {source.number}"
        figure = Figure(kind=source.kind, number=source.number, page=0, caption=f"{label}: {source.caption}",
                        box=(0.0, 0.0, 0.0, 0.0))
        figure.page = _page(label, pdf_figures, doc)
        name = f"{figure.slug}.png"
        try:
            if len(made) >= MAX_FIGURES:
                raise _Refused(f"the source has more than {MAX_FIGURES} figures")
            figure.pixels = _write(source, root, out / name)
            figure.image = name
        except _Refused as why:
            crop = pdf_figures.get(label) if pdf_figures else None
            if crop is not None and crop.image and pdf_figures.folder:
                shutil.copyfile(Path(pdf_figures.folder) / crop.image, out / name)
                figure.image, figure.pixels, figure.box = name, crop.pixels, crop.box
            else:
                figure.problem = f"{why}; no PDF crop of it to show instead"
        made.append(figure)
    return FigureSet(figures=made, folder=str(out), seconds=round(time.monotonic() - started, 2))
