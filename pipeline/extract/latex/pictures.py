"""The source's figures as the pictures a draft shows: a :class:`~pipeline.records.FigureSet` like the PDF's.

Each captioned figure or table of the source (:mod:`.floats`) becomes one :class:`~pipeline.records.Figure`
whose picture is made from its ``\\includegraphics`` files, in a process of its own under time and memory
limits (:mod:`.picture_worker`: the archive is untrusted). A figure whose files are EPS, missing, or
unreadable, one whose file stopped the picture maker, and a table typeset in LaTeX, take the crop of the same
figure in the PDF when there is one; else the figure has no picture and says why.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from pipeline.extract.latex.records import SourceFigure
from pipeline.figures.runner import MEMORY_BYTES, PAGE_SECONDS
from pipeline.limited_child import out_of_memory, run_child
from pipeline.records import Document, Figure, FigureSet

MAX_FIGURES = 80  # a paper's pictures made at most; a hostile tree cannot make thousands
TIME_BUDGET_SECONDS = 120.0  # for all of a source's pictures; one takes well under a second
MAX_RESTARTS = 6  # pictures given up (each stopped the maker) before the rest are given up too


def _stopped(how: str, status: int | None, seconds: float) -> str:
    if how == "exit":
        return "making its picture ran out of memory" if out_of_memory(status) else \
            f"making its picture stopped the reader (exit status {status})"
    return f"making its picture took longer than {seconds:g} s"


def make_pictures(jobs: list[dict], root: Path, *, step_seconds: float = PAGE_SECONDS,
                  time_budget: float = TIME_BUDGET_SECONDS, memory: int = MEMORY_BYTES) -> dict[int, tuple | str]:
    """Each job's picture made (:mod:`.picture_worker`): job index -> its pixel size, or why there is none.
    A job that hangs the maker or kills it is given up, and the maker started again past it."""
    results: dict[int, tuple | str] = {}
    deadline = time.monotonic() + time_budget
    for _ in range(MAX_RESTARTS + 1):
        current: list[int | None] = [None]

        def on_item(item: dict) -> bool:
            if "making" in item:
                current[0] = int(item["making"])
            elif "made" in item:
                results[int(item["made"])] = tuple(item["pixels"])
            elif "refused" in item:
                results[int(item["refused"])] = str(item["why"])
            return bool(item.get("done"))

        request = {"root": str(root), "jobs": jobs, "skip": sorted(results), "memory_bytes": memory}
        how, status = run_child("pipeline.extract.latex.picture_worker", request, on_item,
                                step_seconds=step_seconds, deadline=deadline)
        if how == "done":
            return results
        if current[0] is not None and current[0] not in results:
            results[current[0]] = _stopped(how, status, step_seconds)
        if how == "deadline" or current[0] is None:
            break
    for i in range(len(jobs)):
        results.setdefault(i, "the source's pictures took too long to make, or stopped the reader")
    return results


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
    jobs: list[dict] = []
    for source in figures:
        if source.kind not in ("figure", "table") or not source.number or source.caption is None:
            continue  # LaTeX numbers only a captioned float, and only those can be referred to
        label = f"{source.kind.capitalize()} {source.number}"
        figure = Figure(kind=source.kind, number=source.number, page=0, caption=f"{label}: {source.caption}",
                        box=(0.0, 0.0, 0.0, 0.0))
        figure.page = _page(label, pdf_figures, doc)
        made.append(figure)
        if len(jobs) < MAX_FIGURES:
            jobs.append({"files": list(source.files), "missing": list(source.missing),
                         "target": str(out / f"{figure.slug}.png")})
    pictures = make_pictures(jobs, root) if jobs else {}
    for i, figure in enumerate(made):
        result = pictures.get(i, f"the source has more than {MAX_FIGURES} figures")
        if isinstance(result, tuple):
            figure.image, figure.pixels = f"{figure.slug}.png", result
            continue
        crop = pdf_figures.get(f"{figure.kind.capitalize()} {figure.number}") if pdf_figures else None
        if crop is not None and crop.image and pdf_figures.folder:
            shutil.copyfile(Path(pdf_figures.folder) / crop.image, out / f"{figure.slug}.png")
            figure.image, figure.pixels, figure.box = f"{figure.slug}.png", crop.pixels, crop.box
        else:
            figure.problem = f"{result}; no PDF crop of it to show instead"
    return FigureSet(figures=made, folder=str(out), seconds=round(time.monotonic() - started, 2))

