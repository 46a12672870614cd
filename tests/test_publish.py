"""``paperdraft publish``: the gate, the formats, idempotency, no overwriting, path safety, sharing."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_settings
from pipeline.draftfile.parse import front_and_body as parse
from pipeline.author.publish import publish
from pipeline.author.share import SHARE_LIMIT, emails_in_text, emails_on_first_page, share_text
from pipeline.errors import NotReadyError, PostConflictError
from pipeline.draftfile.render import compose
from pipeline.draftfile.store import write_draft
from pipeline.hashing import sha256_text
from pipeline.records import PaperMeta, Summary
from tests.conftest import corpus_file
from tests.test_review import GOOD, META, SECTION_TEXT, make_draft

DAY = date(2024, 5, 1)
NAME = "2024-05-01-attention-is-all-you-need"


def front_of(text: str) -> dict:
    match = re.match(r"\A---\n(.*?)\n---\n", text, re.S)
    assert match, text[:200]
    return yaml.safe_load(match.group(1))


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def settings():
    return load_settings()


def test_the_gate_refuses_placeholder_short_and_copied_critiques_then_publishes(tmp_path: Path):
    blog = tmp_path / "site" / "_posts"
    copied = f"{GOOD} " + SECTION_TEXT["How it works"]
    for critique, why in [(None, "placeholder"), ("I liked it a lot.", "words of your own"),
                          (copied, "copied from the machine-written section 'How it works'")]:
        drafts = tmp_path / f"drafts-{len(critique or '')}"
        path = make_draft(drafts, critique)
        before = path.read_text()
        result = run("publish", str(path), "--to", str(blog))
        assert result.exit_code == 1
        assert why in result.stderr
        assert "write your critique under ## My critique, then run paperdraft check" in result.stderr
        assert path.read_text() == before and not blog.exists()
    path = make_draft(tmp_path / "drafts", GOOD)
    result = run("publish", str(path), "--to", str(blog))
    assert result.exit_code == 0, result.output
    (post,) = blog.glob("*.md")
    assert f"written: {post}" in result.stdout
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-attention-is-all-you-need\.md", post.name)


@pytest.mark.parametrize("fmt", ["jekyll", "hugo", "quarto"])
def test_each_format_gets_the_front_matter_it_expects(fmt: str, tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    result = publish(draft, tmp_path / "blog", fmt, settings, today=DAY)
    ext = "qmd" if fmt == "quarto" else "md"
    assert result.post == tmp_path / "blog" / f"{NAME}.{ext}" and result.status == "written"
    text = result.post.read_text()
    front = front_of(text)
    assert front["title"] == META.title and front["date"] == DAY
    tags_key = "categories" if fmt == "quarto" else "tags"
    assert front[tags_key] == ["cs.CL", "cs.LG"]
    paper = front["params"] if fmt == "hugo" else front
    assert paper["arxiv_url"] == META.url and paper["paper_authors"] == META.authors
    if fmt == "jekyll":
        assert front["layout"] == "post"
    if fmt == "hugo":
        assert front["draft"] is False and front["slug"] == "attention-is-all-you-need"
    for internal in ("content_hash", "prompt_hashes", "generated_at", "status", "source"):
        assert internal not in front
    body = text.split("\n---\n", 1)[1]
    assert "<!--" not in text and "TODO" not in text and "# Attention Is All You Need" not in body
    assert GOOD in body and SECTION_TEXT["Results"] in body
    footer = body.rsplit("\n---\n", 1)[1]
    assert "drafted with paperdraft" in footer and "tiny-test-model" in footer  # the footer is kept


def test_plain_format_has_a_title_heading_and_a_metadata_line(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    post = publish(draft, tmp_path / "blog", "plain", settings, today=DAY).post
    lines = post.read_text().splitlines()
    assert post.name == f"{NAME}.md" and not lines[0].startswith("---")
    assert lines[0] == "# Attention Is All You Need"
    assert lines[2] == f"*Published 2024-05-01 · [arXiv:1706.03762]({META.url}) · cs.CL, cs.LG*"
    assert sum(line.startswith("# ") for line in lines) == 1


def test_publishing_marks_the_draft_and_keeps_its_content_hash(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    before_front, before_body = parse(draft.read_text())
    post = publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY).post
    front, body = parse(draft.read_text())
    assert body == before_body and front["content_hash"] == before_front["content_hash"]
    assert front["section_hashes"] == before_front["section_hashes"]
    assert front["status"] == "published"
    assert front["posts"] == [{"to": str(post.resolve()), "format": "jekyll", "hash": sha256_text(post.read_text()),
                               "at": "2024-05-01"}]
    assert not list(tmp_path.rglob(".*.tmp"))
    rows = run("list", "--drafts-dir", str(tmp_path / "drafts"), "--json").stdout
    assert '"status": "published"' in rows


def test_publishing_twice_gives_the_same_post_even_on_another_day(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    blog = tmp_path / "blog"
    first = publish(draft, blog, "jekyll", settings, today=DAY)
    content, draft_text = first.post.read_text(), draft.read_text()
    again = publish(draft, blog, "jekyll", settings, today=date(2024, 6, 2))
    assert again.status == "unchanged" and again.post == first.post
    assert first.post.read_text() == content and draft.read_text() == draft_text
    assert sorted(p.name for p in blog.iterdir()) == [f"{NAME}.md"]  # the share text is beside the draft


def test_a_changed_draft_updates_its_post_in_place(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    blog = tmp_path / "blog"
    first = publish(draft, blog, "hugo", settings, today=DAY)
    draft.write_text(draft.read_text().replace("helps a lot.", "helps a lot. Still, I would teach from it."))
    second = publish(draft, blog, "hugo", settings, today=date(2025, 1, 1))
    assert second.status == "updated" and second.post == first.post
    assert "I would teach from it." in first.post.read_text() and front_of(first.post.read_text())["date"] == DAY
    assert len(list(blog.glob("*.md"))) == 1


def test_a_post_edited_after_publishing_is_never_overwritten(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    blog = tmp_path / "blog"
    post = publish(draft, blog, "jekyll", settings, today=DAY).post
    post.write_text(post.read_text() + "\nAn update I wrote on the blog itself.\n")
    edited = post.read_text()
    draft.write_text(draft.read_text().replace("helps a lot.", "helps a lot. Another thought."))
    with pytest.raises(PostConflictError, match="changed after paperdraft published it"):
        publish(draft, blog, "jekyll", settings, today=DAY)
    assert post.read_text() == edited
    result = run("publish", str(draft), "--to", str(blog))
    assert result.exit_code == 1 and "not overwriting it" in result.stderr and post.read_text() == edited


def test_a_foreign_file_at_the_target_is_never_overwritten(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    blog = tmp_path / "blog"
    blog.mkdir()
    (blog / f"{NAME}.md").write_text("someone else's post\n")
    with pytest.raises(PostConflictError):
        publish(draft, blog, "jekyll", settings, today=DAY)
    assert (blog / f"{NAME}.md").read_text() == "someone else's post\n"
    assert parse(draft.read_text())[0]["status"] == "draft"


@pytest.mark.parametrize("title, arxiv_id", [
    ("../../../etc/passwd", "1706.03762"),
    ("/tmp/absolute/evil", None),
    ("nul\x00byte/../x", None),
    ("A" * 5000, None),
    ("\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fevil", None),  # full-width "../../"
    ("\u2024\u2024\u2215\u2024\u2024\u2215evil", None),  # one-dot leaders and division slash
    ("\u202e\u2066 ..\\..\\", "../../../x"),  # bidi overrides, backslashes, a hostile id
])
def test_a_crafted_title_or_id_never_writes_outside_the_blog_folder(title: str, arxiv_id, tmp_path: Path, settings):
    meta = PaperMeta(title=title, authors=["Eve"], arxiv_id=arxiv_id, url="https://arxiv.org/abs/1706.03762")
    draft = make_draft(tmp_path / "drafts", GOOD, meta=meta)
    blog = tmp_path / "work" / "blog"
    blog.mkdir(parents=True)
    outside = {p for p in tmp_path.rglob("*") if blog not in p.parents}
    result = publish(draft, blog, "jekyll", settings, today=DAY)
    assert result.post.parent == blog and result.share.parent == draft.parent
    assert re.fullmatch(r"2024-05-01-[a-z0-9]+(-[a-z0-9]+)*\.md", result.post.name)
    assert len(result.post.name) <= 90
    assert result.share.name == f"{draft.stem}.share.txt"  # the draft's name: safe already
    # the draft was there before; the share text is the only new file outside the blog
    assert {p for p in tmp_path.rglob("*") if blog not in p.parents} == outside | {result.share}
    assert sorted(p.name for p in blog.iterdir()) == [result.post.name]
    assert front_of(result.post.read_text())["title"] == title


def test_a_crafted_published_to_in_the_draft_is_not_followed(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    victim = tmp_path / "outside" / "2024-01-01-evil.md"
    victim.parent.mkdir()
    front, body = parse(draft.read_text())
    front.update(published_to=str(victim), published_format="jekyll", published_hash="0" * 64)
    draft.write_text("---\n" + yaml.safe_dump(front) + "---\n\n" + body)
    result = publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY)
    assert result.post == tmp_path / "blog" / f"{NAME}.md" and not victim.exists()


def test_share_text_has_title_take_and_link_within_280_characters(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    result = publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY)
    take = "The evidence for the main claim is narrower than the title suggests."
    assert result.share_text == f"{META.title}: {take}\n{META.url}"
    assert result.share.read_text() == result.share_text + "\n"
    out = run("publish", str(draft), "--to", str(tmp_path / "blog")).stdout
    assert result.share_text in out


def test_share_text_shortens_the_take_not_the_link():
    text = share_text("A title", "word " * 200, "https://arxiv.org/abs/1706.03762v5")
    assert len(text) <= SHARE_LIMIT and text.startswith("A title: word") and text.endswith("…\nhttps://arxiv.org/abs/1706.03762v5")
    huge = share_text("T" * 400, "take", None)
    assert len(huge) <= SHARE_LIMIT


def test_emails_in_text_expand_braces():
    text = ("{jacobdevlin,mingweichang, kentonl}@google.com and\n{adosovitskiy,\nneilhoulsby}@google.com; "
            "jimmy@psi.utoronto.ca. Again: kentonl@google.com")
    assert emails_in_text(text) == ["jacobdevlin@google.com", "mingweichang@google.com", "kentonl@google.com",
                                    "adosovitskiy@google.com", "neilhoulsby@google.com", "jimmy@psi.utoronto.ca"]
    assert emails_in_text("no address @ here, not@tld") == []


def test_emails_on_the_first_page_of_a_real_pdf(tmp_path: Path):
    pdf = corpus_file("pdfs/1706.03762v5.pdf")
    emails = emails_on_first_page(pdf)
    assert emails[:2] == ["avaswani@google.com", "noam@google.com"] and "aidan@cs.toronto.edu" in emails
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4 not really")
    assert emails_on_first_page(junk) == []


def test_publish_lists_emails_from_the_cached_pdf(tmp_path: Path, isolated_home: Path):
    pdf = corpus_file("pdfs/1706.03762v5.pdf")
    cached = isolated_home / "cache" / "pdfs" / "1706.03762v5.pdf"
    cached.parent.mkdir(parents=True)
    cached.symlink_to(pdf)
    draft = make_draft(tmp_path / "drafts", GOOD)
    result = run("publish", "1706.03762", "--drafts-dir", str(tmp_path / "drafts"), "--to", str(tmp_path / "blog"))
    assert result.exit_code == 0, result.output
    assert re.search(r"e-mail addresses on the paper's first page: avaswani@google\.com, noam@google\.com",
                     result.stdout)
    assert draft.exists()


def test_not_ready_error_carries_the_findings(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts")
    with pytest.raises(NotReadyError) as caught:
        publish(draft, tmp_path / "blog", "jekyll", settings)
    errors = [f for f in caught.value.findings if f.severity == "error"]
    assert len(errors) == 2  # the placeholder and too few words; the warnings name the untouched sections
    assert len(caught.value.findings) == 2 + len(SECTION_TEXT)


# ---------------------------------------------------------------- file modes


@pytest.fixture
def umask():
    """Set the process umask for one test; the old one is restored after it."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=["umask-022", "umask-077", "umask-002"])
def test_new_drafts_and_posts_get_the_mode_the_umask_gives(tmp_path: Path, settings, umask, mask: int,
                                                           expected: int):
    """A site generator running as another user must be able to read a post, as with any file the user writes."""
    umask(mask)
    draft = make_draft(tmp_path / "drafts", GOOD)
    assert mode(draft) == expected
    result = publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY)
    assert mode(result.post) == expected and mode(result.share) == expected
    assert mode(draft) == expected  # marked published, mode unchanged


def test_a_draft_keeps_the_mode_its_author_gave_it(tmp_path: Path, settings, umask):
    umask(0o022)
    draft = make_draft(tmp_path / "drafts", GOOD)
    draft.chmod(0o640)
    summary = Summary(notes=[], sections={h: f"Redrafted {h}." for h in SECTION_TEXT}, model="model-b",
                      prompt_hashes={})
    assert write_draft(META, summary, "1706.03762", tmp_path / "drafts").status == "merged"
    assert mode(draft) == 0o640 and "Redrafted Results." in draft.read_text()
    publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY)
    assert parse(draft.read_text())[0]["status"] == "published" and mode(draft) == 0o640


# ---------------------------------------------------------------- a hand-edited published_to


@pytest.mark.parametrize("name", ["2026-13-45-x.md", "2025-02-30-attention-is-all-you-need.md"])
def test_a_recorded_post_name_with_no_such_date_is_published_under_todays_name(tmp_path: Path, settings, name: str):
    draft = make_draft(tmp_path / "drafts", GOOD)
    blog = tmp_path / "blog"
    blog.mkdir()
    front, body = parse(draft.read_text())
    front.update(published_to=str((blog / name).resolve()), published_format="jekyll", published_hash="0" * 64)
    draft.write_text(compose(front, body))
    result = publish(draft, blog, "jekyll", settings, today=DAY)
    assert result.post == blog / f"{NAME}.md" and result.status == "written"
    assert front_of(result.post.read_text())["date"] == DAY
    assert [r["to"] for r in parse(draft.read_text())[0]["posts"]] == [str(result.post.resolve())]
    assert not (blog / name).exists()


# ---------------------------------------------------------------- comments and code


def test_a_comment_opener_in_a_code_block_is_published_as_code(tmp_path: Path, settings):
    """A Markdown renderer shows ``<!--`` inside a fenced code block as code: the post keeps it, and the sections
    after it, while the author's real comments are still dropped."""
    example = "```html\n<!-- the markup the paper proposes\n```"
    draft = make_draft(tmp_path / "drafts", f"{GOOD}\n\n<!-- a note to myself -->")
    draft.write_text(draft.read_text().replace(SECTION_TEXT["Key ideas"], f"{SECTION_TEXT['Key ideas']}\n\n{example}"))
    post = publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY).post.read_text()
    assert example in post and SECTION_TEXT["Results"] in post and GOOD in post
    assert "## Results" in post and "## My critique" in post
    assert "a note to myself" not in post and "This section is yours" not in post


# ---------------------------------------------------------------- the post's footer says what the post holds


def post_footer(post: Path) -> str:
    """The post's last line: its footer, found independently of paperdraft (the last rule, then one line)."""
    tail = post.read_text().rstrip("\n").rsplit("\n---\n\n", 1)
    assert len(tail) == 2 and "\n" not in tail[1], tail[-1]
    return tail[1]


def quote_lines(post: Path) -> int:
    summary = post.read_text().split("\n## My critique\n", 1)[0]
    return sum(1 for line in summary.splitlines() if line.startswith("> “"))


def test_the_footer_of_an_untouched_summary_names_the_model(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    post = publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY).post
    assert post_footer(post) == ("*The summary above was drafted with paperdraft by tiny-test-model. "
                                 "The critique is the author's own.*")
    assert "written by tiny-test-model" not in post.read_text()  # the draft's own footer line is not copied


def test_the_footer_counts_the_quotes_and_names_only_the_sections_still_as_drafted(tmp_path: Path, settings):
    from pipeline.draftfile.format import QUOTE_NOTE, quote_block

    quotes = [("Attention is all you need for translation.", "p. 1"), ("We train on WMT 2014.", "p. 7, §5.1"),
              ("The big model reaches 28.4 BLEU.", "p. 8")]
    sections = dict(SECTION_TEXT, **{"TL;DR": quote_block(quotes[:1], "*Attention*"),
                                     "Results": quote_block(quotes[1:], "*Attention*")})
    draft = make_draft(tmp_path / "drafts", GOOD, sections=sections)
    text = draft.read_text().replace(QUOTE_NOTE + "\n", "")  # the author keeps the quotes, as quotes
    text = text.replace(SECTION_TEXT["Key ideas"], "Every position attends to every other one, in one step.")
    draft.write_text(text)
    post = publish(draft, tmp_path / "blog", "hugo", settings, today=DAY).post
    assert quote_lines(post) == 3
    assert post_footer(post) == (
        "*The summary above quotes the paper in 3 sentences; the sections 'The problem', 'How it works' and "
        "'Limitations' were drafted with paperdraft by tiny-test-model; the rest is the author's. "
        "The critique is the author's own.*")

    # the author rewrites the last three: the summary is theirs, with the quotes they kept
    for heading in ("The problem", "How it works", "Limitations"):
        edit(draft, SECTION_TEXT[heading], f"My own account of {heading.lower()}.")
    assert publish(draft, tmp_path / "blog", "hugo", settings, today=DAY).status == "updated"
    assert post_footer(post) == ("*The summary above is the author's, quoting the paper in 3 sentences. "
                                 "The critique is the author's own.*")

    # one section as drafted again (the author undid their edit), no quotes left
    for heading, block in (("TL;DR", quote_block(quotes[:1], "*Attention*")),
                           ("Results", quote_block(quotes[1:], "*Attention*"))):
        edit(draft, block.replace(QUOTE_NOTE + "\n", ""), f"My own {heading}.")
    edit(draft, "My own account of limitations.", SECTION_TEXT["Limitations"])
    publish(draft, tmp_path / "blog", "hugo", settings, today=DAY)
    assert quote_lines(post) == 0
    assert post_footer(post) == ("*In the summary above, the section 'Limitations' was drafted with paperdraft by "
                                 "tiny-test-model; the rest is the author's. The critique is the author's own.*")

    edit(draft, SECTION_TEXT["Limitations"], "My own limits.")
    publish(draft, tmp_path / "blog", "hugo", settings, today=DAY)
    assert post_footer(post) == "*The summary and the critique are the author's own.*"
    assert "drafted with paperdraft" in draft.read_text()  # the draft's own footer is left as it was


def edit(draft: Path, old: str, new: str) -> None:
    text = draft.read_text()
    assert text.count(old) == 1, old
    draft.write_text(text.replace(old, new))


def test_a_post_of_drafted_sections_gets_a_footer_even_when_the_author_deleted_it(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    text = draft.read_text()
    draft.write_text(text[: text.rindex("\n---\n")] + "\n")
    post = publish(draft, tmp_path / "blog", "plain", settings, today=DAY).post
    assert post_footer(post).startswith("*The summary above was drafted with paperdraft by tiny-test-model.")


def test_a_draft_without_section_hashes_keeps_its_own_footer(tmp_path: Path, settings):
    """Nothing tells its sections apart: the post claims no more than the draft's own footer did."""
    draft = make_draft(tmp_path / "drafts", GOOD)
    front, body = parse(draft.read_text())
    del front["section_hashes"]
    draft.write_text(compose(front, body))
    post = publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY).post
    assert post_footer(post) == body.rstrip("\n").rsplit("\n", 1)[1]
    assert "written by tiny-test-model" in post_footer(post) or "tiny-test-model wrote none" in post_footer(post)


# ---------------------------------------------------------------- help, share text, status after a redraft


def test_publish_help_names_the_blog_folder_as_the_to_option_not_an_argument():
    result = run("publish", "--help")
    assert result.exit_code == 0
    usage = next(line for line in result.stdout.splitlines() if "Usage:" in line)
    assert "BLOG_DIR" not in usage and "in BLOG_DIR" not in result.stdout
    assert re.search(r"--to\W+BLOG_DIR", result.stdout) and re.search(r"--name\W+SLUG", result.stdout)
    assert "given with --to" in " ".join(result.stdout.split())


@pytest.mark.parametrize("fmt, posts", [("jekyll", "site/_posts"), ("hugo", "content/posts")])
def test_the_share_text_is_written_beside_the_draft_not_among_the_posts(fmt: str, posts: str, tmp_path: Path,
                                                                        settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    blog = tmp_path / posts
    result = publish(draft, blog, fmt, settings, today=DAY)
    assert result.share == draft.with_name(f"{draft.stem}.share.txt")
    assert result.share.read_text() == result.share_text + "\n"
    assert [p.name for p in (tmp_path / posts.split("/")[0]).rglob("*")] == [blog.name, result.post.name]
    out = run("publish", str(draft), "--to", str(blog), "--format", fmt).stdout
    assert f"share text ({result.share})" in out


@pytest.mark.parametrize("force", [False, True], ids=["merge", "force"])
def test_a_redraft_that_changes_a_published_drafts_text_makes_it_a_draft_again(force: bool, tmp_path: Path,
                                                                               settings):
    drafts, blog = tmp_path / "drafts", tmp_path / "blog"
    draft = make_draft(drafts, GOOD)
    if force:  # the author edited a section; --force replaces it
        draft.write_text(draft.read_text().replace(SECTION_TEXT["Results"], "My own results."))
    post = publish(draft, blog, "jekyll", settings, today=DAY).post
    records = parse(draft.read_text())[0]["posts"]
    unchanged = Summary(notes=[], sections=dict(SECTION_TEXT), model="tiny-test-model",
                        prompt_hashes={"notes": "abc123"})  # as make_draft drafted it
    assert write_draft(META, unchanged, "1706.03762", drafts).status == "unchanged"
    assert parse(draft.read_text())[0]["status"] == "published"  # nothing changed: still published

    sections = dict(SECTION_TEXT, Results="The big model reaches 28.4 BLEU, the second draft says.")
    if force:
        sections = dict(SECTION_TEXT, Results="Redrafted results.")
    result = write_draft(META, Summary(notes=[], sections=sections, model="model-b", prompt_hashes={}), "1706.03762",
                         drafts, force=force)
    assert result.status == "merged" and "Results" in result.updated
    front = parse(draft.read_text())[0]
    assert front["status"] == "draft" and front["posts"] == records  # the records stay: the post is updated
    assert publish(draft, blog, "jekyll", settings, today=DAY).status == "updated"
    assert parse(draft.read_text())[0]["status"] == "published" and len(list(blog.glob("*.md"))) == 1
    assert post.exists()
