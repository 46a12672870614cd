"""Drafting a paper again keeps the author's critique and edited sections byte for byte."""

from __future__ import annotations

from pathlib import Path

from pipeline.draftfile.format import CRITIQUE_HEADING, TODO_MARK
from pipeline.draftfile.parse import front_and_body as parse
from pipeline.draftfile.store import write_draft
from pipeline.draftfile.parse import split_blocks
from pipeline.records import PaperMeta, Summary
from pipeline.summarize.blog_sections import BLOG_SECTIONS

META = PaperMeta(title="Attention Is All You Need", arxiv_id="1706.03762", version=5,
                 url="https://arxiv.org/abs/1706.03762v5")
CRITIQUE = (
    "I doubt the BLEU gains transfer to low-resource pairs.\n\n"
    "### A second thought\n\nThe cost comparison ignores tuning time. Ünïcödé and trailing spaces stay.  \n\n"
)


def _summary(text: str, model: str = "model-a") -> Summary:
    return Summary(notes=[], sections={b.heading: f"{text} for {b.heading}." for b in BLOG_SECTIONS},
                   model=model, prompt_hashes={"notes": "x"})


def _edit(path: Path, old: str, new: str) -> str:
    text = path.read_text().replace(old, new)
    path.write_text(text)
    return text


def _block(path: Path, key: str) -> str:
    return dict(split_blocks(parse(path.read_text())[1]))[key]


def test_blocks_join_back_to_the_body_exactly(tmp_path: Path):
    body = parse(Path(write_draft(META, _summary("First"), "s", tmp_path).path).read_text())[1]
    blocks = split_blocks(body)
    assert "".join(text for _, text in blocks) == body
    assert [k for k, _ in blocks][1:-1] == [b.heading for b in BLOG_SECTIONS] + ["My critique"]


def test_redraft_keeps_critique_and_edited_sections_and_replaces_the_rest(tmp_path: Path):
    path = Path(write_draft(META, _summary("First"), "s", tmp_path).path)
    _edit(path, f"{TODO_MARK}: write your critique here, in your own words.\n", CRITIQUE)
    _edit(path, "First for Results.", "My own reading: 28.4 BLEU, but on one test set.")
    critique_before, results_before = _block(path, "My critique"), _block(path, "Results")

    result = write_draft(META, _summary("Second", model="model-b"), "s", tmp_path)
    assert result.status == "merged"
    assert result.kept == ["Results"]
    assert set(result.updated) == {b.heading for b in BLOG_SECTIONS} - {"Results"} | {"(footer)"}
    assert _block(path, "My critique") == critique_before  # byte for byte
    assert _block(path, "Results") == results_before
    text = path.read_text()
    assert "Second for TL;DR." in text and "First for TL;DR." not in text
    assert "model-b" in text.rsplit("---", 1)[1]  # the footer names the new model

    # and again: the edited section is still recognised as the author's
    third = write_draft(META, _summary("Third"), "s", tmp_path)
    assert third.kept == ["Results"] and _block(path, "Results") == results_before


def test_sections_the_author_added_stay_where_they_were(tmp_path: Path):
    path = Path(write_draft(META, _summary("First"), "s", tmp_path).path)
    _edit(path, "## Results", "## What I tried myself\n\nI ran the code on WMT16.\n\n## Results")
    write_draft(META, _summary("Second"), "s", tmp_path)
    headings = [l for l in parse(path.read_text())[1].splitlines() if l.startswith("## ")]
    assert headings.index("## What I tried myself") == headings.index("## Results") - 1
    assert "I ran the code on WMT16." in path.read_text()


def test_force_replaces_edited_sections_after_a_backup_but_never_the_critique(tmp_path: Path):
    path = Path(write_draft(META, _summary("First"), "s", tmp_path).path)
    _edit(path, f"{TODO_MARK}: write your critique here, in your own words.\n", CRITIQUE)
    edited = _edit(path, "First for Results.", "My own words on results.")
    result = write_draft(META, _summary("Second"), "s", tmp_path, force=True)
    assert "Results" in result.updated and not result.kept
    assert Path(result.backup).read_text() == edited
    assert "Second for Results." in path.read_text()
    assert CRITIQUE in path.read_text()


def test_redrafting_the_same_text_changes_nothing(tmp_path: Path):
    path = Path(write_draft(META, _summary("Same"), "s", tmp_path).path)
    before = path.read_text()
    assert write_draft(META, _summary("Same"), "s", tmp_path).status == "unchanged"
    assert path.read_text() == before
    assert not list(tmp_path.glob("*.bak-*"))


def test_author_keys_survive_a_redraft_and_a_changed_published_draft_is_a_draft_again(tmp_path: Path):
    path = Path(write_draft(META, _summary("First"), "s", tmp_path).path)
    front, body = parse(path.read_text())
    text = path.read_text().replace("status: draft", "status: published\npublished_to: site/_posts/x.md")
    path.write_text(text)
    write_draft(META, _summary("Second"), "s", tmp_path)
    front, _ = parse(path.read_text())
    # the machine text changed, so the post no longer shows what the draft says: back to draft, the record kept
    assert front["status"] == "draft" and front["published_to"] == "site/_posts/x.md"
    write_draft(META, _summary("Second"), "s", tmp_path)  # nothing changes: the status is left alone
    path.write_text(path.read_text().replace("status: draft", "status: published"))
    write_draft(META, _summary("Second"), "s", tmp_path)
    assert parse(path.read_text())[0]["status"] == "published"
    assert CRITIQUE_HEADING in path.read_text()


def test_a_section_titled_like_the_preamble_or_footer_key_takes_neither_place(tmp_path: Path):
    """A block is looked up by its key; an author's "## (preamble)" must not take the title and byline's place."""
    path = Path(write_draft(META, _summary("First"), "s", tmp_path).path)
    _edit(path, "## TL;DR", "## (preamble)\n\nMy notes before the summary.\n\n## (footer)\n\nAnd more.\n\n## TL;DR")
    result = write_draft(META, _summary("Second"), "s", tmp_path)
    assert result.status == "merged" and not result.kept
    body = parse(path.read_text())[1]
    assert body.startswith("# Attention Is All You Need\n\n")  # the preamble is still first, and paperdraft's
    assert "My notes before the summary." in body and "And more." in body
    headings = [line for line in body.splitlines() if line.startswith("## ")]
    assert headings[:3] == ["## (preamble)", "## (footer)", "## TL;DR"] and "Second for TL;DR." in body
    assert body.rstrip().endswith("The critique is the author's own.*") and body.count("drafted with paperdraft") == 1


def test_a_comment_opener_in_an_authors_code_block_hides_no_section(tmp_path: Path):
    """``<!--`` inside a fenced code block is code: the sections after it are still paperdraft's to update."""
    path = Path(write_draft(META, _summary("First"), "s", tmp_path).path)
    _edit(path, "First for Key ideas.", "First for Key ideas.\n\n```html\n<!-- the markup they propose\n```")
    result = write_draft(META, _summary("Second"), "s", tmp_path)
    assert result.kept == ["Key ideas"]
    assert {"How it works", "Results", "Limitations"} <= set(result.updated)
    text = path.read_text()
    assert "Second for Results." in text and "First for Results." not in text
    assert text.count(CRITIQUE_HEADING) == 1 and f"{TODO_MARK}: write your critique" in text
