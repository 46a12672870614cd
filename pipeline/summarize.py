"""Map-reduce summary: notes per chunk (map, batched), then each blog section from the notes (reduce).

Each blog section is written from the notes of the paper's sections that hold
its facts: the problem from the introduction, results from the experiments.
When a section's notes do not fit the context, they are shortened in rounds
(collapse) rather than cut, so nothing of a long paper is dropped unread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .model import Backend, Messages
from .prompts import prompt_hashes, render
from .records import Chunk, PaperMeta, Summary

Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class BlogSection:
    heading: str
    instruction: str
    kinds: tuple[str, ...]  # paper section kinds whose notes feed it, in order of preference


BLOG_SECTIONS = (
    BlogSection(
        "TL;DR",
        "In 2 sentences, say what this paper does and what it finds.",
        ("abstract", "introduction", "conclusion"),
    ),
    BlogSection(
        "The problem",
        "In 3 sentences, explain the problem this paper addresses and why it matters.",
        ("abstract", "introduction", "background", "related_work"),
    ),
    BlogSection(
        "Key ideas",
        "Write 3 bullet points, each one key idea of this paper.",
        ("abstract", "introduction", "method", "body"),
    ),
    BlogSection(
        "How it works",
        "In 4 sentences, explain how the method works.",
        ("method", "body", "background"),
    ),
    BlogSection(
        "Results",
        "In 3 sentences, report the main results, with their numbers.",
        ("experiments", "results", "discussion", "conclusion"),
    ),
    BlogSection(
        "Limitations",
        "In 2 sentences, state the limitations or open questions the authors mention.",
        ("limitations", "discussion", "conclusion"),
    ),
)


def _messages(user: str) -> Messages:
    return [{"role": "system", "content": render("system")}, {"role": "user", "content": user}]


def note_overhead(backend: Backend, title: str) -> int:
    """Tokens a notes prompt takes besides the chunk text."""
    return backend.prompt_tokens(_messages(render("notes", title=title, section="Introduction", text="")))


class Summarizer:
    """Runs map and reduce for one paper on one backend."""

    def __init__(self, backend: Backend, note_tokens: int = 96, section_tokens: int = 160, batch_size: int = 8,
                 progress: Progress | None = None):
        self.backend = backend
        self.note_tokens = note_tokens
        self.section_tokens = section_tokens
        self.batch_size = batch_size
        self.progress = progress or (lambda stage, done, total: None)
        self.generated = 0

    def _generate(self, stage: str, prompts: list[Messages], max_new_tokens: int) -> list[str]:
        done = 0
        self.progress(stage, 0, len(prompts))

        def advance(n: int) -> None:
            nonlocal done
            done += n
            self.progress(stage, done, len(prompts))

        out = self.backend.generate(prompts, max_new_tokens, on_done=advance, batch_size=self.batch_size)
        self.generated += sum(g.new_tokens for g in out)
        return [g.text for g in out]

    def map_prompts(self, meta: PaperMeta, chunks: list[Chunk]) -> list[Messages]:
        return [_messages(render("notes", title=meta.title, section=c.section, text=c.text)) for c in chunks]

    def map(self, meta: PaperMeta, chunks: list[Chunk]) -> list[str]:
        return self._generate("map", self.map_prompts(meta, chunks), self.note_tokens)

    def _budget(self, title: str) -> int:
        """Tokens of notes that fit a section prompt, with room for the answer."""
        overhead = self.backend.prompt_tokens(
            _messages(render("section", title=title, notes="", instruction=BLOG_SECTIONS[0].instruction))
        )
        room = self.backend.context_length - overhead - self.section_tokens - 8
        return max(min(room, 1536), 32)

    def _collapse(self, title: str, notes: list[str], budget: int) -> list[str]:
        """Shorten notes in rounds until they fit ``budget`` tokens; never drop any unread."""
        while self.backend.count_tokens("\n".join(notes)) > budget and len(notes) > 1:
            groups: list[list[str]] = [[]]
            for note in notes:
                if groups[-1] and self.backend.count_tokens("\n".join(groups[-1] + [note])) > budget:
                    groups.append([])
                groups[-1].append(note)
            if len(groups) == len(notes) and len(notes) > 1:  # each note alone fills the budget: pair them
                groups = [notes[i : i + 2] for i in range(0, len(notes), 2)]
            prompts = [_messages(render("collapse", title=title, notes="\n".join(g))) for g in groups]
            notes = self._generate("collapse", prompts, self.note_tokens)
        return notes

    def reduce_prompts(self, meta: PaperMeta, chunks: list[Chunk], notes: list[str]) -> list[Messages]:
        """One prompt per blog section, from the notes of matching chunks (collapsing them if needed)."""
        budget = self._budget(meta.title)
        prompts = []
        for blog in BLOG_SECTIONS:
            chosen = [n for c, n in zip(chunks, notes) if c.kind in blog.kinds and n.strip()]
            if not chosen:
                chosen = [n for n in notes if n.strip()]
            chosen = self._collapse(meta.title, chosen, budget)
            prompts.append(
                _messages(render("section", title=meta.title, notes="\n".join(chosen), instruction=blog.instruction))
            )
        return prompts

    def reduce(self, meta: PaperMeta, chunks: list[Chunk], notes: list[str]) -> dict[str, str]:
        texts = self._generate("reduce", self.reduce_prompts(meta, chunks, notes), self.section_tokens)
        return {blog.heading: text for blog, text in zip(BLOG_SECTIONS, texts)}

    def summarize(self, meta: PaperMeta, chunks: list[Chunk]) -> Summary:
        notes = self.map(meta, chunks)
        sections = self.reduce(meta, chunks, notes)
        return Summary(
            notes=notes,
            sections=sections,
            model=self.backend.name,
            prompt_hashes=prompt_hashes(),
            generated_tokens=self.generated,
        )
