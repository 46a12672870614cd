"""``paperdraft run`` and ``paperdraft serve``: the Prefect flow from the command line.

``run`` runs :func:`pipeline.flows.draft_papers` once, here (Prefect starts a
temporary local server unless ``PREFECT_API_URL`` points at one), prints a
table and exits 1 if a paper failed. ``serve`` keeps the flow scheduled
(``schedule_cron``, daily by default) for one selection, e.g. a reading list.
A bad selection is one line and exit 2, before Prefect starts.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from pipeline.cli.console import fail, out, quiet_libraries
from pipeline.config import load_settings
from pipeline.errors import InvalidSourceError, PaperdraftError, PapersFailed
from pipeline.flows.selection import check_selection

Ids = Annotated[Optional[list[str]], typer.Option("--ids", help="arXiv ids or URLs: --ids A B (or --ids A --ids B).")]
MoreIds = Annotated[Optional[list[str]], typer.Argument(help="More arXiv ids (after --ids A).", show_default=False)]
IdsFile = Annotated[Optional[str], typer.Option("--ids-file", help="A reading list: one arXiv id or URL a line, # comments.")]
Query = Annotated[Optional[str], typer.Option("--query", help="An arXiv query, e.g. 'ti:transformer AND cat:cs.CL'.")]
Category = Annotated[Optional[list[str]], typer.Option("--category", help="An arXiv category (repeat for more), with --since.")]
Since = Annotated[Optional[str], typer.Option("--since", help="With --category: papers submitted on or after YYYY-MM-DD (default: yesterday).")]
Max = Annotated[int, typer.Option("--max", help="At most this many papers from --query or --category.")]
DraftsDir = Annotated[Optional[str], typer.Option("--drafts-dir", help="Where drafts are written.")]
Model = Annotated[Optional[str], typer.Option("--model", help="Hugging Face Hub id or local model folder.")]


def selection(
    ids: list[str] | None, more: list[str] | None, ids_file: str | None, query: str | None,
    categories: list[str] | None, since: str | None, max_papers: int, drafts_dir: str | None, model: str | None,
) -> dict[str, Any]:
    """The flow's parameters, checked as far as is possible without the network (raises InvalidSourceError)."""
    if more and not ids:
        if ids_file or query or categories:
            raise InvalidSourceError(f"unexpected argument {more[0]!r}", hint="ids go after --ids")
        ids = []
    all_ids = list(ids or []) + list(more or []) if ids is not None else None
    check_selection(all_ids, ids_file, query, categories, since, max_papers)
    load_settings(model=model, drafts_dir=drafts_dir)  # a bad config file is a user error too
    params: dict[str, Any] = {
        "ids": all_ids or None, "ids_file": ids_file, "query": query, "categories": categories or None,
        "since": since, "max_papers": max_papers, "drafts_dir": drafts_dir, "model": model,
    }
    return {k: v for k, v in params.items() if v is not None}


def print_report(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=f"paperdraft: {len(rows)} papers")
    for column in ("paper", "arXiv", "status", "draft", "seconds"):
        table.add_column(column, justify="right" if column == "seconds" else "left", overflow="fold")
    for r in rows:
        status = r["status"] if not r.get("error") else f"{r['status']}: {r['error']}"
        table.add_row(r.get("title") or r["source"], r.get("arxiv_id") or "", status, r.get("path") or "",
                      f"{r.get('seconds', 0):.1f}")
    out.print(table)


def run(
    ids: Ids = None,
    more: MoreIds = None,
    ids_file: IdsFile = None,
    query: Query = None,
    category: Category = None,
    since: Since = None,
    max_papers: Max = 20,
    drafts_dir: DraftsDir = None,
    model: Model = None,
) -> None:
    """Draft many papers with the Prefect flow: ids, a reading list, a query, or new papers in categories."""
    try:
        params = selection(ids, more, ids_file, query, category, since, max_papers, drafts_dir, model)
    except PaperdraftError as exc:
        raise fail(exc) from None
    quiet_libraries()
    from pipeline.flows import draft_papers  # Prefect is imported only for the commands that run a flow

    try:
        rows = draft_papers(**params)
    except PapersFailed as exc:  # the others were drafted: show them all, then exit 1
        print_report(exc.rows)
        raise typer.Exit(1) from None
    except PaperdraftError as exc:  # a selection only arXiv could judge: a query matching nothing
        raise fail(exc) from None
    print_report(rows)


def serve(
    ids: Ids = None,
    more: MoreIds = None,
    ids_file: IdsFile = None,
    query: Query = None,
    category: Category = None,
    since: Since = None,
    max_papers: Max = 20,
    drafts_dir: DraftsDir = None,
    model: Model = None,
    name: Annotated[str, typer.Option(help="The deployment's name.")] = "paperdraft",
    cron: Annotated[Optional[str], typer.Option(help="Cron schedule (default: the schedule_cron setting).")] = None,
) -> None:
    """Serve the flow on a schedule (daily by default) for one selection, e.g. --ids-file papers.txt."""
    try:
        params = selection(ids, more, ids_file, query, category, since, max_papers, drafts_dir, model)
        settings = load_settings(model=model, drafts_dir=drafts_dir)
    except PaperdraftError as exc:
        raise fail(exc) from None
    from pathlib import Path

    for key in ("ids_file", "drafts_dir"):  # scheduled runs may start from another folder
        if key in params:
            params[key] = str(Path(params[key]).expanduser().resolve())
    from pipeline.flows import draft_papers

    draft_papers.serve(name=name, cron=cron or settings.schedule_cron, parameters=params)


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``serve`` to the ``paperdraft`` app."""
    app.command("run")(run)
    app.command("serve")(serve)
