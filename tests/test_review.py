"""``paperdraft check`` and ``paperdraft list``: findings, their line:col, and the text and JSON output."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.draftfile.format import CRITIQUE_HEADING, TODO_MARK
from pipeline.draftfile.store import write_draft
from pipeline.records import PaperMeta, Summary
from pipeline.draftfile.format import PLACEHOLDER
from pipeline.author.check import Finding, check_file, sentences
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
SECTION_TEXT = {
    "TL;DR": "The Transformer drops recurrence and convolutions and relies on attention alone. "
    "It sets a new state of the art on WMT 2014 translation.",
    "The problem": "Recurrent models process tokens one after another, which limits parallel training on long inputs.",
    "Key ideas": "Multi-head self-attention lets every position attend to every other position in a single step. "
    "Positional encodings add the order information.",
    "How it works": "An encoder stack and a decoder stack each use six identical layers of attention and feed-forward blocks.",
    "Results": "The big model reaches 28.4 BLEU on English-to-German after 3.5 days on eight GPUs.",
    "Limitations": "Attention cost grows with the square of the sequence length, so very long inputs are expensive.",
}
GOOD = (
    "The evidence for the main claim is narrower than the title suggests. Every headline number comes from two WMT "
    "translation pairs, and the only other experiment is constituency parsing on the Penn Treebank. I would want "
    "long-document tasks, where the quadratic cost bites, before calling recurrence unnecessary. The ablations on "
    "heads and key size are useful, yet nothing compares against a well-tuned convolutional model with equal "
    "compute. Reproducing the big model needs eight P100 cards for several days, which most readers lack, although "
    "the released tensor2tensor code helps a lot."
)


def make_draft(drafts: Path, critique: str | None = None, meta: PaperMeta = META,
               sections: dict[str, str] | None = None) -> Path:
    """A draft as ``paperdraft draft`` writes it, with ``critique`` in place of the placeholder line."""
    assert [b.heading for b in BLOG_SECTIONS] == list(SECTION_TEXT)
    summary = Summary(notes=[], sections=dict(sections or SECTION_TEXT), model="tiny-test-model",
                      prompt_hashes={"notes": "abc123"})
    path = Path(write_draft(meta, summary, meta.arxiv_id or "paper.pdf", drafts).path)
    if critique is not None:
        text = path.read_text()
        assert text.count(PLACEHOLDER) == 1
        path.write_text(text.replace(PLACEHOLDER, critique))
    return path


def where(path: Path, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, col) of the nth occurrence of ``needle``, found line by line, independently of review.py."""
    hits = [(i + 1, line.index(needle) + 1) for i, line in enumerate(path.read_text().splitlines()) if needle in line]
    return hits[nth]


def run(*args: str):
    return CliRunner().invoke(app, list(args))


UNTOUCHED = "is as paperdraft wrote it"  # the warning for each machine section the author never touched


def findings_of(path: Path, min_words: int = 80) -> list[Finding]:
    """check's findings, without the warnings for untouched sections (every draft made here has them)."""
    return [f for f in check_file(path, min_words) if UNTOUCHED not in f.message]


def own_lines(output: str) -> list[str]:
    """check's output lines, without the untouched-section warnings."""
    return [line for line in output.splitlines() if UNTOUCHED not in line]


def test_fresh_draft_has_the_placeholder_and_no_words_at_exact_positions(tmp_path: Path):
    path = make_draft(tmp_path)
    result = run("check", str(path))
    assert result.exit_code == 1
    todo_line, _ = where(path, TODO_MARK)
    heading_line, _ = where(path, CRITIQUE_HEADING)
    assert own_lines(result.stdout) == [
        f"{path}:{heading_line}:1: error: the critique has 0 words of your own; write at least 80 "
        "(comments and quotes do not count)",
        f"{path}:{todo_line}:1: error: the critique still holds the {TODO_MARK} placeholder: "
        "replace it with your critique",
    ]
    assert f"2 errors, {len(SECTION_TEXT)} warnings in 1 draft" in result.stderr  # a warning per untouched section


def test_a_good_critique_passes_with_only_the_untouched_section_warnings(tmp_path: Path):
    path = make_draft(tmp_path, GOOD)
    result = run("check", str(path))
    assert result.exit_code == 0, result.output
    assert own_lines(result.stdout) == []
    assert findings_of(path) == [] and {f.severity for f in check_file(path, 80)} == {"warning"}


def test_html_comments_and_quotes_do_not_count_as_own_words(tmp_path: Path):
    hidden = "<!-- " + " ".join(["word"] * 120) + " -->"
    quote = "> " + SECTION_TEXT["Key ideas"]
    path = make_draft(tmp_path, f"{hidden}\n\n{quote}\n\nToo short, but these ten words are all mine really.")
    (finding,) = findings_of(path)
    assert finding.severity == "error" and "has 10 words of your own" in finding.message
    assert (finding.line, finding.col) == where(path, CRITIQUE_HEADING)


def test_copied_run_of_words_is_an_error_at_its_first_word_naming_the_section(tmp_path: Path):
    copied = "lets every position attend to every other position in a single step"
    critique = f"{GOOD}\nI like that it {copied}, and I doubt it scales."
    path = make_draft(tmp_path, critique)
    findings = findings_of(path)
    assert [f.severity for f in findings] == ["error"]
    assert (findings[0].line, findings[0].col) == where(path, copied, nth=1)  # nth=0 is the summary
    assert "copied from the machine-written section 'Key ideas'" in findings[0].message
    assert findings[0].message.startswith(f"{len(copied.split())} words copied")


def test_copied_short_sentence_is_caught_by_sentence_match(tmp_path: Path):
    sentence = "Positional encodings add the order information."  # 6 words: below the n-gram length
    path = make_draft(tmp_path, f"{GOOD} {sentence.upper()}")
    (finding,) = findings_of(path)
    assert "sentence copied from the machine-written section 'Key ideas'" in finding.message
    assert (finding.line, finding.col) == where(path, sentence.upper())


def test_ordinary_shared_phrases_are_not_copying(tmp_path: Path):
    path = make_draft(tmp_path, f"{GOOD} The Transformer uses attention. Results on WMT 2014 look strong.")
    assert findings_of(path) == []


def test_todo_markers_error_in_the_critique_warn_elsewhere(tmp_path: Path):
    path = make_draft(tmp_path, f"{GOOD}\nStill to say: TODO compare with ByteNet.")
    text = path.read_text().replace("## Results\n\n", "## Results\n\nFIXME check the numbers. ")
    path.write_text(text)
    findings = findings_of(path)
    assert [(f.line, f.col, f.severity) for f in findings] == [
        (*where(path, "FIXME"), "warning"),
        (*where(path, "TODO compare"), "error"),
    ]
    assert findings[1].message == "leftover TODO marker in the critique"


def test_sections_the_author_adds_below_the_critique_are_part_of_it(tmp_path: Path):
    half = GOOD.split(". ")
    path = make_draft(tmp_path, ". ".join(half[:3]) + ".\n\n## Verdict\n\n" + ". ".join(half[3:]).rstrip(".") + " TODO")
    findings = findings_of(path)
    assert [(f.line, f.col, f.severity, f.message) for f in findings] == [
        (*where(path, "TODO"), "error", "leftover TODO marker in the critique")]


def test_missing_critique_section(tmp_path: Path):
    path = make_draft(tmp_path)
    text = path.read_text()
    path.write_text(text.replace(CRITIQUE_HEADING, "## Thoughts"))
    messages = [f.message for f in check_file(path, 80)]
    assert any(m.startswith(f"no '{CRITIQUE_HEADING}' section") for m in messages)


def test_broken_front_matter_points_at_the_bad_line(tmp_path: Path):
    path = make_draft(tmp_path, GOOD)
    path.write_text(path.read_text().replace("status: draft", "status: [unclosed"))
    (finding, *_) = check_file(path, 80)
    assert finding.severity == "error" and "not valid YAML" in finding.message
    # YAML notices the unclosed '[' at the ':' of the next key, content_hash
    assert (finding.line, finding.col) == (where(path, "status: [unclosed")[0] + 1, len("content_hash") + 1)
    assert path.read_text().splitlines()[finding.line - 1].startswith("content_hash:")


def test_missing_front_matter_and_missing_keys(tmp_path: Path):
    path = make_draft(tmp_path, GOOD)
    text = path.read_text()
    body = text.split("\n---\n", 1)[1]
    path.write_text(body)
    assert check_file(path, 80)[0] == Finding(str(path), 1, 1, "error",
                                              "no front matter: the draft must start with a '---' YAML block")
    path.write_text(re.sub(r"(?m)^title: .*\n", "", text))
    assert [f.message for f in findings_of(path)] == ["front matter has no 'title'"]


def test_unverified_comments_in_machine_text_are_errors(tmp_path: Path):
    path = make_draft(tmp_path, GOOD)
    text = path.read_text().replace("28.4 BLEU", "28.4 BLEU <!-- unverified: 28.4 BLEU\n  not found in the paper -->")
    path.write_text(text)
    (finding,) = findings_of(path)
    assert finding.severity == "error"
    assert finding.message.startswith("unverified claim: 28.4 BLEU not found in the paper; check it in the paper")
    assert (finding.line, finding.col) == where(path, "<!-- unverified")
    assert run("check", str(path)).exit_code == 1  # publish refuses too: it runs the same check
    path.write_text(text.replace("<!-- unverified: 28.4 BLEU\n  not found in the paper -->", ""))  # checked it
    assert findings_of(path) == [] and run("check", str(path)).exit_code == 0


def test_json_output_matches_the_text_output(tmp_path: Path):
    path = make_draft(tmp_path, "A short take. TODO finish.")
    text = run("check", str(path))
    as_json = run("check", str(path), "--format", "json")
    assert text.exit_code == as_json.exit_code == 1
    items = json.loads(as_json.stdout)
    assert [f"{i['path']}:{i['line']}:{i['col']}: {i['severity']}: {i['message']}" for i in items] == \
        text.stdout.splitlines()
    assert {tuple(sorted(i)) for i in items} == {("col", "line", "message", "path", "severity")}


def test_check_defaults_to_every_draft_and_finds_drafts_by_arxiv_id(tmp_path: Path, monkeypatch):
    drafts = tmp_path / "drafts"
    good = make_draft(drafts, GOOD)
    other = PaperMeta(title="Adam: A Method for Stochastic Optimization", arxiv_id="1412.6980", version=9)
    bad = make_draft(drafts, meta=other)
    result = run("check", "--drafts-dir", str(drafts))
    assert result.exit_code == 1
    assert {line.split(":", 1)[0] for line in own_lines(result.stdout)} == {str(bad)}
    assert run("check", "arXiv:1706.03762v5", "--drafts-dir", str(drafts)).exit_code == 0
    monkeypatch.setenv("PAPERDRAFT_DRAFTS_DIR", str(drafts))
    assert run("check", "1706.03762").exit_code == 0
    assert good.exists()
    missing = run("check", "2106.09685", "--drafts-dir", str(drafts))
    assert missing.exit_code == 1 and "no draft '2106.09685'" in missing.stderr


def test_sentences_split_on_stops_and_blank_lines_with_offsets():
    text = "One two. Three 2.5 four!\n\nFive"
    assert [(o, s.strip()) for o, s in sentences(text)] == [(0, "One two."), (8, "Three 2.5 four!"), (text.index("Five"), "Five")]


def test_list_shows_the_front_matter_status_and_readiness_apart(tmp_path: Path):
    drafts = tmp_path / "drafts"
    make_draft(drafts, GOOD)
    make_draft(drafts, meta=PaperMeta(title="Adam", arxiv_id="1412.6980", version=9))
    result = run("list", "--drafts-dir", str(drafts), "--json")
    assert result.exit_code == 0
    rows = {r["arxiv_id"]: r for r in json.loads(result.stdout)}
    # both drafts say "status: draft"; list shows that, never a status the file does not hold, and readiness apart
    assert rows["1706.03762"]["status"] == "draft" and rows["1706.03762"]["ready"] is True
    assert rows["1706.03762"]["errors"] == 0 and rows["1706.03762"]["critique_words"] == len(GOOD.split())
    assert rows["1412.6980"]["status"] == "draft" and rows["1412.6980"]["ready"] is False
    assert rows["1412.6980"]["errors"] == 2 and rows["1412.6980"]["critique_words"] == 0
    table = run("list", "--drafts-dir", str(drafts))
    assert table.exit_code == 0 and "reviewed" not in table.stdout
    assert re.search(r"Status\W+Ready", table.stdout), table.stdout
    assert re.search(rf"1706\.03762\W+draft\W+yes\W+{len(GOOD.split())}\b", table.stdout), table.stdout
    assert re.search(r"1412\.6980\W+draft\W+no\W+0\b.*2 err", table.stdout), table.stdout


def test_each_machine_section_the_author_never_touched_is_a_warning_naming_it(tmp_path: Path):
    path = make_draft(tmp_path, GOOD)
    untouched = [f for f in check_file(path, 80) if UNTOUCHED in f.message]
    assert [(f.line, f.col, f.severity, f.message) for f in untouched] == [
        (where(path, f"## {h}")[0], 1, "warning", f"'{h}' is as paperdraft wrote it: put it in your own words, "
                                                  "or delete it") for h in SECTION_TEXT]
    result = run("check", str(path))
    assert result.exit_code == 0  # warnings: the draft can still be published
    assert f"{path}:{where(path, '## How it works')[0]}:1: warning: 'How it works' is as paperdraft wrote it: put " \
           "it in your own words, or delete it" in result.stdout.splitlines()

    # the author rewords Results (one character is enough), deletes Limitations, and edits the byline and
    # the footer, which are not sections: only the four sections left as paperdraft wrote them are named
    text = path.read_text()
    for old, new in [("28.4 BLEU", "28.4 BLEU points"), (f"## Limitations\n\n{SECTION_TEXT['Limitations']}\n\n", ""),
                     ("*Ashish Vaswani, Noam Shazeer*", "*Vaswani and Shazeer*"),
                     ("The critique is the author's own.*", "The critique is mine.*")]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text)
    named = [f.message.split("'")[1] for f in check_file(path, 80) if UNTOUCHED in f.message]
    assert named == ["TL;DR", "The problem", "Key ideas", "How it works"]
    assert all(f.severity == "warning" for f in check_file(path, 80))
