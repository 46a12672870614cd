"""Finding drafts: where a paper's draft goes, the drafts in a folder, a draft named by id, the draft of a version.

A draft's file name starts with its paper's id made safe (``hep-th/9901001`` ->
``hep-th_9901001``), then a slug of the title, which may change between versions;
the front matter's ``arxiv_id`` and ``version`` say which paper it is.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

from slugify import slugify

from pipeline.draftfile.parse import DraftFile, read_draft
from pipeline.errors import DraftNotFoundError
from pipeline.records import PaperMeta

ID_CHARS = 40  # the id part of a draft's file name is cut to this many characters


def file_ident(ident: str) -> str:
    """An arXiv id (or a local file's name) as the first part of a draft's file name: safe characters only."""
    ident = re.sub(r"[^A-Za-z0-9._-]+", "-", ident.replace("/", "_"))
    return re.sub(r"\.{2,}", ".", ident).strip("._-")[:ID_CHARS] or "paper"


def draft_path(meta: PaperMeta, drafts_dir: Path, name: str | None = None) -> Path:
    """``<drafts_dir>/<id-or-name>-<slug>.md``, made only of safe characters."""
    slug = slugify(meta.title or "", max_length=60, word_boundary=True) or "untitled"
    return drafts_dir / f"{file_ident(meta.arxiv_id or name or 'paper')}-{slug}.md"


def list_drafts(drafts_dir: Path) -> list[Path]:
    """The drafts in a folder: visible ``*.md`` files, by name."""
    if not drafts_dir.is_dir():
        return []
    return sorted(p for p in drafts_dir.glob("*.md") if p.is_file() and not p.name.startswith("."))


def _front(path: Path) -> dict:
    """A draft's front matter; {} when it cannot be read or has none."""
    try:
        draft: DraftFile = read_draft(path)
    except (OSError, UnicodeDecodeError):
        return {}
    return draft.front or {}


def drafts_of(arxiv_id: str, drafts_dir: Path) -> list[Path]:
    """The drafts of a paper (any version): by the front matter's ``arxiv_id``, or by file name."""
    prefix = file_ident(arxiv_id)
    return [p for p in list_drafts(drafts_dir)
            if str(_front(p).get("arxiv_id") or "") == arxiv_id or p.name.startswith(f"{prefix}-")]


def resolve_draft(name: str, drafts_dir: Path) -> Path:
    """A draft named by path, or by arXiv id (``1706.03762``, ``arXiv:1706.03762v5``) in ``drafts_dir``."""
    path = Path(name).expanduser()
    if path.is_file():
        return path
    ident = re.sub(r"^(arxiv:|https?://arxiv\.org/abs/)", "", name.strip(), flags=re.I)
    bare = re.sub(r"v\d+$", "", ident)
    matches = sorted(set(drafts_of(bare, drafts_dir)) | (set(drafts_of(ident, drafts_dir)) if ident != bare else set()))
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DraftNotFoundError(f"'{name}' matches {len(matches)} drafts: {', '.join(map(str, matches))}",
                                 hint="name the draft by its path")
    raise DraftNotFoundError(f"no draft '{name}': not a file, and no draft in {drafts_dir} has that arXiv id",
                             hint="run paperdraft list to see your drafts")


def existing_draft(meta: PaperMeta, drafts_dir: Path) -> Path | None:
    """The draft of this paper's version, if one exists already (under any title)."""
    if not meta.arxiv_id:
        return None
    expected = draft_path(meta, drafts_dir)
    ident = expected.name.split("-", 1)[0]  # the title part may differ: the title can change between versions
    others = sorted(drafts_dir.glob(f"{glob.escape(ident)}-*.md")) if drafts_dir.is_dir() else []
    for path in [expected, *others]:
        front = _front(path) if path.is_file() else {}
        if front.get("arxiv_id") == meta.arxiv_id and front.get("version") == meta.version:
            return path
    return None
