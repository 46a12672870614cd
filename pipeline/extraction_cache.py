"""The cache of extracted papers: what the language server shows on hover, without reading a PDF again.

Drafting keeps the paper's :class:`~pipeline.records.Document` (its text by page and section) as JSON in
``<cache>/extractions/<key>.json``, written whole (a temp file, then ``os.replace``). The key is a stage key
(:func:`pipeline.code_hash.stage_key`, like the summary cache's and the flows'): the code of the extract stage
and the paper, named as a draft's front matter names it: ``arXiv:<id>v<n>`` for an arXiv paper (a version
never changes), ``sha256:<hash>`` of the file for a local one. So a draft finds its paper's text from its front
matter alone, and never text that other extraction code made.

Reading never fetches anything: a paper that is not here is a miss (None), and the caller says so. A file
that cannot be read or holds no Document is a miss too. Failing to write costs a warning, never the draft.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from pipeline.cache_files import keep_json
from pipeline.code_hash import stage_key
from pipeline.config import Settings
from pipeline.hashing import sha256_file
from pipeline.records import Document, PaperMeta, Section, versioned_id

log = logging.getLogger("pipeline.extraction_cache")

FOLDER = "extractions"  # under settings.cache


def paper_identity(meta: PaperMeta | None, doc_sha256: str) -> str:
    """How a draft names its paper: ``arXiv:1706.03762v5``, or ``sha256:<file hash>`` for a local file."""
    vid = meta.versioned_id if meta else None
    return f"arXiv:{vid}" if vid else f"sha256:{doc_sha256}"


def draft_identity(front: dict | None, draft_path: Path | None = None) -> str | None:
    """The paper of a draft, from its front matter: its arXiv id and version, or the hash of the local file it
    was drafted from (``source``, as typed: looked for as it is, then beside the draft). None when unknown."""
    front = front or {}
    arxiv_id, version = front.get("arxiv_id"), front.get("version")
    if isinstance(arxiv_id, str) and arxiv_id:
        return f"arXiv:{versioned_id(arxiv_id, version if isinstance(version, int) else None)}"
    source = front.get("source")
    if not isinstance(source, str) or not source:
        return None
    path = Path(source).expanduser()
    for candidate in [path] + ([draft_path.parent / path] if draft_path and not path.is_absolute() else []):
        try:
            if candidate.is_file():
                return f"sha256:{sha256_file(candidate)}"
        except OSError:
            continue
    return None


def extraction_key(identity: str) -> str:
    return stage_key("extract", "document", identity)


def cache_path(settings: Settings, identity: str) -> Path:
    return Path(settings.cache) / FOLDER / f"{extraction_key(identity)}.json"


def _pairs(value: Any, types: tuple[type, type]) -> list[tuple] | None:
    if not isinstance(value, list) or not all(isinstance(p, list) and len(p) == 2 for p in value):
        return None
    if not all(isinstance(a, types[0]) and isinstance(b, types[1]) for a, b in value):
        return None
    return [tuple(p) for p in value]


def _document_from(data: Any) -> Document | None:
    """A Document from its JSON form, or None when ``data`` is not one."""
    try:
        sections = []
        for s in data["sections"]:
            starts = _pairs(s["page_starts"], (int, int))
            if starts is None or not all(isinstance(s[k], str) for k in ("title", "kind", "text")):
                return None
            sections.append(Section(s["title"], s["kind"], s["text"], starts))
        doc = Document(sections, int(data["page_count"]), str(data["source_path"]), str(data["sha256"]),
                       data.get("title"), list(data.get("authors") or []), list(data.get("unreadable_pages") or []),
                       text_from=data.get("text_from") if data.get("text_from") in ("pdf", "latex", "text") else "pdf",
                       text_note=data.get("text_note") if isinstance(data.get("text_note"), str) else None)
    except (KeyError, TypeError, ValueError):
        return None
    return doc


def load(settings: Settings, identity: str) -> Document | None:
    """The cached Document of the paper ``identity``, or None: not cached, unreadable, or not one."""
    path = cache_path(settings, identity)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.warning("ignoring the cached extraction %s, which cannot be read (%s)", path, exc)
        return None
    if not isinstance(data, dict) or data.get("paper") != identity:
        return None
    return _document_from(data.get("document"))


def store(settings: Settings, meta: PaperMeta | None, doc: Document) -> Path | None:
    """Keep ``doc``, the extraction of the paper ``meta`` (None: a local file), whole or not at all; the path,
    or None (and a warning) when it cannot be written."""
    identity = paper_identity(meta, doc.sha256)
    path = cache_path(settings, identity)
    return keep_json(path, {"paper": identity, "document": dataclasses.asdict(doc)}, "the paper's text")
