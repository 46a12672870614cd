"""``paperdraft run`` and ``paperdraft serve``: the Prefect flow from the command line.

``run`` runs :func:`pipeline.flows.draft_papers` once, here (Prefect starts a
temporary local server unless ``PREFECT_API_URL`` points at one), prints a
table and exits 1 if a paper failed. ``serve`` keeps the flow scheduled
(``schedule_cron``, daily by default) for one selection, e.g. a reading list:
on the server ``PREFECT_API_URL`` names, or else on a Prefect server it starts
on 127.0.0.1 for as long as it runs (:class:`pipeline.flows.local.LocalServer`).
A bad selection is one line and exit 2, before Prefect starts.

Both set Prefect's privacy settings (:func:`pipeline.flows.local.keep_prefect_local`)
before Prefect is imported, and make Prefect's console logs one line per record
unless ``PAPERDRAFT_DEBUG=1``.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from pipeline.cli import digest as rk
from pipeline.cli.console import err, fail, out, quiet_libraries
from pipeline.config import load_settings
from pipeline.errors import ConfigError, InvalidSourceError, PaperdraftError, PapersFailed
from pipeline.flows import console_logs, local
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
Rank = Annotated[bool, typer.Option("--rank", help="With --category: draft the --max best papers for you, ranked by "
                                    "your drafts, posts, reading list and library (as paperdraft digest does).")]


def selection(
    ids: list[str] | None, more: list[str] | None, ids_file: str | None, query: str | None,
    categories: list[str] | None, since: str | None, max_papers: int, drafts_dir: str | None, model: str | None,
    rank: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The flow's parameters, checked as far as is possible without the network (raises InvalidSourceError)."""
    if more and not ids:
        if ids_file or query or categories:
            raise InvalidSourceError(f"unexpected argument {more[0]!r}", hint="ids go after --ids")
        ids = []
    all_ids = list(ids or []) + list(more or []) if ids is not None else None
    check_selection(all_ids, ids_file, query, categories, since, max_papers)
    if rank is not None and not categories:
        raise InvalidSourceError("--rank ranks new papers in categories", hint="give --category (and --since)")
    load_settings(model=model, drafts_dir=drafts_dir)  # a bad config file is a user error too
    params: dict[str, Any] = {
        "ids": all_ids or None, "ids_file": ids_file, "query": query, "categories": categories or None,
        "since": since, "max_papers": max_papers, "drafts_dir": drafts_dir, "model": model, "rank": rank,
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
    rank: Rank = False,
    posts: rk.Posts = None,
    reading_list: rk.ReadingList = None,
    library: rk.Library = None,
    author: rk.Author = None,
    include: rk.Include = None,
    exclude: rk.Exclude = None,
    min_score: rk.MinScore = 0.0,
) -> None:
    """Draft many papers with the Prefect flow: ids, a reading list, a query, or new papers in categories."""
    local.keep_prefect_local()  # before anything imports Prefect: it reads its settings once, at import
    try:
        ranking = rk.flow_rank(rank, posts, reading_list, library, author, include, exclude, min_score)
        params = selection(ids, more, ids_file, query, category, since, max_papers, drafts_dir, model, ranking)
        _preflight(model, drafts_dir)  # a bad drafts folder costs one line, not a Prefect server's start
    except PaperdraftError as exc:
        raise fail(exc) from None
    quiet_libraries()
    console_logs.one_line_console_logs()
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
    port: Annotated[Optional[int], typer.Option(
        help="Port of the Prefect server serve starts when PREFECT_API_URL names none "
             "(default 4200, or a free one when 4200 is taken).")] = None,
    rank: Rank = False,
    posts: rk.Posts = None,
    reading_list: rk.ReadingList = None,
    library: rk.Library = None,
    author: rk.Author = None,
    include: rk.Include = None,
    exclude: rk.Exclude = None,
    min_score: rk.MinScore = 0.0,
) -> None:
    """Serve the flow on a schedule (daily by default) for one selection, e.g. --ids-file papers.txt.

    Without PREFECT_API_URL, it starts a Prefect server on 127.0.0.1 (UI included) for as long as it runs.
    """
    local.keep_prefect_local()  # before anything imports Prefect: it reads its settings once, at import
    try:
        ranking = rk.flow_rank(rank, posts, reading_list, library, author, include, exclude, min_score)
        params = selection(ids, more, ids_file, query, category, since, max_papers, drafts_dir, model, ranking)
        settings = load_settings(model=model, drafts_dir=drafts_dir)
        schedule = cron or settings.schedule_cron
        _check_cron(schedule, "--cron" if cron else "schedule_cron")
        if port is not None and not 0 < port < 65536:
            raise ConfigError(f"--port {port} is no port", hint="1 to 65535, e.g. 4200")
        _preflight(model, drafts_dir)  # now, not at the first scheduled run
    except PaperdraftError as exc:
        raise fail(exc) from None
    from pathlib import Path

    for key in ("ids_file", "drafts_dir"):  # scheduled runs may start from another folder
        if key in params:
            params[key] = str(Path(params[key]).expanduser().resolve())
    if "rank" in params:
        params["rank"] = rk.absolute_paths(params["rank"])
    console_logs.one_line_console_logs()
    from prefect.settings import PREFECT_API_URL

    from pipeline.flows import draft_papers

    def serve_here() -> None:
        draft_papers.serve(name=name, cron=schedule, parameters=params)

    with local.stop_on_signals():  # until the runner installs its own: a SIGTERM still stops the server
        configured = PREFECT_API_URL.value()
        if configured:
            if port is not None:
                err.print(f"note: --port is for the server serve starts; PREFECT_API_URL names {configured}",
                          highlight=False)
            try:
                _check_server(configured)
            except PaperdraftError as exc:
                raise fail(exc) from None
            err.print(f"Serving on the Prefect server at {configured} (PREFECT_API_URL)", highlight=False)
            serve_here()
            return
        server = local.LocalServer(local.server_home(), port)
        try:
            server.start()
        except PaperdraftError as exc:
            raise fail(exc) from None
        try:
            err.print(f"Prefect UI: {server.ui_url} (a Prefect server on this machine, stopped when serve stops; "
                      f"for the prefect CLI: PREFECT_API_URL={server.api_url}; its data: {server.home})",
                      highlight=False)
            if server.note:
                err.print(f"note: {server.note}", highlight=False)
            with server.configured():
                serve_here()
        finally:
            server.stop()


def _preflight(model: str | None, drafts_dir: str | None) -> None:
    from pipeline import core

    core.preflight(load_settings(model=model, drafts_dir=drafts_dir))


def _check_cron(cron: str, where: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule  # Prefect's own check of what serve will send

    try:
        CronSchedule(cron=cron)
    except ValueError:  # pydantic's ValidationError is one
        raise ConfigError(f"{where} {cron!r} is not a cron schedule",
                          hint='five fields: minute hour day month weekday, e.g. "0 7 * * *" (07:00 daily)') from None


def _check_server(api_url: str) -> None:
    """The configured Prefect server answers; else one line saying so, and what to do."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise PaperdraftError(
            f"the Prefect server at {api_url} (PREFECT_API_URL) does not answer: {type(problem).__name__}",
            hint="start it (prefect server start), or unset PREFECT_API_URL and serve starts one itself")


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``serve`` to the ``paperdraft`` app."""
    app.command("run")(run)
    app.command("serve")(serve)
