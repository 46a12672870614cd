"""The records of ranking: what the profile holds, what is asked for, and the ranked table.

They hold only JSON types (``to_dict`` / ``from_dict``), so a flow can take a :class:`RankSpec` as a
parameter and Prefect can persist a :class:`Digest`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.errors import ConfigError
from pipeline.records import PaperMeta

_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?")


@dataclass
class ProfileItem:
    """One thing of the author's: a draft, a post, a reading-list paper or a library entry.

    ``parts`` are (text, weight) pairs: a draft's critique weighs more than its title and summary.
    ``weight`` is the item's own weight (its kind and its age), in (0, 1].
    """

    kind: str  # "draft", "post", "reading list", "library"
    ref: str  # what the table names it by: an arXiv id, a citation key, a file name
    title: str
    parts: list[tuple[str, float]]
    date: str | None = None  # ISO date, when known
    weight: float = 1.0

    @property
    def label(self) -> str:
        """How the table explains a score: "your critique of 1706.03762", "your library: vaswani2017"."""
        if self.kind == "draft":
            return f"your draft of {self.ref}"
        if self.kind == "critique":
            return f"your critique of {self.ref}"
        if self.kind == "post":
            return f"your post on {self.ref}" if _ARXIV_ID.fullmatch(self.ref) else f"your post “{self.title}”"
        return f"your {self.kind}: {self.ref}"


@dataclass
class RankSpec:
    """What a digest is ranked by and filtered with: the profile's sources and the filters.

    The drafts folder is always a source (``Settings.drafts_dir``); ``posts`` adds blog folders to the ones
    the drafts' post records name.
    """

    posts: list[str] = field(default_factory=list)
    reading_list: str | None = None
    library: list[str] = field(default_factory=list)  # .bib or CSL-JSON files
    authors: list[str] = field(default_factory=list)  # follow: keep only papers by one of them
    include: list[str] = field(default_factory=list)  # keep only papers with one of these words
    exclude: list[str] = field(default_factory=list)  # drop papers with any of these words
    min_score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RankSpec:
        """A spec from a flow parameter or prefect.yaml; an unknown key is a ConfigError naming it."""
        data = dict(data or {})
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ConfigError(f"unknown ranking setting {unknown[0]!r}",
                              hint=f"known: {', '.join(cls.__dataclass_fields__)}")
        for key in ("posts", "library", "authors", "include", "exclude"):
            value = data.get(key)
            if isinstance(value, str):
                data[key] = [value]
        try:
            data["min_score"] = float(data.get("min_score") or 0.0)
        except (TypeError, ValueError):
            raise ConfigError(f"min_score must be a number, got {data.get('min_score')!r}") from None
        return cls(**data)


@dataclass
class RankedPaper:
    """One row of the table: the paper, its score (None when unranked) and the item it is closest to."""

    rank: int
    meta: PaperMeta
    score: float | None = None
    closest: str | None = None  # the closest item's label, "your critique of 1706.03762"
    closest_title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        meta = self.meta
        return {"rank": self.rank, "score": None if self.score is None else round(self.score, 4),
                "arxiv_id": meta.versioned_id, "title": meta.title, "authors": list(meta.authors), "url": meta.url,
                "categories": list(meta.categories), "published": meta.published,
                "closest": self.closest, "closest_title": self.closest_title}


@dataclass
class Digest:
    """The ranked table of a day's candidates, and what the reader should know about it."""

    papers: list[RankedPaper]
    candidates: int  # papers the feed gave, cross-lists counted once
    profile_items: int
    note: str | None = None  # e.g. the newest-first fallback of an empty profile
    dropped: dict[str, int] = field(default_factory=dict)  # filter -> papers it dropped

    def top(self, n: int) -> list[RankedPaper]:
        return self.papers[:n]

    def to_dict(self) -> dict[str, Any]:
        return {"candidates": self.candidates, "profile_items": self.profile_items, "note": self.note,
                "dropped": dict(self.dropped), "papers": [p.to_dict() for p in self.papers]}
