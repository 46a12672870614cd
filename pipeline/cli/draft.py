"""``paperdraft draft``: one paper or several, through the one core path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.console import err, fail, out, progress_for, quiet_libraries
from pipeline.config import load_settings
from pipeline.errors import PaperdraftError
from pipeline.interrupts import Interrupted, raise_on_sigterm
from pipeline.records import DraftResult



def draft(
    sources: Annotated[list[str], typer.Argument(help="arXiv ids or URLs, local PDFs, or .txt/.md files.")],
    model: Annotated[Optional[str], typer.Option(help="Hugging Face Hub id, local model folder, or none (quote the paper, load no model).")] = None,
    drafts_dir: Annotated[Optional[Path], typer.Option(help="Where drafts are written.")] = None,
    force: Annotated[
        bool, typer.Option(help="Also replace sections you edited (a backup is kept). Your critique is never touched.")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Summarise afresh, even when a summary made from the same paper "
                           "version or file, model, prompts, settings and code is cached (the new one replaces it).")
    ] = False,
) -> None:
    """Draft a blog post for each SOURCE, leaving the critique to you.

    A redraft whose inputs are unchanged reuses the summary made before, and loads no model.
    """
    from pipeline.core import draft_one, preflight
    from pipeline.sources import parse_source

    quiet_libraries()
    raise_on_sigterm()
    try:
        settings = load_settings(model=model, drafts_dir=drafts_dir)
        refs = [parse_source(s) for s in sources]
        preflight(settings)  # a bad drafts folder or device: one line now, not after the model's work
    except PaperdraftError as exc:
        raise fail(exc) from None

    failures = 0
    for ref in refs:  # the model is loaded once, on the first paper that gets that far
        try:
            with progress_for(ref.raw) as progress:
                result = draft_one(ref, settings, force=force, progress=progress, use_cache=not no_cache)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (raise_on_sigterm)
            err.show_cursor(True)  # the bars hid it; a signal while they start up skips their own restore
            done = exc.result if isinstance(exc, Interrupted) else None
            if done is not None:
                report(done)
            err.print(f"interrupted: {ref.raw}" + ("" if done else " was not drafted"), highlight=False)
            raise typer.Exit(exc.exit_code if isinstance(exc, Interrupted) else 130) from None
        except PaperdraftError as exc:
            failures += 1
            if len(refs) == 1:
                raise fail(exc) from None
            err.print(f"[bold red]error:[/] {ref.raw}: {exc}", highlight=False)
            continue
        report(result)
    if failures:
        raise typer.Exit(1)


def report(result: DraftResult) -> None:
    """What happened to one draft, on stdout."""
    out.print(f"{result.status}: {result.path}", highlight=False)
    if result.status == "merged":
        out.print(f"  updated: {', '.join(result.updated) or 'nothing'}", highlight=False)
    if result.kept:
        out.print(f"  kept as you edited them: {', '.join(result.kept)}", highlight=False)
    if result.backup:
        out.print(f"  your previous version is saved at {result.backup}", highlight=False)
