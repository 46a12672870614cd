"""The draft file: YAML front matter, machine-written sections, and the author's critique.

The pipeline writes every section but ``## My critique``, which holds only
guiding questions and a ``TODO(author)`` line. The front matter keeps a hash
of each machine-written section, so drafting again replaces only what the
author left untouched (see ``merge``).
"""

from __future__ import annotations

import errno
import glob
import hashlib
import os
import re
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows: no flock; writes are still atomic renames
    fcntl = None

import yaml
from slugify import slugify

from .errors import DraftConflictError, WriteError
from .merge import machine_hashes, merge
from .records import DraftResult, PaperMeta, Summary

CRITIQUE_HEADING = "## My critique"
TODO_MARK = "TODO(author)"
GUIDE = """<!-- This section is yours: paperdraft never writes it. Argue from the paper, with reasons.
  - Does the evidence support the main claim? Which result would change your mind?
  - Which baselines, ablations or datasets are missing?
  - What does the method assume that may not hold in practice?
  - Could you reproduce it: are the code, data and compute available?
  - Where would you use this, and where would you not?
-->"""
PLACEHOLDER = f"{TODO_MARK}: write your critique here, in your own words."


def critique_section(aids: list[str]) -> str:
    """The critique section as drafted: guiding questions, facts to check, and the placeholder."""
    parts = [CRITIQUE_HEADING, GUIDE]
    if aids:  # paper text, one line each, that can neither close the comment nor open a tag
        facts = "\n".join(f"  - {re.sub(r'--!?>', '→', inert(' '.join(line.split())))}" for line in aids)
        parts.append(f"<!-- Facts from the paper to check before you judge it (found by paperdraft):\n{facts}\n-->")
    parts.append(PLACEHOLDER)
    return "\n\n".join(parts)


FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
# The pipeline's own flags in machine text (evidence.py writes them, `check` reports them): kept through cleaning.
FLAG = re.compile(r"<!-- unverified: [^<>\n]{1,100} -->")


def draft_path(meta: PaperMeta, drafts_dir: Path, name: str | None = None) -> Path:
    """``<drafts_dir>/<id-or-name>-<slug>.md``, made only of safe characters."""
    ident = (meta.arxiv_id or name or "paper").replace("/", "_")
    ident = re.sub(r"[^A-Za-z0-9._-]+", "-", ident)
    ident = re.sub(r"\.{2,}", ".", ident).strip("._-")[:40] or "paper"
    slug = slugify(meta.title or "", max_length=60, word_boundary=True) or "untitled"
    return drafts_dir / f"{ident}-{slug}.md"


def _body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def inert(text: str) -> str:
    """Text from the paper or the model, made inert for Markdown renderers: no HTML tag, comment or
    autolink can start (``<`` before a letter, ``/``, ``!`` or ``?`` becomes ``&lt;``), and no link
    (``](`` and a line-leading ``[``, a link definition, are escaped). It still reads the same."""
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text).replace("](", "]\\(")
    return re.sub(r"(?m)^([ \t]*)\[", r"\1\\[", text)


def clean_machine_text(text: str) -> str:
    """Model output and paper quotes made safe for the draft: no headings, fences, setext underlines,
    comments, HTML or TODO markers of their own."""
    lines = []
    for line in text.replace("\r", "").replace("\0", "").splitlines():
        line = re.sub(r"^(?:\s*#)+\s*", "", line)  # a heading would break the draft's structure
        if re.fullmatch(r"\s*(?:-+|=+|```.*|~~~.*)\s*", line):  # a fence, a rule, or a setext underline
            continue
        flags = FLAG.findall(line)  # the pipeline's own flags survive; anything else is made inert
        line = inert(FLAG.sub("\0", line)).replace("TODO", "To-do")
        for flag in flags:
            line = line.replace("\0", flag, 1)
        lines.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() or "_(the model wrote nothing here)_"


def render_body(meta: PaperMeta, summary: Summary, aids: list[str] | None = None) -> str:
    link = f"[arXiv:{meta.versioned_id}]({meta.url})" if meta.arxiv_id and meta.url else "a local file"
    authors = ", ".join(meta.authors) if meta.authors else "unknown authors"
    title, authors = (inert(" ".join(x.split())) for x in (meta.title, authors))
    parts = [f"# {title}", f"*{authors}* · {link}"]
    for heading, text in summary.sections.items():
        parts.append(f"## {heading}\n\n{clean_machine_text(text)}")
    parts.append(critique_section(aids or []))
    parts.append(
        f"---\n\n*The summary above was drafted by {summary.model} with paperdraft. "
        "The critique is the author's own.*"
    )
    return "\n\n".join(parts) + "\n"


def render_front(meta: PaperMeta, summary: Summary, source: str, body: str) -> dict:
    front = {
        "title": meta.title,
        "authors": list(meta.authors),
        "arxiv_id": meta.arxiv_id,
        "version": meta.version,
        "url": meta.url,
        "categories": list(meta.categories),
        "published": meta.published,
        "source": source,
        "model": summary.model,
        "prompt_hashes": dict(summary.prompt_hashes),
        "generated_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "status": "draft",
        "content_hash": _body_hash(body),
    }
    return {k: v for k, v in front.items() if v not in (None, [], {})}


def compose(front: dict, body: str) -> str:
    """The draft's text: YAML front matter, then ``body`` as it is."""
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
    if yaml.safe_load(dumped) != front:  # a value with U+0085 or U+2028, which YAML reads as a line break
        dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=False, width=1000)
    return "---\n" + dumped + "---\n\n" + body


def parse(text: str) -> tuple[dict | None, str]:
    """(front matter, body); front matter is None when missing or not valid YAML."""
    match = FRONT.match(text)
    if not match:
        return None, text
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None, text[match.end() :]
    body = text[match.end() :]
    return (front if isinstance(front, dict) else None), body.removeprefix("\n")


_NO_ROOM = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EFBIG: "the file is larger than this system allows"}
LOCK_TIMEOUT = 120.0  # seconds to wait for another paperdraft process writing the same file


def atomic_write(path: Path, text: str) -> None:
    """Write to a temp file in the same folder, then rename: a crash never leaves half a file.

    A failed write (a full disk) removes the temp file and raises :class:`WriteError`; ``path`` keeps its
    old content.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            full = exc.errno in _NO_ROOM
            hint = "free some disk space and run it again" if full else f"check that you can write to {path.parent}"
            raise WriteError(f"could not write {path}: {_NO_ROOM.get(exc.errno) or exc.strerror or exc}",
                             hint=f"{hint}; the existing file is unchanged") from exc
        raise


def remove_stale_temps(path: Path) -> None:
    """Remove the temp files :func:`atomic_write` left beside ``path`` when killed; call it holding the lock."""
    for stale in glob.glob(glob.escape(str(path.with_name(f".{path.name}."))) + "*.tmp"):
        Path(stale).unlink(missing_ok=True)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Let one paperdraft process at a time read and rewrite ``path``: an exclusive flock on its folder.

    Locking the folder itself leaves no lock file behind, and the kernel drops the lock with the process,
    even one killed with SIGKILL. Once the lock is held, temp files a killed writer of ``path`` left are removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DraftConflictError(f"{path.parent} is being written by another paperdraft process",
                                             hint="wait for it to finish, then run this again") from None
                time.sleep(0.05)
        remove_stale_temps(path)
        yield
    finally:
        os.close(fd)


def write_draft(
    meta: PaperMeta,
    summary: Summary,
    source: str,
    drafts_dir: Path,
    *,
    name: str | None = None,
    force: bool = False,
    aids: list[str] | None = None,
) -> DraftResult:
    """Write the draft. Drafting a paper again merges: the author's critique and edited sections are kept.

    ``force`` also replaces machine sections the author edited, after keeping a backup of the whole draft;
    it never touches the critique.
    """
    path = draft_path(meta, drafts_dir, name)
    body = render_body(meta, summary, aids)
    front = render_front(meta, summary, source, body)
    with file_lock(path):  # another process drafting the same paper merges after this one, never beside it
        return _write_locked(path, meta, summary, body, front, force)


def _write_locked(path: Path, meta: PaperMeta, summary: Summary, body: str, front: dict, force: bool) -> DraftResult:
    if not path.exists():
        front["section_hashes"] = machine_hashes(body)
        atomic_write(path, compose(front, body))
        return DraftResult(path=str(path), status="written", meta=meta, updated=list(summary.sections))

    old_text = path.read_text(encoding="utf-8")
    old_front, old_body = parse(old_text)
    if old_front is None:
        if not force:
            raise DraftConflictError(
                f"{path} has no readable front matter, so paperdraft cannot tell your text from its own",
                hint="fix the front matter, or use --force to redraft it (your version is kept as a backup)",
            )
        old_front, old_body = {}, ""
    merged = merge(old_body, old_front.get("section_hashes") or {}, body, force=force)
    backup = None
    if merged.overwritten or not old_front:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        backup = path.with_name(f"{path.name}.bak-{stamp}")
        atomic_write(backup, old_text)
    keep = {k: v for k, v in old_front.items() if k not in front and k != "generated_at"}
    if old_front.get("status"):
        front["status"] = old_front["status"]
    front.update(keep)
    front["content_hash"] = _body_hash(merged.body)
    front["section_hashes"] = merged.hashes
    if merged.body == old_body and not merged.overwritten:
        return DraftResult(path=str(path), status="unchanged", meta=meta, kept=merged.kept)
    atomic_write(path, compose(front, merged.body))
    return DraftResult(
        path=str(path), status="merged", meta=meta, backup=str(backup) if backup else None,
        updated=merged.updated + merged.overwritten, kept=merged.kept,
    )
