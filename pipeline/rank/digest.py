"""The one path from a day's feed and the author's profile to a ranked, explained table.

``paperdraft digest`` and the flow's ranked selection (:mod:`pipeline.flows.ranked`) both call
:func:`make_digest`. The day's feed comes from the cache when this digest was asked for today already
(:mod:`pipeline.rank.feed_cache`), else from arXiv, paged (100 a request) through the one client and its
gate, newest first, until the papers are older than ``since``.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from pipeline.config import Settings
from pipeline.fetch.categories import check_categories
from pipeline.fetch.metadata import new_in_categories
from pipeline.rank.feed_cache import cached_feed
from pipeline.rank.filters import keep, once
from pipeline.rank.profile import build_profile
from pipeline.rank.records import Digest, ProfileItem, RankedPaper, RankSpec
from pipeline.rank.score import score
from pipeline.records import PaperMeta

NO_PAPERS = "arXiv lists no new papers in these categories since then"
CANDIDATE_LIMIT = 2000  # papers read from a day's feed at most (a busy day of cs.LG is 500-800)
EMPTY_PROFILE = ("no profile to rank by (no drafts, posts, reading list or library with text): "
                 "newest first. Write a critique, or give --reading-list or --library")


def day_feed(categories: list[str], since: date, settings: Settings, today: date,
             limit: int = CANDIDATE_LIMIT) -> list[PaperMeta]:
    """The papers new in ``categories`` since ``since``, as arXiv gave them today (cached for the day)."""
    cats = check_categories(list(categories))
    key = ("new", sorted(cats), since.isoformat(), today.isoformat(), limit)
    metas, _ = cached_feed(settings, key, lambda: new_in_categories(cats, since, settings, max_results=limit))
    return metas


def _newest_first(metas: list[PaperMeta]) -> list[PaperMeta]:
    return sorted(metas, key=lambda m: (m.published or "", m.updated or ""), reverse=True)


def rank(candidates: list[PaperMeta], profile: list[ProfileItem], spec: RankSpec) -> Digest:
    """The candidates filtered and ranked against the profile; newest first, and said so, when it is empty."""
    unique = once(candidates)
    if not unique:
        return Digest([], 0, len(profile), note=NO_PAPERS)
    kept, dropped = keep(unique, spec.authors, spec.include, spec.exclude)
    usable = [it for it in profile if any(text.strip() for text, _ in it.parts)]
    if not usable:
        papers = [RankedPaper(i, m) for i, m in enumerate(_newest_first(kept), start=1)]
        return Digest(papers, len(unique), 0, note=EMPTY_PROFILE, dropped=dropped)
    scored = list(zip(score(usable, kept), kept))
    scored.sort(key=lambda sm: sm[0].score, reverse=True)  # stable: equal scores keep the feed's order
    if spec.min_score > 0:
        before = len(scored)
        scored = [sm for sm in scored if sm[0].score >= spec.min_score]
        dropped["min score"] = before - len(scored)
    papers = [RankedPaper(i, m, s.score, *((usable[s.closest].label, usable[s.closest].title) if s.score > 0
                                         else (None, None))) for i, (s, m) in enumerate(scored, start=1)]
    return Digest(papers, len(unique), len(usable), dropped=dropped)


def make_digest(spec: RankSpec, settings: Settings, categories: list[str], since: date,
                today: date | None = None) -> Digest:
    """The day's new papers in ``categories``, ranked by the author's profile and filtered by ``spec``."""
    today = today or datetime.now(timezone.utc).date()
    profile = build_profile(spec, settings, today)
    return rank(day_feed(categories, since, settings, today), profile, spec)
