"""The server's commands, which code actions name, and what each asks the editor to show
(``window/showDocument``): the paper at a page (outside the editor), or the draft at its critique."""

from __future__ import annotations

from lsprotocol import types

OPEN_PAPER = "paperdraft.openPaper"  # arguments: [url]
JUMP_TO_CRITIQUE = "paperdraft.jumpToCritique"  # arguments: [uri, line, character]


def open_paper(url: str) -> types.ShowDocumentParams:
    return types.ShowDocumentParams(uri=url, external=True)


def jump_to_critique(uri: str, line: int, character: int) -> types.ShowDocumentParams:
    at = types.Position(line, character)
    return types.ShowDocumentParams(uri=uri, take_focus=True, selection=types.Range(at, at))
