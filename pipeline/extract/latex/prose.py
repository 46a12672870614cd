"""pylatexenc nodes -> readable prose blocks: headings, paragraphs, lists, the abstract and references.

``\\cite`` and ``\\ref`` become placeholders here, filled in by the document stage once every label and
citation is known ("[12]", "Table 2", "§3.2"); ``\\label`` leaves no text; a ``\\footnote`` is moved out of
its sentence to a paragraph of its own after the one it sits in; formatting commands are unwrapped; lists
become one line per item; theorems start "Theorem 2." Math stays LaTeX (see :mod:`.math`). Floats are
handed to :mod:`.floats`. Commands nobody handles lose their name and keep their text, or become the
character pylatexenc knows for them ("\\S" -> "§", "\\'e" -> "é").
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexEnvironmentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexSpecialsNode,
)

from pipeline.extract.latex import floats
from pipeline.extract.latex.commands import (
    CITES,
    NOTHING,
    REFS,
    SILENT,
    SPACES,
    SYMBOLS,
    THEOREM_NAMES,
    UNWRAP,
)
from pipeline.extract.latex.environments import EnvironmentWriter
from pipeline.extract.latex.math import (
    display_math,
    inline_math,
)
from pipeline.extract.latex.numbering import LEVELS, Numbering, Target
from pipeline.extract.latex.records import ProseBlock, SourceFigure
from pipeline.extract.latex.text_cleanup import clean_text, typographic
from pipeline.extract.latex.walker import (
    argument_source,
    arguments,
    is_starred,
    last_argument,
)

# Placeholders (private-use characters) for what only the whole document can resolve.
REF_OPEN, CITE_OPEN, FIELD, CLOSE = "\ue000", "\ue003", "\ue001", "\ue002"
PLACEHOLDER = re.compile("([\ue000\ue003])([^\ue001]*)\ue001([^\ue002]*)\ue002")

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def _renames(node, name: str) -> bool:
    """Whether a ``\\renewcommand`` node redefines ``\\name``."""
    args = arguments(node)
    return len(args) > 1 and argument_source(args[1]).strip() == f"\\{name}"


class ProseWriter(EnvironmentWriter):
    """Turns one document's body nodes into :class:`ProseBlock`s, collecting floats, labels and cites."""

    def __init__(self, numbering: Numbering, theorems: dict[str, str], graphics: floats.GraphicsFinder):
        self.numbering = numbering
        self.theorems = {**THEOREM_NAMES, **theorems}
        self.graphics = graphics
        self.blocks: list[ProseBlock] = []
        self.figures: list[SourceFigure] = []
        self.labels: dict[str, Target] = {}
        self.cited: list[str] = []  # every cited key, in order (the .bib entries are numbered by it)
        self.section_title: str | None = None
        self.abstract_name = "Abstract"
        self._paragraph: list[str] = []
        self._notes: list[str] = []
        self._captures: list[list[str]] = []  # inline conversions under way (titles, captions, items)
        self._targets: list[Target] = [Target("section", None)]
        self._l2t = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=False)

    # --- output -------------------------------------------------------------------------------------------

    def write(self, nodes) -> list[ProseBlock]:
        self.nodes(nodes)
        self.end_paragraph()
        return self.blocks

    def inline(self, nodes, notes: bool = False) -> str:
        """The text of ``nodes`` as one line: paragraph breaks become spaces, footnotes are dropped."""
        self._captures.append([])
        held = self._notes
        self._notes = []
        try:
            self.nodes(nodes)
        finally:
            pieces = self._captures.pop()
            self._notes = held + (self._notes if notes else [])
        return clean_text("".join(pieces))

    def _emit(self, text: str) -> None:
        (self._captures[-1] if self._captures else self._paragraph).append(text)

    def end_paragraph(self) -> None:
        if self._captures:
            self._emit(" ")
            return
        text = clean_text("".join(self._paragraph))
        self._paragraph = []
        if text:
            self.blocks.append(ProseBlock("text", text))
        for note in self._notes:
            self.blocks.append(ProseBlock("text", note))
        self._notes = []

    def _block(self, block: ProseBlock) -> None:
        self.end_paragraph()
        self.blocks.append(block)

    def label(self, key: str, target: Target | None = None) -> None:
        if key:
            self.labels.setdefault(key, target or self._targets[-1])

    def current_target(self) -> Target:
        """What a ``\\label`` here would name."""
        return self._targets[-1]

    @contextmanager
    def target(self, target: Target):
        """Labels inside name ``target``."""
        self._targets.append(target)
        try:
            yield
        finally:
            self._targets.pop()

    # --- nodes --------------------------------------------------------------------------------------------

    def nodes(self, nodes) -> None:
        for node in nodes or []:
            if node is not None:
                self.node(node)

    def node(self, node) -> None:
        if node.isNodeType(LatexCharsNode):
            self.chars(node.chars)
        elif node.isNodeType(LatexGroupNode):
            self.nodes(node.nodelist)
        elif node.isNodeType(LatexMathNode):
            if node.displaytype == "display":
                self._emit(display_math("".join(n.latex_verbatim() for n in node.nodelist or [] if n)))
            else:
                self._emit(inline_math(node.nodelist))
        elif node.isNodeType(LatexMacroNode):
            self.macro(node)
        elif node.isNodeType(LatexEnvironmentNode):
            self.environment(node)
        elif node.isNodeType(LatexSpecialsNode):
            self.chars(node.specials_chars)

    def chars(self, text: str) -> None:
        parts = _PARAGRAPH_BREAK.split(text)
        for i, part in enumerate(parts):
            if i:
                self.end_paragraph()
            if part:
                self._emit(typographic(part))

    def macro(self, node) -> None:
        name = node.macroname
        if name in CITES:
            keys = [k.strip() for k in argument_source(last_argument(node)).split(",")]
            self.cited += [k for k in keys if k]
            self._emit(f"{CITE_OPEN}{name}{FIELD}{','.join(keys)}{CLOSE}")
        elif name in REFS:
            keys = argument_source(last_argument(node)).replace(" ", "")
            self._emit(f"{REF_OPEN}{REFS[name]}{FIELD}{keys}{CLOSE}")
        elif name == "label":
            self.label(argument_source(last_argument(node)).strip())
        elif name in LEVELS:
            self.heading(node)
        elif name in ("footnote", "footnotetext"):
            note = self.inline([last_argument(node)])  # (inline() swaps the notes list: append after it)
            self._notes.append(note)
        elif name in ("url",):
            self._emit(argument_source(last_argument(node)).strip())
        elif name == "href":
            args = [a for a in arguments(node) if a is not None]
            text = self.inline(args[-1:]) if args else ""
            self._emit(text or (argument_source(args[0]) if args else ""))
        elif name == "texorpdfstring":
            self.nodes([a for a in arguments(node) if a is not None][:1])
        elif name in UNWRAP:
            self.nodes([last_argument(node)])
        elif name == "ensuremath":
            self._emit(inline_math(getattr(last_argument(node), "nodelist", None) or [last_argument(node)]))
        elif name == "verb":
            argd = node.nodeargd
            self._emit(getattr(getattr(argd, "verbatim_chars_node", None), "chars", ""))
        elif name in ("\\", "newline", "linebreak", "and"):
            self._emit("\n")
        elif name == "par":
            self.end_paragraph()
        elif name == "appendix":
            self.numbering.start_appendix()
            self._block(ProseBlock("appendix"))
        elif name in ("bibliography", "printbibliography"):
            self._block(ProseBlock("references"))
        elif name == "includegraphics" and not self._captures:
            self.figures.append(floats.bare_graphic(node, self.graphics, self.section_title))
        elif name == "renewcommand" and _renames(node, "abstractname"):
            self.abstract_name = self.inline([last_argument(node)]) or "Abstract"
        elif name == "epigraph":
            args = [self.inline([a]) for a in arguments(node) if a is not None]
            self._block(ProseBlock("text", " — ".join(a for a in args if a)))
        elif name in ("caption", "bibitem", "item") or name in SILENT:
            return
        elif name in SPACES:
            self._emit(" ")
        elif name in NOTHING:
            return
        elif name == "onedot":
            self._emit(". " if node.macro_post_space else ".")
        elif name == "xspace":  # its whole point: the space a control word swallowed
            self._emit(" ")
        else:
            self._unknown(node)

    def _unknown(self, node) -> None:
        """A command nobody here knows: the character pylatexenc maps it to, else its arguments' text."""
        if node.macroname in SYMBOLS:
            self._emit(SYMBOLS[node.macroname])
            return
        args = [a for a in arguments(node) if a is not None]
        try:
            text = self._l2t.macro_node_to_text(node)
        except (IndexError, AttributeError, KeyError, TypeError, ValueError):  # gaps in pylatexenc's table
            text = None  # ("\href" without its text): fall back to the arguments
        if text is not None and (text.strip() or not args):
            self._emit(typographic(text))
        else:
            self.nodes(args)

    def heading(self, node) -> None:
        command = node.macroname
        starred = is_starred(node)
        if command in ("paragraph", "subparagraph"):  # a run-in heading: the paragraph's first words
            self.end_paragraph()
            title = self.inline([last_argument(node)])
            if title:
                self._emit(title if title[-1] in ".:?!" else f"{title}. ")
                self._emit(" ")
            return
        number = self.numbering.heading(command, starred)
        section = self._targets[0]
        if number:  # a starred heading leaves \label naming the last numbered one, as in LaTeX
            section = Target("chapter" if command == "chapter" else "section", number, appendix=self.numbering.appendix)
        self._targets[0] = section
        title = self.inline([last_argument(node)])
        self._targets[0] = Target(section.kind, section.number, title, section.appendix)
        self.section_title = f"{number} {title}" if number else title
        self._block(ProseBlock("heading", title, level=LEVELS[command], number=number))
