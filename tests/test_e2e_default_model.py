"""The real embedded default model (SmolLM2-135M-Instruct) on a real arXiv paper, through the real CLI.

Model wording is never asserted: only structure, and that the text is grounded in the paper.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.draftfile.format import CRITIQUE_HEADING, TODO_MARK
from pipeline.draftfile.parse import front_and_body as parse
from pipeline.extract.pdf import extract_pdf
from pipeline.summarize.blog_sections import BLOG_SECTIONS
from tests.conftest import corpus_file

pytestmark = pytest.mark.slow

WORD = re.compile(r"[a-z]{5,}")


def test_default_model_drafts_a_real_paper(arxiv_server, default_model_home: Path, tmp_path: Path):
    pdf = corpus_file("pdfs/1803.10963v2.pdf")
    result = CliRunner().invoke(app, ["draft", "1803.10963", "--drafts-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*.md")
    front, body = parse(path.read_text())
    assert front["arxiv_id"] == "1803.10963" and "SmolLM2-135M-Instruct" in front["model"]

    sections = re.split(r"^## ", body, flags=re.M)[1:]
    titles = [s.split("\n", 1)[0] for s in sections]
    assert titles == [b.heading for b in BLOG_SECTIONS] + [CRITIQUE_HEADING[3:]]
    machine = {t: s.split("\n", 1)[1].strip() for t, s in zip(titles, sections) if t != CRITIQUE_HEADING[3:]}
    for title, text in machine.items():
        assert len(text.split()) >= 5, f"{title} is nearly empty: {text!r}"
        assert "the model wrote nothing" not in text
    critique = sections[-1].split("\n---\n")[0]
    assert re.sub(r"<!--.*?-->", "", critique, flags=re.S).split("\n", 1)[1].strip().startswith(TODO_MARK)

    # grounding: every quote is the paper's own sentence, cited on a page it spans,
    # and most content words of the rest occur in the paper
    doc = extract_pdf(pdf)
    paper = " ".join(" ".join(s.text.split()) for s in doc.sections)
    quotes = re.findall(r"“([^”]+)” \(p\. (\d+)[,)]", "\n".join(machine.values()))
    assert quotes
    for quote, page in quotes:
        assert quote in paper, quote
        assert 1 <= int(page) <= doc.page_count
    words = WORD.findall(" ".join(machine.values()).lower())
    grounded = sum(w in paper.lower() for w in words) / len(words)
    assert grounded >= 0.8, f"only {grounded:.0%} of the draft's content words appear in the paper"
