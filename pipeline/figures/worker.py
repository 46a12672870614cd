"""The figure reader's own process: read a PDF's pages, find its figures, render them; report as JSON lines.

Run by :mod:`.runner` as ``python -m pipeline.figures.worker`` with a JSON request on stdin::

    {"pdf": "...", "out": "<folder>", "dpi": 160, "skip": [pages], "memory_bytes": N, "seconds": S}

Each line on stdout is one JSON object: ``{"reading": n}`` before page n is read, ``{"rendering": n}``
before a figure of page n is rendered, ``{"figure": {...}}`` for each figure, ``{"skipped": [n, why]}`` for a
page that could not be read, and ``{"done": true}`` at the end (or ``{"error": "..."}`` when the PDF cannot
be opened). The process limits its own address space first, so a hostile PDF that makes pdfium allocate
without bound kills this process only; the runner sees which page it was on.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from pipeline.limited_child import child_main, say as _say


def run(request: dict) -> None:
    import pypdfium2 as pdfium

    from pipeline.figures.locate import locate, page_sides
    from pipeline.figures.page_layout import read_page
    from pipeline.figures.regions import paper_columns
    from pipeline.figures.render import DPI, RenderProblem, render_region
    from pipeline.records import Figure

    skip = set(request.get("skip") or [])
    try:
        pdf = pdfium.PdfDocument(request["pdf"])
    except (pdfium.PdfiumError, OSError) as err:
        _say(error=f"pdfium cannot open it ({err})")
        return
    layouts = {}
    for number in range(1, min(len(pdf), request.get("max_pages", 1000)) + 1):
        if number in skip:
            continue
        _say(reading=number)
        try:
            layouts[number] = read_page(pdf[number - 1], number)
        except pdfium.PdfiumError as err:
            _say(skipped=[number, f"pdfium cannot read it ({err})"])
    columns = paper_columns(list(layouts.values()))
    sides = {n: page_sides(layout, columns) for n, layout in layouts.items()}
    out = Path(request["out"])
    for found in locate(layouts, sides):
        figure = Figure(found.kind, found.number, found.page, found.caption,
                        tuple(round(v, 2) for v in (found.box.x0, found.box.top, found.box.x1, found.box.bottom)),
                        found.full_width)
        if not found.found:
            figure.problem = "no figure was found beside its caption"
        else:
            _say(rendering=found.page)
            try:
                figure.pixels = render_region(pdf[found.page - 1], found.box, out / f"{figure.slug}.png",
                                              request.get("dpi", DPI))
                figure.image = f"{figure.slug}.png"
            except (RenderProblem, pdfium.PdfiumError) as err:
                figure.problem = f"it could not be rendered: {err}"
        _say(figure=asdict(figure))
    _say(done=True)


if __name__ == "__main__":
    child_main(run, {"error": "it needed more memory than a paper's figures may take"})
