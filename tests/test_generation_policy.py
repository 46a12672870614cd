"""Model time that buys text: `--model none`, the measured generation policy, weak sentences, honest counts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import core, summary_cache
from pipeline.config import NO_MODEL, load_settings
from pipeline.draftfile.format import FLAG, QUOTE_NOTE
from pipeline.draftfile.parse import front_and_body
from pipeline.draftfile.store import write_draft
from pipeline.errors import ConfigError
from pipeline.records import Chunk, PaperMeta
from pipeline.summarize import policy
from pipeline.summarize.blog_sections import BLOG_HEADINGS
from pipeline.summarize.prompts import prompt_hashes
from pipeline.summarize.summarizer import Summarizer
from tests.test_summarize import TEXTS, ScriptedBackend

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "samples" / "sample-paper.md"
META = PaperMeta(title="A Paper")
CITE = re.compile(r"\(p\. \d+[^()\n]*\)[.!?]")  # a kept model sentence ends with its page

# A few plain-word swaps: the sentence is the paper's, said a little differently.
REWORD = [("consists of", "is made of"), ("achieves", "reaches"), ("We propose", "The authors propose"),
          ("outperforms", "beats"), ("computes", "works out"), ("grows", "rises")]


def _chunks() -> list[Chunk]:
    return [Chunk(i, k.title(), k, t, i + 1, i + 1, 40, [(0, i + 1)]) for i, (k, t) in enumerate(TEXTS.items())]


def faithful(prompt: str) -> str:
    """A model whose sentences pass the checks: the first two evidence sentences, lightly reworded."""
    lines = re.findall(r"^- (.+)$", prompt, re.M)[:2]
    text = " ".join(lines)
    for old, new in REWORD:
        text = text.replace(old, new)
    return text


def invented(prompt: str) -> str:
    """A model whose sentences fail the checks, like the default model's on real papers."""
    return "Non-Negative Matrix Factorization (NMC) is released under the terms of the O. Quantum galaxies rotate."


def _settings(tmp_path: Path, **changes):
    return load_settings(drafts_dir=tmp_path / "drafts").replace(cache=tmp_path / "cache", **changes)


# ----------------------------------------------------------------------------- the policy


def test_a_section_is_asked_while_untried_and_while_it_pays():
    assert policy.should_ask(None) and policy.should_ask({"asked": policy.TRIALS - 1, "strong": 0})
    assert not policy.should_ask({"asked": policy.TRIALS, "proposed": 10, "strong": 0, "skipped": 0})
    assert not policy.should_ask({"asked": policy.TRIALS, "proposed": 0, "strong": 0, "skipped": 0})  # wrote nothing
    assert policy.should_ask({"asked": 4, "proposed": 8, "strong": 2, "skipped": 0})  # a quarter of it holds
    assert not policy.should_ask({"asked": 4, "proposed": 10, "strong": 1, "skipped": policy.RECHECK_AFTER - 1})
    assert policy.should_ask({"asked": 4, "proposed": 10, "strong": 1, "skipped": policy.RECHECK_AFTER})  # once more


def test_always_asks_every_section_whatever_the_record():
    record = {h: {"asked": 9, "proposed": 20, "strong": 0, "weak": 0, "skipped": 0} for h in BLOG_HEADINGS}
    assert policy.sections_to_ask(record, "measured") == []
    assert policy.sections_to_ask(record, "always") == list(BLOG_HEADINGS)


def test_an_unreadable_record_is_an_empty_one(tmp_path: Path):
    path = tmp_path / "r.json"
    path.write_text("{not json")
    assert policy.load_record(path) == {}
    policy.store_record(path, "m", {"TL;DR": dict.fromkeys(policy.COUNTS, 1)})
    assert policy.load_record(path)["TL;DR"]["asked"] == 1


def _draft_many(tmp_path: Path, backend: ScriptedBackend, times: int, **changes):
    settings = _settings(tmp_path, **changes)
    summaries, asked_counts = [], []
    for _ in range(times):
        before = len(backend.history)
        summaries.append(core.summarize(META, _chunks(), backend, settings))
        asked_counts.append(len(backend.history) - before)
    return settings, summaries, asked_counts


def test_a_model_whose_sentences_fail_stops_being_asked_and_the_paper_is_quoted(tmp_path: Path):
    backend = ScriptedBackend(invented)
    settings, summaries, calls = _draft_many(tmp_path, backend, policy.TRIALS + 2)
    assert all(c > 0 for c in calls[: policy.TRIALS])  # measured first
    assert calls[policy.TRIALS:] == [0, 0]  # then no map and no reduce prompt at all
    last = summaries[-1]
    assert last.written == 0 and last.generated_tokens == 0 and last.attempts == {}
    for heading in ("TL;DR", "How it works", "Results"):
        assert QUOTE_NOTE in last.sections[heading]
    assert "NMC" not in "".join(last.sections.values())
    record = policy.load_record(policy.record_path(settings.cache, "backend:scripted", prompt_hashes()))
    assert record["Results"]["asked"] == policy.TRIALS and record["Results"]["skipped"] == 2


def test_a_model_whose_faithful_sentences_pass_keeps_writing_and_its_text_reaches_the_draft_cited(tmp_path: Path):
    backend = ScriptedBackend(faithful)
    _, summaries, calls = _draft_many(tmp_path, backend, policy.TRIALS + 3)
    assert all(c > 0 for c in calls)  # still asked, draft after draft
    last = summaries[-1]
    assert last.written > 0 and last.attempts and all(a["strong"] > 0 for a in last.attempts.values())
    path = Path(write_draft(META, last, "paper.txt", tmp_path / "drafts", name="paper").path)
    front, body = front_and_body(path.read_text())
    assert "reaches a BLEU score of 28.4" in body  # the model's rewording, not a quote of the paper
    sentence = re.search(r"[^.>\n]*reaches a BLEU score of 28\.4[^\n]*?\)\.", body)
    assert sentence and CITE.search(sentence.group()) and "“" not in sentence.group()
    assert front["sentences"]["written"] == last.written > 0
    assert f"{last.written} sentence" in body.rsplit("---", 1)[-1]


def test_records_are_kept_per_model_so_one_models_failures_do_not_silence_another(tmp_path: Path):
    bad, good = ScriptedBackend(invented), ScriptedBackend(faithful)
    good.name = "bigger"
    _draft_many(tmp_path, bad, policy.TRIALS + 1)
    _, summaries, calls = _draft_many(tmp_path, good, 1)
    assert calls[0] > 0 and summaries[0].written > 0


def test_always_is_todays_behaviour_for_a_failing_model(tmp_path: Path):
    backend = ScriptedBackend(invented)
    _, _, calls = _draft_many(tmp_path, backend, policy.TRIALS + 2, generation="always")
    assert len(set(calls)) == 1 and calls[0] > 0


def test_the_summary_key_follows_the_plan_and_the_settings(tmp_path: Path):
    settings = _settings(tmp_path)
    key = summary_cache.summary_key("d" * 64, META, settings, prompt_hashes(), list(BLOG_HEADINGS))
    assert summary_cache.summary_key("d" * 64, META, settings, prompt_hashes(), ["Results"]) != key
    assert summary_cache.summary_key("d" * 64, META, settings.replace(weak_sentences="flag"), prompt_hashes(),
                                     list(BLOG_HEADINGS)) != key


def test_the_plan_is_made_from_the_models_record(tmp_path: Path):
    settings = _settings(tmp_path, model=str(tmp_path / "m"))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    assert core.generation_plan(settings) == list(BLOG_HEADINGS)
    identity = summary_cache.model_identity(settings.model)
    failed = {h: {"asked": policy.TRIALS, "proposed": 9, "strong": 0, "weak": 1, "skipped": 0} for h in BLOG_HEADINGS}
    policy.store_record(policy.record_path(settings.cache, identity, prompt_hashes()), identity, failed)
    assert core.generation_plan(settings) == []
    assert core.generation_plan(settings.replace(generation="always")) == list(BLOG_HEADINGS)
    assert core.generation_plan(settings.replace(model=NO_MODEL)) == []


# ----------------------------------------------------------------------------- weak sentences


def _mixed(prompt: str) -> str:
    return ("The big Transformer model achieves a BLEU score of 28.4 on the English-to-German task. "
            "The big Transformer model achieves a BLEU score with remarkable, surprising elegance.")


@pytest.mark.parametrize("setting, flagged", [("drop", 0), ("flag", 1)])
def test_weak_sentences_are_dropped_by_default_or_kept_flagged(setting: str, flagged: int):
    summary = Summarizer(ScriptedBackend(_mixed), weak_sentences=setting).summarize(META, _chunks())
    results = summary.sections["Results"]
    assert "BLEU score of 28.4 on the English-to-German task (p. 3, §Results)." in results
    assert ("elegance" in results) == bool(flagged) and len(FLAG.findall(results)) == flagged
    assert summary.attempts["Results"]["weak"] == 1  # measured either way
    assert summary.weak == flagged


def test_the_settings_are_checked():
    assert load_settings().generation == "measured" and load_settings().weak_sentences == "drop"
    with pytest.raises(ConfigError, match="'generation' must be measured or always"):
        load_settings(generation="sometimes")
    with pytest.raises(ConfigError, match="'weak_sentences' must be drop or flag"):
        load_settings(weak_sentences="keep")


# ----------------------------------------------------------------------------- --model none


NO_TORCH = """
import json, sys
from pathlib import Path
from typer.testing import CliRunner
from pipeline.cli import app
result = CliRunner().invoke(app, ["draft", sys.argv[1], "--model", "none", "--drafts-dir", sys.argv[2]])
assert result.exit_code == 0, result.output
(path,) = Path(sys.argv[2]).glob("*.md")
print(json.dumps({"path": str(path), "torch": "torch" in sys.modules, "transformers": "transformers" in sys.modules}))
"""


def test_model_none_drafts_from_the_paper_alone_without_importing_torch(tmp_path: Path):
    """The CLI's whole path (settings, preflight with device "auto", draft_one, write) in a process of its own."""
    out = subprocess.run([sys.executable, "-c", NO_TORCH, str(SAMPLE), str(tmp_path / "drafts")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["torch"] is False and seen["transformers"] is False
    front, body = front_and_body(Path(seen["path"]).read_text())
    assert front["model"] == NO_MODEL and front["sentences"]["written"] == 0 and front["sentences"]["quoted"] > 0
    footer = body.rsplit("\n---\n", 1)[-1]
    assert f"{front['sentences']['quoted']} sentences quoted from the paper" in footer
    assert "no language model wrote any of it" in footer
    assert body.count("> “") == front["sentences"]["quoted"]  # every counted quote is in the draft
    assert FLAG.search(body) is None


def test_model_none_from_the_cli_and_the_flows_task(tmp_path: Path):
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.flows import tasks

    result = CliRunner().invoke(app, ["draft", str(SAMPLE), "--model", "none", "--drafts-dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    (path,) = (tmp_path / "d").glob("*.md")
    assert front_and_body(path.read_text())[0]["model"] == NO_MODEL
    settings = _settings(tmp_path, model=NO_MODEL)
    doc = core.extract(SAMPLE, "text")
    chunks = tasks.chunk_task.fn(doc, settings, "Sample")
    summary = tasks.summarise_task.fn(PaperMeta(title="Sample"), chunks, settings, doc.sha256, prompt_hashes(), [])
    assert summary.model == NO_MODEL and summary.written == 0 and summary.quoted > 0
    assert not (settings.cache / policy.FOLDER).exists()  # nothing to measure


def test_a_post_of_a_model_free_draft_says_no_model_drafted_it():
    from pipeline.author.post import footer_line

    line = footer_line(NO_MODEL, ["TL;DR"], 1, 3)
    assert "without a language model" in line and "by none" not in line
