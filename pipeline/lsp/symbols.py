"""The outline: one document symbol per ``## `` section of the draft, as the one parser cuts it (TL;DR … My
critique), and the front matter."""

from __future__ import annotations

from lsprotocol import types

from pipeline.draftfile.parse import DraftFile
from pipeline.lsp.positions import Lines


def _range(lines: Lines, a: int, b: int) -> types.Range:
    (l1, c1), (l2, c2) = lines.position(a), lines.position(b)
    return types.Range(types.Position(l1, c1), types.Position(l2, c2))


def document_symbols(doc: DraftFile, lines: Lines) -> list[types.DocumentSymbol]:
    symbols = []
    if doc.body_start and doc.front is not None:
        whole = _range(lines, 0, doc.body_start)
        symbols.append(types.DocumentSymbol(name="Front matter", kind=types.SymbolKind.Property, range=whole,
                                            selection_range=_range(lines, 0, 3)))
    for block in doc.sections:
        heading_end = max(block.at, block.start - 1)
        symbols.append(types.DocumentSymbol(
            name=block.heading, kind=types.SymbolKind.String, range=_range(lines, block.at, max(block.end, heading_end)),
            selection_range=_range(lines, block.at, heading_end)))
    return symbols
