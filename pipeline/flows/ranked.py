"""The flow's ranked selection: the day's new papers in categories, ranked by the author's profile.

:func:`ranked_select_task` calls :func:`pipeline.rank.digest.make_digest`, the path ``paperdraft digest``
takes, and leaves the whole ranked table as a Markdown artifact (``paperdraft-digest``); the flow then
drafts the top ``max_papers``. The day's feed is cached (:mod:`pipeline.rank.feed_cache`), so a retry or
a rerun that day asks arXiv nothing.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from pipeline.config import Settings
from pipeline.errors import InvalidSourceError
from pipeline.flows.politeness import arxiv_slot
from pipeline.flows.selection import Item, check_selection, describe_selection, parse_since
from pipeline.flows.tasks import _retry_io
from pipeline.rank.digest import make_digest
from pipeline.rank.records import RankSpec
from pipeline.rank.report import digest_markdown
from pipeline.records import SourceRef

DIGEST_ARTIFACT_KEY = "paperdraft-digest"


def check_ranked(ids: Any, ids_file: Any, query: Any, categories: list[str] | None, since: str | None,
                 max_papers: int, rank: dict[str, Any]) -> RankSpec:
    """A ranked selection is new papers in categories; raises InvalidSourceError or ConfigError."""
    if check_selection(ids, ids_file, query, categories, since, max_papers) != "categories":
        raise InvalidSourceError("ranking is for new papers in categories",
                                 hint="give --category (and --since) with --rank")
    return RankSpec.from_dict(rank)


@task(name="rank new papers", cache_policy=NO_CACHE, retry_condition_fn=_retry_io)
def ranked_select_task(settings: Settings, categories: list[str], since: str | None, max_papers: int,
                       rank: dict[str, Any]) -> list[Item]:
    """The top ``max_papers`` of the day's ranked table, which goes to the run's artifacts."""
    spec = check_ranked(None, None, None, categories, since, max_papers, rank)
    arxiv_slot(settings)
    digest = make_digest(spec, settings, categories, parse_since(since))
    top = digest.top(max_papers)
    create_markdown_artifact(markdown=digest_markdown(digest, len(top), describe_selection(None, None, None, categories, since)),
                             key=DIGEST_ARTIFACT_KEY, description="paperdraft: the day's papers, ranked for you")
    return [Item(SourceRef(kind="arxiv", raw=p.meta.versioned_id or str(p.meta.arxiv_id), arxiv_id=p.meta.arxiv_id,
                           version=p.meta.version), p.meta) for p in top]
