"""What the CLI shows: the two consoles, one-line errors, progress, and quiet libraries.

Machine output (findings, JSON, what was written) goes to ``out`` (stdout);
progress, summaries and errors go to ``err`` (stderr). Progress is Rich's bars on
a terminal, and plain lines anywhere else (CI, a pipe, an editor's output pane):
:func:`progress_for`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from pipeline.errors import PaperdraftError

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

STAGES = {
    "fetch": "Fetching metadata",
    "download": "Downloading PDF",
    "source": "Fetching the LaTeX source",
    "extract": "Extracting text",
    "model": "Loading model",
    "quote": "Choosing the quotes (no model)",
    "figures": "Finding figures and tables",
    "cached": "Reusing the cached summary",
    "map": "Taking notes per chunk",
    "collapse": "Condensing notes",
    "reduce": "Writing sections",
}


def _debug() -> bool:
    return bool(os.environ.get("PAPERDRAFT_DEBUG"))


def fail(exc: PaperdraftError) -> typer.Exit:
    """One clear line for the user; the traceback only with PAPERDRAFT_DEBUG=1."""
    if _debug():
        raise exc
    err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
    if exc.hint:
        err.print(f"  hint: {exc.hint}", highlight=False)
    return typer.Exit(exc.exit_code)


class RichProgress:
    """Maps the pipeline's (stage, done, total) callbacks onto Rich progress bars, one per stage."""

    def __init__(self, progress: Progress, label: str):
        self.progress = progress
        self.label = label
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            for task in self.progress.tasks:  # a new stage means the earlier ones are finished
                self.progress.update(task.id, total=task.total or 1, completed=task.total or 1)
            self.tasks[stage] = self.progress.add_task(f"{self.label}: {STAGES.get(stage, stage)}", total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


# Plain progress: at most one line per this many seconds within a stage, besides the line that says it started and
# the one that says it finished. A CI log of a first draft is then a few dozen lines, and never silent for long
# while the model works (a map batch takes seconds).
PLAIN_PROGRESS_SECONDS = 5.0


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


class PlainProgress:
    """The pipeline's (stage, done, total) callbacks as plain lines for a stderr that is not a terminal.

    ``<label>: <stage> <n>/<m>``: one line when a stage starts, one when it finishes (when the next
    starts, or at :meth:`finish`), and between them at most one every ``interval`` seconds; a stage that
    is complete when it starts (a cached summary) is one line. No colour, no cursor movement: each line is
    written whole and flushed. ``clock`` is for tests.
    """

    def __init__(self, label: str, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                 interval: float = PLAIN_PROGRESS_SECONDS):
        self.label = label
        self._stream = stream
        self.clock = clock
        self.interval = interval
        self.stage: str | None = None  # the stage of the last callback
        self.open = False  # whether that stage's "done" line is still to come
        self.done, self.total = 0, None
        self.started = self.last_line = 0.0

    def _count(self, stage: str, done: int, total: int | None) -> str:
        if stage == "download":
            if not done:
                return ""
            return f" {_size(done)} of {_size(total)}" if total else f" {_size(done)}"
        if total:
            return f" {done}/{total}"
        return f" {done}" if done else ""

    def _describe(self, stage: str) -> str:
        text = STAGES.get(stage, stage)
        return text[:1].lower() + text[1:]

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stderr
        stream.write(f"{self.label}: {text}\n")
        stream.flush()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = self.clock()
        starting = stage != self.stage
        if starting:
            self.finish(now)
            self.stage, self.started, self.open = stage, now, True
        elif now - self.last_line < self.interval:
            self.done, self.total = done, total
            return
        self.done, self.total = done, total
        complete = starting and total is not None and done >= total
        self._write(f"{self._describe(stage)}{self._count(stage, done, total)}{', done' if complete else ''}")
        self.last_line = now
        if complete:
            self.open = False  # said in its one line

    def finish(self, now: float | None = None) -> None:
        """The line that says the current stage finished (if one is under way and has not said so)."""
        if self.stage is None or not self.open:
            return
        now = self.clock() if now is None else now
        count = self._count(self.stage, self.done, self.total)
        self._write(f"{self._describe(self.stage)}{count}, done in {now - self.started:.1f} s")
        self.open = False
        self.last_line = now


def plain_progress_wanted() -> bool:
    """Plain lines rather than bars: stderr is no terminal, or one that cannot move the cursor (TERM=dumb)."""
    return not err.is_terminal or err.is_dumb_terminal


@contextmanager
def progress_for(label: str) -> Iterator[Callable[[str, int, int | None], None]]:
    """The progress callback for one paper: Rich bars on a terminal, :class:`PlainProgress` lines elsewhere.

    The plain lines end with the last stage's "done" line, unless the block raises (the error says the rest).
    """
    if plain_progress_wanted():
        plain = PlainProgress(label)
        yield plain
        plain.finish()
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err) as bars:
        yield RichProgress(bars, label)


def quiet_libraries() -> None:
    """Our progress bars replace transformers' own; pypdf's warnings about harmless PDF quirks go."""
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # read when they are imported: none is yet for
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # a draft with --model none, which imports neither
    if "transformers" in sys.modules or "huggingface_hub" in sys.modules:  # imported already: told directly
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
