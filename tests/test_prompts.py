import jinja2
import pytest

from pipeline.summarize.prompts import prompt_hashes, render


def test_render_fills_every_variable():
    text = render("notes", title="A Paper", section="Method", text="We use attention.")
    assert "A Paper" in text and "Method" in text and "We use attention." in text


def test_missing_variable_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        render("notes", title="A Paper", section="Method")


def test_hash_changes_with_the_template(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERDRAFT_PROMPTS_DIR", str(tmp_path))
    (tmp_path / "notes.j2").write_text("Summarise {{ text }}")
    first = prompt_hashes()["notes"]
    (tmp_path / "notes.j2").write_text("Summarise briefly {{ text }}")
    assert prompt_hashes()["notes"] != first
    assert len(first) == 12
