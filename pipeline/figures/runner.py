"""A paper's figures, read in a process of their own (:mod:`.worker`) under time and memory limits.

The same limits as text extraction (:mod:`pipeline.extract.pdf_reader`): at most ``MAX_PAGES`` pages and
``TIME_BUDGET_SECONDS`` for the whole file; and per page ``PAGE_SECONDS``, with ``MEMORY_BYTES`` of address
space for the reader. A page that hangs, crashes the reader or exhausts its memory costs its own figures
only: the reader is started again without it, and the page is listed in ``FigureSet.failed_pages``.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.extract.pdf_reader import MAX_PAGES, TIME_BUDGET_SECONDS
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


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def _one_run(pdf: Path, out: Path, skip: list[int], dpi: int | None, deadline: float, page_seconds: float,
             memory: int) -> _Run:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_package_root(), os.environ.get("PYTHONPATH")])))
    request = {"pdf": str(pdf), "out": str(out), "skip": skip, "memory_bytes": memory, "max_pages": MAX_PAGES,
               "seconds": max(deadline - time.monotonic(), 1.0)}
    if dpi:
        request["dpi"] = dpi
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.figures.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    proc.stdin.write(json.dumps(request) + "\n")
    proc.stdin.close()
    run = _Run()
    try:
        while True:
            wait = min(page_seconds, deadline - time.monotonic())
            try:
                line = lines.get(timeout=max(wait, 0.0))
            except queue.Empty:
                over = time.monotonic() >= deadline
                run.why = (f"the paper's figures took longer than {TIME_BUDGET_SECONDS:g} s" if over
                           else f"reading it took longer than {page_seconds:g} s")
                return run
            if line is None:
                code = proc.wait()
                run.why = ("the reader ran out of memory" if code in (3, -6, -9) else
                           f"the reader stopped (exit status {code})")
                return run
            item = json.loads(line)
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
                return run
            elif item.get("done"):
                run.done = True
                return run
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


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
