"""Critique aids: facts with pages, in comments under the guiding questions, never counted as the critique."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.author.critique_aids import critique_aids
from pipeline.draftfile.format import CRITIQUE_HEADING
from pipeline.draftfile.store import write_draft
from pipeline.extract.pdf import extract_pdf
from pipeline.extract.text_file import extract_text_file
from pipeline.records import PaperMeta, Summary
from pipeline.author.check import check_file
from tests.conftest import corpus_file

SAMPLE = Path(__file__).resolve().parents[1] / "pipeline" / "samples" / "sample-paper.md"


def test_facts_found_in_a_real_paper_each_with_its_page():
    aids = critique_aids(extract_pdf(corpus_file("pdfs/1706.03762v5.pdf")))
    text = "\n".join(aids)
    assert re.search(r"https://github\.com/tensorflow/tensor2tensor \(p\. \d+\)", text)
    assert re.search(r"WMT[^,]*\(p\. \d+\)", text)
    assert re.search(r"Compute reported \(p\. \d+\): .*(P100|GPU)", text)
    assert all(re.search(r"\(p\. \d+\)|none found", line) for line in aids)


def test_a_paper_without_links_says_so():
    aids = critique_aids(extract_text_file(SAMPLE))
    assert "Code and data links: none found in the text" in aids
    assert any(line.startswith("Limitation stated: Our heading detector fails") for line in aids)  # no pages in a .md


def test_aids_sit_in_comments_and_do_not_count_as_the_critique(tmp_path: Path):
    aids = critique_aids(extract_text_file(SAMPLE)) + ["Tricky --> text <script>x</script> TODO"]
    summary = Summary(notes=[], sections={"TL;DR": "Short."}, model="m", prompt_hashes={})
    path = Path(write_draft(PaperMeta(title="Sample"), summary, "s", tmp_path, aids=aids).path)
    critique = path.read_text().split(CRITIQUE_HEADING, 1)[1]
    outside = re.sub(r"<!--.*?-->", "", critique, flags=re.S)
    assert "Limitation stated" in critique and "Limitation stated" not in outside
    assert "<script>" not in outside
    messages = [f.message for f in check_file(path, 80)]
    assert any("TODO(author)" in m or "placeholder" in m.lower() for m in messages)
    assert any("words" in m for m in messages)  # the aids added no author words


def test_pages_that_could_not_be_read_are_named_in_the_draft(tmp_path: Path):
    import dataclasses

    doc = dataclasses.replace(extract_text_file(SAMPLE), page_count=12, unreadable_pages=[5, 6, 7, 11])
    summary = Summary(notes=[], sections={"TL;DR": "Short."}, model="m", prompt_hashes={})
    path = Path(write_draft(PaperMeta(title="Sample"), summary, "s", tmp_path, aids=critique_aids(doc)).path)
    assert "Pages 5-7, 11 of 12 could not be read" in path.read_text().split(CRITIQUE_HEADING, 1)[1]
    assert not any("could not be read" in line for line in critique_aids(extract_text_file(SAMPLE)))
