"""The environments of the prose stage: math, lists, floats, the abstract, the bibliography, theorems.

:class:`EnvironmentWriter` is the half of :class:`~pipeline.extract.latex.prose.ProseWriter` that handles a
``\\begin{…}``; it uses the writer's own state and methods (``_emit``, ``_block``, ``nodes``, ``inline``).
"""

from __future__ import annotations

from pylatexenc.latexwalker import LatexMacroNode

from pipeline.extract.latex import floats
from pipeline.extract.latex.bibliography import bibitems
from pipeline.extract.latex.commands import ACKNOWLEDGEMENTS, DROPPED_ENVIRONMENTS, LISTS
from pipeline.extract.latex.math import MATH_ENVIRONMENTS, math_environment
from pipeline.extract.latex.numbering import LEVELS, Target
from pipeline.extract.latex.records import ProseBlock
from pipeline.extract.latex.walker import arguments


class EnvironmentWriter:
    """``\\begin{name}…\\end{name}``, by what the environment is."""

    def environment(self, node) -> None:
        name = node.environmentname
        base = name.rstrip("*")
        if name in MATH_ENVIRONMENTS:
            self._emit(math_environment(node, lambda: self.numbering.next("equation"), self.label))
        elif base in LISTS:
            self.list(node, LISTS[base])
        elif floats.float_kind(name):
            figure = floats.scan_float(node, self, self.graphics, self.numbering, self.section_title)
            self.figures.append(figure)
            if figure.table and not self._captures:  # its numbers are the paper's text, for the number check
                label = f"{figure.kind.capitalize()} {figure.number}: " if figure.number else ""
                self._block(ProseBlock("text", f"{label}{figure.caption or ''}\n\n{figure.table}".strip()))
        elif name == "abstract":
            if self._captures:
                self.nodes(node.nodelist)
                return
            self._block(ProseBlock("abstract", self.abstract_name))
            self.nodes(node.nodelist)
            self._block(ProseBlock("end-abstract", self.abstract_name))
        elif name == "thebibliography":
            self._block(ProseBlock("references", references=bibitems(node.nodelist, self.inline)))
        elif base in ACKNOWLEDGEMENTS:
            self._block(ProseBlock("heading", "Acknowledgements", level=LEVELS["section"]))
            self.nodes(node.nodelist)
        elif name in DROPPED_ENVIRONMENTS:
            return
        elif base in self.theorems or base == "proof":
            self.theorem(node, base)
        else:
            self.nodes(node.nodelist)

    def list(self, node, style: str) -> None:
        """One line per item: "- text", "1. text" or "term: text"; a list inside an item is indented."""
        items: list[tuple[str | None, list]] = []
        for child in node.nodelist or []:
            if child is not None and child.isNodeType(LatexMacroNode) and child.macroname == "item":
                option = arguments(child)[0] if arguments(child) else None
                items.append((self.inline([option]) if option is not None else None, []))
            elif items:
                items[-1][1].append(child)
        lines = []
        for n, (term, content) in enumerate(items, 1):
            with self.target(Target("item", term or str(n))):
                text = self.inline(content, notes=True)
            if style == ":":
                lines.append(f"{term}: {text}" if term else text)
            elif term is not None:  # \item[(a)], or \item[$+$] for a pro
                lines.append(f"{term} {text}")
            else:
                lines.append(f"{n}. {text}" if style == "1." else f"- {text}")
        if not lines:
            return
        if self._captures:
            self._emit(" " + "; ".join(lines) + " ")
        else:
            self._block(ProseBlock("list", "\n".join(lines)))

    def theorem(self, node, base: str) -> None:
        title = "Proof" if base == "proof" else self.theorems[base]
        numbered = base != "proof" and not node.environmentname.endswith("*")
        number = self.numbering.next(base) if numbered else None
        args = [a for a in arguments(node) if a is not None]
        note = self.inline(args[:1]) if args else ""
        if base == "proof" and note:  # \begin{proof}[Proof of Theorem 1]
            title, note = note, ""
        self.end_paragraph()
        self._emit(f"{title}{' ' + number if number else ''}{f' ({note})' if note else ''}. ")
        with self.target(Target(title, number)):
            self.nodes(node.nodelist)
        self.end_paragraph()
