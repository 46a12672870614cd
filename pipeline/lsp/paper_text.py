"""A draft's paper, as drafting kept it (:mod:`pipeline.extraction_cache`): its sentences, ranked the way the
summarizer ranked them when it cited them. This side runs in the paper process (:mod:`pipeline.lsp.paper`):
scikit-learn and each paper's index live there, never in the server that checks the drafts.

The sentences come from the summarizer's own :class:`~pipeline.summarize.evidence.PaperIndex` over the paper's
body, so a passage's cite (``p. 4, §3.2``) is made by the same :meth:`KeySentence.cite` that wrote the draft's.
Nothing is fetched: a paper that is not in the cache is :data:`None`, and the hover says so.
"""

from __future__ import annotations

from pathlib import Path

from pipeline import extraction_cache
from pipeline.config import Settings
from pipeline.draftfile.format import CITE_PAGE
from pipeline.records import Chunk, Document, Passage
from pipeline.summarize.chunk import group_sections
from pipeline.summarize.evidence import KeySentence, PaperIndex



def _chunks(doc: Document) -> list[Chunk]:
    """The paper's body as one chunk per run of sections of a kind (as chunking groups them), uncut: ranking
    needs sentences, pages and section titles, not the model's token budget."""
    chunks = []
    for section, titles in group_sections(doc.body):
        pages = section.page_starts or [(0, 0)]
        chunks.append(Chunk(index=len(chunks), section=section.title, kind=section.kind, text=section.text,
                            first_page=pages[0][1], last_page=pages[-1][1], n_tokens=0,
                            page_starts=list(section.page_starts), section_starts=titles))
    return chunks


class PaperText:
    """The cached extraction of one paper, indexed for finding the passage behind a claim."""

    def __init__(self, identity: str, doc: Document):
        self.identity = identity
        self.doc = doc
        self.index = PaperIndex(_chunks(doc))

    def _passage(self, s: KeySentence) -> Passage:
        return Passage(s.text, s.page, s.cite(self.index.paged))

    def cited(self, claim: str, cite: str) -> tuple[Passage, bool] | None:
        """The passage the draft's ``cite`` points at that best supports ``claim``, and whether it has that very
        cite. Looked for among the sentences with that cite; else in its subsections on its page ("§4" takes
        "§4.1"); else anywhere on its page. None when the paper has no such page."""
        paged = self.index.paged
        sentences = self.index.sentences
        page = next((int(p) for p in CITE_PAGE.findall(cite)), 0)
        section = cite.rsplit("§", 1)[1] if "§" in cite else None
        for exact, candidates in (
            (True, [s for s in sentences if s.cite(paged) == cite]),
            (False, [s for s in sentences if page and s.page == page and section
                     and s.cite(paged).rsplit("§", 1)[-1].startswith(section + ".")]),
            (False, [s for s in sentences if page and s.page == page]),
        ):
            if candidates:
                match = next((s for s in candidates if _norm(s.text) == _norm(claim)), None)
                best = match or self.index.best_match(claim, candidates) or candidates[0]
                return self._passage(best), exact
        return None

    def closest(self, claim: str, k: int = 3) -> list[Passage]:
        """The ``k`` passages of the paper most like ``claim`` (TF-IDF, as the summarizer matched), best first."""
        index = self.index
        if index.vectors is None or not claim.strip():
            return []
        similarity = (index.vectors @ index.vectorizer.transform([claim]).T).toarray().ravel()
        ranked = [i for i in similarity.argsort()[::-1][:k] if similarity[i] > 0]
        return [self._passage(index.sentences[i]) for i in ranked]

    def pdf(self) -> Path | None:
        """The PDF the paper was read from, if it is still there (a cached download or the author's file)."""
        path = Path(self.doc.source_path)
        return path if path.suffix.lower() == ".pdf" and path.is_file() else None


def _norm(text: str) -> str:
    return " ".join(text.replace("“", "").replace("”", "").split()).strip(" .")


_loaded: dict[str, tuple[float, PaperText]] = {}  # identity -> (its cache file's mtime, the paper)


def load(settings: Settings, identity: str) -> PaperText | None:
    """The paper ``identity`` from the cache (again if drafting rewrote it), or None when drafting did not
    keep it. Never fetches."""
    path = extraction_cache.cache_path(settings, identity)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    hit = _loaded.get(identity)
    if hit and hit[0] == mtime:
        return hit[1]
    doc = extraction_cache.load(settings, identity)
    if doc is None:
        return None
    paper = PaperText(identity, doc)
    _loaded[identity] = (mtime, paper)
    return paper


# The paper process's jobs, each a paper by its identity: what it is (None: not in the cache; else its PDF's
# path, "" when the PDF is gone), the passage behind a cite, the passages closest to a claim.

def describe(settings: Settings, identity: str) -> str | None:
    paper = load(settings, identity)
    if paper is None:
        return None
    pdf = paper.pdf()
    return str(pdf) if pdf else ""


def cited(settings: Settings, identity: str, claim: str, cite: str) -> tuple[Passage, bool] | None:
    paper = load(settings, identity)
    return paper.cited(claim, cite) if paper else None


def closest(settings: Settings, identity: str, claim: str, k: int) -> list[Passage]:
    paper = load(settings, identity)
    return paper.closest(claim, k) if paper else []
