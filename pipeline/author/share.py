"""What goes with a post: the share text (the author's one-line take and the link), the authors' e-mails."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.author.check import own_text, sentences
from pipeline.config import Settings
from pipeline.draftfile.parse import DraftFile
from pipeline.errors import ExtractionError
from pipeline.extract.pdf_reader import first_page_text
from pipeline.fetch.pdf import pdf_cache_path
from pipeline.records import PaperMeta

SHARE_LIMIT = 280
_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
EMAIL = re.compile(rf"\{{(?P<names>[^{{}}@]+)\}}\s*@\s*(?P<domain>{_DOMAIN})|(?P<plain>[A-Za-z0-9][A-Za-z0-9._%+-]*@{_DOMAIN})")


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
