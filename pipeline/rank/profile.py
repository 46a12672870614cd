"""The author's interest profile: their drafts and posts, their reading list, their library, weighted by age.

What the author wrote counts most (see :mod:`pipeline.rank.own_writing`), what they chose to read less,
what they merely collected least (:data:`KIND_WEIGHT`). An item loses half its weight every
:data:`HALF_LIFE_DAYS` days, down to :data:`FLOOR`, so this year's interests lead and old ones still count.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.config import Settings
from pipeline.fetch.metadata import metadata_of
from pipeline.flows.selection import parse_reading_list
from pipeline.rank.feed_cache import cached_feed
from pipeline.rank.library import library_items
from pipeline.rank.own_writing import writing_items
from pipeline.rank.records import ProfileItem, RankSpec
from pipeline.records import PaperMeta

KIND_WEIGHT = {"critique": 1.0, "post": 1.0, "draft": 1.0, "reading list": 0.7, "library": 0.5}
HALF_LIFE_DAYS = 365.0
FLOOR = 0.2


def recency(day: str | None, today: date) -> float:
    """The weight of an item of ``day``: 1 today, 1/2 a half-life ago, never below :data:`FLOOR`; unknown: FLOOR."""
    if not day:
        return FLOOR
    try:
        age = (today - date.fromisoformat(day[:10])).days
    except ValueError:
        return FLOOR
    return max(FLOOR, 0.5 ** (max(age, 0) / HALF_LIFE_DAYS))


def reading_list_items(path: str, settings: Settings) -> list[ProfileItem]:
    """The papers of a reading list, with their titles and abstracts from arXiv (asked once, then cached)."""
    refs = parse_reading_list(path)
    key = ("reading list", sorted(str(r.versioned_id) for r in refs))
    metas, _ = cached_feed(settings, key, lambda: metadata_of(refs, settings))
    try:
        day = date.fromtimestamp(Path(path).expanduser().stat().st_mtime).isoformat()
    except OSError:
        day = None
    return [paper_item(m, "reading list", day) for m in metas]


def paper_item(meta: PaperMeta, kind: str, day: str | None) -> ProfileItem:
    """A paper the author read or keeps: its title and abstract, one text (as a candidate's is)."""
    return ProfileItem(kind, meta.arxiv_id or meta.title, meta.title, [(f"{meta.title}. {meta.abstract or ''}", 1.0)],
                       date=day)


def build_profile(spec: RankSpec, settings: Settings, today: date) -> list[ProfileItem]:
    """Every item of the profile, each with its weight (kind x age)."""
    items = writing_items(Path(settings.drafts_dir), list(spec.posts))
    if spec.reading_list:
        items += reading_list_items(spec.reading_list, settings)
    for library in spec.library:
        items += library_items(library)
    for item in items:
        item.weight *= KIND_WEIGHT.get(item.kind, 0.5) * recency(item.date, today)
    return items
