"""Crashes and concurrency: kill -9 in the middle of a draft write and of a publish, two ``paperdraft``
processes drafting one paper at once, and a full disk. Each fault is real: a child process killed with
SIGKILL while it is paused inside the real write, real processes racing, a real full file system (a small
tmpfs) or a real file-size limit (RLIMIT_FSIZE). Each test also checks that nothing was lost: the author's
file is byte for byte what it was, or absent, never half written, and a rerun completes.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_settings
from pipeline.draftfile.format import CRITIQUE_HEADING, PLACEHOLDER
from pipeline.draftfile.parse import front_and_body as parse
from pipeline.draftfile.store import write_draft
from pipeline.errors import DraftConflictError
from pipeline.extract.text_file import extract_text_file
from pipeline.author.publish import publish
from pipeline.records import PaperMeta, Summary
from pipeline.draftfile.parse import read_draft
from pipeline.summarize.blog_sections import BLOG_SECTIONS
from tests.test_review import GOOD, META, SECTION_TEXT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SIGKILL")

ROOT = Path(__file__).resolve().parents[1]
# the sample paper's title, abstract and introduction: a short paper drafts quickly
PAPER = (ROOT / "pipeline" / "samples" / "sample-paper.md").read_text().split("## 2 Method")[0]
HEADINGS = [f"## {b.heading}" for b in BLOG_SECTIONS] + [CRITIQUE_HEADING]

# Runs in the child before the real code: pauses the write of the file named TARGET, at STAGE "write"
# (half the text is in the temp file) or "rename" (the temp file is whole, not yet renamed over TARGET),
# after writing READY, so the test can kill the child right there.
PAUSE = textwrap.dedent("""
    import os, sys, time
    READY, TARGET, STAGE = sys.argv[1:4]
    del sys.argv[1:4]

    def pause(tmp):
        with open(READY, "w") as f:
            f.write(tmp)
        time.sleep(600)

    real_fdopen, real_replace = os.fdopen, os.replace

    class HalfWriter:
        def __init__(self, handle, path):
            self.handle, self.path = handle, path
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)
        def __getattr__(self, name):
            return getattr(self.handle, name)
        def write(self, text):
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            pause(self.path)

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        path = os.readlink(f"/proc/self/fd/{fd}")
        if STAGE == "write" and os.path.basename(path).startswith(f".{TARGET}."):
            return HalfWriter(handle, path)
        return handle

    def replace(src, dst, *args, **kwargs):
        if STAGE == "rename" and os.path.basename(dst) == TARGET:
            pause(str(src))
        return real_replace(src, dst, *args, **kwargs)

    os.fdopen, os.replace = fdopen, replace
""")

# The real write_draft, as a child: a summary different from the one already on disk, so it must write.
WRITE_DRAFT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pipeline.draftfile.store import write_draft
    from pipeline.errors import PaperdraftError
    from pipeline.records import PaperMeta, Summary
    from pipeline.summarize.blog_sections import BLOG_SECTIONS
    meta = PaperMeta(title="Attention Is All You Need", arxiv_id="1706.03762", version=5)
    sections = {b.heading: f"The second draft says more about {b.heading}. " * 5 for b in BLOG_SECTIONS}
    summary = Summary(notes=[], sections=sections, model="model-b", prompt_hashes={})
    try:
        print(write_draft(meta, summary, "1706.03762", Path(sys.argv[1])).status)
    except PaperdraftError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
""")


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def kill_when_paused(args: list[str], ready: Path, target: str, stage: str) -> str:
    """Run ``python -c PAUSE+code``; once it pauses writing ``target``, SIGKILL it. Returns the temp file's path."""
    code, *rest = args
    child = subprocess.Popen([sys.executable, "-c", PAUSE + code, str(ready), target, stage, *rest],
                             env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() or not ready.read_text():
            if child.poll() is not None:
                pytest.fail(f"the child ended before the write ({child.returncode}): {child.stderr.read()}")
            assert time.monotonic() < deadline, "the child never reached the write"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    return ready.read_text()


@pytest.fixture
def fast_drafting(isolated_home: Path) -> None:
    """Few generated tokens, for every paperdraft process of the test (children inherit PAPERDRAFT_HOME)."""
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text("note_tokens = 8\nsection_tokens = 16\ndevice = \"cpu\"\n")


def tmp_files(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.iterdir() if p.name.endswith(".tmp")]


def make_draft(drafts: Path, critique: str, meta: PaperMeta = META, name: str | None = None,
               source: str = "1706.03762") -> Path:
    """A draft as paperdraft writes it, with the author's ``critique`` in place of the placeholder."""
    summary = Summary(notes=[], sections=dict(SECTION_TEXT), model="model-a", prompt_hashes={"notes": "abc"})
    path = Path(write_draft(meta, summary, source, drafts, name=name).path)
    path.write_text(path.read_text().replace(PLACEHOLDER, critique))
    return path


def author_draft(drafts: Path) -> Path:
    """A draft on disk whose critique the author has written."""
    return make_draft(drafts, GOOD)


# ---------------------------------------------------------------- kill -9 during a draft write


@pytest.mark.parametrize("stage", ["write", "rename"])
@pytest.mark.parametrize("existing", [True, False], ids=["redraft", "first-draft"])
def test_kill_9_during_a_draft_write_leaves_the_old_draft_or_none(stage: str, existing: bool, tmp_path: Path):
    drafts = tmp_path / "drafts"
    path = author_draft(drafts) if existing else drafts / "1706.03762-attention-is-all-you-need.md"
    before = path.read_bytes() if existing else None
    drafts.mkdir(exist_ok=True)
    tmp = kill_when_paused([WRITE_DRAFT, str(drafts)], tmp_path / "ready", path.name, stage)

    assert Path(tmp).parent == drafts and Path(tmp).name.startswith(f".{path.name}.")
    if existing:
        assert path.read_bytes() == before  # the author's draft, byte for byte
    else:
        assert not path.exists()  # no half a draft in its place
    assert [p.name for p in drafts.glob("*.md")] == ([path.name] if existing else [])
    assert Path(tmp).exists()  # what the killed writer left is a hidden temp file, never the draft

    # the rerun completes, keeps the critique, and clears the dead writer's temp file
    summary = Summary(notes=[], sections={b.heading: f"Third for {b.heading}." for b in BLOG_SECTIONS},
                      model="model-c", prompt_hashes={})
    result = write_draft(PaperMeta(title=META.title, arxiv_id="1706.03762", version=5), summary, "x", drafts)
    assert result.status == ("merged" if existing else "written") and Path(result.path) == path
    text = path.read_text()
    assert [line for line in parse(text)[1].splitlines() if line.startswith("## ")] == HEADINGS
    if existing:
        assert GOOD in text and PLACEHOLDER not in text
    assert not tmp_files(drafts)


# ---------------------------------------------------------------- kill -9 during publish

PUBLISH = "from pipeline.cli import main\nimport sys\nsys.argv[0] = 'paperdraft'\nmain()\n"


@pytest.mark.parametrize("stage", ["write", "rename"])
@pytest.mark.parametrize("target", ["post", "draft"])
def test_kill_9_during_publish_loses_nothing_and_a_rerun_completes(target: str, stage: str, tmp_path: Path):
    drafts, blog = tmp_path / "drafts", tmp_path / "blog"
    draft = author_draft(drafts)
    before = draft.read_bytes()
    post_name = f"{date.today().isoformat()}-attention-is-all-you-need.md"
    name = post_name if target == "post" else draft.name
    kill_when_paused([PUBLISH, "publish", str(draft), "--to", str(blog)], tmp_path / "ready", name, stage)

    assert draft.read_bytes() == before  # never half marked: the draft is as the author left it
    post = blog / post_name
    if target == "post":
        assert not post.exists()  # no half a post in place
    else:  # the post was whole before the draft was touched
        assert post.read_text().rstrip().endswith("The critique is the author's own.*")
    assert [p.name for p in blog.glob("*.md")] == ([] if target == "post" else [post_name])
    assert tmp_files(drafts, blog)  # the killed writer's temp file is all that was left behind

    result = publish(draft, blog, "jekyll", load_settings())
    assert result.post == post and result.status == ("written" if target == "post" else "unchanged")
    assert read_draft(draft).front["status"] == "published"
    assert parse(draft.read_text())[1] == parse(before.decode())[1]  # the body, critique included, unchanged
    assert GOOD in post.read_text()
    assert not tmp_files(drafts, blog)


# ---------------------------------------------------------------- two processes, one paper

RACE = textwrap.dedent("""
    # Both processes reach the write at the same moment, and each write is slow: without a lock, both
    # would see no draft and both would write one.
    import os, sys, time
    from pathlib import Path
    import pipeline.core
    BARRIER = Path(sys.argv.pop(1))
    real_write, real_replace = pipeline.core.write_draft, os.replace

    def write_draft(*args, **kwargs):
        (BARRIER / str(os.getpid())).touch()
        deadline = time.monotonic() + 120
        while len(list(BARRIER.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        return real_write(*args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        time.sleep(1.0)
        return real_replace(src, dst, *args, **kwargs)

    pipeline.core.write_draft, os.replace = write_draft, replace
    from pipeline.cli import main
    sys.argv[0] = "paperdraft"
    main()
""")


def test_two_processes_drafting_one_paper_give_exactly_one_whole_draft(tmp_path: Path, tiny_model_dir: Path,
                                                                        fast_drafting):
    paper = tmp_path / "paper.md"
    paper.write_text(PAPER)
    drafts, barrier = tmp_path / "drafts", tmp_path / "barrier"
    barrier.mkdir()
    argv = [sys.executable, "-c", RACE, str(barrier), "draft", str(paper), "--model", str(tiny_model_dir),
            "--drafts-dir", str(drafts)]
    children = [subprocess.Popen(argv, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    outputs = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    statuses = sorted(out.split(":", 1)[0] for out, _ in outputs)
    # One wrote the draft; the other waited for the lock, then found the draft it would have written: the same
    # paper, model and settings, greedy decoding, so the same text and front matter (the timestamp aside).
    # It changes nothing: "merged" here would mean it rewrote a draft that was already what it drafts.
    assert statuses == ["unchanged", "written"], outputs
    (path,) = drafts.glob("*.md")
    front, body = parse(path.read_text())
    assert front["status"] == "draft" and front["section_hashes"]
    assert [line for line in body.splitlines() if line.startswith("## ")] == HEADINGS
    assert body.count(PLACEHOLDER) == 1
    assert not tmp_files(drafts) and not list(drafts.glob("*.bak-*"))


def test_a_writer_that_holds_the_lock_too_long_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    drafts = tmp_path / "drafts"
    path = author_draft(drafts)
    before = path.read_bytes()
    monkeypatch.setattr("pipeline.draftfile.store.LOCK_TIMEOUT", 0.3)
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); "
                               "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(drafts)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DraftConflictError, match="being written by another paperdraft process"):
            write_draft(META, Summary(notes=[], sections={"TL;DR": "new"}, model="m", prompt_hashes={}), "x", drafts)
    finally:
        holder.kill()
        holder.wait()
    assert path.read_bytes() == before


# ---------------------------------------------------------------- a full disk


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A 512 KiB tmpfs, when this process may mount one (root, and a container that allows it)."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last byte."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    with pytest.raises(OSError):
        (folder / "probe").write_bytes(b"x" * 8192)
    return filler


def test_a_full_disk_is_a_clear_error_and_the_draft_stays_intact(small_tmpfs: Path, tmp_path: Path,
                                                                tiny_model_dir: Path, fast_drafting):
    paper = tmp_path / "paper.md"
    paper.write_text(PAPER)
    drafts = small_tmpfs / "drafts"
    # the author's draft of this paper, from an earlier model: drafting it again must write
    meta = PaperMeta(title=extract_text_file(paper).title)
    path = make_draft(drafts, GOOD, meta=meta, name="paper", source=str(paper))
    before = path.read_bytes()
    filler = fill(small_tmpfs)

    result = CliRunner().invoke(app, ["draft", str(paper), "--model", str(tiny_model_dir), "--drafts-dir",
                                      str(drafts)])
    assert result.exit_code == 1, result.output
    assert "error: could not write" in result.stderr and "the disk is full" in result.stderr
    assert "the existing file is unchanged" in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == before
    assert [p.name for p in drafts.iterdir()] == [path.name]  # no temp file, no half a draft

    filler.unlink()  # room again: the rerun completes and keeps the critique
    result = CliRunner().invoke(app, ["draft", str(paper), "--model", str(tiny_model_dir), "--drafts-dir",
                                      str(drafts)])
    assert result.exit_code == 0, result.output
    assert f"merged: {path}" in result.stdout
    assert GOOD in path.read_text() and path.read_bytes() != before


def limited(size: int):
    """For a child: files it writes may not grow past ``size`` bytes (EFBIG), and SIGXFSZ does not kill it."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    return apply


def test_a_file_size_limit_on_a_draft_write_is_a_clear_error_and_the_draft_stays_intact(tmp_path: Path):
    drafts = tmp_path / "drafts"
    path = author_draft(drafts)
    before = path.read_bytes()
    done = subprocess.run([sys.executable, "-c", WRITE_DRAFT, str(drafts)], env=child_env(), capture_output=True,
                          text=True, timeout=120, preexec_fn=limited(len(before) // 2))
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"error: could not write {path}: the file is larger than this system allows")
    assert "the existing file is unchanged" in done.stderr
    assert path.read_bytes() == before and not tmp_files(drafts)
    rerun = subprocess.run([sys.executable, "-c", WRITE_DRAFT, str(drafts)], env=child_env(), capture_output=True,
                           text=True, timeout=120)
    assert rerun.stdout.strip() == "merged" and GOOD in path.read_text()


def test_a_file_size_limit_on_publish_is_a_clear_error_and_nothing_is_half_written(tmp_path: Path):
    draft = author_draft(tmp_path / "drafts")
    before, blog = draft.read_bytes(), tmp_path / "blog"
    done = subprocess.run([sys.executable, "-c", PUBLISH, "publish", str(draft), "--to", str(blog)], env=child_env(),
                          capture_output=True, text=True, timeout=120, preexec_fn=limited(1024))
    assert done.returncode == 1, done.stderr
    assert "error: could not write" in done.stderr and "larger than this system allows" in done.stderr
    assert "Traceback" not in done.stderr
    assert draft.read_bytes() == before
    assert not list(blog.glob("*.md")) and not tmp_files(blog, draft.parent)
