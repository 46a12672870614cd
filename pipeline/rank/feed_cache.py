"""The day's feed kept on disk, so a rerun of the same digest that day asks arXiv nothing.

A feed is stored as the :class:`PaperMeta` records it gave, under ``<cache>/feeds/<key>.json``, where the
key is a hash of everything that decides what arXiv would answer: the API URL, the request, and (for the
new papers of a day) the day it was asked on, UTC. Writes are atomic; an unreadable file is a miss.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from pipeline.config import Settings
from pipeline.hashing import sha256_text
from pipeline.records import PaperMeta


def feed_path(settings: Settings, *key: object) -> Path:
    digest = sha256_text(json.dumps([settings.arxiv_api_url, *key], default=str))[:24]
    return Path(settings.cache) / "feeds" / f"{digest}.json"


def _load(path: Path) -> list[PaperMeta] | None:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [PaperMeta(**row) for row in rows]
    except (OSError, ValueError, TypeError):
        return None


def _store(path: Path, metas: list[PaperMeta]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".feed-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump([asdict(m) for m in metas], f)
        os.replace(tmp, path)
    except OSError:  # a cache that cannot be written costs the next run some requests, nothing more
        pass


def cached_feed(settings: Settings, key: tuple, fetch: Callable[[], list[PaperMeta]]) -> tuple[list[PaperMeta], bool]:
    """The feed for ``key``: from the cache, else fetched and kept. Returns (papers, whether it was cached)."""
    path = feed_path(settings, *key)
    found = _load(path)
    if found is not None:
        return found, True
    metas = fetch()
    _store(path, metas)
    return metas, False
