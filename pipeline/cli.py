"""The ``paperdraft`` command: thin commands over ``core``. It only translates errors and shows progress."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from .config import load_settings
from .errors import PaperdraftError

app = typer.Typer(
    help="Turn arXiv papers into blog-post drafts with a local model. The critique stays yours.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


@app.callback()
def _root() -> None:
    """Turn arXiv papers into blog-post drafts with a local model. The critique stays yours."""

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


def _quiet_libraries() -> None:
    """Our progress bars replace transformers' own; pypdf's warnings about harmless PDF quirks go."""
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


@app.command()
def draft(
    sources: Annotated[list[str], typer.Argument(help="arXiv ids or URLs, local PDFs, or .txt/.md files.")],
    model: Annotated[Optional[str], typer.Option(help="Hugging Face Hub id or local model folder.")] = None,
    drafts_dir: Annotated[Optional[Path], typer.Option(help="Where drafts are written.")] = None,
    force: Annotated[
        bool, typer.Option(help="Also replace sections you edited (a backup is kept). Your critique is never touched.")
    ] = False,
) -> None:
    """Draft a blog post for each SOURCE, leaving the critique to you."""
    from .core import draft_one
    from .sources import parse_source

    _quiet_libraries()
    try:
        settings = load_settings(model=model, drafts_dir=drafts_dir)
        refs = [parse_source(s) for s in sources]
    except PaperdraftError as exc:
        raise fail(exc) from None

    failures = 0
    for ref in refs:  # the model is loaded once, on the first paper that gets that far
        try:
            with Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=err, transient=not sys.stderr.isatty(),
            ) as bars:
                result = draft_one(ref, settings, force=force, progress=RichProgress(bars, ref.raw))
        except PaperdraftError as exc:
            failures += 1
            if len(refs) == 1:
                raise fail(exc) from None
            err.print(f"[bold red]error:[/] {ref.raw}: {exc}", highlight=False)
            continue
        out.print(f"{result.status}: {result.path}", highlight=False)
        if result.status == "merged":
            out.print(f"  updated: {', '.join(result.updated) or 'nothing'}", highlight=False)
        if result.kept:
            out.print(f"  kept as you edited them: {', '.join(result.kept)}", highlight=False)
        if result.backup:
            out.print(f"  your previous version is saved at {result.backup}", highlight=False)
    if failures:
        raise typer.Exit(1)


def _register_commands() -> None:
    """review, check, publish and list, and the flow's run and serve, live in their own modules."""
    from .cli_flows import register as register_flows
    from .cli_review import register as register_review

    register_review(app)
    register_flows(app)


_register_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
