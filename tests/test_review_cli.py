"""``paperdraft review``: a scripted fake editor stands in for the author."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.draftfile.format import CRITIQUE_HEADING, TODO_MARK
from pipeline.errors import NoEditorError
from pipeline.author.editor import editor_argv, find_editor
from tests.test_review import GOOD, make_draft, own_lines, where

FAKE_EDITOR = """#!{python}
import json, os, re, sys
with open(os.environ["FAKE_EDITOR_LOG"], "a") as log:
    log.write(json.dumps(sys.argv) + "\\n")
target = re.sub(r":\\d+$", "", [a for a in sys.argv[1:] if not a.startswith(("-", "+"))][-1])
critique = open(os.environ["FAKE_EDITOR_CRITIQUE"]).read()
text = open(target).read()
lines = [critique if line.startswith("TODO(author)") else line for line in text.split("\\n")]
open(target, "w").write("\\n".join(lines))
sys.exit(int(os.environ.get("FAKE_EDITOR_STATUS", "0")))
"""


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder for fake editors; the log and the critique they write are set in the environment."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("FAKE_EDITOR_LOG", str(tmp_path / "argv.log"))
    (tmp_path / "critique.txt").write_text(GOOD)
    monkeypatch.setenv("FAKE_EDITOR_CRITIQUE", str(tmp_path / "critique.txt"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    return folder


def install(folder: Path, name: str) -> Path:
    script = folder / name
    script.write_text(FAKE_EDITOR.format(python=sys.executable))
    script.chmod(0o755)
    return script


def calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "argv.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_review_opens_vim_at_the_placeholder_then_checks(fake_bin: Path, tmp_path: Path, monkeypatch):
    vim = install(fake_bin, "vim")
    monkeypatch.setenv("EDITOR", f"{vim} --clean")
    drafts = tmp_path / "drafts"
    path = make_draft(drafts)
    line = where(path, TODO_MARK)[0]
    result = run("review", "1706.03762", "--drafts-dir", str(drafts))
    assert calls(tmp_path) == [[str(vim), "--clean", f"+{line}", str(path)]]
    assert result.exit_code == 0, result.output
    assert f"{path}: ready to publish ({len(GOOD.split())} words of critique)" in result.stdout
    assert GOOD in path.read_text() and TODO_MARK not in path.read_text()
    published = run("publish", str(path), "--to", str(tmp_path / "blog"))
    assert published.exit_code == 0 and len(list((tmp_path / "blog").glob("*.md"))) == 1


def test_review_prints_the_findings_when_the_critique_is_still_short(fake_bin: Path, tmp_path: Path, monkeypatch):
    (tmp_path / "critique.txt").write_text("Too short to publish.")
    monkeypatch.setenv("VISUAL", str(install(fake_bin, "nvim")))
    monkeypatch.setenv("EDITOR", str(install(fake_bin, "emacs")))  # VISUAL wins
    path = make_draft(tmp_path / "drafts")
    result = run("review", str(path))
    assert [Path(c[0]).name for c in calls(tmp_path)] == ["nvim"]
    assert result.exit_code == 1
    heading = where(path, CRITIQUE_HEADING)[0]
    assert own_lines(result.stdout) == [f"{path}:{heading}:1: error: the critique has 4 words of your own; "
                                        "write at least 80 (comments and quotes do not count)"]
    assert "not ready to publish" in result.stderr


def test_review_reopens_at_the_critique_once_the_placeholder_is_gone(fake_bin: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EDITOR", str(install(fake_bin, "nano")))
    path = make_draft(tmp_path / "drafts", "First line of my own.\nSecond line.")
    run("review", str(path))
    assert calls(tmp_path)[0][1] == f"+{where(path, 'First line of my own.')[0]}"


def test_review_with_code_on_path_uses_wait_and_goto(fake_bin: Path, tmp_path: Path, monkeypatch):
    install(fake_bin, "code")
    monkeypatch.setenv("PATH", str(fake_bin))
    monkeypatch.setenv("EDITOR", "code")
    path = make_draft(tmp_path / "drafts")
    line = where(path, TODO_MARK)[0]
    result = run("review", str(path))
    assert calls(tmp_path) == [[str(fake_bin / "code"), "--wait", "-g", f"{path}:{line}"]]
    assert result.exit_code == 0 and "ready to publish" in result.stdout


def test_a_missing_editor_falls_back_to_one_on_path(fake_bin: Path, tmp_path: Path, monkeypatch):
    install(fake_bin, "nano")
    monkeypatch.setenv("PATH", str(fake_bin))
    monkeypatch.setenv("EDITOR", "no-such-editor --flag")
    path = make_draft(tmp_path / "drafts")
    line = where(path, TODO_MARK)[0]
    result = run("review", str(path))
    assert calls(tmp_path) == [[str(fake_bin / "nano"), f"+{line}", str(path)]]
    assert result.exit_code == 0


def test_no_editor_prints_the_path_and_why_and_exits_2(fake_bin: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(fake_bin))  # empty: no editor anywhere
    path = make_draft(tmp_path / "drafts")
    before = path.read_text()
    result = run("review", str(path))
    assert result.exit_code == 2
    assert result.stdout == f"{path}:{where(path, TODO_MARK)[0]}: write your critique here\n"
    assert "no editor found: $VISUAL is not set; $EDITOR is not set" in result.stderr
    assert "export EDITOR" in result.stderr and path.read_text() == before


def test_an_editor_that_fails_is_reported_and_the_draft_still_checked(fake_bin: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EDITOR", str(install(fake_bin, "vi")))
    monkeypatch.setenv("FAKE_EDITOR_STATUS", "3")
    path = make_draft(tmp_path / "drafts")
    result = run("review", str(path))
    assert "the editor (vi) exited with status 3" in result.stderr
    assert result.exit_code == 0 and "ready to publish" in result.stdout


def test_review_of_an_unknown_draft_is_one_error_line(fake_bin: Path, tmp_path: Path):
    result = run("review", "2106.09685", "--drafts-dir", str(tmp_path / "drafts"))
    assert result.exit_code == 1 and result.stderr.startswith("error: no draft '2106.09685'")
    assert calls(tmp_path) == []


@pytest.mark.parametrize("command, expected", [
    (["emacs", "-nw"], ["emacs", "-nw", "+7", "d.md"]),
    (["emacsclient", "-t"], ["emacsclient", "-t", "+7", "d.md"]),
    (["kak"], ["kak", "+7", "d.md"]),
    (["/opt/bin/code", "-w"], ["/opt/bin/code", "-w", "-g", "d.md:7"]),
    (["cursor"], ["cursor", "--wait", "-g", "d.md:7"]),
    (["subl"], ["subl", "--wait", "d.md:7"]),
    (["gvim"], ["gvim", "-f", "+7", "d.md"]),
    (["kate"], ["kate", "-l", "7", "d.md"]),
    (["ed"], ["ed", "d.md"]),
    (["my-editor", "--x"], ["my-editor", "--x", "d.md"]),
])
def test_editor_conventions(command: list[str], expected: list[str]):
    assert editor_argv(command, Path("d.md"), 7) == expected


def test_a_link_named_editor_is_treated_as_its_target(tmp_path: Path):
    nano = install(tmp_path, "nano")
    (tmp_path / "editor").symlink_to(nano)
    found = find_editor({"PATH": str(tmp_path)})
    assert Path(found.argv[0]).name == "editor" and found.origin == "PATH"
    assert editor_argv(found.argv, Path("d.md"), 3) == [found.argv[0], "+3", "d.md"]


def test_an_unparsable_editor_variable_is_skipped_with_a_reason(tmp_path: Path):
    with pytest.raises(NoEditorError, match="VISUAL='vim \"unclosed' cannot be parsed") as caught:
        find_editor({"PATH": str(tmp_path), "VISUAL": 'vim "unclosed'})
    assert caught.value.exit_code == 2
