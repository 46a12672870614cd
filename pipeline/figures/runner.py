"""A paper's figures, read in a process of their own (:mod:`.worker`, through
:mod:`pipeline.limited_child`) under time and memory limits.

The same limits as text extraction (:mod:`pipeline.extract.pdf_reader`): at most ``MAX_PAGES`` pages and
``TIME_BUDGET_SECONDS`` for the whole file; and per page ``PAGE_SECONDS``, with ``MEMORY_BYTES`` of address
space for the reader. A page that hangs, crashes the reader or exhausts its memory costs its own figures
only: the reader is started again without it, and the page is listed in ``FigureSet.failed_pages``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.extract.pdf_reader import MAX_PAGES, TIME_BUDGET_SECONDS
from pipeline.limited_child import out_of_memory, run_child
from pipeline.records import Figure, FigureSet

PAGE_SECONDS = 30.0  # to read one page or render one figure; a real arXiv page takes well under a second
MEMORY_BYTES = 2 * 2**30  # the reader's address space (pdfium, Pillow, one page's bitmap)
MAX_RESTARTS = 6  # pages given up before the rest of the paper's figures are given up too


@dataclass
class _Run:
    figures: list[Figure] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    done: bool = False
    page: int | None = None  # the page being read or rendered when the run stopped
    why: str | None = None


def _one_run(pdf: Path, out: Path, skip: list[int], dpi: int | None, deadline: float, page_seconds: float,
             memory: int) -> _Run:
    request = {"pdf": str(pdf), "out": str(out), "skip": skip, "memory_bytes": memory, "max_pages": MAX_PAGES}
    if dpi:
        request["dpi"] = dpi
    run = _Run()

    def on_item(item: dict) -> bool:
        if "reading" in item or "rendering" in item:
            run.page = item.get("reading") or item.get("rendering")
        elif "figure" in item:
            data = item["figure"]
            data["box"] = tuple(data["box"])
            data["pixels"] = tuple(data["pixels"]) if data.get("pixels") else None
            run.figures.append(Figure(**data))
        elif "skipped" in item:
            run.skipped[int(item["skipped"][0])] = str(item["skipped"][1])
        elif "error" in item:
            run.page, run.why = None, str(item["error"])
            return True
        elif item.get("done"):
            run.done = True
            return True
        return False

    stopped, status = run_child("pipeline.figures.worker", request, on_item, step_seconds=page_seconds,
                                deadline=deadline)
    if stopped == "deadline":
        run.why = f"the paper's figures took longer than {TIME_BUDGET_SECONDS:g} s"
    elif stopped == "step":
        run.why = f"reading it took longer than {page_seconds:g} s"
    elif stopped == "exit":
        run.why = "the reader ran out of memory" if out_of_memory(status) else f"the reader stopped (exit status {status})"
    return run


def extract_figures(pdf: str | Path, out: str | Path, *, dpi: int | None = None,
                    time_budget: float = TIME_BUDGET_SECONDS, page_seconds: float = PAGE_SECONDS,
                    memory: int = MEMORY_BYTES) -> FigureSet:
    """The figures and tables of ``pdf``, their pictures written into ``out``. Never raises for a bad PDF:
    what could not be read is in ``failed_pages`` (page 0: the whole file)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    deadline = started + time_budget
    failed: dict[int, str] = {}
    run = _Run()
    for _ in range(MAX_RESTARTS + 1):
        run = _one_run(Path(pdf), out, sorted(failed), dpi, deadline, page_seconds, memory)
        if run.done or run.page is None or time.monotonic() >= deadline:
            break
        failed[run.page] = run.why or "it could not be read"
    if not run.done:
        failed[run.page or 0] = run.why or "it could not be read"
    failed.update(run.skipped)
    return FigureSet(figures=run.figures, folder=str(out), failed_pages=sorted(failed.items()),
                     seconds=round(time.monotonic() - started, 2))
