"""A flattened LaTeX source -> the same :class:`~pipeline.records.Document` the PDF path makes, with its
figures beside it (a :class:`~pipeline.extract.latex.records.LatexDocument`).

The steps: user macros expanded (:mod:`.macros`); what never becomes prose taken out (TikZ, listings);
the body parsed (:mod:`.walker`) and written as prose blocks (:mod:`.prose`); title and authors read
(:mod:`.front`); every ``\\ref`` and ``\\cite`` filled in once all labels and entries are known
(:mod:`.numbering`, :mod:`.bibliography`); the blocks cut into sections at the headings, each with a kind
(:func:`pipeline.extract.sections.keyword_kind`), the abstract kind "abstract", the bibliography
"references", everything after ``\\appendix`` "appendix". The source has no pages: every section's
``page_starts`` is ``[(0, 0)]`` and ``page_count`` 0, so cites made from it name the section only
("§3.2"); matching sentences to the PDF's pages is the caller's (not done here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ExtractionError
from pipeline.extract.latex.bibliography import bib_references, render_citation
from pipeline.extract.latex.flatten import flatten_tree
from pipeline.extract.latex.floats import GraphicsFinder, graphics_paths
from pipeline.extract.latex.front import find_authors, find_title, front_region
from pipeline.extract.latex.macros import expand_user_macros
from pipeline.extract.latex.math import finish_math
from pipeline.extract.latex.numbering import LEVELS, Numbering, render_reference
from pipeline.extract.latex.prose import CITE_OPEN, PLACEHOLDER, ProseWriter
from pipeline.extract.latex.records import (
    FlatSource,
    LatexDocument,
    ProseBlock,
    Reference,
)
from pipeline.extract.latex.walker import parse
from pipeline.extract.sections import keyword_kind
from pipeline.hashing import sha256_text
from pipeline.records import Document, Section

NO_PAGES = [(0, 0)]  # the source has no pages: page 0 is "unknown" to pipeline.records.page_at
# As in pipeline.extract.sections: kinds that come late in a paper, and kinds a subsection keeps for itself.
LATE_KINDS = {"experiments", "results", "discussion", "conclusion", "references"}
OWN_KINDS = {"results", "limitations", "discussion", "related_work", "conclusion", "acknowledgements",
             "references", "appendix"}
_NOT_PROSE = re.compile(
    r"\\begin\{(tikzpicture|pgfpicture|lstlisting|verbatim\*?|Verbatim\*?|minted|filecontents\*?|algorithmic)\}"
    r".*?\\end\{\1\}", re.DOTALL)
_BROKEN_VERB = re.compile(r"\\verb\*?(?!([^A-Za-z\s*])[^\n]*?\1)")  # no closing delimiter on its line
_INCLUDEGRAPHICS = re.compile(r"\\includegraphics\s*(?:\[[^\]]*\])?\s*\{[^{}]*\}")
_DIMENSION = r"-?\s*[\d.]+\s*(?:pt|em|ex|cm|mm|in|bp|sp|pc|dd|mu)"
_SPACING = re.compile(rf"\\(?:vskip|hskip|kern|mkern|vspace\*?|hspace\*?)\s*{_DIMENSION}"
                      rf"(?:\s+plus\s*{_DIMENSION})?(?:\s+minus\s*{_DIMENSION})?")
_THEOREM = re.compile(r"\\newtheorem\*?\s*\{([^{}]+)\}\s*(?:\[[^\]]*\])?\s*\{([^{}]+)\}")
_BIB_FILES = re.compile(r"\\(?:bibliography|addbibresource)\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}")
_HAND_MADE_ABSTRACT = re.compile(r"^abstract\s*[.:—–-]?\s*", re.IGNORECASE)


def read_latex_tree(root: str | Path, main_file: str | None = None) -> LatexDocument:
    """Flatten the source tree at ``root`` and turn it into a LatexDocument."""
    return document_from_source(flatten_tree(root, main_file))


def document_from_source(flat: FlatSource) -> LatexDocument:
    """The LatexDocument of a flattened source (see the module's docstring)."""
    main_path = Path(flat.root) / flat.main_file
    text = expand_user_macros(flat.text, list(flat.packages.values()), source=str(main_path))
    preamble, body = _split_document(text)
    if not body.strip():
        raise ExtractionError(f"{main_path}: the document has no body", "draft from the PDF")
    body = _BROKEN_VERB.sub("", _SPACING.sub(" ", _NOT_PROSE.sub(_graphics_only, body)))
    graphics = GraphicsFinder(Path(flat.root), Path(flat.main_file).parent, graphics_paths(preamble))
    writer = ProseWriter(Numbering(chapters=_has_chapters(preamble, body)), _theorems(text), graphics)
    try:
        blocks = writer.write(parse(body, source=str(main_path)))
    except RecursionError as err:  # the nesting bound makes this unreachable for text pylatexenc parses
        raise ExtractionError(f"{main_path}: the LaTeX nests too deeply to convert", "draft from the PDF") from err

    def to_text(latex: str) -> str:
        return finish_math(writer.inline(parse(latex)))

    front = front_region(body)
    title = find_title(preamble, front, to_text)
    authors = find_authors(preamble, front, title, to_text)
    references = _references(blocks, writer.cited, flat, text, to_text)
    numbers = {ref.key: (n, ref) for n, ref in enumerate(references, 1)}
    resolver = _Resolver(writer.labels, numbers)
    sections, outline = _sections(blocks, references, resolver)
    for figure in writer.figures:
        figure.caption = resolver.finish(figure.caption) if figure.caption is not None else None
        figure.subcaptions = [resolver.finish(c) for c in figure.subcaptions]
        figure.table = resolver.finish(figure.table) if figure.table is not None else None
    document = Document(sections=sections, page_count=0, source_path=str(main_path), sha256=sha256_text(flat.text),
                        title=title, authors=authors, text_from="latex")
    return LatexDocument(document=document, figures=writer.figures, main_file=flat.main_file,
                         included=flat.included, missing=flat.missing, outline=outline,
                         unresolved=sorted(resolver.unresolved))


def _graphics_only(m: re.Match) -> str:
    """What is kept of a drawing or listing: the ``\\includegraphics`` in it (a TikZ node can hold one)."""
    return "\n" + " ".join(_INCLUDEGRAPHICS.findall(m.group())) + "\n"


def _split_document(text: str) -> tuple[str, str]:
    begin = re.search(r"\\begin\s*\{document\}", text)
    if not begin:
        return "", text
    end = re.search(r"\\end\s*\{document\}", text[begin.end():])
    return text[:begin.start()], text[begin.end():begin.end() + end.start() if end else len(text)]


def _has_chapters(preamble: str, body: str) -> bool:
    documentclass = re.search(r"\\document(?:class|style)\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}", preamble)
    return bool(re.search(r"\\chapter\*?\s*[\[{]", body)) or bool(
        documentclass and documentclass.group(1).strip() in ("book", "report", "memoir", "scrbook", "scrreprt"))


def _theorems(text: str) -> dict[str, str]:
    """Environment name -> printed name of each ``\\newtheorem``."""
    return {m.group(1).strip(): m.group(2).strip() for m in _THEOREM.finditer(text)}


def _references(blocks: list[ProseBlock], cited: list[str], flat: FlatSource, text: str, to_text) -> list[Reference]:
    """The entries: a ``thebibliography``'s (arXiv's .bbl), else the cited ones of the named .bib files."""
    for block in blocks:
        if block.kind == "references" and block.references:
            return block.references
    names = [n.strip() for m in _BIB_FILES.finditer(text) for n in m.group(1).split(",") if n.strip()]
    if not names or not cited:
        return []
    root = Path(flat.root)
    return bib_references(root, root / Path(flat.main_file).parent, names, cited, to_text)


@dataclass
class _Resolver:
    """Fills the ``\\ref`` and ``\\cite`` placeholders in, and turns math markers into $ and $$."""

    labels: dict
    numbers: dict
    unresolved: set[str] = field(default_factory=set)

    def finish(self, text: str) -> str:
        return finish_math(re.sub(r"(?<=\S) {2,}", " ", PLACEHOLDER.sub(self._fill, text)))

    def _fill(self, m: re.Match) -> str:
        kind, command, keys = m.group(1), m.group(2), [k for k in m.group(3).split(",") if k]
        if kind == CITE_OPEN:
            self.unresolved.update(f"\\cite{{{k}}}" for k in keys if k not in self.numbers)
            return render_citation(command, keys, self.numbers)
        self.unresolved.update(f"\\ref{{{k}}}" for k in keys if k not in self.labels)
        return ", ".join(render_reference(command, self.labels.get(k)) for k in keys)


@dataclass
class _Draft:
    title: str
    kind: str
    paragraphs: list[str] = field(default_factory=list)


def _sections(blocks: list[ProseBlock], references: list[Reference],
              resolver: _Resolver) -> tuple[list[Section], list[str]]:
    """Cut the blocks into sections at the headings, each with its kind; and the outline of all headings."""
    levels = [b.level for b in blocks if b.kind == "heading"]
    top = min(levels) if levels else LEVELS["section"]
    front = _Draft("Front matter", "front")
    drafts, outline = [front], []
    current, before_abstract = front, front
    stack: dict[int, str] = {}
    seen: set[str] = set()
    appendix = references_done = False
    for block in blocks:
        if block.kind == "heading":
            title = resolver.finish(block.text)
            depth = block.level - top + 1
            kind = _kind(title, depth, stack, seen, appendix or references_done)
            stack = {d: k for d, k in stack.items() if d < depth}
            stack[depth] = kind
            seen.add(kind)
            numbered = f"{block.number} {title}" if block.number else title
            outline.append(numbered)
            current = _Draft(numbered, kind)
            drafts.append(current)
        elif block.kind in ("text", "list"):
            current.paragraphs.append(resolver.finish(block.text))
        elif block.kind == "abstract":
            before_abstract = current
            own = keyword_kind(block.text)
            current = _Draft(block.text, own or "front")
            drafts.append(current)
        elif block.kind == "end-abstract":
            current = before_abstract
        elif block.kind == "appendix":
            appendix = True
        elif block.kind == "references" and not references_done:
            references_done = True
            outline.append("References")
            lines = [f"[{n}] {resolver.finish(ref.text)}" for n, ref in enumerate(references, 1)]
            drafts.append(_Draft("References", "references", lines))
            current = _Draft("Appendix", "appendix")  # text after the references under no heading
            drafts.append(current)
    _hand_made_abstract(drafts, front)
    sections = [Section(title=d.title, kind=d.kind, text="\n\n".join(p for p in d.paragraphs if p),
                        page_starts=list(NO_PAGES)) for d in drafts]
    return [s for s in sections if s.text], outline


def _kind(title: str, depth: int, stack: dict[int, str], seen: set[str], late: bool) -> str:
    """A heading's kind, as :func:`pipeline.extract.sections.split_sections` gives it: its own words, else
    its parent's; after ``\\appendix`` or the references everything is appendix (bar acknowledgements)."""
    own = keyword_kind(title)
    if late:
        return own if own in ("acknowledgements", "references") else "appendix"
    parents = [k for d, k in sorted(stack.items()) if d < depth]
    if not parents:
        return own or ("body" if seen & LATE_KINDS else "method")
    parent = parents[-1]
    if own in OWN_KINDS and parent not in ("appendix", "references"):
        return own
    return parent


def _hand_made_abstract(drafts: list[_Draft], front: _Draft) -> None:
    """A title page's "Abstract. …" paragraph (no abstract environment) becomes the abstract section."""
    if any(d.kind == "abstract" for d in drafts):
        return
    for i, paragraph in enumerate(front.paragraphs):
        m = _HAND_MADE_ABSTRACT.match(paragraph)
        if m and len(paragraph) > m.end():
            abstract = _Draft("Abstract", "abstract", [paragraph[m.end():]] + front.paragraphs[i + 1:])
            del front.paragraphs[i:]
            drafts.insert(drafts.index(front) + 1, abstract)
            return
