"""``paperdraft digest``: the day's new papers ranked by your own drafts, posts, reading list and library.

It prints a ranked table (score, title, authors, link, and the item of yours each paper is closest to)
or ``--json``, then drafts the top ``--max`` that have no draft of their latest version yet. The ranking
is :func:`pipeline.rank.digest.make_digest`, the same the flow runs (``paperdraft run --rank``). The
profile and filter options are shared with ``run`` and ``serve`` (:func:`rank_spec`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from pipeline.cli.console import err, fail, out, progress_for, quiet_libraries
from pipeline.config import load_settings
from pipeline.errors import InvalidSourceError, PaperdraftError
from pipeline.flows.selection import check_selection, parse_since
from pipeline.rank.records import Digest, RankSpec

Category = Annotated[Optional[list[str]], typer.Option("--category", help="An arXiv category (repeat for more).")]
Since = Annotated[Optional[str], typer.Option("--since", help="Papers submitted on or after YYYY-MM-DD, today or yesterday (default).")]
Max = Annotated[int, typer.Option("--max", help="Draft this many of the best-ranked papers.")]
Posts = Annotated[Optional[list[str]], typer.Option("--posts", help="A blog folder of your posts (repeat; the folders your drafts were published to count anyway).")]
ReadingList = Annotated[Optional[str], typer.Option("--reading-list", help="Your reading list (one arXiv id a line), for the profile.")]
Library = Annotated[Optional[list[str]], typer.Option("--library", help="Your library: a .bib or CSL-JSON export (repeat for more).")]
Author = Annotated[Optional[list[str]], typer.Option("--author", help='Follow an author: keep only papers by them (repeat), e.g. "Yann LeCun".')]
Include = Annotated[Optional[list[str]], typer.Option("--include", help="Keep only papers whose title or abstract has this word or phrase (repeat).")]
Exclude = Annotated[Optional[list[str]], typer.Option("--exclude", help="Drop papers whose title or abstract has this word or phrase (repeat).")]
MinScore = Annotated[float, typer.Option("--min-score", help="Drop papers that score below this (0 to 1).")]


def rank_spec(posts: list[str] | None, reading_list: str | None, library: list[str] | None, author: list[str] | None,
              include: list[str] | None, exclude: list[str] | None, min_score: float) -> RankSpec:
    """The ranking options as a :class:`RankSpec`, checked as far as is possible before any request."""
    if not 0 <= min_score <= 1:
        raise InvalidSourceError(f"--min-score must be between 0 and 1, got {min_score}")
    for path in [*(library or []), *([reading_list] if reading_list else [])]:
        if not Path(path).expanduser().is_file():
            raise InvalidSourceError(f"no such file: {path!r}", hint="--reading-list and --library name files")
    return RankSpec(posts=list(posts or []), reading_list=reading_list, library=list(library or []),
                    authors=list(author or []), include=list(include or []), exclude=list(exclude or []),
                    min_score=min_score)


def flow_rank(rank: bool, posts: list[str] | None, reading_list: str | None, library: list[str] | None,
              author: list[str] | None, include: list[str] | None, exclude: list[str] | None,
              min_score: float) -> dict[str, Any] | None:
    """``run`` and ``serve``: the flow's ``rank`` parameter, or None without ``--rank``."""
    given = [name for name, value in (("--posts", posts), ("--reading-list", reading_list), ("--library", library),
                                      ("--author", author), ("--include", include), ("--exclude", exclude),
                                      ("--min-score", min_score)) if value]
    if not rank:
        if given:
            raise InvalidSourceError(f"{given[0]} is for ranking", hint="add --rank (with --category)")
        return None
    return rank_spec(posts, reading_list, library, author, include, exclude, min_score).to_dict()


def absolute_paths(rank: dict[str, Any]) -> dict[str, Any]:
    """The spec's files and folders made absolute: a scheduled run may start in another folder."""
    absolute = lambda p: str(Path(p).expanduser().resolve())  # noqa: E731
    return {**rank, "posts": [absolute(p) for p in rank.get("posts") or []],
            "library": [absolute(p) for p in rank.get("library") or []],
            "reading_list": absolute(rank["reading_list"]) if rank.get("reading_list") else None}


def print_digest(digest: Digest, drafted: int) -> None:
    from rich.table import Table

    from pipeline.rank.report import authors_short, score_text

    if digest.note:
        out.print(f"note: {digest.note}", highlight=False)
    table = Table(title=f"paperdraft digest: {len(digest.papers)} of {digest.candidates} new papers, "
                        f"ranked by {digest.profile_items} items of yours")
    for column in ("#", "score", "paper", "authors", "link", "closest to"):
        table.add_column(column, justify="right" if column in ("#", "score") else "left", overflow="fold")
    for p in digest.papers:
        mark = " (drafted)" if p.rank <= drafted else ""
        table.add_row(str(p.rank), score_text(p), p.meta.title + mark, authors_short(p.meta.authors),
                      p.meta.url or "", p.closest or "")
    out.print(table)


def draft_top(digest: Digest, n: int, settings: Any, show: bool) -> list[dict[str, Any]]:
    """Draft the top ``n`` papers that have no draft of their version yet; one record per paper."""
    from pipeline.cli.draft import report
    from pipeline.core import draft_one
    from pipeline.draftfile.lookup import existing_draft
    from pipeline.records import SourceRef

    done = []
    for p in digest.top(n):
        meta = p.meta
        already = existing_draft(meta, Path(settings.drafts_dir))
        if already is not None:
            done.append({"arxiv_id": meta.versioned_id, "status": "skipped", "path": str(already)})
            if show:
                out.print(f"skipped: {already} (drafts this version already)", highlight=False)
            continue
        ref = SourceRef(kind="arxiv", raw=meta.versioned_id or str(meta.arxiv_id), arxiv_id=meta.arxiv_id,
                        version=meta.version)
        try:
            with progress_for(ref.raw) as progress:
                result = draft_one(ref, settings, progress=progress)
        except PaperdraftError as exc:  # one paper failing fails alone
            done.append({"arxiv_id": meta.versioned_id, "status": "failed", "error": str(exc)})
            err.print(f"[bold red]error:[/] {ref.raw}: {exc}", highlight=False)
            continue
        done.append({"arxiv_id": meta.versioned_id, "status": result.status, "path": result.path})
        if show:
            report(result)
    return done


def digest(
    category: Category = None,
    since: Since = None,
    max_papers: Max = 3,
    posts: Posts = None,
    reading_list: ReadingList = None,
    library: Library = None,
    author: Author = None,
    include: Include = None,
    exclude: Exclude = None,
    min_score: MinScore = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="The table as JSON, on stdout.")] = False,
    no_draft: Annotated[bool, typer.Option("--no-draft", help="Only the table: draft nothing.")] = False,
    drafts_dir: Annotated[Optional[str], typer.Option("--drafts-dir", help="Your drafts (the profile) and where drafts go.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", help="Hugging Face Hub id or local model folder.")] = None,
) -> None:
    """Rank the day's new papers in --category by your own drafts, posts, reading list and library; draft the top --max."""
    from pipeline.rank.digest import make_digest

    try:
        if not category:
            raise InvalidSourceError("digest needs --category", hint="e.g. --category cs.CL --category cs.LG")
        check_selection(None, None, None, list(category), since, max_papers)
        spec = rank_spec(posts, reading_list, library, author, include, exclude, min_score)
        settings = load_settings(model=model, drafts_dir=drafts_dir)
        if not no_draft:
            from pipeline.core import preflight

            preflight(settings)  # a drafts folder it cannot write to: one line now, before any request
        result = make_digest(spec, settings, list(category), parse_since(since))
    except PaperdraftError as exc:
        raise fail(exc) from None
    drafted = 0 if no_draft else min(max_papers, len(result.papers))
    if not as_json:
        print_digest(result, drafted)
    drafts: list[dict[str, Any]] = []
    if drafted:
        quiet_libraries()
        drafts = draft_top(result, max_papers, settings, show=not as_json)
    if as_json:
        out.print_json(json.dumps({**result.to_dict(), "drafts": drafts}))
    if any(d["status"] == "failed" for d in drafts):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
