"""``paperdraft publish``: turn a checked draft into a blog post for Jekyll, Hugo, Quarto or plain Markdown.

Only a draft without check errors is published. The post's file name is the
date and a slug of ``[a-z0-9-]`` only, so no title or id can steer it outside
the blog folder. The draft records where the post went and a hash of the post
as written (``published_to``, ``published_at``, ``published_format``,
``published_hash``): publishing again rewrites the post only if nobody edited
it since, and never makes a second one. Every file is written atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from slugify import slugify

from pipeline.author.check import check_draft, has_errors, own_text, sentences
from pipeline.config import Settings
from pipeline.draftfile.parse import DraftFile, read_draft, strip_comments
from pipeline.draftfile.render import compose, inert
from pipeline.draftfile.store import atomic_write, file_lock, remove_stale_temps
from pipeline.errors import ExtractionError, NotReadyError, PostConflictError, PublishFormatError
from pipeline.extract.pdf_reader import first_page_text
from pipeline.fetch.pdf import pdf_cache_path
from pipeline.hashing import sha256_text
from pipeline.records import PaperMeta

FORMATS = ("jekyll", "hugo", "quarto", "plain")
SAFE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.(?:md|qmd)")
SHARE_LIMIT = 280
_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
TAG = re.compile(r"<!--.*?(?:-->|$)|</?[A-Za-z][^<>]*>", re.S)
EMAIL = re.compile(rf"\{{(?P<names>[^{{}}@]+)\}}\s*@\s*(?P<domain>{_DOMAIN})|(?P<plain>[A-Za-z0-9][A-Za-z0-9._%+-]*@{_DOMAIN})")








@dataclass
class PublishResult:
    post: Path
    share: Path
    share_text: str
    status: Literal["written", "updated", "unchanged"]
    emails: list[str] = field(default_factory=list)


def post_slug(front: dict) -> str:
    """ASCII ``[a-z0-9-]`` from the title (or the arXiv id); never empty, never a path."""
    slug = slugify(str(front.get("title") or ""), max_length=60, word_boundary=True)
    slug = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "", slug)).strip("-")
    if not slug:
        slug = re.sub(r"[^a-z0-9]+", "-", str(front.get("arxiv_id") or "").lower()).strip("-")[:40].strip("-")
    return slug or "post"


def post_path(blog_dir: Path, front: dict, fmt: str, today: date) -> tuple[Path, date]:
    """Where the post goes: where it went before (same folder and format), else ``YYYY-MM-DD-slug.md``."""
    recorded = Path(str(front.get("published_to") or ""))
    if front.get("published_format") == fmt and SAFE_NAME.fullmatch(recorded.name):
        if recorded.parent.resolve() == blog_dir.resolve():
            try:
                return blog_dir / recorded.name, date.fromisoformat(recorded.name[:10])
            except ValueError:  # a hand-edited name with no such date (2026-13-45): publish under today's
                pass
    name = f"{today.isoformat()}-{post_slug(front)}.{'qmd' if fmt == 'quarto' else 'md'}"
    assert SAFE_NAME.fullmatch(name), name
    return blog_dir / name, today


def plain(value: object) -> str:
    """A front-matter value from the paper as plain text: its HTML tags and comments gone, nothing left to open one.

    Themes print ``page.title`` unescaped, and Quarto reads it as Markdown: the paper's HTML must not get there.
    """
    return inert(TAG.sub("", " ".join(str(value).split())))


def post_front(front: dict, fmt: str, day: date) -> dict | None:
    """The front matter each site generator expects; internal keys (hashes, prompts) stay in the draft."""
    authors = front.get("authors")
    authors = [plain(a) for a in authors] if isinstance(authors, list) else plain(authors) if authors else None
    paper = {"arxiv_id": front.get("arxiv_id"), "arxiv_url": front.get("url"), "paper_authors": authors}
    paper = {k: v for k, v in paper.items() if v}
    tags = [plain(t) for t in front.get("categories") or []]
    title = plain(front["title"])
    if fmt == "jekyll":
        return {"layout": "post", "title": title, "date": day, "tags": tags, **paper}
    if fmt == "hugo":
        return {"title": title, "date": day, "draft": False, "slug": post_slug(front), "tags": tags, "params": paper}
    if fmt == "quarto":
        return {"title": title, "date": day, "categories": tags, **paper}
    return None


def render_post(doc: DraftFile, fmt: str, day: date) -> str:
    """The post: the draft's body without comments or its title line, under the format's front matter.

    The comments dropped are those the parser skipped: a ``<!--`` inside a fenced code block is code."""
    body = strip_comments(doc.body)
    body = re.sub(r"\A\s*# [^\n]*\n", "", body)  # the title lives in the front matter (or the heading below)
    body = re.sub(r"[ \t]+\n", "\n", body)
    body = re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
    front = post_front(doc.front, fmt, day)
    if front is not None:
        return compose(front, body)
    facts = [f"Published {day.isoformat()}"]
    if doc.front.get("url"):
        facts.append(f"[arXiv:{doc.front.get('arxiv_id') or 'paper'}]({doc.front['url']})")
    if doc.front.get("categories"):
        facts.append(", ".join(map(plain, doc.front["categories"])))
    return f"# {plain(doc.front['title'])}\n\n*{' · '.join(facts)}*\n\n{body}"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def share_text(title: str, take: str, url: str | None, limit: int = SHARE_LIMIT) -> str:
    """``Title: take`` and the link, at most ``limit`` characters; the take is shortened first."""
    link = f"\n{url}" if url else ""
    head = _shorten(title, max(limit - len(link), 1))
    room = limit - len(link) - len(head) - 2
    line = f"{head}: {_shorten(take, room)}" if take and room > 10 else head
    return line + link


def first_sentence(doc: DraftFile) -> str:
    """The author's one-line take: the critique's first sentence, without Markdown decoration."""
    own = own_text(doc)
    for _, sentence in sentences(own, doc.critique.start if doc.critique else len(own)):
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", sentence)
        return " ".join(re.sub(r"[*_`#]+", "", plain).split())
    return ""


def emails_in_text(text: str) -> list[str]:
    """E-mail addresses, in order, once each; ``{alice,bob}@lab.org`` gives both addresses."""
    found: list[str] = []
    for m in EMAIL.finditer(text):
        if m.group("plain"):
            found.append(m.group("plain").rstrip("."))
        else:
            names = [n.strip() for n in re.split(r"[,;|\s]+", m.group("names")) if n.strip()]
            found += [f"{n}@{m.group('domain')}" for n in names if re.fullmatch(r"[A-Za-z0-9._%+-]+", n)]
    seen: set[str] = set()
    return [e for e in found if not (e.lower() in seen or seen.add(e.lower()))]


def emails_on_first_page(pdf_path: Path) -> list[str]:
    """The e-mail addresses printed on a PDF's first page; [] when it cannot be read (this is only a nicety)."""
    try:
        return emails_in_text(first_page_text(pdf_path))  # the same limits as extraction: it may be hostile
    except ExtractionError:
        return []


def paper_pdf(front: dict, draft: Path, settings: Settings) -> Path | None:
    """The paper's PDF, when the draft came from a local PDF or arXiv's PDF is in the cache."""
    source = str(front.get("source") or "")
    if source.lower().endswith(".pdf"):
        for candidate in (Path(source).expanduser(), draft.parent / source):
            if candidate.is_file():
                return candidate
    if front.get("arxiv_id"):
        version = front.get("version")
        meta = PaperMeta(title=str(front.get("title") or ""), arxiv_id=str(front["arxiv_id"]),
                         version=version if isinstance(version, int) else None)
        cached = pdf_cache_path(meta, settings)
        return cached if cached.is_file() else None
    return None


def publish(draft: Path, blog_dir: Path, fmt: str, settings: Settings, today: date | None = None) -> PublishResult:
    """Write the post and its share text, and mark the draft published. Refuses drafts with check errors."""
    if fmt not in FORMATS:
        raise PublishFormatError(f"unknown format '{fmt}'", hint=f"use one of: {', '.join(FORMATS)}")
    with file_lock(draft):  # a redraft or a second publish of this draft waits for this one
        return _publish_locked(draft, blog_dir, fmt, settings, today)


def _publish_locked(draft: Path, blog_dir: Path, fmt: str, settings: Settings, today: date | None) -> PublishResult:
    doc = read_draft(draft)
    findings = check_draft(doc, settings.critique_min_words)
    if has_errors(findings):
        raise NotReadyError(f"{draft} is not ready to publish: {sum(f.severity == 'error' for f in findings)} "
                            "error(s)", hint="write your critique under ## My critique, then run paperdraft check",
                            findings=findings)
    blog_dir = blog_dir.expanduser()
    post, day = post_path(blog_dir, doc.front, fmt, today or date.today())
    if post.parent.resolve() != blog_dir.resolve() or not SAFE_NAME.fullmatch(post.name):  # the last guard
        raise PostConflictError(f"refusing to write {post}: it is not a plain file name inside {blog_dir}")
    text = render_post(doc, fmt, day)
    share = post.with_name(f"{post.stem}.share.txt")
    for path in (post, share):  # what a publish killed midway left behind
        remove_stale_temps(path)
    status = "written"
    if post.exists() or post.is_symlink():
        current = post.read_text(encoding="utf-8", errors="replace") if post.is_file() else None
        recorded = Path(str(doc.front.get("published_to") or "")).expanduser()
        ours = current is not None and not post.is_symlink() and recorded.resolve() == post.resolve() \
            and sha256_text(current) == doc.front.get("published_hash")
        if current == text and not post.is_symlink():
            status = "unchanged"
        elif ours:
            status = "updated"
        else:
            raise PostConflictError(f"{post} was changed after paperdraft published it (or paperdraft did not write "
                                    "it); not overwriting it", hint="copy your changes into the draft and delete "
                                                                    "the post, then publish again")
    if status != "unchanged":
        atomic_write(post, text)
    share_body = share_text(plain(doc.front["title"]), first_sentence(doc), doc.front.get("url"))
    if not share.is_file() or share.read_text(encoding="utf-8", errors="replace") != share_body + "\n":
        atomic_write(share, share_body + "\n")
    front, body = doc.front, doc.body  # the same parse that check judged
    marked = {**front, "status": "published", "published_to": str(post.resolve()), "published_at": day.isoformat(),
              "published_format": fmt, "published_hash": sha256_text(text)}
    if marked != front:
        atomic_write(draft, compose(marked, body))  # the body, hence content_hash's meaning, is unchanged
    pdf = paper_pdf(front, draft, settings)
    return PublishResult(post, share, share_body, status, emails_on_first_page(pdf) if pdf else [])
