"""The pictures of a LaTeX source's figures, made in a process of their own: the archive is untrusted.

Run by :mod:`.pictures` through :mod:`pipeline.limited_child` as ``python -m
pipeline.extract.latex.picture_worker``, with a JSON request on stdin::

    {"root": "<tree>", "jobs": [{"files": [...], "missing": [...], "target": "<png>"}], "skip": [i],
     "memory_bytes": N, "seconds": S}

A PNG is used as it is, a JPEG is written as a PNG (the draft's pictures are PNGs), a PDF figure's first page
is rendered to PNG with pypdfium2 (the renderer of the PDF path, :mod:`pipeline.figures.render`), and the
panels of a figure with several files are set side by side. A picture over ``MAX_PIXELS`` or a page larger
than PDF allows is refused. Each line on stdout: ``{"making": i}`` before job i, then ``{"made": i, "pixels":
[w, h]}`` or ``{"refused": i, "why": "..."}``; ``{"done": true}`` at the end. A file that makes pdfium hang,
abort or allocate without bound ends this process only; the parent gives that job up and starts again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from pipeline.figures.render import DPI, MAX_PAGE_POINTS, MAX_PIXELS, trim
from pipeline.limited_child import child_main, say

RASTER = {".png", ".jpg", ".jpeg"}
PANELS_PER_ROW = 3
PANEL_GAP = 16  # white pixels between panels
MAX_PANEL_HEIGHT = 700  # panels set side by side are scaled to one height, at most this


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


def _write(files: list[str], missing: list[str], root: Path, target: Path) -> tuple[int, int]:
    """The picture of a figure with these ``files`` (and ``missing`` ones) written to ``target``; its size.
    Raises _Refused."""
    if missing and not files:
        raise _Refused(f"its file {missing[0]} is not in the source")
    paths = [root / f for f in files]
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


def run(request: dict) -> None:
    root, skip = Path(request["root"]), set(request.get("skip") or [])
    for i, job in enumerate(request["jobs"]):
        if i in skip:
            continue
        say(making=i)
        try:
            say(made=i, pixels=list(_write(job["files"], job.get("missing") or [], root, Path(job["target"]))))
        except _Refused as why:
            say(refused=i, why=str(why))
    say(done=True)


if __name__ == "__main__":
    child_main(run)
