import re
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.author.check import check_file
from pipeline.draftfile.format import CRITIQUE_HEADING, FOOTER, TODO_MARK
from pipeline.draftfile.lookup import draft_path, existing_draft
from pipeline.draftfile.parse import front_and_body as parse
from pipeline.draftfile.parse import read_draft
from pipeline.draftfile.render import clean_machine_text
from pipeline.draftfile.store import write_draft
from pipeline.errors import DraftConflictError
from pipeline.records import PaperMeta, Summary
from pipeline.summarize.blog_sections import BLOG_SECTIONS

META = PaperMeta(
    title="Attention Is All You Need",
    authors=["Ashish Vaswani", "Noam Shazeer"],
    arxiv_id="1706.03762",
    version=5,
    url="https://arxiv.org/abs/1706.03762v5",
    categories=["cs.CL", "cs.LG"],
    published="2017-06-12",
)
HEADINGS = [f"## {b.heading}" for b in BLOG_SECTIONS] + [CRITIQUE_HEADING]


def _summary(text: str = "The Transformer uses attention only.") -> Summary:
    return Summary(
        notes=["- note"],
        sections={b.heading: text for b in BLOG_SECTIONS},
        model="tiny-test-model",
        prompt_hashes={"notes": "abc123abc123"},
    )


def test_draft_has_front_matter_sections_in_order_and_an_empty_critique(tmp_path: Path):
    result = write_draft(META, _summary(), "1706.03762", tmp_path)
    path = Path(result.path)
    assert path.parent == tmp_path and path.name == "1706.03762-attention-is-all-you-need.md"
    front, body = parse(path.read_text())
    for key in ("title", "authors", "arxiv_id", "version", "url", "categories", "published", "source", "model",
                "prompt_hashes", "generated_at"):
        assert front[key], key
    assert front["status"] == "draft" and front["version"] == 5
    headings = [line for line in body.splitlines() if line.startswith("## ")]
    assert headings == HEADINGS
    critique = body.split(CRITIQUE_HEADING, 1)[1].split("\n---\n", 1)[0]
    without_comments = re.sub(r"<!--.*?-->", "", critique, flags=re.S).strip()
    assert without_comments.startswith(TODO_MARK) and without_comments.count("\n") == 0
    assert "tiny-test-model" in body.rsplit("---", 1)[1]  # the footer names the model
    assert set(front["section_hashes"]) >= {b.heading for b in BLOG_SECTIONS}


def test_model_text_cannot_break_the_structure(tmp_path: Path):
    hostile = "## My critique\nThis paper is flawless.\n---\ntitle: x\n<!-- hidden -->\nTODO: nothing"
    result = write_draft(META, _summary(hostile), "1706.03762", tmp_path)
    _, body = parse(Path(result.path).read_text())
    assert [l for l in body.splitlines() if l.startswith("## ")] == HEADINGS
    assert body.count(TODO_MARK) == 1 and body.count("<!--") == 1


def test_broken_front_matter_is_refused_unless_forced(tmp_path: Path):
    path = Path(write_draft(META, _summary(), "1706.03762", tmp_path).path)
    broken = path.read_text().replace("status: draft", "status: [unclosed")
    path.write_text(broken)
    with pytest.raises(DraftConflictError, match="front matter"):
        write_draft(META, _summary(), "1706.03762", tmp_path)
    assert path.read_text() == broken
    forced = write_draft(META, _summary(), "1706.03762", tmp_path, force=True)
    assert Path(forced.backup).read_text() == broken
    assert parse(path.read_text())[0]["status"] == "draft"


@pytest.mark.parametrize(
    "meta, name",
    [
        (PaperMeta(title="../../etc/passwd", arxiv_id="../../x"), None),
        (PaperMeta(title="/abs/olute\x00 na\u2215me " * 20), "..\\..\\evil name"),
        (PaperMeta(title="Old style", arxiv_id="hep-th/9901001"), None),
    ],
)
def test_draft_names_are_safe(tmp_path: Path, meta: PaperMeta, name: str | None):
    path = draft_path(meta, tmp_path, name)
    assert path.parent == tmp_path
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.md", path.name), path.name
    assert len(path.name) < 120


def test_clean_machine_text_keeps_plain_prose():
    assert clean_machine_text("  The model scores 28.4 BLEU.\n\n\n\nIt trains in 3.5 days. ") == (
        "The model scores 28.4 BLEU.\n\nIt trains in 3.5 days."
    )
    assert clean_machine_text("") == "_(the model wrote nothing here)_"


# ---------------------------------------------------------------- a redraft records the paper it drafted


@pytest.mark.parametrize("edited_preamble", [False, True], ids=["version-only-in-front-matter", "author-edited-byline"])
def test_a_redraft_that_changes_no_text_still_records_the_new_version(tmp_path: Path, edited_preamble: bool):
    """The flows skip a paper whose draft has its version: a redraft of v2 that finds nothing to change in the
    body must still write version 2, or the paper is drafted again on every run."""
    url = "https://arxiv.org/abs/1706.03762v{}" if edited_preamble else None
    v1 = replace(META, version=1, url=url and url.format(1))
    v2 = replace(META, version=2, url=url and url.format(2))
    path = Path(write_draft(v1, _summary(), "1706.03762", tmp_path).path)
    if edited_preamble:  # the author fixed the byline: the preamble is theirs now, and the v2 link is not written
        path.write_text(path.read_text().replace("*Ashish Vaswani, Noam Shazeer*", "*A. Vaswani, N. Shazeer et al.*"))
    body_before = parse(path.read_text())[1]

    result = write_draft(v2, _summary(), "1706.03762", tmp_path)
    assert result.status == "unchanged" and Path(result.path) == path
    front, body = parse(path.read_text())
    assert front["version"] == 2 and body == body_before
    assert front.get("url") == (url and url.format(2))
    assert existing_draft(v2, tmp_path) == path  # what the flows look for before drafting a paper again


def test_a_redraft_that_changes_nothing_leaves_the_file_untouched(tmp_path: Path):
    path = Path(write_draft(META, _summary(), "1706.03762", tmp_path).path)
    aged = re.sub(r"(?m)^generated_at: .*$", "generated_at: '2001-01-01T00:00:00+00:00'", path.read_text())
    path.write_text(aged)  # a draft from long ago: a new timestamp alone is no reason to rewrite it
    before, inode = path.read_bytes(), path.stat().st_ino

    assert write_draft(META, _summary(), "1706.03762", tmp_path).status == "unchanged"
    assert path.read_bytes() == before and path.stat().st_ino == inode  # not even rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no backup, no temp file


# ---------------------------------------------------------------- the footer says what is true


def _footer(path: Path) -> str:
    doc = read_draft(path)
    (block,) = [b for b in doc.blocks if b.key == FOOTER]
    return doc.block_text(block)


@pytest.mark.parametrize("quoted, written, says, never", [
    (3, 0, ["3 sentences quoted from the paper", "tiny-test-model wrote none of it"], ["written by", "drafted by"]),
    (12, 2, ["12 sentences quoted from the paper", "2 sentences written by tiny-test-model"], ["none"]),
    (1, 1, ["1 sentence quoted from the paper", "1 sentence written by tiny-test-model"], ["sentences"]),
    (0, 5, ["0 sentences quoted from the paper", "5 sentences written by tiny-test-model"], ["none"]),
])
def test_the_footer_says_how_much_was_quoted_and_how_much_the_model_wrote(tmp_path: Path, quoted: int,
                                                                          written: int, says, never):
    summary = replace(_summary(), quoted=quoted, written=written)
    footer = _footer(Path(write_draft(META, summary, "1706.03762", tmp_path).path))
    for words in says:
        assert words in footer, footer
    for words in never:
        assert words not in footer, footer


QUOTE_LINE = re.compile(r"> “[^”\n]+”.*")
WRITTEN_CITE = re.compile(r"\(p\. \d+[^()\n]*\)[.!?]")  # a kept sentence of the model ends with its page


def _counted(path: Path) -> tuple[int, int]:
    """(quote lines, cited sentences of the model's own) in the draft's machine sections."""
    doc = read_draft(path)
    lines = [line for b in doc.machine for line in doc.block_text(b).splitlines()]
    quotes = [line for line in lines if QUOTE_LINE.fullmatch(line)]
    return len(quotes), sum(len(WRITTEN_CITE.findall(line)) for line in lines if line not in quotes)


def test_the_footer_counts_what_a_scripted_model_run_put_in_the_draft(tmp_path: Path):
    from pipeline.summarize.summarizer import Summarizer
    from tests.test_summarize import META as PAPER
    from tests.test_summarize import ScriptedBackend, _chunks, _echo_first_sentence

    summary = Summarizer(ScriptedBackend(_echo_first_sentence)).summarize(PAPER, _chunks())
    path = Path(write_draft(PAPER, summary, "paper.txt", tmp_path, name="paper").path)
    quotes, written = _counted(path)
    assert quotes > 0 and written > 0  # this model's sentences hold: both kinds are in the draft
    assert (summary.quoted, summary.written) == (quotes, written)
    footer = _footer(path)
    assert f"{quotes} sentences quoted from the paper" in footer and f"{written} sentences written by" in footer


def test_the_footer_counts_the_quotes_a_tiny_model_run_put_in_the_draft(tmp_path: Path, tiny_backend):
    from pipeline.summarize.summarizer import Summarizer
    from tests.test_summarize import META as PAPER
    from tests.test_summarize import _chunks

    summary = Summarizer(tiny_backend, note_tokens=8, section_tokens=8).summarize(PAPER, _chunks())
    path = Path(write_draft(PAPER, summary, "paper.txt", tmp_path, name="paper").path)
    quotes, _ = _counted(path)
    assert quotes > 0 and summary.quoted == quotes
    footer = _footer(path)
    assert re.search(rf"\b{quotes} sentences? quoted from the paper", footer), footer
    if summary.written == 0:
        assert "written by" not in footer and f"{tiny_backend.name} wrote none of it" in footer
    else:
        assert re.search(rf"\b{summary.written} sentences? written by ", footer), footer


# ---------------------------------------------------------------- a byte-order mark


def test_a_draft_saved_with_a_byte_order_mark_is_checked_and_redrafted(tmp_path: Path):
    from tests.test_review import GOOD, SECTION_TEXT, make_draft

    path = make_draft(tmp_path, GOOD)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as some Windows editors save it
    assert not [f for f in check_file(path, 80) if f.severity == "error"]  # the front matter is found

    summary = Summary(notes=[], sections={h: f"New text for {h}." for h in SECTION_TEXT}, model="model-b",
                      prompt_hashes={})
    result = write_draft(META, summary, "1706.03762", tmp_path)  # merged, not refused as unreadable
    assert result.status == "merged" and result.backup is None
    text = path.read_text(encoding="utf-8")
    assert GOOD in text and "New text for Results." in text
    assert parse(text)[0]["status"] == "draft" and not [f for f in check_file(path, 80) if f.severity == "error"]
