"""One draft, many blogs: a record per post (``posts`` in the draft's front matter), each post republished in
place and idempotently, an edit to one post stopping only that post; older drafts' single ``published_*`` keys
still work and are written back in the new form."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from pipeline.author.publish import publish
from pipeline.config import load_settings
from pipeline.draftfile.parse import front_and_body as parse
from pipeline.draftfile.render import compose
from pipeline.errors import PostConflictError
from pipeline.hashing import sha256_text
from tests.test_review import GOOD, make_draft

DAY = date(2024, 5, 1)
NAME = "2024-05-01-attention-is-all-you-need.md"


@pytest.fixture
def settings():
    return load_settings()


def later(n: int) -> date:
    return DAY + timedelta(days=n)


def records(draft: Path) -> list[dict]:
    return parse(draft.read_text())[0]["posts"]


def assert_records_match_the_posts(draft: Path, *posts: tuple[Path, str]) -> None:
    """The draft has one record per post, in order, each with the hash of the post as it is on disk."""
    assert records(draft) == [{"to": str(post.resolve()), "format": fmt, "hash": sha256_text(post.read_text()),
                               "at": "2024-05-01"} for post, fmt in posts]


def say_more(draft: Path, words: str) -> None:
    text = draft.read_text()
    assert text.count("helps a lot.") == 1
    draft.write_text(text.replace("helps a lot.", f"helps a lot. {words}"))


def test_jekyll_then_hugo_then_each_again_all_succeed_with_one_post_each(tmp_path: Path, settings):
    """The newcomer's sequence (issue 17): Jekyll, Hugo, Jekyll again, Hugo again, with the draft edited in
    between and on other days. Each publish succeeds, updates its own post in place and keeps its date."""
    draft = make_draft(tmp_path / "drafts", GOOD)
    jekyll, hugo, mirror = tmp_path / "site" / "_posts", tmp_path / "hugo" / "content" / "posts", tmp_path / "m"
    first = publish(draft, jekyll, "jekyll", settings, today=DAY)
    second = publish(draft, hugo, "hugo", settings, today=DAY)
    third = publish(draft, mirror, "jekyll", settings, today=DAY)  # a second Jekyll blog is a target of its own
    assert [r.status for r in (first, second, third)] == ["written"] * 3
    assert parse(draft.read_text())[0]["status"] == "published"

    say_more(draft, "Still, I would teach from it.")
    again = [publish(draft, jekyll, "jekyll", settings, today=later(1)),
             publish(draft, hugo, "hugo", settings, today=later(2)),
             publish(draft, mirror, "jekyll", settings, today=later(3))]
    assert [r.status for r in again] == ["updated"] * 3
    assert [r.post for r in again] == [first.post, second.post, third.post]  # the same names, the first date
    for result in again:
        assert "I would teach from it." in result.post.read_text()
    assert_records_match_the_posts(draft, (first.post, "jekyll"), (second.post, "hugo"), (third.post, "jekyll"))

    # and once more, with nothing changed: idempotent, the draft byte for byte
    before = draft.read_bytes()
    posts = {p: p.read_bytes() for p in (first.post, second.post, third.post)}
    for blog, fmt in ((jekyll, "jekyll"), (hugo, "hugo"), (mirror, "jekyll"), (hugo, "hugo")):
        assert publish(draft, blog, fmt, settings, today=later(9)).status == "unchanged"
    assert draft.read_bytes() == before and {p: p.read_bytes() for p in posts} == posts
    for blog in (jekyll, hugo, mirror):
        assert [p.name for p in blog.iterdir()] == [NAME]


def test_an_edit_to_one_post_stops_only_that_post(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    jekyll, hugo = tmp_path / "site" / "_posts", tmp_path / "content" / "posts"
    j = publish(draft, jekyll, "jekyll", settings, today=DAY).post
    h = publish(draft, hugo, "hugo", settings, today=DAY).post
    hugo_record = records(draft)[1]
    h.write_text(h.read_text() + "\nA correction I made on the Hugo site.\n")
    edited = h.read_text()

    say_more(draft, "A second thought.")
    assert publish(draft, jekyll, "jekyll", settings, today=DAY).status == "updated"  # not stopped by Hugo's edit
    with pytest.raises(PostConflictError, match="changed after paperdraft published it"):
        publish(draft, hugo, "hugo", settings, today=DAY)
    assert h.read_text() == edited and "A second thought." in j.read_text()
    assert records(draft)[1] == hugo_record  # the Hugo record still holds what paperdraft wrote there
    assert records(draft)[0]["hash"] == sha256_text(j.read_text())
    assert publish(draft, jekyll, "jekyll", settings, today=DAY).status == "unchanged"


def legacy(draft: Path) -> None:
    """Turn a published draft's record into the single keys older paperdraft wrote."""
    front, body = parse(draft.read_text())
    (record,) = front.pop("posts")
    front.update(published_to=record["to"], published_at=record["at"], published_format=record["format"],
                 published_hash=record["hash"])
    draft.write_text(compose(front, body))


def test_an_old_draft_with_the_single_published_keys_is_read_as_one_record(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    jekyll, hugo = tmp_path / "site" / "_posts", tmp_path / "content" / "posts"
    post = publish(draft, jekyll, "jekyll", settings, today=DAY).post
    legacy(draft)
    assert "published_hash" in draft.read_text() and "posts" not in parse(draft.read_text())[0]

    assert publish(draft, jekyll, "jekyll", settings, today=later(5)).status == "unchanged"  # the same post
    front = parse(draft.read_text())[0]
    assert not {"published_to", "published_at", "published_format", "published_hash"} & set(front)
    assert_records_match_the_posts(draft, (post, "jekyll"))  # written back in the new form

    legacy(draft)
    say_more(draft, "An update.")
    assert publish(draft, jekyll, "jekyll", settings, today=later(6)).status == "updated"  # the old hash is ours
    h = publish(draft, hugo, "hugo", settings, today=DAY).post
    assert_records_match_the_posts(draft, (post, "jekyll"), (h, "hugo"))
    assert [p.name for p in jekyll.iterdir()] == [NAME]


def test_an_old_draft_whose_post_was_edited_is_still_protected(tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    post = publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY).post
    legacy(draft)
    post.write_text(post.read_text() + "\nEdited on the blog.\n")
    say_more(draft, "More.")
    with pytest.raises(PostConflictError):
        publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY)
    assert post.read_text().endswith("Edited on the blog.\n")


@pytest.mark.parametrize("posts", ["a string", [1, None, {"format": "jekyll"}, {"to": 5}], {"to": "x"}])
def test_a_hand_broken_posts_list_is_replaced_not_followed(posts, tmp_path: Path, settings):
    draft = make_draft(tmp_path / "drafts", GOOD)
    front, body = parse(draft.read_text())
    draft.write_text(compose({**front, "posts": posts}, body))
    result = publish(draft, tmp_path / "blog", "jekyll", settings, today=DAY)
    assert result.status == "written"
    assert_records_match_the_posts(draft, (result.post, "jekyll"))
    assert yaml.safe_load(draft.read_text().split("---\n")[1])["status"] == "published"
