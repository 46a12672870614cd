"""Real candidates for ranking tests and the ranking benchmark: the corpus papers' metadata and abstracts.

* :func:`pdf_papers`: each corpus PDF of :data:`tests.arxiv_server.CORPUS_PAPERS` with its real abstract,
  read from its first pages (the test server's own feed entries carry no abstract).
* :func:`atom_papers`: every entry of the recorded arXiv Atom responses, as the arxiv client parses them.
* :func:`oai_papers`: the records of the recorded OAI-PMH responses.

Each paper's primary category is known, so they make a labelled set nobody here wrote.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from pipeline.records import PaperMeta
from tests.arxiv_server import CORPUS_PAPERS

_ABSTRACT = re.compile(r"\bA\s?bstract\b[.:—-]?\s*(.{200,2500}?)(?=\b(?:1\.?\s+Introduction|I\.\s+INTRODUCTION|"
                       r"Introduction\b|Keywords|Index Terms))", re.S | re.I)


def _first_pages_text(path: Path, pages: int = 3) -> str:
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = pypdf.PdfReader(path)
    text = " ".join((reader.pages[i].extract_text() or "") for i in range(min(pages, len(reader.pages))))
    return " ".join(text.replace("ﬁ", "fi").replace("ﬂ", "fl").split())


def pdf_abstract(path: Path) -> str:
    """The abstract of a paper, from its first pages; the first 1,500 characters when it has no Abstract heading."""
    text = _first_pages_text(path)
    m = _ABSTRACT.search(text)
    return m.group(1).strip() if m else text[:1500]


@lru_cache(maxsize=None)
def _pdf_papers(root: str) -> tuple[PaperMeta, ...]:
    out = []
    for p in CORPUS_PAPERS.values():
        pdf = Path(root) / "pdfs" / f"{p.arxiv_id}v{p.version}.pdf"
        if pdf.is_file():
            out.append(PaperMeta(title=p.title, authors=list(p.authors), arxiv_id=p.arxiv_id, version=p.version,
                                 url=f"https://arxiv.org/abs/{p.arxiv_id}v{p.version}", categories=list(p.categories),
                                 published=p.published[:10], updated=p.updated[:10], abstract=pdf_abstract(pdf)))
    return tuple(out)


def pdf_papers(root: Path) -> list[PaperMeta]:
    return [PaperMeta(**vars(m)) for m in _pdf_papers(str(root))]


def atom_papers(root: Path) -> list[PaperMeta]:
    """Every real entry of the recorded Atom responses (not the error entry), each paper once."""
    import arxiv
    from arxiv import _feed

    from pipeline.fetch.metadata import _to_meta

    seen, out = set(), []
    for path in sorted((root / "atom").glob("*.xml")):
        for result in _feed.parse(path.read_bytes()).results:
            if isinstance(result, arxiv.Result) and result.title.strip() != "Error":
                meta = _to_meta(result)
                if meta.arxiv_id not in seen:
                    seen.add(meta.arxiv_id)
                    out.append(meta)
    return out


_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_ARX = "{http://arxiv.org/OAI/arXiv/}"


def oai_papers(root: Path) -> list[PaperMeta]:
    out = []
    for path in sorted((root / "oai").glob("*.xml")):
        for rec in ET.parse(path).getroot().iter(f"{_ARX}arXiv"):
            text = lambda tag: " ".join((rec.findtext(f"{_ARX}{tag}") or "").split())  # noqa: E731
            authors = [" ".join(f"{a.findtext(f'{_ARX}forenames') or ''} {a.findtext(f'{_ARX}keyname') or ''}".split())
                       for a in rec.iter(f"{_ARX}author")]
            out.append(PaperMeta(title=text("title"), authors=authors, arxiv_id=text("id"),
                                 url=f"https://arxiv.org/abs/{text('id')}", categories=text("categories").split(),
                                 published=text("created") or None, abstract=text("abstract")))
    return out
