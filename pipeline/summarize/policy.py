"""Which blog sections a model is asked to write: only those where its sentences have been getting past the checks.

Every draft made with a model records, per blog section, what the model was asked and what came of it:
the sentences it wrote, those the paper fully supports (``strong``) and those it only partly does
(``weak``). The record is kept per model *identity* (the id, and for a local folder its files; for the
embedded default the wheel's version: :func:`pipeline.summary_cache.model_identity`) and per prompt
templates, in ``<cache>/model_records/<hash>.json``: what is measured for that model with these
prompts, not what its name suggests.

With ``generation = "measured"`` (the default) a section is asked for while it has been asked fewer than
``TRIALS`` times, or while at least ``MIN_STRONG_SHARE`` of the sentences the model wrote for it were kept as
fully supported (generation is paid per token: below that, most of what it costs is thrown away); otherwise
it is quoted from the paper, with no model call. After ``RECHECK_AFTER`` drafts without
asking it is asked once more, so a record never goes stale for good. ``generation = "always"`` asks for
every section, as paperdraft did before (kept for comparison). The map step (notes per chunk) runs only for
chunks whose notes feed a section that is asked for; when none is, the model generates nothing at all.
The record only ever saves time: a record that cannot be read is an empty one, and one that cannot be
written costs a warning.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pipeline.cache_files import keep_json
from pipeline.hashing import sha256_text
from pipeline.summarize.blog_sections import BLOG_SECTIONS

log = logging.getLogger("pipeline.summarize.policy")

FOLDER = "model_records"  # under settings.cache
TRIALS = 2  # asks of a section before its record decides
MIN_STRONG_SHARE = 0.25  # of the sentences a model wrote for a section, the fully supported share it must keep
RECHECK_AFTER = 25  # drafts a section goes without being asked before it is asked once more
COUNTS = ("asked", "proposed", "strong", "weak", "skipped")

Record = dict[str, dict[str, int]]  # blog heading -> counts


def record_path(cache: Path, identity: str, prompts: dict[str, str]) -> Path:
    """Where the record of the model ``identity`` with the prompt templates ``prompts`` lives."""
    return Path(cache) / FOLDER / f"{sha256_text(repr((identity, sorted(prompts.items()))), 24)}.json"


def load_record(path: Path) -> Record:
    """The record at ``path``; an empty one when there is none, or it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sections = data["sections"]
        return {h: {k: int(c.get(k, 0)) for k in COUNTS} for h, c in sections.items() if isinstance(c, dict)}
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("ignoring the model record %s, which cannot be read (%s)", path, exc)
        return {}


def should_ask(counts: dict[str, int] | None) -> bool:
    """Whether a section with these counts is asked for under the measured policy."""
    if not counts or counts.get("asked", 0) < TRIALS:
        return True
    if counts.get("strong", 0) >= MIN_STRONG_SHARE * max(counts.get("proposed", 0), 1):
        return True
    return counts.get("skipped", 0) >= RECHECK_AFTER


def sections_to_ask(record: Record, generation: str) -> list[str]:
    """The blog headings the model is asked to write, in blog order."""
    headings = [b.heading for b in BLOG_SECTIONS]
    if generation == "always":
        return headings
    return [h for h in headings if should_ask(record.get(h))]


def updated(record: Record, attempts: dict[str, dict[str, int]], asked: list[str]) -> Record:
    """``record`` with one draft's ``attempts`` added; the sections not in ``asked`` count one more skip."""
    out = {h: dict(c) for h, c in record.items()}
    for blog in BLOG_SECTIONS:
        counts = out.setdefault(blog.heading, dict.fromkeys(COUNTS, 0))
        if blog.heading in attempts:
            counts["asked"] += 1
            counts["skipped"] = 0
            for key in ("proposed", "strong", "weak"):
                counts[key] += int(attempts[blog.heading].get(key, 0))
        elif blog.heading not in asked:
            counts["skipped"] += 1
    return out


def store_record(path: Path, identity: str, record: Record) -> None:
    """Write ``record`` whole (:func:`pipeline.cache_files.keep_json`); a warning when it cannot be written."""
    keep_json(path, {"model": identity, "sections": record}, "the model record")
