"""The real CLI, end to end: arXiv test server -> real arxiv client -> pypdf -> tiny model -> draft on disk."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.draftfile.format import CRITIQUE_HEADING, TODO_MARK
from pipeline.draftfile.parse import front_and_body as parse
from pipeline.summarize.blog_sections import BLOG_SECTIONS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "samples" / "sample-paper.md"
HEADINGS = [f"## {b.heading}" for b in BLOG_SECTIONS] + [CRITIQUE_HEADING]


def run(*args: str) -> "subprocess.CompletedProcess | object":
    return CliRunner().invoke(app, list(args))


def _headings(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("source", ["hello", "2106.0968", "https://example.com/abs/2106.09685", "missing.pdf", "notes.docx"])
def test_invalid_source_is_one_clear_line_and_exit_2(source: str, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.docx").write_bytes(b"x")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "draft", source], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert lines[0].startswith("error:") and source.split("/")[-1][:6] in lines[0]
    assert len(lines) <= 2  # the error, and at most one hint
    assert not list(tmp_path.glob("drafts/*.md"))


def test_draft_an_arxiv_id_against_the_local_server(arxiv_server, tiny_model_dir: Path, tmp_path: Path):
    drafts = tmp_path / "drafts"
    result = run("draft", "arXiv:1706.03762", "--model", str(tiny_model_dir), "--drafts-dir", str(drafts))
    assert result.exit_code == 0, result.output
    (path,) = drafts.glob("*.md")
    assert path.name == "1706.03762-attention-is-all-you-need.md"
    assert f"written: {path}" in result.output
    front, body = parse(path.read_text())
    assert front["arxiv_id"] == "1706.03762" and front["version"] == 5
    assert front["title"] == "Attention Is All You Need" and "Ashish Vaswani" in front["authors"]
    assert front["url"].startswith("https://arxiv.org/abs/1706.03762")
    assert front["model"] == tiny_model_dir.name and front["status"] == "draft"
    assert set(front["prompt_hashes"]) >= {"notes", "section"}
    assert _headings(body) == HEADINGS
    assert body.split(CRITIQUE_HEADING)[1].count(TODO_MARK) == 1
    # the paper is downloaded once: arXiv serves this one's e-print as its PDF, which is kept as the PDF
    downloads = lambda: sum(arxiv_server.count(p) for p in ("/pdf/", "/src/", "/e-print/"))  # noqa: E731
    assert downloads() == 1

    # a second run reuses the cached PDF, and replaces an untouched draft
    again = run("draft", "1706.03762v5", "--model", str(tiny_model_dir), "--drafts-dir", str(drafts))
    assert again.exit_code == 0 and again.stdout.strip().startswith("unchanged:")  # progress lines are on stderr
    assert downloads() == 1


def test_drafting_again_keeps_the_authors_critique(tiny_model_dir: Path, tmp_path: Path):
    drafts = tmp_path / "drafts"
    args = ["draft", str(SAMPLE), "--model", str(tiny_model_dir), "--drafts-dir", str(drafts)]
    assert run(*args).exit_code == 0
    (path,) = drafts.glob("*.md")
    assert path.name.startswith("sample-paper-section-aware-chunking")
    edited = path.read_text().replace(f"{TODO_MARK}: write your critique here, in your own words.", "My view.")
    path.write_text(edited)

    again = run(*args)
    assert again.exit_code == 0, again.output
    assert again.stdout.strip().startswith(("unchanged:", "merged:"))
    assert "My view." in path.read_text() and TODO_MARK not in path.read_text()
    assert not list(drafts.glob("*.bak-*"))


def test_local_file_metadata_comes_from_the_file(tiny_model_dir: Path, tmp_path: Path):
    result = run("draft", str(SAMPLE), "--model", str(tiny_model_dir), "--drafts-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*.md")
    front, _ = parse(path.read_text())
    assert front["title"] == "Section-Aware Chunking Makes Small Models Better Paper Summarisers"
    assert "arxiv_id" not in front and front["source"] == str(SAMPLE)


def test_missing_paper_is_a_clear_error(arxiv_server, tiny_model_dir: Path, tmp_path: Path):
    result = run("draft", "0000.00000", "--model", str(tiny_model_dir), "--drafts-dir", str(tmp_path))
    # 0000.00000 has no valid month, so it never reaches the server
    assert result.exit_code == 2
    result = run("draft", "1605.08387", "--model", str(tiny_model_dir), "--drafts-dir", str(tmp_path))
    assert result.exit_code == 1 and "no paper" in result.output.lower()
    assert not list(tmp_path.glob("*.md"))


def test_damaged_pdf_names_the_file_and_the_reason(tiny_model_dir: Path, tmp_path: Path):
    from tests.conftest import corpus_file

    damaged = corpus_file("pdfs/1412.6980v9_rasterized-p1-4.pdf")
    result = run("draft", str(damaged), "--model", str(tiny_model_dir), "--drafts-dir", str(tmp_path))
    assert result.exit_code == 1
    assert damaged.name in result.output and re.search(r"damaged|no text", result.output)
    assert not list(tmp_path.glob("*.md"))


def test_several_sources_one_failure_does_not_stop_the_others(tiny_model_dir: Path, tmp_path: Path):
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    result = run("draft", str(bad), str(SAMPLE), "--model", str(tiny_model_dir), "--drafts-dir", str(tmp_path / "d"))
    assert result.exit_code == 1
    assert len(list((tmp_path / "d").glob("*.md"))) == 1


def test_make_demo_drafts_outside_the_drafts_folder_so_check_still_passes(
        tiny_model_dir: Path, tmp_path: Path, monkeypatch):
    """`make demo`'s command, run as make would (in a copy of the checkout's layout): its draft lands in a folder git
    ignores, and `paperdraft check`, which checks the user's drafts, is not failed by it."""
    if shutil.which("make") is None or shutil.which("git") is None:
        pytest.skip("needs make and git")
    dry = subprocess.run(["make", "-n", "-o", ".venv/.installed", "demo"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    [command] = [line for line in dry.stdout.splitlines() if " draft " in line]
    argv = shlex.split(command)
    assert argv[0].endswith("/paperdraft") and argv[1:3] == ["draft", "pipeline/samples/sample-paper.md"]
    demo_dir = Path(argv[argv.index("--drafts-dir") + 1])
    assert demo_dir.parts[0] != "drafts"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(demo_dir / "sample.md")], cwd=ROOT, timeout=60)
    assert ignored.returncode == 0, f"{demo_dir}/ is not ignored by git"

    (tmp_path / "pipeline" / "samples").mkdir(parents=True)
    shutil.copy(SAMPLE, tmp_path / "pipeline" / "samples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERDRAFT_MODEL", str(tiny_model_dir))  # the demo's model, made small
    demo = run(*argv[1:])
    assert demo.exit_code == 0, demo.output
    (path,) = (tmp_path / demo_dir).glob("*.md")
    assert demo.stdout.startswith(f"written: {demo_dir / path.name}")
    check = run("check")
    assert check.exit_code == 0, check.output
    assert "no drafts in drafts" in check.stderr
