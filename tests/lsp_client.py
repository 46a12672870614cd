"""A real LSP client (pytest-lsp's, on pygls) talking to ``paperdraft lsp`` started as a subprocess over stdio."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any, AsyncIterator, Union

from lsprotocol import types
from pytest_lsp import LanguageClient, make_test_lsp_client

WAIT = 60.0  # seconds for any one answer: the machine is shared; a hang still fails the test
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


def _command_or_action(obj: Any, _: type) -> types.Command | types.CodeAction:
    """lsprotocol (2025.0.0) reads any code action with a ``command`` as a bare Command, losing the action; a
    Command's ``command`` is a string, a CodeAction's an object."""
    converter = _command_or_action.converter
    if isinstance(obj.get("command"), str):
        return converter.structure(obj, types.Command)
    return converter.structure(obj, types.CodeAction)


@contextlib.asynccontextmanager
async def lsp_server(encodings: list[str] | None = None, *args: str) -> AsyncIterator[LanguageClient]:
    """The server, initialised, as ``python -m pipeline.cli lsp [args]`` (this checkout; the test's environment)."""
    client = make_test_lsp_client()
    _command_or_action.converter = client.protocol._converter
    client.protocol._converter.register_structure_hook(Union[types.Command, types.CodeAction], _command_or_action)
    await client.start_io(sys.executable, "-m", "pipeline.cli", "lsp", *args)
    general = types.GeneralClientCapabilities(position_encodings=encodings) if encodings else None
    capabilities = types.ClientCapabilities(
        general=general,
        window=types.WindowClientCapabilities(show_document=types.ShowDocumentClientCapabilities(support=True)),
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            document_symbol=types.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=True)))
    await asyncio.wait_for(client.initialize_session(types.InitializeParams(capabilities=capabilities)), WAIT)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), WAIT)
        await client.stop()


async def diagnostics_for(client: LanguageClient, uri: str, version: int, send) -> list[types.Diagnostic]:
    """Call ``send()`` and return the diagnostics the server publishes for ``uri`` at ``version``."""
    waiting = client.protocol.wait_for_notification_async(PUBLISH)
    send()
    while True:
        params = await asyncio.wait_for(waiting, WAIT)
        if params.uri == uri and params.version == version:
            return list(params.diagnostics)
        waiting = client.protocol.wait_for_notification_async(PUBLISH)


async def open_draft(client: LanguageClient, path: Path, text: str | None = None) -> tuple[str, list[types.Diagnostic]]:
    uri = path.resolve().as_uri()
    text = path.read_text(encoding="utf-8") if text is None else text
    item = types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=text)
    found = await diagnostics_for(client, uri, 1, lambda: client.text_document_did_open(
        types.DidOpenTextDocumentParams(text_document=item)))
    return uri, found


def change(client: LanguageClient, uri: str, version: int, edits: list[tuple[types.Range, str]]) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(range=r, text=t) for r, t in edits]))


def replace_all(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def position_of(text: str, needle: str, nth: int = 0) -> types.Position:
    """The LSP position (UTF-16) of the nth ``needle`` in ``text``, found here, apart from the server's code."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    before = text[text.rfind("\n", 0, at) + 1 : at]
    return types.Position(line, len(before.encode("utf-16-le")) // 2)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """A client applying a workspace edit's text edits (UTF-16 positions, last first)."""
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        start = sum(len(line) + 1 for line in lines[: p.line])
        units, i, line = p.character, 0, lines[p.line]
        while units > 0:
            units -= 2 if ord(line[i]) > 0xFFFF else 1
            i += 1
        return start + i

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text
