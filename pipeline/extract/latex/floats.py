"""Figures and tables of the source: each float's ``\\includegraphics`` files, ``\\caption`` and ``\\label``.

A float's text is not prose: only these are taken from it. A file is found as graphicx finds it: relative
to the main file's folder or a ``\\graphicspath`` folder, with the name as written or with the extensions
pdfLaTeX tries. Subfigures (``subfigure``, ``subtable``, ``\\subfloat``) add their captions and are
labelled "3a", "3b". A float is numbered only when it has a caption, as in LaTeX.
"""

from __future__ import annotations

import re
from pathlib import Path

from pylatexenc.latexwalker import LatexEnvironmentNode, LatexMacroNode

from pipeline.extract.latex.numbering import Numbering, Target
from pipeline.extract.latex.records import SourceFigure
from pipeline.extract.latex.tables import TABULARS, markdown_table
from pipeline.extract.latex.walker import (
    argument_source,
    arguments,
    last_argument,
)

FLOAT_KINDS = {"figure": "figure", "wrapfigure": "figure", "SCfigure": "figure", "sidewaysfigure": "figure",
               "table": "table", "wraptable": "table", "sidewaystable": "table", "algorithm": "algorithm"}
SUBFLOATS = {"subfigure", "subtable"}
GRAPHIC_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".eps", ".ps", ".PDF", ".PNG", ".JPG", ".JPEG", ".EPS")
CAPTIONS = {"caption", "captionof"}
SUBCAPTIONS = {"subcaption"}


def float_kind(environment: str) -> str | None:
    """"figure" for figure, figure*, wrapfigure …; "table", "algorithm"; None for anything else."""
    return FLOAT_KINDS.get(environment.rstrip("*"))


class GraphicsFinder:
    """Finds ``\\includegraphics`` names in the tree."""

    def __init__(self, root: Path, main_dir: Path, graphics_paths: list[str]):
        self.root = root.resolve()
        self.folders = [self.root / main_dir] + [self.root / main_dir / p for p in graphics_paths]

    def find(self, name: str) -> str | None:
        """The file ``name`` means, relative to the tree's root, or None."""
        name = name.strip().strip('"')
        if not name or name.startswith("/") or "://" in name:
            return None
        for folder in self.folders:
            for candidate in [name] + [name + ext for ext in GRAPHIC_EXTENSIONS]:
                path = (folder / candidate).resolve()
                if path.is_relative_to(self.root) and path.is_file():
                    return path.relative_to(self.root).as_posix()
        return None


def graphics_paths(preamble: str) -> list[str]:
    """The folders of ``\\graphicspath{{figs/}{img/}}``."""
    m = re.search(r"\\graphicspath\s*\{((?:\s*\{[^{}]*\})+)\s*\}", preamble)
    return re.findall(r"\{([^{}]*)\}", m.group(1)) if m else []


def scan_float(node, writer, graphics: GraphicsFinder, numbering: Numbering, section: str | None) -> SourceFigure:
    """The float ``node`` as a record; its labels are registered with ``writer`` (a ProseWriter)."""
    kind = float_kind(node.environmentname) or "figure"
    number = numbering.next(kind) if _has_caption(node.nodelist) else None
    scan = _FloatScan(SourceFigure(kind=kind, label=None, caption=None, number=number, section=section),
                      writer, graphics)
    scan.visit(node.nodelist, Target(kind, number) if number else writer.current_target(), in_sub=False)
    return scan.figure


def bare_graphic(node, graphics: GraphicsFinder, section: str | None) -> SourceFigure:
    """An ``\\includegraphics`` outside any float: a figure without caption or number."""
    figure = SourceFigure(kind="figure", label=None, caption=None, section=section)
    _add_file(figure, node, graphics)
    return figure


def _has_caption(nodes) -> bool:
    """Whether the float has a caption of its own (not only its subfigures')."""
    for node in nodes or []:
        if node is None:
            continue
        if node.isNodeType(LatexMacroNode) and node.macroname in CAPTIONS:
            return True
        if node.isNodeType(LatexEnvironmentNode) and node.environmentname.rstrip("*") in SUBFLOATS:
            continue
        if _has_caption(getattr(node, "nodelist", None)) or _has_caption(
                [a for a in arguments(node) if a is not None and not (
                    node.isNodeType(LatexMacroNode) and node.macroname == "subfloat")]):
            return True
    return False


def _add_file(figure: SourceFigure, node, graphics: GraphicsFinder) -> None:
    name = argument_source(last_argument(node)).strip()
    found = graphics.find(name)
    if found:
        figure.files.append(found)
    elif name:
        figure.missing.append(name)


class _FloatScan:
    """One walk over a float's nodes for graphics, captions, labels and subfigures."""

    def __init__(self, figure: SourceFigure, writer, graphics: GraphicsFinder):
        self.figure, self.writer, self.graphics = figure, writer, graphics
        self.subfigures = 0

    def visit(self, nodes, target: Target, in_sub: bool) -> None:
        for node in nodes or []:
            if node is None:
                continue
            if node.isNodeType(LatexMacroNode):
                name = node.macroname
                if name == "includegraphics":
                    _add_file(self.figure, node, self.graphics)
                elif name in CAPTIONS | SUBCAPTIONS:
                    self.caption(node, target, in_sub or name in SUBCAPTIONS)
                elif name == "label":
                    key = argument_source(last_argument(node)).strip()
                    if not in_sub:
                        self.figure.label = self.figure.label or key
                    self.writer.label(key, target)
                elif name == "subfloat":  # \subfloat[caption]{content}
                    args = arguments(node)
                    self.subfigure(args[-1:], next((a for a in args[:-1] if a is not None), None), target)
                else:
                    self.visit(arguments(node), target, in_sub)
            elif node.isNodeType(LatexEnvironmentNode) and node.environmentname.rstrip("*") in SUBFLOATS:
                self.subfigure(node.nodelist, None, target)
            elif node.isNodeType(LatexEnvironmentNode) and node.environmentname in TABULARS:
                if self.figure.table is None:
                    with self.writer.target(target):
                        self.figure.table = markdown_table(node, self.writer.inline)
                self.visit(node.nodelist, target, in_sub)  # graphics and labels inside a tabular are the float's
            else:
                self.visit(getattr(node, "nodelist", None), target, in_sub)

    def subfigure(self, nodes, caption, target: Target) -> None:
        letter = "abcdefghijklmnopqrstuvwxyz"[self.subfigures % 26]
        self.subfigures += 1
        sub_target = Target(self.figure.kind, f"{self.figure.number}{letter}") if self.figure.number else target
        if caption is not None:
            self.subcaption(caption, sub_target)
        self.visit(nodes, sub_target, in_sub=True)

    def caption(self, node, target: Target, is_sub: bool) -> None:
        if is_sub:
            self.subcaption(last_argument(node), target)
            return
        with self.writer.target(target):
            text = self.writer.inline([last_argument(node)])
        if self.figure.caption is None:
            self.figure.caption = text

    def subcaption(self, arg, target: Target) -> None:
        with self.writer.target(target):
            text = self.writer.inline([arg])
        if text:
            self.figure.subcaptions.append(text)
