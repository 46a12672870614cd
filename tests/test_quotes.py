"""Quotes of the paper in a draft: the note above them is an instruction that never reaches a post; quotes
the author keeps are published as block quotes that cite the page and name the paper."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from pipeline.author.check import check_file
from pipeline.author.publish import publish
from pipeline.config import load_settings
from pipeline.draftfile.format import QUOTE_NOTE, quote_block
from pipeline.errors import NotReadyError
from pipeline.records import PaperMeta
from pipeline.summarize.summarizer import paper_name
from tests.test_review import GOOD, META, SECTION_TEXT, make_draft

QUOTES = [("The Transformer allows for significantly more parallelization.", "p. 2, §1"),
          ("We trained on the standard WMT 2014 English-German dataset.", "p. 7, §5.1")]


def quoted_draft(tmp_path: Path) -> Path:
    sections = dict(SECTION_TEXT, Results=quote_block(QUOTES, paper_name(META)))
    return make_draft(tmp_path / "drafts", GOOD, sections=sections)


def test_a_quote_block_is_a_block_quote_with_cites_and_the_paper_named():
    block = quote_block(QUOTES, paper_name(META))
    lines = block.splitlines()
    assert lines[0] == QUOTE_NOTE
    assert all(line.startswith(">") for line in lines[1:])
    assert "> “The Transformer allows for significantly more parallelization.” (p. 2, §1)" in lines
    assert lines[-1] == "> — *Attention Is All You Need* (Vaswani et al.)"


@pytest.mark.parametrize("authors, named", [([], "*T*"), (["Ada Lovelace"], "*T* (Lovelace)"),
                                            (["A B", "C D"], "*T* (B et al.)")])
def test_the_paper_is_named_by_title_and_first_author(authors: list[str], named: str):
    assert paper_name(PaperMeta(title=" T ", authors=authors)) == named


def test_check_reports_each_note_with_its_line_and_publish_refuses(tmp_path: Path):
    draft = quoted_draft(tmp_path)
    lines = draft.read_text().splitlines()
    findings = [f for f in check_file(draft, 80) if "quotes from the paper" in f.message]
    assert [f.line for f in findings] == [i + 1 for i, line in enumerate(lines) if line == QUOTE_NOTE]
    assert len(findings) == 1 and findings[0].severity == "error"
    with pytest.raises(NotReadyError):
        publish(draft, tmp_path / "blog", "jekyll", load_settings(), today=date(2026, 12, 1))
    assert not (tmp_path / "blog").exists() or not list((tmp_path / "blog").iterdir())


def test_deleting_the_note_keeps_the_quotes_and_publishes_them_as_block_quotes(tmp_path: Path):
    draft = quoted_draft(tmp_path)
    draft.write_text(draft.read_text().replace(QUOTE_NOTE + "\n", ""))
    assert not [f for f in check_file(draft, 80) if f.severity == "error"]
    post = publish(draft, tmp_path / "blog", "hugo", load_settings(), today=date(2026, 12, 1)).post.read_text()
    results = post.split("## Results", 1)[1].split("\n## ", 1)[0]
    assert "> “The Transformer allows for significantly more parallelization.” (p. 2, §1)" in results
    assert "> — *Attention Is All You Need* (Vaswani et al.)" in results
    assert "<!--" not in post and "own words" not in post and "From the paper" not in post
    quote_lines = [line for line in results.splitlines() if line.strip()]
    assert all(line.startswith(">") for line in quote_lines)  # nothing of the tool's scaffolding is left


def test_a_reworded_section_leaves_no_note_and_no_error(tmp_path: Path):
    draft = quoted_draft(tmp_path)
    text = draft.read_text()
    block = quote_block(QUOTES, paper_name(META))
    draft.write_text(text.replace(block, "The model trains faster than recurrent ones, which I find convincing."))
    assert not [f for f in check_file(draft, 80) if f.severity == "error"]
    assert QUOTE_NOTE not in draft.read_text()


def test_the_note_survives_cleaning_but_a_lookalike_from_the_paper_does_not():
    from pipeline.draftfile.render import clean_machine_text

    assert QUOTE_NOTE in clean_machine_text(quote_block(QUOTES, "*P*"))
    fake = "<!-- quoted from the paper: <script>alert(1)</script> -->"
    assert "<!--" not in clean_machine_text(fake) and not re.search(r"<script", clean_machine_text(fake))
