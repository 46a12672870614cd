"""Writing drafts safely: atomic writes that keep a file's mode, a lock per drafts folder, and the redraft merge.

Drafting a paper again merges (:mod:`pipeline.draftfile.merge`): the author's
critique and edited sections are kept.
"""

from __future__ import annotations

import errno
import glob
import os
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows: no flock; writes are still atomic renames
    fcntl = None

from pipeline.draftfile.figures import assets_folder, copy_pictures
from pipeline.draftfile.lookup import draft_path
from pipeline.draftfile.merge import machine_hashes, merge
from pipeline.draftfile.parse import parse_draft
from pipeline.draftfile.render import body_hash, compose, render_body, render_front
from pipeline.errors import DraftConflictError, WriteError
from pipeline.records import DraftResult, FigurePlan, PaperMeta, Summary

_NO_ROOM = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EFBIG: "the file is larger than this system allows"}


LOCK_TIMEOUT = 120.0  # seconds to wait for another paperdraft process writing the same file
_umask_lock = threading.Lock()


def _mode_for(path: Path) -> int:
    """The mode a plain write would give ``path``: its own mode when it exists, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        with _umask_lock:  # the umask can only be read by setting it
            umask = os.umask(0o022)
            os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: Path, text: str) -> None:
    """Write to a temp file in the same folder, then rename: a crash never leaves half a file.

    The file gets the mode a plain write would give it: a replaced file keeps its mode, a new one follows the umask.

    A failed write (a full disk) removes the temp file and raises :class:`WriteError`; ``path`` keeps its
    old content.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        if hasattr(os, "fchmod"):  # mkstemp makes 0600: a site generator running as another user could not read it
            os.fchmod(fd, _mode_for(path))
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
    with folder_lock(path.parent):
        remove_stale_temps(path)
        yield


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive flock on ``folder`` (made if missing), waited for up to ``LOCK_TIMEOUT`` seconds: the drafts
    folder while a draft is rewritten, the blog folder while a post's name is chosen and the post written."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DraftConflictError(f"{folder} is being written by another paperdraft process",
                                             hint="wait for it to finish, then run this again") from None
                time.sleep(0.05)
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
    plan: FigurePlan | None = None,
    text: tuple[str, str | None] | None = None,
) -> DraftResult:
    """Write the draft. Drafting a paper again merges: the author's critique and edited sections are kept.

    ``force`` also replaces machine sections the author edited, after keeping a backup of the whole draft;
    it never touches the critique. ``text`` is what the text was read from ("latex", "pdf") and why, for
    the front matter (``text_from``, ``text_note``).
    """
    path = draft_path(meta, drafts_dir, name)
    plan = plan or FigurePlan()
    assets = assets_folder(path)
    body = render_body(meta, summary, aids, plan, assets.name)
    front = render_front(meta, summary, source, body, plan.count, text)
    with file_lock(path):  # another process drafting the same paper merges after this one, never beside it
        if plan.count:
            _copy_pictures(plan, assets)
        result = _write_locked(path, meta, summary, body, front, force)
    result.figures = plan.count
    return result


def _copy_pictures(plan: FigurePlan, assets: Path) -> None:
    try:
        copy_pictures(plan.figures, assets)
    except OSError as exc:
        raise WriteError(f"could not copy the paper's figures into {assets}: {exc.strerror or exc}",
                         hint="check that you can write to the drafts folder") from exc


def _write_locked(path: Path, meta: PaperMeta, summary: Summary, body: str, front: dict, force: bool) -> DraftResult:
    if not path.exists():
        front["section_hashes"] = machine_hashes(body)
        atomic_write(path, compose(front, body))
        return DraftResult(path=str(path), status="written", meta=meta, updated=list(summary.sections))

    old_text = path.read_text(encoding="utf-8")
    old = parse_draft(old_text, path)
    old_front, old_body = old.front, old.body
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
    front["content_hash"] = body_hash(merged.body)
    front["section_hashes"] = merged.hashes
    if merged.body == old_body and not merged.overwritten:
        # the text is as it was, but the front matter may not be (a new version of the paper, a new model):
        # write it, or the flows would take this draft for an old version's and draft the paper again each run
        if _facts(front) != _facts(old_front):
            atomic_write(path, compose(front, merged.body))
        return DraftResult(path=str(path), status="unchanged", meta=meta, kept=merged.kept)
    if front.get("status") == "published":
        # the machine text changed (updated, or replaced by --force): the posts no longer show this draft, so it is
        # a draft again until it is published again (its ``posts`` records stay, so publishing updates them in place)
        front["status"] = "draft"
    atomic_write(path, compose(front, merged.body))
    return DraftResult(
        path=str(path), status="merged", meta=meta, backup=str(backup) if backup else None,
        updated=merged.updated + merged.overwritten, kept=merged.kept,
    )


def _facts(front: dict) -> dict:
    """The front matter without its timestamp: what a redraft that changes nothing must leave alone."""
    return {k: v for k, v in front.items() if k != "generated_at"}
