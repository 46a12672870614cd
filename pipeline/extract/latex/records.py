"""The plain records that pass between the LaTeX modules and out to their callers.

Only JSON types inside (str, int, lists and dicts of them), like :mod:`pipeline.records`: no pylatexenc node
ever leaves :mod:`~pipeline.extract.latex.prose`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.records import Document


@dataclass
class FlatSource:
    """A source tree's main file with every reachable ``\\input``/``\\include``/``\\subfile`` spliced in.

    ``text`` has its comments (and ``\\iffalse`` blocks, ``comment`` environments) stripped; ``\\%`` and the
    insides of verbatim environments are kept. Paths are relative to ``root``, with ``/``.
    """

    text: str
    root: str  # the tree's folder, absolute
    main_file: str  # "main.tex", "paper/amor.tex"
    included: list[str] = field(default_factory=list)  # every file spliced in, in reading order, main first
    missing: list[str] = field(default_factory=list)  # "\input{name}: why" for each target not spliced in
    packages: dict[str, str] = field(default_factory=dict)  # local .sty files \usepackage'd: name -> stripped text


@dataclass
class SourceFigure:
    """One float (figure, table, algorithm) of the source, or a bare ``\\includegraphics`` outside any.

    ``files`` are the ``\\includegraphics`` targets found in the tree (relative paths, with the extension
    LaTeX would pick); ``missing`` are the names written that match no file. ``caption`` is prose (math as
    ``$…$``), None when the float has no ``\\caption``; ``number`` is what ``\\ref`` prints ("3", "2.1"),
    None without a caption, as in LaTeX.
    """

    kind: str  # "figure", "table" or "algorithm"
    label: str | None
    caption: str | None
    files: list[str] = field(default_factory=list)
    number: str | None = None
    missing: list[str] = field(default_factory=list)
    subcaptions: list[str] = field(default_factory=list)  # of its subfigures, in order
    section: str | None = None  # the title of the section it sits in
    table: str | None = None  # its first tabular as a Markdown table, when simple (:mod:`.tables`)


@dataclass
class LatexDocument:
    """What a source tree gives: the same Document the PDF path makes, and what only the source has.

    Every section's ``page_starts`` is ``[(0, 0)]``: the source has no pages, so cites made from it name
    the section only. ``outline`` lists every heading (numbered as LaTeX numbers it), also those left out
    of ``document.sections`` because no text sits directly under them.
    """

    document: Document
    figures: list[SourceFigure] = field(default_factory=list)
    main_file: str = ""
    included: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    outline: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # \ref labels and \cite keys nothing defines


@dataclass
class Reference:
    """One entry of the bibliography: from arXiv's ``.bbl`` (``\\bibitem``) or, without one, the ``.bib``."""

    key: str
    text: str  # as a reader sees it: "Vaswani, Shazeer et al. Attention is all you need. NeurIPS, 2017."
    authors: str | None = None  # for "\citet": "Vaswani et al."
    year: str | None = None


@dataclass
class ProseBlock:
    """One piece of the body, in reading order, as the prose stage hands it to the document stage.

    ``kind``: "heading" (``level`` as :data:`~pipeline.extract.latex.numbering.LEVELS`, ``number``),
    "text" (a paragraph), "list" (one line per item), "abstract" / "end-abstract" (``text`` the abstract's
    name), "appendix" (from here on), "references" (``references``: the entries, in order).
    """

    kind: str
    text: str = ""
    level: int = 0
    number: str | None = None
    references: list[Reference] = field(default_factory=list)
