"""``paperdraft publish``: turn a checked draft into a blog post for Jekyll, Hugo, Quarto or plain Markdown.

Only a draft without check errors is published. The post's file name is the
date and a slug of ``[a-z0-9-]`` only (the title's, or ``--name``), so no title
or id can steer it outside the blog folder.

One draft can go to many blogs. The draft keeps one record per post in its
front matter::

    posts:
    - {to: /abs/site/_posts/2024-05-01-x.md, format: jekyll, hash: <sha256 of the post>, at: '2024-05-01'}
    - {to: /abs/content/posts/2024-05-01-x.md, format: hugo, hash: ..., at: '2024-05-01'}

Publishing again to a blog folder in a format rewrites that post only if nobody
edited it since (its hash is the one recorded for it), and never makes a second
one; an edit to one post stops only that post. Older drafts' single
``published_to``/``published_format``/``published_hash``/``published_at`` keys
are read as one record and written back in the new form.

The post's footer says what the post holds: how many sentences of the summary
quote the paper, and which sections are still as paperdraft drafted them.

Every target (the blog folder, the drafts folder for the draft and its share
text) is checked to be writable before anything is written; a lock on the blog
folder lets one publish at a time choose and write a post name there. Every
file is written atomically; a draft that is a symbolic link is written through.
"""

from __future__ import annotations

import os
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import yaml

from pipeline.author.check import check_draft, has_errors
from pipeline.author.figure_rights import PostFigures, copy_figures, includes_figures, post_figures
from pipeline.author.post import FORMATS, NAME_LIMIT, POST_NAME, SAFE_NAME, check_name, plain, post_file_name, \
    post_path, render_post
from pipeline.author.post_records import LEGACY_KEYS, in_target, points_to, post_records, resolved_path
from pipeline.author.share import emails_on_first_page, first_sentence, paper_pdf, share_text
from pipeline.config import Settings
from pipeline.draftfile.figures import pictures_in
from pipeline.draftfile.lookup import list_drafts
from pipeline.draftfile.parse import DraftFile, read_draft
from pipeline.draftfile.render import compose
from pipeline.draftfile.store import (
    atomic_write,
    file_lock,
    folder_lock,
    remove_stale_temps,
)
from pipeline.errors import (
    ConfigError,
    NotReadyError,
    PostConflictError,
    PublishFormatError,
    WriteError,
)
from pipeline.hashing import sha256_text


@dataclass
class PublishResult:
    post: Path
    share: Path
    share_text: str
    status: Literal["written", "updated", "unchanged"]
    emails: list[str] = field(default_factory=list)
    left: Path | None = None  # an earlier post of this blog and format, under another name, now not tracked
    figures: str | None = None  # what became of the draft's figures in the post


def check_blog_folder(blog_dir: Path) -> None:
    """``--to`` must be a folder, or a path where one can be made: not a file, not a dangling link."""
    hint = "give --to the blog's posts folder, e.g. site/_posts or content/posts"
    if blog_dir.is_symlink() and not blog_dir.exists():
        raise ConfigError(f"the blog folder {blog_dir} is not a folder: it is a link to {os.readlink(blog_dir)}, "
                          "which does not exist", hint=hint)
    if blog_dir.exists() and not blog_dir.is_dir():
        raise ConfigError(f"the blog folder {blog_dir} is not a folder: it is a file", hint=hint)
    for parent in blog_dir.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise ConfigError(f"the blog folder {blog_dir} is not a folder: {parent} is not a folder",
                                  hint=hint)
            return


def _unwritable(folder: Path) -> tuple[Path, str] | None:
    """(the folder that stops it, why) when files cannot be made in ``folder``, or in the nearest existing folder
    above it (where it would be made); None when they can. Uses access(2): a read-only mount is refused even
    for root."""
    probe = folder
    while not (probe.exists() or probe.is_symlink()) and probe.parent != probe:
        probe = probe.parent
    if os.access(probe, os.W_OK | os.X_OK):
        return None
    try:
        read_only = bool(os.statvfs(probe).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    return probe, "a read-only file system" if read_only else "permission denied"


def check_writable(targets: list[tuple[str, Path]]) -> None:
    """Every folder publishing writes to, checked before anything is written: a draft is never left ``draft``
    beside a live post because its own folder could not be written."""
    for what, folder in targets:
        stop = _unwritable(folder)
        if stop:
            where, why = stop
            raise WriteError(f"cannot write to {what} {where} ({why}); nothing was published",
                             hint=f"make {where} writable, then publish again")


def _post_paper(text: str | None) -> tuple[str | None, str | None]:
    """(arXiv id, title) of the paper a post is about, as paperdraft writes posts; (None, None) if unknown."""
    if not text:
        return None, None
    match = re.match(r"\A---\n(.*?)\n---[ \t]*\n", text, re.S)
    if match:
        try:
            front = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            return None, None
        if not isinstance(front, dict):
            return None, None
        params = front.get("params") if isinstance(front.get("params"), dict) else {}
        ident = front.get("arxiv_id") or params.get("arxiv_id")
        return (str(ident) if ident else None), (str(front["title"]) if front.get("title") else None)
    head = text[:2000]
    title = re.match(r"\A# ([^\n]+)\n", head)
    ident = re.search(r"^\*Published [^\n]*?\[arXiv:([^\]\n]+)\]", head, re.M)
    return (ident.group(1) if ident else None), (title.group(1) if title else None)


def _free_name(blog_dir: Path, post: Path, front: dict) -> str:
    """A post name for ``--name`` that no post in ``blog_dir`` has: the slug and the arXiv id, else a number."""
    base = post_file_name(post)[11:].rsplit(".", 1)[0]
    ident = re.sub(r"[^a-z0-9]+", "-", str(front.get("arxiv_id") or "").lower()).strip("-")
    taken = {p.name[11:].rsplit(".", 1)[0] for p in blog_dir.glob("????-??-??-*")}
    tails = ([ident] if ident else []) + [str(n) for n in range(2, 100)]
    for tail in tails:
        name = f"{base[: NAME_LIMIT - len(tail) - 1].rstrip('-')}-{tail}"
        if name not in taken and POST_NAME.fullmatch(name):
            return name
    return f"{base[:40].rstrip('-')}-post"


def _draft_of(post: Path, drafts_dir: Path, this: Path) -> Path | None:
    """The other draft in ``drafts_dir`` that records ``post`` as its own, if one does."""
    for other in list_drafts(drafts_dir):
        if other.resolve() == this.resolve():
            continue
        try:
            front = read_draft(other).front or {}
        except (OSError, UnicodeDecodeError):
            continue
        if any(points_to(r, post) for r in post_records(front)):
            return other
    return None


def publish(draft: Path, blog_dir: Path, fmt: str, settings: Settings, today: date | None = None,
            name: str | None = None, with_figures: bool = False) -> PublishResult:
    """Write the post and its share text, and mark the draft published. Refuses drafts with check errors.

    ``name`` is the post's name in its file name (``YYYY-MM-DD-<name>.md``) instead of the title's slug. The share
    text goes beside the draft (``<draft>.share.txt``), outside the blog, where no site generator takes it for a
    post."""
    if fmt not in FORMATS:
        raise PublishFormatError(f"unknown format '{fmt}'", hint=f"use one of: {', '.join(FORMATS)}")
    check_name(name)
    blog_dir = blog_dir.expanduser()
    check_blog_folder(blog_dir)
    if draft.is_symlink():  # write through the link to the draft it names: the link stays a link
        draft = draft.resolve()
    with file_lock(draft):  # a redraft or a second publish of this draft waits for this one
        return _publish_locked(draft, blog_dir, fmt, settings, today, name, with_figures)


def _publish_locked(draft: Path, blog_dir: Path, fmt: str, settings: Settings, today: date | None,
                    name: str | None, with_figures: bool = False) -> PublishResult:
    doc = read_draft(draft)
    findings = check_draft(doc, settings.critique_min_words)
    if has_errors(findings):
        raise NotReadyError(f"{draft} is not ready to publish: {sum(f.severity == 'error' for f in findings)} "
                            "error(s)", hint="write your critique under ## My critique, then run paperdraft check",
                            findings=findings)
    share = draft.with_name(f"{draft.stem}.share.txt")
    check_writable([("the blog folder", blog_dir), ("the drafts folder", draft.parent)])
    same_folder = blog_dir.exists() and blog_dir.resolve() == draft.parent.resolve()  # its lock is held already
    with nullcontext() if same_folder else folder_lock(blog_dir):  # one publish at a time writes a post here
        return _publish_in_blog(doc, draft, share, blog_dir, fmt, settings, today, name, with_figures)


def _publish_in_blog(doc: DraftFile, draft: Path, share: Path, blog_dir: Path, fmt: str, settings: Settings,
                     today: date | None, name: str | None, with_figures: bool = False) -> PublishResult:
    bundle = fmt == "hugo" and includes_figures(doc.front, with_figures) and bool(pictures_in(doc.masked))
    post, day = post_path(blog_dir, doc.front, fmt, today or date.today(), name, bundle)
    home = post.parent.parent if bundle else post.parent
    if home.resolve() != blog_dir.resolve() or not SAFE_NAME.fullmatch(post_file_name(post)):  # the last guard
        raise PostConflictError(f"refusing to write {post}: it is not a plain file name inside {blog_dir}")
    shown: list[PostFigures] = []

    def figures(body: str) -> str:
        shown.append(post_figures(body, doc.front, draft, fmt, blog_dir, post, with_figures))
        return shown[-1].body

    text = render_post(doc, fmt, day, post_file_name(post)[11:].rsplit(".", 1)[0], figures)
    pictures = shown[-1] if shown else PostFigures("")
    if pictures.copies:
        check_writable([("the blog's picture folder", pictures.copies[0][1].parent)])
    for path in (post, share):  # what a publish killed midway left behind
        remove_stale_temps(path)
    records = post_records(doc.front)
    status = "written"
    if post.exists() or post.is_symlink():
        current = post.read_text(encoding="utf-8", errors="replace") if post.is_file() else None
        ours = current is not None and not post.is_symlink() and any(
            points_to(r, post) and r.get("hash") == sha256_text(current) for r in records)
        if current == text and not post.is_symlink():
            status = "unchanged"
        elif ours:
            status = "updated"
        else:
            _refuse(post, current, doc, draft, blog_dir)
    if pictures.copies:
        try:
            copy_figures(pictures.copies)
        except OSError as exc:
            raise WriteError(f"could not copy the figures into {pictures.copies[0][1].parent}: {exc.strerror or exc}",
                             hint="nothing was published; make the folder writable and publish again") from exc
    if status != "unchanged":
        atomic_write(post, text)
    share_body = share_text(plain(doc.front["title"]), first_sentence(doc), doc.front.get("url"))
    if not share.is_file() or share.read_text(encoding="utf-8", errors="replace") != share_body + "\n":
        atomic_write(share, share_body + "\n")
    record = {"to": str(post.resolve()), "format": fmt, "hash": sha256_text(text), "at": day.isoformat()}
    kept, left = [], None
    for old in records:
        if points_to(old, post) or in_target(old, blog_dir, fmt):
            if record not in kept:
                kept.append(record)  # in the place of the record it replaces
            earlier = resolved_path(old["to"])
            if earlier and earlier != post.resolve() and earlier.is_file():
                left = earlier
            continue
        kept.append(old)
    if record not in kept:
        kept.append(record)
    front, body = doc.front, doc.body  # the same parse that check judged
    marked = {k: v for k, v in front.items() if k not in LEGACY_KEYS}
    marked.update(status="published", posts=kept)
    if marked != front:
        atomic_write(draft, compose(marked, body))  # the body, hence content_hash's meaning, is unchanged
    pdf = paper_pdf(front, draft, settings)
    return PublishResult(post, share, share_body, status, emails_on_first_page(pdf) if pdf else [], left,
                         _figures_said(pictures))


def _figures_said(pictures: PostFigures) -> str | None:
    if pictures.copies:
        return f"figures: {len(pictures.copies)} copied to {pictures.copies[0][1].parent}, with attribution"
    linked = pictures.body.count("of the paper](") + pictures.body.count("is not shown here")
    return f"figures: {linked} linked to their pages in the paper, not copied (the paper's licence)" if linked else None


def _refuse(post: Path, current: str | None, doc: DraftFile, draft: Path, blog_dir: Path) -> None:
    """The post is not this draft's as paperdraft wrote it: say whose it is, and how to publish beside it."""
    ident, title = _post_paper(current)
    mine = str(doc.front.get("arxiv_id") or "") or None
    if (ident and ident != mine) or (not ident and not mine and title and title != plain(doc.front["title"])):
        other = _draft_of(post, draft.parent, draft)
        whose = f"'{title}'" if title else "another paper"
        whose += f" (arXiv {ident})" if ident else ""
        whose += f", drafted in {other}" if other else ""
        suggested = _free_name(blog_dir, post, doc.front)
        raise PostConflictError(f"{post} is the post of another paper, {whose}; not overwriting it",
                                hint=f"publish this draft under another name: paperdraft publish {draft} --to "
                                     f"{blog_dir} --name {suggested}")
    raise PostConflictError(f"{post} was changed after paperdraft published it (or paperdraft did not write "
                            "it); not overwriting it", hint="copy your changes into the draft and delete the post, "
                                                            "then publish again; or publish this draft under "
                                                            "another name with --name")
