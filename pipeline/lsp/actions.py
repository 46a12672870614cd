"""Code actions: "I checked this claim" (removes that one flag), open the paper at the page, jump to the critique.

The flag removal is a workspace edit the editor applies (the server never writes the draft); its span is the
one ``check`` reports for that flag, with the space the pipeline put before it. Opening the paper and jumping
to the critique are commands the server answers with ``window/showDocument``.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from pipeline import extraction_cache
from pipeline.author.check import check_draft
from pipeline.draftfile.parse import DraftFile
from pipeline.lsp.commands import JUMP_TO_CRITIQUE, OPEN_PAPER
from pipeline.lsp.paper import Papers, paper_url
from pipeline.lsp.positions import Lines
from pipeline.lsp.targets import target_at

CHECKED = "I checked this claim: remove this unverified flag"


def flag_spans(doc: DraftFile, lines: Lines, start: int, end: int) -> list[tuple[int, int, int]]:
    """(flag start, what to delete from, to) of each flag ``check`` reports that touches ``[start, end]``."""
    spans = []
    for f in check_draft(doc, 0):
        if f.rule != "unverified":
            continue
        a, b = lines.from_line_col(f.line, f.col), lines.from_line_col(f.end_line, f.end_col)
        if not (a <= end and start <= b):
            continue
        text = doc.text
        if a > 0 and text[a - 1] == " ":  # the pipeline writes "sentence <!-- unverified: ... -->"
            spans.append((a, a - 1, b))
        elif b < len(text) and text[b] == " ":
            spans.append((a, a, b + 1))
        else:
            spans.append((a, a, b))
    return spans


def _range(lines: Lines, a: int, b: int) -> types.Range:
    (l1, c1), (l2, c2) = lines.position(a), lines.position(b)
    return types.Range(types.Position(l1, c1), types.Position(l2, c2))


def code_actions(uri: str, doc: DraftFile, lines: Lines, params: types.CodeActionParams,
                 papers: Papers | None) -> list[types.CodeAction]:
    start = lines.offset(params.range.start.line, params.range.start.character)
    end = lines.offset(params.range.end.line, params.range.end.character)
    actions = []
    for flag_at, a, b in flag_spans(doc, lines, start, end):
        flag_start = lines.position(flag_at)
        matching = [d for d in params.context.diagnostics
                    if d.code == "unverified" and (d.range.start.line, d.range.start.character) == flag_start]
        edit = types.WorkspaceEdit(changes={uri: [types.TextEdit(range=_range(lines, a, b), new_text="")]})
        actions.append(types.CodeAction(title=CHECKED, kind=types.CodeActionKind.QuickFix,
                                        diagnostics=matching or None, edit=edit, is_preferred=True))
    target = target_at(doc, start)
    identity = extraction_cache.draft_identity(doc.front, Path(doc.path) if doc.path else None)
    paper = papers.get(identity) if papers and identity else None
    page = target.page if target else 0
    url = paper_url(identity, paper.pdf() if paper else None, page)
    if url:
        title = f"Open the paper at p. {page}" if page else "Open the paper"
        actions.append(types.CodeAction(title=title, command=types.Command(title=title, command=OPEN_PAPER, arguments=[url])))
    critique = doc.critique
    if critique and not critique.at <= start < critique.start:
        line, character = lines.position(critique.at)
        title = "Jump to the critique"
        command = types.Command(title=title, command=JUMP_TO_CRITIQUE, arguments=[uri, line, character])
        actions.append(types.CodeAction(title=title, command=command))
    return actions
