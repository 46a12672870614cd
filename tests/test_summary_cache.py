"""The CLI's summary cache (pipeline/summary_cache.py): a redraft with unchanged inputs loads no model and
writes the same draft; a change to any input that shapes the summary is a miss."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import code_hash, core, summary_cache
from pipeline.cli import app
from pipeline.config import Settings, load_settings
from pipeline.draftfile.parse import front_and_body
from pipeline.records import PaperMeta, Summary
from pipeline.summarize import model as model_module
from pipeline.summarize.prompts import prompts_dir

SAMPLE = Path(__file__).resolve().parents[1] / "pipeline" / "samples" / "sample-paper.md"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each model load draft_one asks for (the real one runs)."""
    calls: list[str] = []
    real = core.load_backend

    def counting(model_id: str, *args, **kwargs):
        calls.append(model_id)
        return real(model_id, *args, **kwargs)

    monkeypatch.setattr(core, "load_backend", counting)
    return calls


def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any model load from here on fails the test."""
    def fail(*args, **kwargs):
        raise AssertionError("the model was loaded for a redraft whose inputs are unchanged")

    monkeypatch.setattr(core, "load_backend", fail)
    monkeypatch.setattr(model_module, "load_backend", fail)
    monkeypatch.setattr(model_module, "TransformersBackend", fail)


def settings_for(model: Path | str, drafts: Path, **changes) -> Settings:
    return load_settings(model=str(model), drafts_dir=drafts).replace(**changes)


def body(path: str) -> str:
    return front_and_body(Path(path).read_text())[1]


def cached_files(settings: Settings) -> list[Path]:
    folder = settings.cache / summary_cache.FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_redraft_with_unchanged_inputs_loads_no_model_and_writes_the_same_draft(
        tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: list[str]):
    first = core.draft_one(str(SAMPLE), settings_for(tiny_model_dir, tmp_path / "one"))
    assert first.status == "written" and len(loads) == 1
    settings = settings_for(tiny_model_dir, tmp_path / "two")
    [cached] = cached_files(settings)
    assert cached.suffix == ".json" and not [p for p in cached.parent.iterdir() if p.name.startswith(".")]

    no_model(monkeypatch)
    stages: list[str] = []
    second = core.draft_one(str(SAMPLE), settings, progress=lambda stage, done, total: stages.append(stage))
    assert second.status == "written"  # a fresh drafts folder: the draft is written again, from the cache
    assert body(second.path) == body(first.path)
    assert "cached" in stages and not {"model", "map", "reduce"} & set(stages)
    # and into the first folder: the same draft, so nothing to change
    assert core.draft_one(str(SAMPLE), settings_for(tiny_model_dir, tmp_path / "one")).status == "unchanged"


@pytest.mark.parametrize("change", ["note_tokens", "prompts", "model", "model saved again", "paper"])
def test_a_change_to_an_input_that_shapes_the_summary_misses_the_cache(
        change: str, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: list[str]):
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    paper = tmp_path / "paper.md"
    shutil.copy(SAMPLE, paper)
    core.draft_one(str(paper), settings_for(model, tmp_path / "drafts"))
    assert len(loads) == 1
    changes = {}
    if change == "note_tokens":
        changes["note_tokens"] = 40
    elif change == "prompts":
        edited = tmp_path / "prompts"
        shutil.copytree(prompts_dir(), edited)
        notes = edited / "notes.j2"
        notes.write_text(notes.read_text() + "\nBe brief.\n")
        monkeypatch.setenv("PAPERDRAFT_PROMPTS_DIR", str(edited))
    elif change == "model":
        shutil.copytree(tiny_model_dir, tmp_path / "other-model")
        model = tmp_path / "other-model"
    elif change == "model saved again":  # the same folder, new weights: another model
        weights = model / "model.safetensors"
        os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    else:  # the paper's text changed by one character
        paper.write_text(paper.read_text().replace("small", "Small", 1))
    settings = settings_for(model, tmp_path / "drafts", **changes)
    core.draft_one(str(paper), settings)
    assert len(loads) == 2, f"{change}: the cached summary was reused"
    assert len(cached_files(settings)) == 2  # each kept under its own key


def test_a_setting_that_does_not_shape_the_summary_still_hits(tiny_model_dir: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch, loads: list[str]):
    core.draft_one(str(SAMPLE), settings_for(tiny_model_dir, tmp_path / "drafts"))
    no_model(monkeypatch)
    core.draft_one(str(SAMPLE), settings_for(tiny_model_dir, tmp_path / "elsewhere", critique_min_words=10,
                                             arxiv_delay_seconds=9.0))


@pytest.mark.parametrize("damage", ["not json", "not utf-8", "another version's fields", "another key",
                                    "half written"])
def test_a_damaged_cache_file_is_ignored_and_rewritten(damage: str, tiny_model_dir: Path, tmp_path: Path,
                                                       loads: list[str]):
    settings = settings_for(tiny_model_dir, tmp_path / "drafts")
    first = core.draft_one(str(SAMPLE), settings)
    [path] = cached_files(settings)
    good = path.read_text()
    record = json.loads(good)
    if damage == "not json":
        path.write_text("{ nonsense")
    elif damage == "not utf-8":
        path.write_bytes(b"\xff\xfe\x00garbage")
    elif damage == "another version's fields":
        record["summary"]["new_field"] = 1
        del record["summary"]["notes"]
        path.write_text(json.dumps(record))
    elif damage == "another key":
        record["key"] = "0" * 32
        path.write_text(json.dumps(record))
    else:
        path.write_text(good[: len(good) // 2])
    again = core.draft_one(str(SAMPLE), settings_for(tiny_model_dir, tmp_path / "again"))
    assert len(loads) == 2  # summarised afresh
    assert body(again.path) == body(first.path)
    assert json.loads(path.read_text()) == json.loads(good)  # and the file is whole again
    assert [p.name for p in cached_files(settings)] == [path.name]


def test_an_unwritable_cache_costs_a_warning_not_the_draft(tiny_model_dir: Path, tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture, loads: list[str]):
    settings = settings_for(tiny_model_dir, tmp_path / "drafts")
    folder = settings.cache / summary_cache.FOLDER
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the folder should be")
    result = core.draft_one(str(SAMPLE), settings)
    assert result.status == "written" and Path(result.path).is_file()
    assert "could not keep the summary in the cache" in caplog.text


def test_a_backend_handed_in_leaves_the_cache_alone(tiny_backend, tiny_model_dir: Path, tmp_path: Path):
    """The key names settings.model; a caller's own backend may be another model, so it is neither read nor kept."""
    settings = settings_for(tiny_model_dir, tmp_path / "drafts")
    core.draft_one(str(SAMPLE), settings, backend=tiny_backend)
    assert cached_files(settings) == []


def test_no_cache_summarises_afresh_and_is_in_the_help(tiny_model_dir: Path, tmp_path: Path, loads: list[str]):
    args = ["draft", str(SAMPLE), "--model", str(tiny_model_dir), "--drafts-dir", str(tmp_path / "drafts")]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert CliRunner().invoke(app, args).exit_code == 0
    assert len(loads) == 1  # the second run reused the summary
    result = CliRunner().invoke(app, [*args, "--no-cache"])
    assert result.exit_code == 0, result.output
    assert len(loads) == 2
    assert result.stdout.startswith("unchanged:")  # the same inputs: the same summary, made again
    help_text = CliRunner().invoke(app, ["draft", "--help"], env={"COLUMNS": "200"}).stdout
    assert "--no-cache" in help_text and "Summarise afresh" in help_text


# --------------------------------------------------------------------------- the key


def _meta() -> PaperMeta:
    return PaperMeta(title="Attention Is All You Need", arxiv_id="1706.03762", version=5)


def test_the_key_covers_each_input_and_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    settings = load_settings()
    prompts = {"notes": "abc", "section": "def"}
    key = summary_cache.summary_key("d" * 64, _meta(), settings, prompts)
    assert summary_cache.summary_key("d" * 64, _meta(), settings, dict(prompts)) == key  # stable
    others = [
        summary_cache.summary_key("e" * 64, _meta(), settings, prompts),
        summary_cache.summary_key("d" * 64, PaperMeta(title=_meta().title, arxiv_id="1706.03762", version=4),
                                  settings, prompts),
        summary_cache.summary_key("d" * 64, PaperMeta(title="Another title", arxiv_id="1706.03762", version=5),
                                  settings, prompts),
        summary_cache.summary_key("d" * 64, _meta(), settings, {**prompts, "notes": "abd"}),
        *(summary_cache.summary_key("d" * 64, _meta(), settings.replace(**{name: value}), prompts)
          for name, value in [("model", "org/other"), ("chunk_tokens", 512), ("note_tokens", 40),
                              ("section_tokens", 100), ("key_sentences", 3), ("batch_size", 4)]),
    ]
    assert key not in others and len(set(others)) == len(others)
    assert summary_cache.summary_key("d" * 64, _meta(), settings.replace(device="cpu", drafts_dir=tmp_path),
                                     prompts) == key  # where drafts go and the device shape no summary

    # an edit to the code of the summarize stage, or of a stage before it, is a new key
    package = tmp_path / "code" / "stagepkg_summary_cache"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(package.parent))
    for stage in ("extract", "summary"):
        monkeypatch.setitem(code_hash.STAGE_MODULES, stage, ("stagepkg_summary_cache",))
        code_hash.code_hash.cache_clear()
        before = summary_cache.summary_key("d" * 64, _meta(), settings, prompts)
        (package / "__init__.py").write_text((package / "__init__.py").read_text() + "# edited\n")
        code_hash.code_hash.cache_clear()
        assert summary_cache.summary_key("d" * 64, _meta(), settings, prompts) != before, stage
    code_hash.code_hash.cache_clear()


def test_the_stored_summary_round_trips(tmp_path: Path):
    settings = load_settings().replace(cache=tmp_path / "cache")
    summary = Summary(notes=["a note", "another"], sections={"TL;DR": "text", "Results": "More: é"},
                      model="tiny", prompt_hashes={"notes": "abc"}, generated_tokens=7, quoted=2, written=1)
    path = summary_cache.store(settings, "k" * 32, summary, _meta())
    assert path == settings.cache / "summaries" / f"{'k' * 32}.json"
    assert summary_cache.load(settings, "k" * 32) == summary
    assert list(summary_cache.load(settings, "k" * 32).sections) == ["TL;DR", "Results"]  # in blog order
    assert summary_cache.load(settings, "j" * 32) is None
