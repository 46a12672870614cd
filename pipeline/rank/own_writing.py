"""What the author has written: their drafts (the drafts folder) and their posts (the blog folders) -> profile items.

A draft is one item: its title and summary, and its critique, which weighs :data:`CRITIQUE_WEIGHT` times
as much, because it is the part that is truly the author's. A draft whose critique is still the
placeholder is paperdraft's words alone (it may even be a digest's pick): it weighs :data:`UNTOUCHED`.
A post that no draft published (one the author wrote by hand) is all theirs: one item of full weight;
a post a draft published is that draft, counted once. Drafts are read with the one draft parser.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from pipeline.author.check import own_text
from pipeline.author.post_records import post_records, resolved_path
from pipeline.draftfile.lookup import list_drafts
from pipeline.draftfile.parse import front_and_body, read_draft, strip_comments
from pipeline.rank.records import ProfileItem

CRITIQUE_WEIGHT = 3.0  # the critique against the summary paperdraft wrote
UNTOUCHED = 0.4  # a draft with no critique of the author's yet
POST_SUFFIXES = (".md", ".markdown", ".qmd", ".txt")
_WORDS = re.compile(r"\w{2,}")


def _mtime_date(path: Path) -> str | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).date().isoformat()
    except OSError:
        return None


def draft_item(path: Path) -> tuple[ProfileItem | None, list[Path]]:
    """The profile item of one draft (None when it cannot be read), and the posts it published."""
    try:
        doc = read_draft(path)
    except (OSError, UnicodeDecodeError):
        return None, []
    front = doc.front or {}
    title = str(front.get("title") or path.stem)
    critique = " ".join(own_text(doc).split())
    summary = " ".join(strip_comments(doc.text[b.start : b.end]) for b in doc.machine)
    posts = [p for r in post_records(front) if (p := resolved_path(r["to"])) is not None]
    ref = str(front.get("arxiv_id") or path.stem)
    written = len(_WORDS.findall(critique)) >= 3
    kind = "post" if posts and written else ("critique" if written else "draft")
    parts = [(f"{title}. {summary}", 1.0)] + ([(critique, CRITIQUE_WEIGHT)] if written else [])
    item = ProfileItem(kind, ref, title, parts, date=_mtime_date(path), weight=1.0 if written else UNTOUCHED)
    return item, posts


def post_item(path: Path) -> ProfileItem | None:
    """A post the author wrote themselves: all of it is theirs."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    front, body = front_and_body(text)
    front = front or {}
    title = str(front.get("title") or path.stem)
    body = strip_comments(body)
    if not _WORDS.search(body + title):
        return None
    ref = str(front.get("arxiv_id") or path.name)
    day = str(front.get("date") or "")[:10] or _mtime_date(path)
    return ProfileItem("post", ref, title, [(f"{title}. {body}", 1.0)], date=day)


def writing_items(drafts_dir: Path, blog_dirs: list[str]) -> list[ProfileItem]:
    """Every draft in ``drafts_dir``, and every post in the blog folders (given, or named by the drafts'
    post records) that no draft published."""
    items: list[ProfileItem] = []
    published: set[Path] = set()
    folders = [Path(d).expanduser() for d in blog_dirs]
    for path in list_drafts(Path(drafts_dir).expanduser()):
        item, posts = draft_item(path)
        if item is not None:
            items.append(item)
        published.update(posts)
        folders.extend(p.parent for p in posts)
    seen: set[Path] = set()
    for folder in folders:
        folder = folder.resolve()
        if folder in seen or not folder.is_dir():
            continue
        seen.add(folder)
        for post in sorted(folder.rglob("*")):
            if post.suffix.lower() in POST_SUFFIXES and post.is_file() and post.resolve() not in published \
                    and not post.name.endswith(".share.txt"):
                if (item := post_item(post)) is not None:
                    items.append(item)
    return items
