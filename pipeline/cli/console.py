"""What the CLI shows: the two consoles, one-line errors, progress bars, and quiet libraries.

Machine output (findings, JSON, what was written) goes to ``out`` (stdout);
progress, summaries and errors go to ``err`` (stderr).
"""

from __future__ import annotations

import os

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from pipeline.errors import PaperdraftError

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

STAGES = {
    "fetch": "Fetching metadata",
    "download": "Downloading PDF",
    "extract": "Extracting text",
    "model": "Loading model",
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


def quiet_libraries() -> None:
    """Our progress bars replace transformers' own; pypdf's warnings about harmless PDF quirks go."""
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
