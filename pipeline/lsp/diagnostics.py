"""``check``'s findings as LSP diagnostics: the same parser and the same checks as ``paperdraft check``.

Nothing here decides what is wrong with a draft; :func:`pipeline.author.check.check_draft` does, and each
Finding says where its text starts and ends and which rule made it. This module only maps those to the
editor's positions and severities. A draft so broken that check itself fails still gets a diagnostic
(and the server a log line), never a crash.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types

from pipeline.author.check import Finding, check_draft
from pipeline.draftfile.format import CRITIQUE_HEADING, FOOTER_START
from pipeline.draftfile.parse import DraftFile, parse_draft
from pipeline.lsp.positions import Lines

log = logging.getLogger("pipeline.lsp")

SOURCE = "paperdraft"
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "note": types.DiagnosticSeverity.Information}
# What makes a Markdown file a draft, when it is not in the drafts folder: paperdraft's front matter keys, its
# critique heading or its footer. Any other Markdown file the editor opens gets no diagnostics.
DRAFT_KEYS = ("content_hash", "prompt_hashes", "section_hashes")


def is_draft(doc: DraftFile, drafts_dir: Path | None = None) -> bool:
    """Is this a paperdraft draft (one ``check`` should judge), broken or not?"""
    if doc.path is not None and drafts_dir is not None:
        try:
            if doc.path.resolve().is_relative_to(Path(drafts_dir).resolve()):
                return True
        except OSError:
            pass
    if doc.front and any(key in doc.front for key in DRAFT_KEYS):
        return True
    return CRITIQUE_HEADING in doc.text or FOOTER_START.search(doc.text) is not None


def to_range(lines: Lines, finding: Finding) -> types.Range:
    """The finding's span; at least one character where its line has one (check gives a start and an end)."""
    end_line, end_col = (finding.end_line, finding.end_col) if finding.end_line else (finding.line, finding.col)
    if (end_line, end_col) <= (finding.line, finding.col):
        end_line, end_col = finding.line, min(finding.col + 1, len(lines.line_text(finding.line - 1)) + 1)
    (l1, c1), (l2, c2) = lines.lsp(finding.line, finding.col), lines.lsp(end_line, end_col)
    return types.Range(types.Position(l1, c1), types.Position(l2, c2))


def to_diagnostic(lines: Lines, finding: Finding) -> types.Diagnostic:
    return types.Diagnostic(range=to_range(lines, finding), message=finding.message,
                            severity=SEVERITY[finding.severity], source=SOURCE, code=finding.rule or None)


def findings(source: str, path: Path | None, min_words: int) -> tuple[DraftFile, list[Finding]]:
    doc = parse_draft(source, path)
    return doc, check_draft(doc, min_words)


def diagnose(source: str, path: Path | None, min_words: int, drafts_dir: Path | None = None,
             encoding: str = "utf-16", known: bool = False) -> tuple[bool, list[types.Diagnostic]]:
    """(is it a draft, its diagnostics) for the editor's text ``source`` of the file at ``path``. A file
    ``known`` to be a draft stays one, however much of it the author deletes."""
    lines = Lines(source, encoding)
    try:
        doc, found = findings(source, path, min_words)
        if not (known or is_draft(doc, drafts_dir)):
            return False, []
        return True, [to_diagnostic(lines, f) for f in found]
    except Exception as exc:  # a bug in check must cost a diagnostic, not the author's editor session
        log.exception("check failed on %s", path)
        return known, [types.Diagnostic(range=types.Range(types.Position(0, 0), types.Position(0, 0)), source=SOURCE,
                                 severity=types.DiagnosticSeverity.Error, code="internal",
                                 message=f"paperdraft could not check this draft ({type(exc).__name__}: {exc}); "
                                         "please report it")]
