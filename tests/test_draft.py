import re
from pathlib import Path

import pytest

from pipeline.draftfile.format import CRITIQUE_HEADING, TODO_MARK
from pipeline.draftfile.render import clean_machine_text
from pipeline.draftfile.lookup import draft_path
from pipeline.draftfile.parse import front_and_body as parse
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
