"""The language server's wiring: pygls features for drafts, over stdio.

- open: diagnostics at once; the draft's paper is loaded from the cache (for hovers) in the paper process
  (:mod:`pipeline.lsp.paper`) once the author stops typing for ``HEAD_START_IDLE_SECONDS``;
- change: diagnostics again, debounced: at once after a pause, else once a burst of changes stops;
- hover, code actions (in a thread: they may load the paper), document symbols, and the two commands.

The settings (``critique_min_words``, the cache, the drafts folder) are read once, when the server starts.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from pipeline import __version__
from pipeline.config import Settings
from pipeline.draftfile.parse import DraftFile, parse_draft
from pipeline.lsp import commands
from pipeline.lsp.diagnostics import diagnose, is_draft
from pipeline.lsp.paper import Papers
from pipeline.lsp.positions import Lines
from pipeline.lsp.symbols import document_symbols

log = logging.getLogger("pipeline.lsp")

DEBOUNCE_SECONDS = 0.01  # a change is checked once none has followed it for this long: a burst is checked once
MAX_WAIT_SECONDS = 0.05  # ...but changes that never pause (a program's) are checked at least this often
# The paper is loaded for hovers once the draft has had no change for this long. Loading imports scikit-learn
# and indexes the paper (1-2 s of a core, in the paper process): on a machine of one core, the checks it
# overlapped would take twice as long.
HEAD_START_IDLE_SECONDS = 0.5


class DraftServer(LanguageServer):
    """A pygls server that knows paperdraft's settings, the pending checks, and the open drafts' papers."""

    def __init__(self, settings: Settings):
        super().__init__("paperdraft", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = settings
        self.pending: dict[str, asyncio.Handle] = {}  # the check each document waits for
        self.waiting_since: dict[str, float] = {}  # the first change each pending check waits on (the loop's clock)
        self.drafts: set[str] = set()  # the open documents found to be drafts: they stay drafts while open
        self.head_starts: dict[str, asyncio.TimerHandle] = {}  # papers to load once their draft is idle
        self._papers = None
        self._papers_lock = threading.Lock()

    @property
    def papers(self) -> Papers:
        """The open drafts' papers, in the paper process, started on first use."""
        with self._papers_lock:  # the hover, the actions and the head start run in threads
            if self._papers is None:
                self._papers = Papers(self.settings)
            return self._papers

    def close_papers(self) -> None:
        with self._papers_lock:
            if self._papers is not None:
                self._papers.close()

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or "utf-16")

    def draft(self, uri: str) -> tuple[object, DraftFile, Lines]:
        """(the editor's document, the parsed draft, its Lines)."""
        document = self.workspace.get_text_document(uri)
        path = Path(document.path) if document.path else None
        return document, parse_draft(document.source, path), Lines(document.source, self.encoding)

    def is_draft(self, uri: str, doc: DraftFile) -> bool:
        return uri in self.drafts or is_draft(doc, Path(self.settings.drafts_dir))

    def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        self.waiting_since.pop(uri, None)
        document = self.workspace.get_text_document(uri)
        path = Path(document.path) if document.path else None
        draft, diagnostics = diagnose(document.source, path, self.settings.critique_min_words,
                                      Path(self.settings.drafts_dir), self.encoding, uri in self.drafts)
        if draft:
            self.drafts.add(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version))

    def schedule(self, uri: str) -> None:
        """Check after a change, once no other change has come for ``DEBOUNCE_SECONDS``: a keystroke is checked
        that much later, a burst of changes (a paste, a client sending each keystroke of a word) once, when it
        stops. Changes that never stop are checked once ``MAX_WAIT_SECONDS`` after the first of them."""
        if (handle := self.pending.pop(uri, None)) is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        first = self.waiting_since.setdefault(uri, loop.time())
        delay = min(DEBOUNCE_SECONDS, max(first + MAX_WAIT_SECONDS - loop.time(), 0.0))
        self.pending[uri] = loop.call_later(delay, self.publish, uri)

    def head_start(self, uri: str, delay: float = HEAD_START_IDLE_SECONDS) -> None:
        """Load the draft's paper in a thread once ``uri`` has had no change for ``delay`` (a change while it
        waits puts it off again; one already loading goes on)."""
        if (handle := self.head_starts.pop(uri, None)) is not None:
            handle.cancel()
        self.head_starts[uri] = asyncio.get_running_loop().call_later(delay, self._start_loading, uri)

    def _start_loading(self, uri: str) -> None:
        self.head_starts.pop(uri, None)
        self.thread_pool.submit(self.load_paper, uri)

    def load_paper(self, uri: str) -> None:
        """Have the paper process load the draft's paper ahead of the first hover (in a thread: finding a local
        file's paper hashes the file). A paper the cache does not hold costs nothing: the hover says so."""
        from pipeline import extraction_cache

        try:
            _, doc, _ = self.draft(uri)
            if self.is_draft(uri, doc):
                identity = extraction_cache.draft_identity(doc.front, doc.path)
                if identity and extraction_cache.cache_path(self.settings, identity).is_file():
                    self.papers.preload(identity)
        except Exception:  # only a head start: the hover loads it again, and says what went wrong
            log.exception("could not load the paper of %s", uri)


def build_server(settings: Settings) -> DraftServer:
    server = DraftServer(settings)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: DraftServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)
        ls.head_start(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: DraftServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)
        if params.text_document.uri in ls.head_starts:
            ls.head_start(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DraftServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        for waiting in (ls.pending, ls.head_starts):
            if (handle := waiting.pop(uri, None)) is not None:
                handle.cancel()
        ls.drafts.discard(uri)
        ls.waiting_since.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @server.thread()
    def hover(ls: DraftServer, params: types.HoverParams) -> types.Hover | None:
        from pipeline.lsp.evidence import hover as hover_text

        _, doc, lines = ls.draft(params.text_document.uri)
        if not ls.is_draft(params.text_document.uri, doc):
            return None
        found = hover_text(doc, lines.offset(params.position.line, params.position.character), ls.papers)
        if found is None:
            return None
        (l1, c1), (l2, c2) = lines.position(found.start), lines.position(found.end)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.markdown),
                           range=types.Range(types.Position(l1, c1), types.Position(l2, c2)))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    @server.thread()
    def code_action(ls: DraftServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        from pipeline.lsp.actions import code_actions

        _, doc, lines = ls.draft(params.text_document.uri)
        if not ls.is_draft(params.text_document.uri, doc):
            return None
        return code_actions(params.text_document.uri, doc, lines, params, ls.papers) or None

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls: DraftServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        _, doc, lines = ls.draft(params.text_document.uri)
        return document_symbols(doc, lines) if ls.is_draft(params.text_document.uri, doc) else []

    @server.command(commands.OPEN_PAPER)
    def open_paper(ls: DraftServer, url: str) -> None:
        ls.window_show_document(commands.open_paper(url))

    @server.command(commands.JUMP_TO_CRITIQUE)
    def jump_to_critique(ls: DraftServer, uri: str, line: int, character: int) -> None:
        ls.window_show_document(commands.jump_to_critique(uri, line, character))

    return server


def serve(settings: Settings) -> None:
    """Serve over stdin and stdout until the editor says exit."""
    logging.basicConfig(level=logging.WARNING, format="paperdraft lsp: %(levelname)s %(message)s")
    server = build_server(settings)
    # Everything imported so far lives as long as the server: move it out of the collector's reach, so that a
    # full collection (which the checks' many small objects trigger) walks only what a check made. Without
    # this, one check in ten took twice as long (bench_lsp).
    gc.freeze()
    try:
        server.start_io()
    finally:
        server.close_papers()
