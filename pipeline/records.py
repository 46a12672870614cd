"""Plain records that cross module borders.

Library objects (``arxiv.Result``, ``pypdf.PdfReader``, torch tensors) never
leave the module that uses them; these dataclasses do. They hold only JSON
types, so Prefect can cache and persist them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["arxiv", "pdf", "text"]


def versioned_id(arxiv_id: str | None, version: int | None) -> str | None:
    """"2106.09685v2", or the bare id when the version is unknown."""
    if arxiv_id is None:
        return None
    return f"{arxiv_id}v{version}" if version else arxiv_id


@dataclass(frozen=True)
class SourceRef:
    """What the user asked for, parsed.

    ``arxiv_id`` never carries the version ("2106.09685", "hep-th/9901001");
    ``version`` is the integer after the "v", when the user gave one.
    ``path`` is set for local files.
    """

    kind: SourceKind
    raw: str
    arxiv_id: str | None = None
    version: int | None = None
    path: str | None = None

    @property
    def versioned_id(self) -> str | None:
        return versioned_id(self.arxiv_id, self.version)


@dataclass
class PaperMeta:
    """Bibliographic facts about a paper: from arXiv when online, from the PDF otherwise."""

    title: str
    authors: list[str] = field(default_factory=list)
    arxiv_id: str | None = None
    version: int | None = None
    url: str | None = None
    pdf_url: str | None = None
    categories: list[str] = field(default_factory=list)
    published: str | None = None  # ISO date, YYYY-MM-DD
    updated: str | None = None
    abstract: str | None = None
    license: str | None = None  # the licence's URL (arXiv's OAI-PMH record), "none", or "unknown"
    source_url: str | None = None  # the e-print (LaTeX source), as ``arxiv.Result.source_url()`` gives it

    @property
    def versioned_id(self) -> str | None:
        return versioned_id(self.arxiv_id, self.version)


def page_at(page_starts: list[tuple[int, int]], offset: int) -> int:
    """The page of the character at ``offset``, given (offset, page) pairs in order; 0 if unknown."""
    if not page_starts:
        return 0
    i = max(bisect.bisect_right([o for o, _ in page_starts], offset) - 1, 0)
    return page_starts[i][1]


@dataclass
class Section:
    """One section of a paper's text.

    ``kind`` is a canonical name: abstract, introduction, related_work, background,
    method, experiments, results, discussion, limitations, conclusion,
    acknowledgements, references, appendix, front (before the first heading), or body
    (text under no known heading).
    ``page_starts`` lists (char_offset, page_number) pairs, in order: the text from
    each offset on comes from that 1-based page.
    """

    title: str
    kind: str
    text: str
    page_starts: list[tuple[int, int]] = field(default_factory=list)

    def page_at(self, offset: int) -> int:
        """The page that the character at ``offset`` came from."""
        return page_at(self.page_starts, offset)

    @property
    def first_page(self) -> int:
        return self.page_starts[0][1] if self.page_starts else 0

    @property
    def last_page(self) -> int:
        return self.page_starts[-1][1] if self.page_starts else 0


NOT_SUMMARISED = frozenset({"references", "acknowledgements"})


@dataclass
class Document:
    """A paper's cleaned text, split into sections, with where it came from."""

    sections: list[Section]
    page_count: int
    source_path: str
    sha256: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    unreadable_pages: list[int] = field(default_factory=list)
    text_from: Literal["pdf", "latex", "text"] = "pdf"  # what the text was read from
    text_note: str | None = None  # why: the source's failure, a setting, or why cites have no pages

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)

    @property
    def body(self) -> list[Section]:
        """The sections that are summarised: everything but references and acknowledgements.

        The front matter (title, authors, affiliations) is left out too, unless the paper has no
        Abstract heading: then its abstract is in there.
        """
        skip = NOT_SUMMARISED | ({"front"} if self.section("abstract") else set())
        return [s for s in self.sections if s.kind not in skip]


@dataclass
class Chunk:
    """A piece of one section, small enough to fit the model's context with the prompt."""

    index: int
    section: str  # the section's title
    kind: str  # the section's kind
    text: str
    first_page: int
    last_page: int
    n_tokens: int
    page_starts: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page)
    section_starts: list[tuple[int, str]] = field(default_factory=list)  # (offset in text, section title)

    def page_at(self, offset: int) -> int:
        return page_at(self.page_starts, offset) or self.first_page

    def section_at(self, offset: int) -> str:
        """The title of the (sub)section the character at ``offset`` is in."""
        i = bisect.bisect_right([o for o, _ in self.section_starts], offset) - 1
        return self.section_starts[i][1] if i >= 0 else self.section


@dataclass
class Summary:
    """What the model wrote: notes per chunk (map) and each blog section (reduce)."""

    notes: list[str]
    sections: dict[str, str]  # blog heading -> Markdown body, in blog order
    model: str
    prompt_hashes: dict[str, str]
    generated_tokens: int = 0
    quoted: int = 0  # sentences of the sections quoted from the paper
    written: int = 0  # sentences of the sections the model wrote (kept because the paper supports them)
    weak: int = 0  # of ``written``, those the paper only partly supports (kept flagged)
    # per blog section the model was asked for: {"proposed": sentences it wrote, "strong": kept and fully
    # supported, "weak": kept flagged}; what the generation policy learns a model's pass rate from
    attempts: dict[str, dict[str, int]] = field(default_factory=dict)


FigureKind = Literal["figure", "table"]


@dataclass
class Figure:
    """A captioned figure or table of the paper, where it is, and its picture when one was rendered.

    ``box`` is (x0, top, x1, bottom) in PDF points from the page's top-left corner: the float and its caption.
    ``image`` is the PNG's file name in its :class:`FigureSet`'s folder; None with ``problem`` saying why.
    """

    kind: FigureKind
    number: str  # as the paper prints it: "3", "A.1", "II"
    page: int
    caption: str
    box: tuple[float, float, float, float]
    full_width: bool = False
    image: str | None = None
    pixels: tuple[int, int] | None = None  # the PNG's width and height
    problem: str | None = None

    @property
    def label(self) -> str:
        """"Figure 3", "Table 2"."""
        return f"{self.kind.capitalize()} {self.number}"

    @property
    def slug(self) -> str:
        """"figure-3", "table-a-1": the picture's file name without ".png"."""
        return f"{self.kind}-" + "-".join(p for p in re.split(r"[^a-z0-9]+", self.number.lower()) if p)


@dataclass
class FigureSet:
    """A paper's figures and tables, the folder that holds their pictures, and the pages that could not be read."""

    figures: list[Figure] = field(default_factory=list)
    folder: str | None = None
    failed_pages: list[tuple[int, str]] = field(default_factory=list)  # (page, why) for pages whose figures were lost
    seconds: float = 0.0

    def get(self, label: str) -> Figure | None:
        return next((f for f in self.figures if f.label == label), None)


@dataclass
class FigurePlan:
    """Which figures a draft shows under which blog heading, and the rest, offered to the author."""

    embedded: dict[str, list[Figure]] = field(default_factory=dict)
    others: list[Figure] = field(default_factory=list)
    figures: FigureSet = field(default_factory=FigureSet)  # all of them, and where their pictures are

    @property
    def count(self) -> int:
        return len(self.figures.figures)


@dataclass
class DraftResult:
    """What ``draft_one`` did: the file, and whether it was written."""

    path: str
    status: Literal["written", "merged", "unchanged"]
    meta: PaperMeta
    backup: str | None = None
    updated: list[str] = field(default_factory=list)  # sections written anew
    kept: list[str] = field(default_factory=list)  # sections the author edited, kept as they were
    figures: int = 0  # the paper's figures and tables found, pictures beside the draft


@dataclass(frozen=True)
class Passage:
    """One sentence of a paper, for the language server's hover: its page (0: unknown) and its cite as drafts
    write it."""

    text: str
    page: int
    cite: str
