"""Map-reduce logic, with a scripted fake backend (to see the prompts) and the tiny real model."""

from __future__ import annotations

from pipeline.model import Generation
from pipeline.records import Chunk, PaperMeta
from pipeline.summarize import BLOG_SECTIONS, Summarizer

META = PaperMeta(title="A Paper")


class ScriptedBackend:
    """Answers each prompt with a label naming the chunk it saw; records every prompt (like llm's MockModel)."""

    name = "scripted"

    def __init__(self, context_length: int = 4096):
        self.context_length = context_length
        self.history: list[tuple[str, int]] = []  # (user prompt, max_new_tokens)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def prompt_tokens(self, messages) -> int:
        return sum(self.count_tokens(m["content"]) for m in messages)

    def generate(self, prompts, max_new_tokens, on_done=None, batch_size=8):
        replies = []
        for messages in prompts:
            user = messages[-1]["content"]
            self.history.append((user, max_new_tokens))
            marker = next((w for w in user.split() if w.startswith("FACT-")), "none")
            replies.append(Generation(text=f"- note {marker} " + "word " * 20, new_tokens=22))
        if on_done:
            on_done(len(prompts))
        return replies


def _chunk(i: int, kind: str) -> Chunk:
    return Chunk(i, kind.title(), kind, f"Text FACT-{kind}-{i} here.", 1, 1, 5)


def test_each_blog_section_is_written_from_the_notes_of_matching_paper_sections():
    backend = ScriptedBackend()
    chunks = [_chunk(0, "introduction"), _chunk(1, "method"), _chunk(2, "results"), _chunk(3, "limitations")]
    summary = Summarizer(backend).summarize(META, chunks)
    assert list(summary.sections) == [b.heading for b in BLOG_SECTIONS]
    maps, reduces = backend.history[:4], backend.history[4:]
    assert len(reduces) == len(BLOG_SECTIONS)
    by_heading = dict(zip(summary.sections, (p for p, _ in reduces)))
    assert "FACT-results-2" in by_heading["Results"] and "FACT-method-1" not in by_heading["Results"]
    assert "FACT-method-1" in by_heading["How it works"] and "FACT-results-2" not in by_heading["How it works"]
    assert "FACT-limitations-3" in by_heading["Limitations"]
    assert summary.generated_tokens == 22 * len(backend.history)
    assert set(summary.prompt_hashes) >= {"notes", "section", "collapse", "system"}


def test_a_section_with_no_matching_notes_falls_back_to_all_notes():
    backend = ScriptedBackend()
    summary = Summarizer(backend).summarize(META, [_chunk(0, "body")])
    results_prompt = backend.history[1 + [b.heading for b in BLOG_SECTIONS].index("Results")][0]
    assert "FACT-body-0" in results_prompt and summary.sections["Results"]


def test_notes_that_overflow_the_context_are_collapsed_not_cut():
    backend = ScriptedBackend(context_length=420)
    chunks = [_chunk(i, "method") for i in range(40)]
    progress = []
    Summarizer(backend, section_tokens=100, progress=lambda s, d, t: progress.append(s)).summarize(META, chunks)
    assert "collapse" in progress
    collapse_prompts = [p for p, _ in backend.history if p.startswith('Paper: "A Paper"\n\nNotes:')]
    seen = " ".join(collapse_prompts)
    assert all(f"FACT-method-{i}" in seen for i in range(40))  # every note was read by some collapse call
    how = [p for p, _ in backend.history if "explain how the method works" in p][0]
    assert backend.count_tokens(how) + 100 <= 420


def test_tiny_model_summary_has_every_section(tiny_backend):
    chunks = [_chunk(0, "introduction"), _chunk(1, "results")]
    summary = Summarizer(tiny_backend, note_tokens=8, section_tokens=8).summarize(META, chunks)
    assert list(summary.sections) == [b.heading for b in BLOG_SECTIONS]
    assert len(summary.notes) == 2
    assert summary.model == tiny_backend.name and summary.generated_tokens > 0
