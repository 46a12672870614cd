"""Paper metadata from the arXiv API: one paper by id, a query, or the new papers in categories.

``arxiv.Result`` never leaves this module and :mod:`pipeline.fetch.client`:
callers get :class:`PaperMeta`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime

import arxiv

from pipeline.config import Settings
from pipeline.errors import FetchError, InvalidSourceError, PaperNotFoundError
from pipeline.fetch.categories import check_categories
from pipeline.fetch.client import ApiError, shared_client
from pipeline.records import PaperMeta, SourceRef

_VERSIONED = re.compile(r"(?P<id>.+?)v(?P<version>\d+)")


def _iso_date(dt: datetime | None) -> str | None:
    if dt is None or dt.year <= 1:
        return None
    return dt.date().isoformat()


def _to_meta(result: arxiv.Result) -> PaperMeta:
    short = result.get_short_id()
    m = _VERSIONED.fullmatch(short)
    arxiv_id, version = (m["id"], int(m["version"])) if m else (short, None)
    return PaperMeta(
        title=" ".join(result.title.split()),
        authors=[" ".join(a.name.split()) for a in result.authors],
        arxiv_id=arxiv_id,
        version=version,
        url=f"https://arxiv.org/abs/{short}",
        pdf_url=result.pdf_url,
        source_url=result.source_url(),
        categories=list(result.categories),
        published=_iso_date(result.published),
        updated=_iso_date(result.updated),
        abstract=" ".join(result.summary.split()) or None,
    )


def fetch_metadata(ref: SourceRef, settings: Settings) -> PaperMeta:
    """Metadata for one arXiv paper: the given version, or the latest when none is given."""
    if ref.kind != "arxiv" or not ref.arxiv_id:
        raise InvalidSourceError(f"not an arXiv paper: {ref.raw!r}", hint="local files have no arXiv metadata")
    wanted = ref.versioned_id
    search = arxiv.Search(id_list=[wanted], max_results=1)
    try:
        results = list(shared_client(settings).results(search))
    except ApiError as exc:
        raise PaperNotFoundError(f"arXiv has no paper {wanted}", hint=f"arXiv says: {exc.summary}") from None
    except FetchError as exc:  # name the paper: in a batch, the failure is this paper's alone
        raise FetchError(f"{wanted}: {exc.message}", hint=exc.hint) from None
    if not results:
        raise PaperNotFoundError(f"arXiv has no paper {wanted}", hint="check the id on https://arxiv.org")
    meta = _to_meta(results[0])
    if meta.arxiv_id != ref.arxiv_id or (ref.version is not None and meta.version != ref.version):
        raise PaperNotFoundError(
            f"arXiv has no paper {wanted}", hint=f"arXiv answered with {meta.versioned_id} instead"
        )
    if not meta.pdf_url:
        raise PaperNotFoundError(f"arXiv has no PDF for {meta.versioned_id}", hint="the paper may be withdrawn")
    return meta


def metadata_of(refs: list[SourceRef], settings: Settings) -> list[PaperMeta]:
    """Metadata of many arXiv papers in one paged request (a reading list); the ones arXiv lacks are left out."""
    wanted = [r.versioned_id for r in refs if r.kind == "arxiv" and r.versioned_id]
    if not wanted:
        return []
    try:
        return list(_run_search(arxiv.Search(id_list=wanted, max_results=len(wanted)), settings))
    except InvalidSourceError:  # one malformed id fails the whole id_list: then one by one
        return [m for r in refs if (m := _quiet_metadata(r, settings)) is not None]


def _quiet_metadata(ref: SourceRef, settings: Settings) -> PaperMeta | None:
    try:
        return fetch_metadata(ref, settings)
    except (PaperNotFoundError, InvalidSourceError):
        return None


def check_max(max_results: int) -> None:
    """At least one paper: the one rule for ``--max`` and ``max_results``."""
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1:
        raise InvalidSourceError(f"--max must be a whole number of at least 1, got {max_results!r}")


def _run_search(search: arxiv.Search, settings: Settings) -> Iterator[PaperMeta]:
    try:
        for result in shared_client(settings).results(search):
            yield _to_meta(result)
    except ApiError as exc:
        raise InvalidSourceError(f"arXiv rejected the query {search.query!r}: {exc.summary}") from None


def search(query: str, settings: Settings, max_results: int = 10) -> list[PaperMeta]:
    """Papers matching an arXiv query (``au:vaswani AND ti:attention``), by relevance."""
    if not query.strip():
        raise InvalidSourceError("empty arXiv query", hint="e.g. 'ti:transformer AND cat:cs.CL'")
    check_max(max_results)
    return list(_run_search(arxiv.Search(query=query.strip(), max_results=max_results), settings))


def new_in_categories(
    categories: list[str], since: date, settings: Settings, max_results: int = 100
) -> list[PaperMeta]:
    """Papers first submitted on or after ``since`` in any of ``categories``, newest first."""
    if not categories:
        raise InvalidSourceError("no arXiv categories given", hint="e.g. cs.CL, cs.LG")
    categories = check_categories(categories)
    check_max(max_results)
    query = " OR ".join(f"cat:{c}" for c in categories)
    s = arxiv.Search(
        query=query,
        max_results=max_results,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Descending,
    )
    found: list[PaperMeta] = []
    for meta in _run_search(s, settings):
        if meta.published is not None and date.fromisoformat(meta.published) < since:
            break
        found.append(meta)
    return found
