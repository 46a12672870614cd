"""What a run drafts: exactly one of explicit ids, a reading list, an arXiv query, or categories and a date.

The CLI checks a selection with :func:`check_selection` before Prefect starts
(a bad one is one line and exit 2); the flow's first task runs :func:`select`,
which checks it the same way and then asks arXiv where it must.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from pipeline import fetch
from pipeline.config import Settings
from pipeline.errors import InvalidSourceError
from pipeline.fetch.categories import check_categories
from pipeline.fetch.metadata import check_max
from pipeline.records import PaperMeta, SourceRef
from pipeline.sources import parse_source

@dataclass
class Item:
    """A selected paper: what was asked for, and its metadata when the selection already had it."""

    ref: SourceRef
    meta: PaperMeta | None = None


def selection_kind(
    ids: list[str] | None, ids_file: str | None, query: str | None, categories: list[str] | None, since: str | None
) -> str:
    """Which one kind of selection was given: "ids", "ids_file", "query" or "categories"."""
    given = [
        name
        for name, value in (("ids", ids), ("ids_file", ids_file), ("query", query), ("categories", categories))
        if value not in (None, "", [])
    ]
    if since and "categories" not in given:
        raise InvalidSourceError("--since needs --category", hint="e.g. --category cs.CL --since 2026-11-20")
    if not given:
        raise InvalidSourceError(
            "no papers selected", hint="give one of --ids, --ids-file, --query, or --category with --since"
        )
    if len(given) > 1:
        raise InvalidSourceError(
            f"give one kind of selection, not {' and '.join(given)}",
            hint="--ids, --ids-file, --query, or --category with --since",
        )
    return given[0]


def _arxiv_ref(text: str, where: str) -> SourceRef:
    ref = parse_source(text)
    if ref.kind != "arxiv":
        raise InvalidSourceError(
            f"{where}not an arXiv paper: {text!r}", hint="flows draft arXiv papers; use `paperdraft draft FILE` for files"
        )
    return ref


def parse_ids(ids: list[str]) -> list[SourceRef]:
    """arXiv ids or URLs, in order, each paper once."""
    refs: list[SourceRef] = []
    for text in ids:
        refs.append(_arxiv_ref(text, ""))
    return _dedupe(refs)


def _dedupe(refs: list[SourceRef]) -> list[SourceRef]:
    seen: set[tuple[str | None, int | None]] = set()
    out = []
    for ref in refs:
        key = (ref.arxiv_id, ref.version)
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return out


def parse_reading_list(path: str | Path) -> list[SourceRef]:
    """A reading list: one arXiv id or URL a line; ``#`` starts a comment; blank lines are fine."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8-sig")  # a byte-order mark is no part of line 1
    except FileNotFoundError:
        raise InvalidSourceError(f"no such reading list: {str(path)!r}", hint="one arXiv id or URL a line") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise InvalidSourceError(f"cannot read reading list {str(path)!r}: {type(exc).__name__}") from None
    refs: list[SourceRef] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if len(entry.split()) > 1:
            raise InvalidSourceError(
                f"{path}:{number}: one paper a line, got {entry!r}", hint="one arXiv id or URL a line; # starts a comment"
            )
        try:
            refs.append(_arxiv_ref(entry, f"{path}:{number}: "))
        except InvalidSourceError as exc:
            if exc.message.startswith(f"{path}:{number}:"):
                raise
            raise InvalidSourceError(f"{path}:{number}: {exc.message}", hint=exc.hint) from None
    if not refs:
        raise InvalidSourceError(f"reading list {str(path)!r} lists no papers", hint="one arXiv id or URL a line")
    return _dedupe(refs)


def parse_since(since: str | None, today: date | None = None) -> date:
    """An ISO date (2026-11-20), or "today" or "yesterday" (UTC); none means yesterday, for a daily schedule."""
    today = today or datetime.now(timezone.utc).date()
    word = (since or "yesterday").strip().lower()
    if word in ("yesterday", "today"):
        return today - timedelta(days=1 if word == "yesterday" else 0)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise InvalidSourceError(f"--since is not a date: {since!r}",
                                 hint="YYYY-MM-DD (e.g. 2026-11-20), today or yesterday") from None


def _from_meta(meta: PaperMeta) -> Item:
    return Item(SourceRef(kind="arxiv", raw=meta.versioned_id or meta.arxiv_id or meta.title, arxiv_id=meta.arxiv_id,
                          version=meta.version), meta)


def check_selection(ids: list[str] | None, ids_file: str | None, query: str | None, categories: list[str] | None,
                    since: str | None, max_papers: int) -> str:
    """Check a selection as far as is possible without the network; returns its kind. Raises InvalidSourceError."""
    kind = selection_kind(ids, ids_file, query, categories, since)
    check_max(max_papers)
    if kind == "ids":
        parse_ids(list(ids or []))
    elif kind == "ids_file":
        parse_reading_list(str(ids_file))
    elif kind == "categories":
        check_categories(list(categories or []))
        parse_since(since)
    return kind


def select(
    settings: Settings,
    ids: list[str] | None = None,
    ids_file: str | None = None,
    query: str | None = None,
    categories: list[str] | None = None,
    since: str | None = None,
    max_papers: int = 20,
) -> list[Item]:
    """The papers a selection names. Raises InvalidSourceError for a bad one."""
    kind = check_selection(ids, ids_file, query, categories, since, max_papers)
    if kind == "ids":
        return [Item(r) for r in parse_ids(list(ids or []))]
    if kind == "ids_file":
        return [Item(r) for r in parse_reading_list(str(ids_file))]
    if kind == "query":
        found = fetch.search(str(query), settings, max_results=max_papers)
        if not found:
            raise InvalidSourceError(f"the arXiv query {query!r} matches no papers", hint="try a broader query")
        return [_from_meta(m) for m in found]
    found = fetch.new_in_categories(check_categories(list(categories or [])), parse_since(since), settings,
                                    max_results=max_papers)
    return [_from_meta(m) for m in found[:max_papers]]


def describe_selection(ids, ids_file, query, categories, since) -> str:
    if ids:
        return "ids " + " ".join(ids)
    if ids_file:
        return f"reading list {ids_file}"
    if query:
        return f"query {query!r}"
    return f"categories {', '.join(categories or [])} since {since or 'yesterday'}"
