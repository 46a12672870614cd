"""Property tests (Hypothesis) over id parsing, text cleanup, front-matter round trips and the critique gate."""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from pipeline.author.check import TODO, check_file, has_errors
from pipeline.config import load_settings
from pipeline.draftfile.format import FLAG, PLACEHOLDER, TODO_MARK
from pipeline.draftfile.render import clean_machine_text, compose
from pipeline.draftfile.parse import front_and_body as parse
from pipeline.draftfile.store import write_draft
from pipeline.errors import InvalidSourceError
from pipeline.extract.page_text import clean_chars, remove_stamp
from pipeline.errors import NotReadyError
from pipeline.author.publish import publish
from pipeline.records import Summary
from pipeline.draftfile.format import COMMENT
from pipeline.sources import parse_source
from pipeline.summarize.blog_sections import BLOG_SECTIONS
from tests.test_review import GOOD, META, make_draft

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FOOTER = "\n---\n\n*The summary above was drafted "
# Pieces that break Markdown structure, HTML, or paperdraft's own markers; mixed with arbitrary text.
HOSTILE = ["## My critique", "## Results", "## TL;DR", "# ", "---", "===", "```", "~~~", "<!--", "-->", "--!>",
           "<script>", "</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "[x]: javascript:",
           "TODO", TODO_MARK, PLACEHOLDER, "\n", "\n\n", "   ", "\t", "#", "<", ">", "\\", "\r\n", "\x0b", "\u2028",
           "\x85", "<!-- unverified: 42 not found in the paper -->", FOOTER, "*", "|", "&lt;"]
hostile_text = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), max_size=16).map("".join)


def critique_region(text: str) -> str:
    """From the critique heading to the footer: what the author owns, found without paperdraft's parser."""
    start = text.index("\n## My critique\n")
    return text[start : text.rindex(FOOTER)]


# ---------------------------------------------------------------- id parsing


@FAST
@given(st.one_of(st.text(max_size=40), st.builds("{}{}".format, st.sampled_from(
    ["arXiv:", "https://arxiv.org/abs/", "arxiv.org/pdf/", "http://export.arxiv.org/html/", "hep-th/", "2106."]),
    st.text(max_size=20))))
def test_parse_source_raises_only_invalid_source_error(text: str):
    try:
        ref = parse_source(text)
    except InvalidSourceError as exc:
        assert str(exc)  # one clear line, never another exception
        return
    assert ref.kind in ("arxiv", "pdf", "text")
    if ref.kind == "arxiv":
        assert re.fullmatch(r"\d{4}\.\d{4,5}|[a-z-]+/\d{7}", ref.arxiv_id), ref


@st.composite
def arxiv_ids(draw) -> tuple[str, int | None]:
    version = draw(st.none() | st.integers(1, 40))
    if draw(st.booleans()):
        yymm = draw(st.sampled_from([f"{y:02d}{m:02d}" for y in range(7, 30) for m in range(1, 13)
                                     if f"{y:02d}{m:02d}" >= "0704"]))
        digits = 5 if yymm >= "1501" else 4
        ident = f"{yymm}.{draw(st.integers(0, 10 ** digits - 1)):0{digits}d}"
        shown = ident
    else:
        archive = draw(st.sampled_from(["hep-th", "math", "cs", "astro-ph", "cond-mat", "quant-ph"]))
        subject = draw(st.sampled_from(["", ".GT", ".str-el"])) if archive in ("math", "cond-mat") else ""
        yy = draw(st.sampled_from([*range(91, 100), *range(0, 8)]))
        ident = f"{archive}/{yy:02d}{draw(st.integers(1, 12)):02d}{draw(st.integers(0, 999)):03d}"
        shown = ident.replace("/", f"{subject}/", 1)
    return ident, version, shown


@FAST
@given(arxiv_ids(), st.sampled_from(["{}", "arXiv:{}", " {} ", "https://arxiv.org/abs/{}",
                                      "https://arxiv.org/pdf/{}.pdf", "export.arxiv.org/html/{}"]))
def test_valid_ids_round_trip(parts, form: str):
    ident, version, shown = parts
    ref = parse_source(form.format(shown + (f"v{version}" if version else "")))
    assert (ref.kind, ref.arxiv_id, ref.version) == ("arxiv", ident, version)
    again = parse_source(ref.versioned_id)
    assert (again.arxiv_id, again.version) == (ident, version)


# ---------------------------------------------------------------- text cleanup


@FAST
@given(hostile_text)
def test_clean_machine_text_is_idempotent_and_never_makes_structure(text: str):
    once = clean_machine_text(text)
    assert clean_machine_text(once) == once
    for line in once.split("\n"):
        assert not re.match(r"\s*#", line), line  # no heading
        assert not re.fullmatch(r"\s*(?:-+|=+)\s*", line), line  # no front-matter fence, rule or setext underline
        assert not re.match(r"\s*(?:```|~~~)", line), line  # no code fence
    plain = FLAG.sub("", once)  # the pipeline's own flags are the only comments allowed
    assert "<!--" not in plain and not re.search(r"<[A-Za-z/!?]", plain), plain
    assert "TODO" not in plain and "](" not in plain


@FAST
@given(st.text(max_size=40))
def test_clean_chars_leaves_no_control_characters(text: str):
    cleaned = clean_chars(text)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\ufffd]", cleaned)


@FAST
@given(st.text(alphabet=st.sampled_from(list("´¨¸˜ˆ\x08\u00ad\u200b aAıﬁ")) | st.characters(), max_size=20))
@example("¸\x08A")
def test_clean_chars_is_idempotent(text: str):
    assert clean_chars(clean_chars(text)) == clean_chars(text)


@FAST
@given(st.lists(hostile_text, max_size=8))
def test_remove_stamp_is_idempotent(lines: list[str]):
    assert remove_stamp(remove_stamp(lines)) == remove_stamp(lines)


# ---------------------------------------------------------------- front matter


@FAST
@given(st.text(), st.lists(st.text(max_size=20), max_size=3), st.text())
@example("\x85", ["\u2028"], "")  # YAML reads both as line breaks
def test_front_matter_round_trips_and_keeps_the_body_byte_for_byte(title: str, authors: list[str], body: str):
    front = {"title": title, "authors": authors, "status": "draft", "version": 2, "prompt_hashes": {"a": title}}
    assert parse(compose(front, body)) == (front, body)


# ---------------------------------------------------------------- the critique gate


def _summary(word: str) -> Summary:
    return Summary(notes=[], sections={b.heading: f"{word} text for {b.heading}." for b in BLOG_SECTIONS},
                   model=f"model-{word}", prompt_hashes={})


@FAST
@given(before=hostile_text.filter(lambda t: "<" not in t and "\r" not in t), after=hostile_text)
def test_publishing_never_succeeds_while_the_placeholder_is_there(before: str, after: str):
    """Whatever the author writes around the placeholder (no comment of theirs hides it), publish refuses,
    and writes nothing: not the post, not the draft."""
    with tempfile.TemporaryDirectory() as tmp:
        draft = make_draft(Path(tmp) / "drafts")
        text = draft.read_text()
        draft.write_text(text.replace(PLACEHOLDER, f"{GOOD}\n{before}\n{PLACEHOLDER}\n{after}"), encoding="utf-8",
                         newline="")
        written = draft.read_bytes()
        with pytest.raises(NotReadyError):
            publish(draft, Path(tmp) / "blog", "jekyll", load_settings(), today=date(2024, 5, 1))
        assert draft.read_bytes() == written and not (Path(tmp) / "blog").exists()


def _publish_after(extra: str) -> tuple[bool, list, str]:
    """Publish a draft whose critique is GOOD and then ``extra``: (published, check's findings, the post)."""
    with tempfile.TemporaryDirectory() as tmp:
        draft = make_draft(Path(tmp) / "drafts", f"{GOOD}\n\n{extra}")
        before = draft.read_text()
        findings = check_file(draft, load_settings().critique_min_words)
        try:
            result = publish(draft, Path(tmp) / "blog", "hugo", load_settings(), today=date(2024, 5, 1))
        except NotReadyError:
            assert draft.read_text() == before and not (Path(tmp) / "blog").exists()
            return False, findings, ""
        post = result.post.read_text()
        assert TODO_MARK not in COMMENT.sub("", post)
        assert parse(draft.read_text())[1] == parse(before)[1]  # the body, byte for byte, after the rewrite
        return True, findings, post


@FAST
@given(hostile_text.filter(lambda t: "\r" not in t))
@example("## My critiqueTODO(author)")  # the mark glued to a word once slipped past the gate
def test_publish_refuses_exactly_the_drafts_check_finds_errors_in(extra: str):
    """The gate is check: publish refuses a draft if and only if check reports an error in it, and a published
    post never holds the placeholder."""
    published, findings, _ = _publish_after(extra)
    assert published == (not has_errors(findings)), findings


@FAST
@given(hostile_text.filter(lambda t: "\r" not in t and not TODO.search(t)))
@example("<!--")  # an unclosed comment after the critique hides nothing of it
@example("```\n## Results\n")  # nor an unclosed fence
@example(FOOTER + "by someone else*\n")  # nor a second footer
def test_a_good_critique_with_no_marker_is_published_whatever_follows_it(extra: str):
    """A gate that refused everything would pass the test above only if check did too: here a good critique,
    and after it anything without a TODO marker, is always published, with the critique in the post."""
    published, findings, post = _publish_after(extra)
    assert published, findings
    assert GOOD in post


@FAST
@given(critique=hostile_text.filter(lambda t: "\r" not in t), force=st.booleans())
@example(critique="## TL;DR\nMy own notes.\n", force=False)  # a second TL;DR once replaced the first
def test_a_redraft_never_changes_the_critique(critique: str, force: bool):
    """The author's critique may hold anything, even paperdraft's own headings and footer; redrafting
    (merging, or forcing) keeps the critique byte for byte, and the draft still parses."""
    assume(PLACEHOLDER not in critique)
    with tempfile.TemporaryDirectory() as tmp:
        drafts = Path(tmp)
        path = Path(write_draft(META, _summary("first"), "s", drafts).path)
        path.write_text(path.read_text().replace(PLACEHOLDER, critique), encoding="utf-8")
        region = critique_region(path.read_text())
        result = write_draft(META, _summary("second"), "s", drafts, force=force)
        text = path.read_text()
        assert critique_region(text) == region
        assert parse(text)[0] is not None and "second text for TL;DR." in text
        if force and result.backup:
            assert critique_region(Path(result.backup).read_text()) == region
