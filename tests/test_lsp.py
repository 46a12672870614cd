"""``paperdraft lsp``: the real server, as a subprocess, driven over stdio by a real LSP client (pytest-lsp)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from lsprotocol import types

from pipeline.draftfile.format import CRITIQUE_HEADING, PLACEHOLDER, TODO_MARK
from tests.lsp_client import (
    apply_edits,
    change,
    diagnostics_for,
    lsp_server,
    open_draft,
    position_of,
    replace_all,
)
from tests.test_review import GOOD, SECTION_TEXT, make_draft

FLAG_A = "<!-- unverified: 28.4 not found in the paper -->"
FLAG_B = "<!-- unverified: weakly supported by the paper, check it against p. 8, §6.1 -->"


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def with_flags(tmp_path: Path, critique: str | None = GOOD) -> Path:
    results = (f"The big model reaches 28.4 {FLAG_A} BLEU on English-to-German (p. 8, §6.1). "
               f"Training took 3.5 days on eight GPUs (p. 8, §6.1). {FLAG_B}")
    return make_draft(tmp_path, critique, sections={**SECTION_TEXT, "Results": results})


@pytest.mark.asyncio
async def test_a_fresh_draft_has_the_placeholder_diagnostic_at_its_line(tmp_path: Path):
    path = make_draft(tmp_path)
    text = path.read_text()
    async with lsp_server() as client:
        _, found = await open_draft(client, path)
    placeholder = [d for d in found if d.code == "placeholder"]
    assert len(placeholder) == 1
    (diag,) = placeholder
    start = position_of(text, TODO_MARK)
    assert (diag.range.start.line, diag.range.start.character) == (start.line, start.character)
    assert diag.range.end.line == start.line and diag.range.end.character == start.character + len(PLACEHOLDER)
    assert diag.severity == types.DiagnosticSeverity.Error and diag.source == "paperdraft"
    short = [d for d in found if d.code == "short-critique"]
    assert [d.range.start.line for d in short] == [position_of(text, CRITIQUE_HEADING).line]
    # every untouched machine section is the warning check gives, at its heading
    untouched = [d for d in found if d.code == "untouched"]
    assert {d.range.start.line for d in untouched} == {position_of(text, f"## {h}\n").line for h in SECTION_TEXT}
    assert all(d.severity == types.DiagnosticSeverity.Warning for d in untouched)


@pytest.mark.asyncio
async def test_the_server_started_as_vscode_languageclient_starts_it_serves_the_same(tmp_path: Path):
    """vscode-languageclient's stdio transport adds ``--stdio`` to the command."""
    path = make_draft(tmp_path)
    async with lsp_server(None, "--stdio") as client:
        _, found = await open_draft(client, path)
    assert [d.range.start.line for d in found if d.code == "placeholder"] == [position_of(path.read_text(),
                                                                                          TODO_MARK).line]


@pytest.mark.asyncio
async def test_typing_a_critique_clears_its_diagnostics_once_it_is_long_enough(tmp_path: Path):
    path = make_draft(tmp_path)
    text = path.read_text()
    words = GOOD.split(" ")
    async with lsp_server() as client:
        uri, found = await open_draft(client, path)
        assert {"placeholder", "short-critique"} <= set(codes(found))
        start = position_of(text, PLACEHOLDER)
        end = types.Position(start.line, start.character + len(PLACEHOLDER))
        version = 2
        found = await diagnostics_for(client, uri, version, lambda: change(
            client, uri, version, [(types.Range(start, end), words[0])]))  # the placeholder gone, one word typed
        assert "placeholder" not in codes(found) and "short-critique" in codes(found)
        typed = words[0]
        for i in range(1, len(words), 10):  # the rest, ten words a change, as an editor sends keystrokes
            piece = " " + " ".join(words[i : i + 10])
            at = types.Position(start.line, start.character + len(typed))
            version += 1
            found = await diagnostics_for(client, uri, version, lambda: change(
                client, uri, version, [(types.Range(at, at), piece)]))
            typed += piece
            count = len(typed.split())
            assert ("short-critique" in codes(found)) == (count < 80), count
    assert typed == GOOD
    assert set(codes(found)) == {"untouched"}


@pytest.mark.asyncio
async def test_checked_this_claim_removes_exactly_one_flag_and_nothing_else(tmp_path: Path):
    path = with_flags(tmp_path)
    text = path.read_text()
    async with lsp_server() as client:
        uri, found = await open_draft(client, path)
        flags = [d for d in found if d.code == "unverified"]
        assert len(flags) == 2
        first = min(flags, key=lambda d: (d.range.start.line, d.range.start.character))
        assert first.range.start == position_of(text, FLAG_A)
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=first.range,
            context=types.CodeActionContext(diagnostics=[first])))
        (checked,) = [a for a in actions if a.title.startswith("I checked this claim")]
        assert list(checked.diagnostics) == [first] and checked.command is None  # an edit for the editor, no command
        (edits,) = checked.edit.changes.values()
        assert list(checked.edit.changes) == [uri]
        edited = apply_edits(text, edits)
        assert edited == text.replace(" " + FLAG_A, "", 1)  # that flag and the space before it, nothing else
        assert FLAG_B in edited
        assert path.read_text() == text  # the server never writes the draft
        after = await diagnostics_for(client, uri, 2, lambda: replace_all(client, uri, 2, edited))
    assert [d.range.start for d in after if d.code == "unverified"] == [position_of(edited, FLAG_B)]
    mine = lambda ds: [c for c in codes(ds) if c not in ("unverified", "untouched")]  # noqa: E731
    assert mine(after) == mine(found)  # nothing else changed (the Results section is now touched, so not untouched)


@pytest.mark.asyncio
async def test_a_broken_draft_gives_diagnostics_and_the_server_stays_up(tmp_path: Path):
    path = make_draft(tmp_path, GOOD)
    text = path.read_text()
    broken = [
        text.replace("---\n\n#", "\n\n#", 1),  # the front matter's closing '---' removed
        "---\ntitle: [unclosed\nstatus: draft\n---\n\n" + CRITIQUE_HEADING + "\n\n<!-- never closed\n",
        "---\n",
        "",
        "\ufeff---\r\ntitle: x\r\n---\r\n\r\n## My critique\r\n\r\n\ud83d\ude00 \x00 " + "#" * 5000 + "\n",
        "## My critique\n" + "```\n" * 7 + "<!--" * 50,
    ]
    async with lsp_server() as client:
        uri, found = await open_draft(client, path)
        doc = types.TextDocumentIdentifier(uri=uri)
        for version, text_now in enumerate(broken, 2):
            found = await diagnostics_for(client, uri, version, lambda: replace_all(client, uri, version, text_now))
            if text_now.strip():
                assert found and "internal" not in codes(found), (version, codes(found))
            for line in range(0, text_now.count("\n") + 2, 3):  # hovers and actions answer (None is an answer)
                at = types.Position(line, 1)
                await client.text_document_hover_async(types.HoverParams(text_document=doc, position=at))
                await client.text_document_code_action_async(types.CodeActionParams(
                    text_document=doc, range=types.Range(at, at), context=types.CodeActionContext(diagnostics=[])))
        assert "front-matter" in codes(await diagnostics_for(client, uri, 99, lambda: replace_all(client, uri, 99, broken[0])))
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri)))
        assert [s.name for s in symbols][-1] == "My critique"
        assert client._server.returncode is None  # still running


@pytest.mark.asyncio
async def test_the_outline_lists_the_sections_and_the_critique_is_one_action_away(tmp_path: Path):
    path = make_draft(tmp_path)
    text = path.read_text()
    async with lsp_server() as client:
        uri, _ = await open_draft(client, path)
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri)))
        assert [s.name for s in symbols] == ["Front matter", *SECTION_TEXT, "My critique"]
        for s in symbols[1:]:
            assert s.selection_range.start == position_of(text, f"## {s.name}\n")
        where = position_of(text, "## TL;DR")
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=types.Range(where, where),
            context=types.CodeActionContext(diagnostics=[])))
        (jump,) = [a for a in actions if a.title == "Jump to the critique"]
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=jump.command.command, arguments=jump.command.arguments))
        (shown,) = client.shown_documents
    assert shown.uri == uri and shown.selection.start == position_of(text, CRITIQUE_HEADING)


@pytest.mark.asyncio
async def test_a_paper_not_in_the_cache_is_said_so_on_hover_and_linked_at_its_page(tmp_path: Path):
    path = with_flags(tmp_path)
    text = path.read_text()
    async with lsp_server() as client:
        uri, _ = await open_draft(client, path)
        doc = types.TextDocumentIdentifier(uri=uri)
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=doc, position=position_of(text, "p. 8, §6.1)")))
        nothing = await client.text_document_hover_async(types.HoverParams(
            text_document=doc, position=position_of(text, "big model")))
        at = position_of(text, "(p. 8, §6.1)")
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=doc, range=types.Range(at, at), context=types.CodeActionContext(diagnostics=[])))
        (open_paper,) = [a for a in actions if a.title.startswith("Open the paper")]
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=open_paper.command.command, arguments=open_paper.command.arguments))
        (shown,) = client.shown_documents
    assert "not in paperdraft's cache" in hover.contents.value and "paperdraft draft 1706.03762v5" in hover.contents.value
    assert "https://arxiv.org/pdf/1706.03762v5#page=8" in hover.contents.value
    assert hover.range.start == at
    assert nothing is None
    assert open_paper.title == "Open the paper at p. 8"
    assert shown.uri == "https://arxiv.org/pdf/1706.03762v5#page=8" and shown.external


@pytest.mark.asyncio
async def test_positions_follow_the_encoding_the_client_asked_for(tmp_path: Path):
    path = make_draft(tmp_path, "Ünïcode 😀 first. " + GOOD + " TODO tidy up.")
    text = path.read_text()
    line = text.splitlines()[position_of(text, "TODO tidy").line]
    prefix = line[: line.index("TODO tidy")]
    for encoding, width in [("utf-8", len(prefix.encode("utf-8"))), ("utf-16", len(prefix.encode("utf-16-le")) // 2),
                            ("utf-32", len(prefix))]:
        async with lsp_server([encoding]) as client:
            _, found = await open_draft(client, path)
        (todo,) = [d for d in found if d.code == "todo"]
        assert todo.range.start.character == width, encoding
        assert todo.range.end.character == width + len("TODO"), encoding


def _page_words(pdf: Path) -> list[set[str]]:
    from pypdf import PdfReader

    return [set(re.findall(r"[a-z]{4,}", (page.extract_text() or "").lower())) for page in PdfReader(pdf).pages]


@pytest.mark.asyncio
async def test_a_hover_on_a_cite_shows_the_passage_of_a_corpus_paper_at_its_real_page(
        arxiv_server, tiny_model_dir: Path, tmp_path: Path):
    from pipeline import core
    from pipeline.config import load_settings
    from tests.conftest import corpus_file

    pdf = corpus_file("pdfs/1803.10963v2.pdf")
    settings = load_settings(model=str(tiny_model_dir), drafts_dir=tmp_path / "drafts")
    draft = Path(core.draft_one("1803.10963", settings).path)
    text = draft.read_text()
    quotes = re.findall(r"^> “(.+)” \((p\. (\d+)[^)]*)\)$", text, re.M)
    assert quotes, "the tiny model's draft quotes the paper"
    pages = _page_words(pdf)
    async with lsp_server() as client:
        uri, _ = await open_draft(client, draft)
        for quote, cite, page in quotes[:3]:
            line = position_of(text, f"“{quote}” ({cite})")
            on_cite = types.Position(line.line, line.character + len(f"“{quote}” (".encode("utf-16-le")) // 2)
            hover = await client.text_document_hover_async(types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=on_cite))
            value = hover.contents.value
            shown = re.search(r"^> (.+)$", value, re.M).group(1)
            assert f"**{cite}**" in value
            assert " ".join(quote.split()) == shown.replace("&lt;", "<")
            # the page the passage is on, read from the PDF itself with pypdf: the most of its words are there
            words = set(re.findall(r"[a-z]{4,}", shown.lower()))
            best = max(range(len(pages)), key=lambda i: len(words & pages[i]))
            assert best + 1 == int(page), (cite, shown)
            assert f"{pdf.name}#page={page}" in value or f"1803.10963v2.pdf#page={page}" in value
        # a flagged claim: the closest passages of the paper, each at the page the PDF has it on
        claim = "Attentive statistics pooling lowers the equal error rate on NIST SRE 2012 and VoxCeleb"
        flagged = text.replace("## The problem\n\n", f"## The problem\n\n{claim}. {FLAG_B}\n\n", 1)
        await diagnostics_for(client, uri, 2, lambda: replace_all(client, uri, 2, flagged))
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(flagged, FLAG_B)))
    passages = re.findall(r"^\d\. “(.+)” \((p\. (\d+)[^)]*)\)", hover.contents.value, re.M)
    assert hover.contents.value.startswith("**Unverified**") and 1 <= len(passages) <= 3
    for shown, cite, page in passages:
        words = set(re.findall(r"[a-z]{4,}", shown.lower()))
        assert max(range(len(pages)), key=lambda i: len(words & pages[i])) + 1 == int(page), (cite, shown)
    assert any({"nist", "voxceleb"} <= set(re.findall(r"[a-z]+", shown.lower())) for shown, _, _ in passages)


def test_drafting_keeps_the_extraction_and_a_draft_finds_it_by_its_front_matter(tmp_path: Path):
    from pipeline import extraction_cache
    from pipeline.config import load_settings
    from pipeline.records import Document, PaperMeta, Section

    settings = load_settings()
    doc = Document([Section("Abstract", "abstract", "We study things. They work.", [(0, 1), (17, 2)])], 2,
                   str(tmp_path / "paper.pdf"), "ab" * 32, "Title", ["A. Author"], [2])
    meta = PaperMeta(title="Title", arxiv_id="hep-th/9901001", version=3)
    assert extraction_cache.load(settings, "arXiv:hep-th/9901001v3") is None  # a miss, not an error
    stored = extraction_cache.store(settings, meta, doc)
    assert stored is not None and stored.parent == settings.cache / "extractions"
    identity = extraction_cache.draft_identity({"arxiv_id": "hep-th/9901001", "version": 3})
    assert identity == "arXiv:hep-th/9901001v3" and extraction_cache.load(settings, identity) == doc
    assert extraction_cache.load(settings, "arXiv:hep-th/9901001v2") is None  # another version is another paper
    # a local file: by its content, found as the front matter's source names it, beside the draft
    source = tmp_path / "paper.txt"
    source.write_text("We study things.")
    from pipeline.hashing import sha256_file

    local = Document(doc.sections, 1, str(source), sha256_file(source))
    extraction_cache.store(settings, None, local)
    draft = tmp_path / "drafts" / "paper.md"
    draft.parent.mkdir()
    found = extraction_cache.draft_identity({"source": "../paper.txt"}, draft)
    assert found == f"sha256:{local.sha256}" and extraction_cache.load(settings, found) == local
    assert extraction_cache.draft_identity({"source": "gone.txt"}, draft) is None
    stored.write_text("{not json")  # a damaged cache file is a miss
    assert extraction_cache.load(settings, identity) is None


def test_every_finding_of_check_has_a_rule_and_a_span(tmp_path: Path):
    """The diagnostics' codes and ranges come from check itself: every kind of finding must carry them."""
    from pipeline.author.check import RULES, check_file
    from pipeline.draftfile.format import QUOTE_NOTE

    copied = SECTION_TEXT["Key ideas"].split(". ")[0]
    path = with_flags(tmp_path, critique=None)
    text = path.read_text().replace("status: draft", "status: drafty").replace(
        PLACEHOLDER, f"{PLACEHOLDER}\n\nToo short. {copied}. TODO more.\n\n{QUOTE_NOTE}")
    path.write_text(text.replace("## TL;DR\n", "## TL;DR\n\nFIXME here\n\n" + QUOTE_NOTE + "\n", 1))
    found = check_file(path, 80)
    assert {f.rule for f in found} >= {"placeholder", "todo", "short-critique", "copied", "unverified", "quote-note",
                                       "untouched", "front-matter"}
    for f in found:
        assert f.rule in RULES and (f.end_line, f.end_col) > (f.line, f.col), f


@pytest.mark.asyncio
async def test_a_burst_of_changes_is_checked_once_it_stops_not_once_each(tmp_path: Path):
    path = make_draft(tmp_path)
    text = path.read_text()
    start = position_of(text, PLACEHOLDER)
    async with lsp_server() as client:
        uri, _ = await open_draft(client, path)
        waiting = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        for i in range(10):  # ten keystrokes sent at once, as a paste or a fast client sends them
            at = types.Position(start.line, start.character + i)
            change(client, uri, i + 2, [(types.Range(at, at), "x")])
        published = []
        while not published or published[-1] != 11:
            published.append((await asyncio.wait_for(waiting, 60)).version)
            waiting = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert len(published) < 10, published  # fewer checks than changes, the last one for the last version


@pytest.mark.asyncio
async def test_the_paper_is_loaded_for_hovers_only_once_the_author_stops_typing(tmp_path: Path):
    from pipeline.config import load_settings
    from pipeline.lsp.server import build_server

    server = build_server(load_settings())
    loaded: list[str] = []
    server.load_paper = loaded.append  # what the thread would run: imports scikit-learn, indexes the paper
    server.head_start("file:///draft.md", delay=0.1)
    for _ in range(4):  # a change every 50 ms puts the load off
        await asyncio.sleep(0.05)
        assert loaded == []
        server.head_start("file:///draft.md", delay=0.1)
    await asyncio.sleep(0.3)
    server.thread_pool.shutdown(wait=True)
    assert loaded == ["file:///draft.md"]  # once, after the pause
    assert server.head_starts == {}


def _live_children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` and that are not zombies (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except OSError:
                continue
            if int(parent) == pid and state != "Z":
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_paper_lives_in_a_process_of_its_own_started_again_if_it_dies_ended_with_the_server(tmp_path: Path):
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from pipeline import extraction_cache
    from pipeline.config import load_settings
    from pipeline.records import Document, Section
    from tests.test_review import META

    path = make_draft(tmp_path)
    sentence = "We propose attention alone for translation."
    doc = Document([Section("Abstract", "abstract", f"{sentence} It trains fast.", [(0, 1)])], 1,
                   str(tmp_path / "paper.pdf"), "ab" * 32)
    assert extraction_cache.store(load_settings(), META, doc) is not None
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "lsp"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)

    def send(message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        server.stdin.flush()

    def answer(id_: int) -> dict:
        while True:
            length = 0
            while (line := server.stdout.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(server.stdout.read(length))
            if message.get("id") == id_:
                return message

    try:
        send({"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}})
        answer(1)
        send({"method": "initialized", "params": {}})
        text = path.read_text().replace("## The problem\n\n", f"## The problem\n\n> “{sentence}” (p. 1, §Abstract)\n\n")
        send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": path.as_uri(), "languageId": "markdown", "version": 1, "text": text}}})
        at = position_of(text, "(p. 1, §Abstract)")
        send({"id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": path.as_uri()},
              "position": {"line": at.line, "character": at.character + 2}}})
        hover = answer(2)["result"]["contents"]["value"]
        assert f"> {sentence}" in hover  # the passage, from the paper process
        children = _live_children(server.pid)
        worker = [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
        assert len(worker) == 1, children
        assert "sklearn" in _maps(worker[0]) and "sklearn" not in _maps(server.pid)  # the checks never share it
        os.kill(worker[0], signal.SIGKILL)  # the paper process dies (out of memory, say): the next hover starts it again
        send({"id": 3, "method": "textDocument/hover", "params": {"textDocument": {"uri": path.as_uri()},
              "position": {"line": at.line, "character": at.character + 2}}})
        assert f"> {sentence}" in answer(3)["result"]["contents"]["value"]
        children = _live_children(server.pid)
        assert worker[0] not in children and any(b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
                                                 for c in children)
    finally:
        server.kill()
        server.wait()
    deadline = time.monotonic() + 15
    while (alive := [c for c in children if _running(c)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive == [], "the paper process outlived the killed server"


@pytest.mark.asyncio
async def test_changes_that_never_pause_are_still_checked_every_so_often():
    from pipeline.config import load_settings
    from pipeline.lsp.server import DEBOUNCE_SECONDS, MAX_WAIT_SECONDS, build_server

    server = build_server(load_settings())
    loop = asyncio.get_running_loop()
    checked: list[float] = []
    server.publish = lambda uri: (server.pending.pop(uri, None), server.waiting_since.pop(uri, None),
                                  checked.append(loop.time()))
    start = loop.time()
    while loop.time() - start < 0.3:  # a change every 2 ms, far closer than the debounce
        server.schedule("file:///draft.md")
        last = loop.time()
        await asyncio.sleep(0.002)
    during = len([t for t in checked if t <= last])
    await asyncio.sleep(DEBOUNCE_SECONDS * 5)
    assert 0.3 / MAX_WAIT_SECONDS / 3 <= during <= 0.3 / MAX_WAIT_SECONDS + 1  # about one check per MAX_WAIT
    assert checked[-1] >= last and server.pending == {}  # the last change is checked too, and nothing waits
