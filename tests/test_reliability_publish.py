"""Bad input and faults in ``paperdraft publish`` (issue 18, docs/reliability.md): two drafts racing for one
post name, a name another paper's post holds, read-only folders, a draft that is a symlink, a ``--to`` that is
no folder, and a draft whose front matter lost its closing ``---``. Each fault is real: real processes, a real
read-only mount (root ignores file modes), real links and files."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.author.check import check_file
from pipeline.author.publish import publish
from pipeline.cli import app
from pipeline.config import load_settings
from pipeline.draftfile.parse import front_and_body as parse
from pipeline.errors import ConfigError, NotReadyError, PostConflictError, WriteError
from pipeline.hashing import sha256_text
from pipeline.records import PaperMeta
from tests.test_review import GOOD, META, make_draft

DAY = date(2024, 5, 1)
NAME = "2024-05-01-attention-is-all-you-need.md"
# another paper with the same title: its post gets the same name
OTHER = PaperMeta(title=META.title, authors=["Someone Else"], arxiv_id="2401.00001", version=1,
                  url="https://arxiv.org/abs/2401.00001v1", categories=["cs.LG"])
OTHER_CRITIQUE = GOOD.replace("The evidence for the main claim is narrower than the title suggests.",
                              "This second paper borrows a famous title and little else from the first.")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def one_line_error(result, code: int, *fragments: str) -> str:
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("error:") and len(lines) <= 2, result.stderr  # the error, and a hint
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in " ".join(result.stderr.split()), result.stderr
    return lines[0]


def tmp_files(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*.tmp")]


# ---------------------------------------------------------------- two drafts, one post name, at once


def _race(draft: str, blog: str, barrier, queue) -> None:
    """A child: wait for the other, then publish at the same moment; report what happened."""
    barrier.wait()
    try:
        result = publish(Path(draft), Path(blog), "jekyll", load_settings(), today=DAY)
        queue.put((draft, "ok", str(result.post)))
    except PostConflictError as exc:
        queue.put((draft, "taken" if "is the post of another paper" in exc.message else "conflict", str(exc)))
    except Exception as exc:  # noqa: BLE001: any other outcome fails the test, with its reason
        queue.put((draft, "error", repr(exc)))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks real processes")
def test_two_drafts_racing_for_one_post_name_give_one_whole_post_and_a_clear_conflict(tmp_path: Path):
    """Two processes publish two papers of the same title into one blog at the same moment, many times over.
    The lock on the blog folder lets one choose and write the name; the other then finds another paper's post
    there and is refused clearly. Never both, never half a post, and the loser's draft is untouched."""
    ctx = multiprocessing.get_context("fork")
    a = make_draft(tmp_path / "src-a", GOOD)
    b = make_draft(tmp_path / "src-b", OTHER_CRITIQUE, meta=OTHER)
    winners = set()
    for trial in range(24):
        drafts = [tmp_path / f"t{trial}" / "a" / a.name, tmp_path / f"t{trial}" / "b" / b.name]
        for source, target in zip((a, b), drafts):
            target.parent.mkdir(parents=True)
            shutil.copyfile(source, target)
        before = {d: d.read_bytes() for d in drafts}
        blog = tmp_path / f"t{trial}" / "blog"
        barrier, queue = ctx.Barrier(2), ctx.Queue()
        children = [ctx.Process(target=_race, args=(str(d), str(blog), barrier, queue)) for d in drafts]
        for child in children:
            child.start()
        outcomes = {draft: (kind, detail) for draft, kind, detail in (queue.get(timeout=120) for _ in children)}
        for child in children:
            child.join(30)
            assert child.exitcode == 0
        kinds = sorted(kind for kind, _ in outcomes.values())
        assert kinds == ["ok", "taken"], (trial, outcomes)
        winner = next(Path(d) for d, (kind, _) in outcomes.items() if kind == "ok")
        loser = next(Path(d) for d, (kind, _) in outcomes.items() if kind == "taken")
        winners.add(winner.parent.name)
        message = outcomes[str(loser)][1]
        assert f"{blog / NAME} is the post of another paper" in message and "--name" in message

        (post,) = blog.iterdir()  # one post, nothing else: no share text, no temp file
        text = post.read_text()
        assert post.name == NAME and text.rstrip().endswith("The critique is the author's own.*")
        front = yaml.safe_load(text.split("---\n")[1])
        ident, critique = ("1706.03762", GOOD) if winner == drafts[0] else ("2401.00001", OTHER_CRITIQUE)
        assert front["arxiv_id"] == ident and critique in text  # whole, and the winner's alone
        (record,) = parse(winner.read_text())[0]["posts"]
        assert record["to"] == str(post.resolve()) and record["hash"] == sha256_text(text)
        assert loser.read_bytes() == before[loser] and not loser.with_name(f"{loser.stem}.share.txt").exists()
        assert not tmp_files(tmp_path / f"t{trial}")
    assert winners  # (which one wins varies; that one always does, whole, is the point)


# ---------------------------------------------------------------- the same post name, one after the other


def test_a_name_another_papers_post_holds_is_said_so_and_another_name_offered(tmp_path: Path):
    drafts, blog = tmp_path / "drafts", tmp_path / "blog"
    a = make_draft(drafts, GOOD)
    b = make_draft(drafts, OTHER_CRITIQUE, meta=OTHER)
    first = publish(a, blog, "jekyll", load_settings())  # today, as the CLI below publishes
    post_a = first.post.read_bytes()
    before = b.read_bytes()
    with pytest.raises(PostConflictError, match="is the post of another paper") as caught:
        publish(b, blog, "jekyll", load_settings())
    assert caught.value.message == (f"{first.post} is the post of another paper, 'Attention Is All You Need' "
                                    f"(arXiv 1706.03762), drafted in {a}; not overwriting it")
    suggested = "attention-is-all-you-need-2401-00001"
    assert caught.value.hint == f"publish this draft under another name: paperdraft publish {b} --to {blog} " \
                                f"--name {suggested}"
    assert b.read_bytes() == before and first.post.read_bytes() == post_a

    result = run("publish", str(b), "--to", str(blog))  # the CLI says the same, and does nothing
    one_line_error(result, 1, "is the post of another paper", f"--name {suggested}")
    assert b.read_bytes() == before

    done = run("publish", str(b), "--to", str(blog), "--name", suggested)  # the hint, as given, works
    assert done.exit_code == 0, done.output
    day = first.post.name[:10]
    assert sorted(p.name for p in blog.iterdir()) == sorted([first.post.name, f"{day}-{suggested}.md"])
    assert first.post.read_bytes() == post_a
    (record,) = parse(b.read_text())[0]["posts"]
    assert record["to"].endswith(f"-{suggested}.md")
    assert run("publish", str(b), "--to", str(blog)).stdout.startswith("unchanged:")  # the recorded name is kept


@pytest.mark.parametrize("name", ["Bad Name", "../x", "a--b", "-a", "x" * 61, ""])
def test_an_unusable_name_is_one_line_and_nothing_is_written(name: str, tmp_path: Path):
    draft = make_draft(tmp_path / "drafts", GOOD)
    before = draft.read_bytes()
    result = run("publish", str(draft), "--to", str(tmp_path / "blog"), "--name", name)
    one_line_error(result, 2, f"the post name '{name}' is not usable")
    assert draft.read_bytes() == before and not (tmp_path / "blog").exists()


# ---------------------------------------------------------------- read-only folders




@pytest.fixture
def freezable(tmp_path: Path):
    """A folder the test fills, then makes read-only with ``freeze()``: a tmpfs remounted read-only for root
    (who ignores file modes), every folder in it made 0555 for anyone else."""
    folder = tmp_path / "frozen"
    folder.mkdir()
    if os.geteuid() != 0:
        def freeze() -> None:
            for sub in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
                sub.chmod(0o555)
        yield SimpleNamespace(path=folder, freeze=freeze)
        for sub in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
            sub.chmod(0o755)
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")

    def freeze() -> None:
        again = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True)
        if again.returncode != 0:
            pytest.skip(f"cannot remount read-only: {again.stderr.decode(errors='replace').strip()}")
        assert not os.access(folder, os.W_OK)

    try:
        yield SimpleNamespace(path=folder, freeze=freeze)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_read_only_drafts_folder_publishes_nothing(freezable, tmp_path: Path):
    """The draft could not be marked published: so no post goes live, and no share text is written."""
    draft = make_draft(freezable.path / "drafts", GOOD)
    before = draft.read_bytes()
    freezable.freeze()
    blog = tmp_path / "blog"
    with pytest.raises(WriteError, match=r"cannot write to the drafts folder .*nothing was published"):
        publish(draft, blog, "jekyll", load_settings(), today=DAY)
    assert not blog.exists()
    result = run("publish", str(draft), "--to", str(blog))
    one_line_error(result, 1, f"cannot write to the drafts folder {draft.parent}", "nothing was published")
    assert not blog.exists() and draft.read_bytes() == before
    assert sorted(p.name for p in draft.parent.iterdir()) == [draft.name]


def test_a_read_only_blog_folder_publishes_nothing(freezable, tmp_path: Path):
    blog = freezable.path / "_posts"
    blog.mkdir()
    freezable.freeze()
    draft = make_draft(tmp_path / "drafts", GOOD)
    before = draft.read_bytes()
    result = run("publish", str(draft), "--to", str(blog))
    one_line_error(result, 1, f"cannot write to the blog folder {blog}", "nothing was published")
    assert draft.read_bytes() == before and list(blog.iterdir()) == []
    assert sorted(p.name for p in draft.parent.iterdir()) == [draft.name]  # no share text either


def test_a_blog_folder_under_a_read_only_parent_publishes_nothing(read_only_dir: Path, tmp_path: Path):
    draft = make_draft(tmp_path / "drafts", GOOD)
    before, listing = draft.read_bytes(), sorted(read_only_dir.iterdir())
    result = run("publish", str(draft), "--to", str(read_only_dir / "site" / "_posts"))
    one_line_error(result, 1, f"cannot write to the blog folder {read_only_dir}")
    assert draft.read_bytes() == before and sorted(read_only_dir.iterdir()) == listing
    assert sorted(p.name for p in draft.parent.iterdir()) == [draft.name]


# ---------------------------------------------------------------- a draft that is a symlink


def test_a_draft_that_is_a_symlink_is_written_through(tmp_path: Path):
    real = make_draft(tmp_path / "notes", GOOD)  # the author keeps drafts elsewhere and links them in
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    link = drafts / real.name
    link.symlink_to(real)
    result = run("publish", "1706.03762", "--drafts-dir", str(drafts), "--to", str(tmp_path / "blog"))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real.resolve()  # the link stays a link
    front = parse(real.read_text())[0]
    assert front["status"] == "published" and len(front["posts"]) == 1
    assert real.with_name(f"{real.stem}.share.txt").is_file() and list(drafts.iterdir()) == [link]
    assert run("publish", str(link), "--to", str(tmp_path / "blog")).stdout.startswith("unchanged:")


# ---------------------------------------------------------------- --to that is no folder


@pytest.mark.parametrize("kind", ["file", "dangling link", "under a file"])
def test_a_blog_folder_that_is_no_folder_is_one_line(kind: str, tmp_path: Path):
    draft = make_draft(tmp_path / "drafts", GOOD)
    before = draft.read_bytes()
    target = tmp_path / "site" / "_posts"
    target.parent.mkdir()
    if kind == "file":
        target.write_text("a file, not a folder\n")
    elif kind == "dangling link":
        target.symlink_to(tmp_path / "gone")
    else:
        target.write_text("a file\n")
        target = target / "posts"
    result = run("publish", str(draft), "--to", str(target))
    line = one_line_error(result, 2, f"the blog folder {target} is not a folder")
    assert "File exists" not in result.stderr and line.startswith("error: the blog folder")
    assert draft.read_bytes() == before and not (tmp_path / "gone").exists()
    assert sorted(p.name for p in draft.parent.iterdir()) == [draft.name]
    with pytest.raises(ConfigError, match="is not a folder"):
        publish(draft, target, "jekyll", load_settings(), today=DAY)


# ---------------------------------------------------------------- the front matter's closing '---' removed


def test_a_front_matter_that_lost_its_closing_fence_is_not_closed_and_nothing_else(tmp_path: Path):
    draft = make_draft(tmp_path / "drafts", GOOD)
    lines = draft.read_text().split("\n")
    closing = lines.index("---", 1)
    assert lines[closing + 2].startswith("# ")  # the title heading follows it
    draft.write_text("\n".join(lines[:closing] + lines[closing + 1 :]))
    findings = check_file(draft, 80)
    assert [(f.line, f.col, f.severity, f.message) for f in findings] == [
        (1, 1, "error", "the front matter is not closed: add a '---' line after it")]  # no YAML error, no
    result = run("check", str(draft))  # false "no My critique section"
    assert result.exit_code == 1 and result.stdout.splitlines() == [
        f"{draft}:1:1: error: the front matter is not closed: add a '---' line after it"]
    with pytest.raises(NotReadyError):
        publish(draft, tmp_path / "blog", "jekyll", load_settings(), today=DAY)
    assert not (tmp_path / "blog").exists()


def test_a_comment_in_a_closed_front_matter_is_no_missing_fence(tmp_path: Path):
    draft = make_draft(tmp_path / "drafts", GOOD)
    draft.write_text(draft.read_text().replace("---\n", "---\n# my note: check the authors\n", 1))
    assert not [f for f in check_file(draft, 80) if f.severity == "error"]
    assert re.search(r"^# my note", draft.read_text(), re.M)
