"""The records of where a draft was published: one per post, in the front matter (``posts:``).

Older drafts' single ``published_to``/``published_format``/``published_hash``/``published_at`` keys are
read as one record and written back in the new form.
"""

from __future__ import annotations

from pathlib import Path

LEGACY_KEYS = ("published_to", "published_at", "published_format", "published_hash")  # one post, before ``posts``


def resolved_path(path: str | Path) -> Path | None:
    try:
        return Path(path).expanduser().resolve()
    except (OSError, ValueError, RuntimeError):  # a NUL in a hand-edited path, a link loop
        return None


def post_records(front: dict) -> list[dict]:
    """One record per post (``to``, ``format``, ``hash``, ``at``): the ``posts`` list, and an older draft's single
    ``published_*`` keys read as one more record. Entries that are not records are left out."""
    records = [dict(r) for r in front.get("posts") or [] if isinstance(r, dict) and isinstance(r.get("to"), str)
               and r["to"]] if isinstance(front.get("posts"), list) else []
    legacy = front.get("published_to")
    if isinstance(legacy, str) and legacy and all(r["to"] != legacy for r in records):
        at = front.get("published_at")
        records.append({"to": legacy, "format": str(front.get("published_format") or ""),
                        "hash": str(front.get("published_hash") or ""), "at": str(at) if at else ""})
    return records


def points_to(record: dict, post: Path) -> bool:
    target = resolved_path(record["to"])
    return target is not None and target == post.resolve()


def in_target(record: dict, blog_dir: Path, fmt: str) -> bool:
    """Whether ``record`` is this draft's post in ``blog_dir`` in format ``fmt``."""
    target = resolved_path(record["to"])
    if record.get("format") != fmt or target is None:
        return False
    home = target.parent.parent if target.name == "index.md" else target.parent  # a Hugo page bundle's folder
    return home == blog_dir.resolve()
