"""Map-reduce summary, grounded in the paper's own sentences.

Map: for every chunk, the model writes notes (batched) from the chunk's key
sentences (or from the whole chunk, with ``key_sentences = 0``). Notes the
paper does not support are dropped.

Reduce: each blog section is written from the paper sentences that hold its
facts: the most central sentences of the matching paper sections, with cue
words and numbers favoured where the section needs them (results, limitations).
Every paper sentence is ranked, however long the paper, so nothing is cut
unread. Generated sentences are kept when the paper supports them, flagged
(``<!-- unverified: weakly supported ... -->``) when it only partly does, and
dropped when it does not; each carries the page it came from. Where the model
wrote too little that holds, the section quotes the paper's key sentences
instead, for the author to put in their own words. Limitations are written
only from sentences that state one; a paper that states none gets no model
call for it, and the section says so. Roadmap sentences ("The remainder of
this paper is organized as follows") are never evidence.
"""

from __future__ import annotations

import re
import time
from typing import Callable

from pipeline.summarize.blog_sections import BLOG_HEADINGS, BLOG_SECTIONS, BlogSection, own_names, section_evidence
from pipeline.summarize.evidence import (FILLER, SUPPORTED, WEAKLY_SUPPORTED, KeySentence, PaperIndex, content_words,
                                         flag_unverified, is_supported, numbers, split_sentences, support,
                                         weak_support_flag)
from pipeline.draftfile.format import quote_block
from pipeline.records import Chunk, PaperMeta, Summary
from pipeline.summarize.model import Backend, Messages
from pipeline.summarize.prompts import prompt_hashes, render

Progress = Callable[[str, int, int | None], None]


REDUCE_PROMPT_TOKENS = 640  # a tiny model writes better from short prompts, and faster
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


def _messages(user: str) -> Messages:
    return [{"role": "system", "content": render("system")}, {"role": "user", "content": user}]


def note_overhead(backend: Backend, title: str) -> int:
    """Tokens a notes prompt takes besides the chunk text."""
    return backend.prompt_tokens(_messages(render("notes", title=title, section="Introduction", text="")))


def paper_name(meta: PaperMeta) -> str:
    """How a quote names its paper: "*Attention Is All You Need* (Vaswani et al.)"."""
    title = " ".join(meta.title.split())
    if not meta.authors:
        return f"*{title}*"
    surname = meta.authors[0].split()[-1] if meta.authors[0].split() else meta.authors[0]
    return f"*{title}* ({surname}{' et al.' if len(meta.authors) > 1 else ''})"


def _with_cite(sentence: str, cite: str) -> str:
    if not cite:
        return sentence
    body, end = (sentence[:-1], sentence[-1]) if sentence[-1:] in ".!?" else (sentence, ".")
    return f"{body} ({cite}){end}"


class Summarizer:
    """Runs map and reduce for one paper on one backend."""

    def __init__(self, backend: Backend, note_tokens: int = 48, section_tokens: int = 110, batch_size: int = 8,
                 key_sentences: int = 4, progress: Progress | None = None, asked: list[str] | None = None,
                 weak_sentences: str = "flag"):
        self.backend = backend
        self.note_tokens = note_tokens
        self.section_tokens = section_tokens
        self.batch_size = batch_size
        self.key_sentences = key_sentences
        self.progress = progress or (lambda stage, done, total: None)
        self.generated = 0
        self.generation_seconds = 0.0
        # the blog sections the model is asked to write (None: all); the others are quoted from the paper
        self.asked = set(BLOG_HEADINGS if asked is None else asked)
        self.keep_weak = weak_sentences == "flag"  # "drop": a weakly supported sentence is left out
        self.weak = 0  # of ``written``, the weakly supported
        self.attempts: dict[str, dict[str, int]] = {}  # per section asked: proposed, strong, weak
        self.quoted = 0  # sentences quoted from the paper, over all sections
        self.written = 0  # sentences the model wrote that were kept
        self.index: PaperIndex | None = None
        self._evidence: list[list[KeySentence]] | None = None

    def _generate(self, stage: str, prompts: list[Messages], max_new_tokens: int) -> list[str]:
        if not prompts:
            return []
        done = 0
        self.progress(stage, 0, len(prompts))

        def advance(n: int) -> None:
            nonlocal done
            done += n
            self.progress(stage, done, len(prompts))

        start = time.perf_counter()
        out = self.backend.generate(prompts, max_new_tokens, on_done=advance, batch_size=self.batch_size)
        self.generation_seconds += time.perf_counter() - start
        self.generated += sum(g.new_tokens for g in out)
        return [g.text for g in out]

    def _index(self, chunks: list[Chunk]) -> PaperIndex:
        if self.index is None:
            self.index = PaperIndex(chunks)
        return self.index

    # ---- map
    def map_prompts(self, meta: PaperMeta, chunks: list[Chunk]) -> list[Messages]:
        index = self._index(chunks)
        prompts = []
        budget = self.backend.context_length - self.note_tokens
        for chunk in chunks:
            key = index.key_sentences(chunk.index, self.key_sentences) if self.key_sentences else []
            lines = [f"- {s.text}" for s in key] if key else [chunk.text]

            def build(lines: list[str], section: str = chunk.section) -> Messages:
                return _messages(render("notes", title=meta.title, section=section, text="\n".join(lines)))

            prompts.append(self._fitted(build, lines, budget))  # a key sentence may run past its chunk
        return prompts

    def _fitted(self, build: Callable[[list[str]], Messages], lines: list[str], budget: int) -> Messages:
        """``build(lines)``, with lines dropped from the end, then the last one cut, until it fits ``budget`` tokens."""
        while True:
            prompt = build(lines)
            if self.backend.prompt_tokens(prompt) <= budget:
                return prompt
            if len(lines) > 1:
                lines = lines[:-1]
            elif lines and len(words := lines[0].split()) > 8:
                lines = [" ".join(words[: len(words) * 3 // 4])]  # one huge "sentence": a table, say
            else:
                return prompt  # the model's context is too small even for this; generate() says so

    def map(self, meta: PaperMeta, chunks: list[Chunk]) -> list[str]:
        """Notes per chunk: the bullet lines the chunk's own text supports; "" for a chunk whose notes no section
        the model writes would read (a section not asked for, or with no evidence, gets no prompt)."""
        prompted = [b for b, ev in zip(BLOG_SECTIONS, self.evidence(chunks, meta.title)) if ev and b.heading in self.asked]
        wanted = [c for c in chunks if any(c.kind in b.kinds for b in prompted)]
        raw = dict(zip((c.index for c in wanted), self._generate("map", self.map_prompts(meta, wanted),
                                                                   self.note_tokens)))
        notes = []
        for chunk in chunks:
            if chunk.index not in raw:
                notes.append("")
                continue
            text = raw[chunk.index]
            words, nums = content_words(chunk.text), numbers(chunk.text)
            lines = [BULLET.sub("", line).strip() for line in text.splitlines()]
            kept = [line for line in lines if line and is_supported(line, words, nums)]
            notes.append("\n".join(f"- {line}" for line in kept))
        return notes

    # ---- reduce
    def evidence(self, chunks: list[Chunk], title: str = "") -> list[list[KeySentence]]:
        """For each blog section, the paper sentences it is written from, in reading order.

        A sentence that an earlier section would quote is not offered again while others are left. Only
        prose is evidence (no table rows, figure labels or equations) where the paper has prose. ``title``
        names the paper's method ("BERT: ..."): a sentence about it is the paper's own work.
        """
        if self._evidence is None:
            taken: set[str] = set()
            self._evidence = []
            names = own_names(title)
            for blog in BLOG_SECTIONS:
                chosen = section_evidence(blog, self._index(chunks), taken, names)
                taken.update(s.text for s in sorted(chosen, key=lambda s: -s.score)[: blog.quotes + 1])
                self._evidence.append(chosen)
        return self._evidence

    def reduce_prompts(self, meta: PaperMeta, chunks: list[Chunk], notes: list[str]) -> list[Messages]:
        """One prompt per blog section that has evidence: its evidence sentences, then the matching notes, as many
        as fit. A section without evidence (no limitation stated, say) gets no prompt: the model would invent one."""
        prompts = []
        for blog, evidence in zip(BLOG_SECTIONS, self.evidence(chunks, meta.title)):
            if not evidence or blog.heading not in self.asked:
                continue
            cue = re.compile(blog.cues, re.I) if blog.cue_required else None
            lines = [f"- {s.text}" for s in evidence]
            lines += [line for c, n in zip(chunks, notes) if c.kind in blog.kinds for line in n.splitlines()
                      if not cue or cue.search(line)]
            budget = min(self.backend.context_length, REDUCE_PROMPT_TOKENS) - self.section_tokens

            def build(lines: list[str], instruction: str = blog.instruction) -> Messages:
                return _messages(render("section", title=meta.title, notes="\n".join(lines), instruction=instruction))

            prompts.append(self._fitted(build, lines, budget))  # the notes go first, then the last evidence
        return prompts

    def compose(self, blog: BlogSection, text: str, evidence: list[KeySentence], notes: str, paper: str = "") -> str:
        """Keep the generated sentences the evidence supports, cite their pages; quote the paper where too few hold.

        A sentence its evidence only partly holds (``WEAKLY_SUPPORTED``) stays, flagged for the author;
        one it does not hold, or with a number the paper lacks, is dropped. A last pass flags any number
        the paper lacks in what the model wrote. Quotes go in a block quote attributed to ``paper``, under the
        note that asks the author to put them in their own words (or keep them as quotes).
        """
        index = self.index
        source = " ".join(s.text for s in evidence) + " " + notes
        words = content_words(source)
        paper_numbers = index.paper_numbers if index else numbers(source)
        flat = " ".join(BULLET.sub("", line) for line in text.splitlines())
        kept: list[tuple[str, bool]] = []  # (sentence, strongly supported)
        proposed = split_sentences(flat)
        for _, sentence in proposed:
            score = 0.0 if FILLER.match(sentence.strip()) else support(sentence, words, paper_numbers)
            if score >= WEAKLY_SUPPORTED and sentence not in (k for k, _ in kept):
                kept.append((sentence, score >= SUPPORTED))
        parts = []
        paged = bool(index and index.paged)

        def passage(sentence: str) -> KeySentence | None:
            """The paper passage that best supports it: in its evidence, else anywhere in the paper."""
            return (index.best_match(sentence, evidence) or index.best_match(sentence)) if index else None

        cited = [(s, strong, passage(s)) for s, strong in kept]
        if index and index.vectors is not None:  # a sentence no passage of the paper matches has no evidence
            cited = [(s, strong, match) for s, strong, match in cited if match]
        if blog.heading in self.asked:  # what the policy learns from: the model's sentences, before any is dropped
            self.attempts[blog.heading] = {"proposed": len(proposed), "strong": sum(1 for c in cited if c[1]),
                                           "weak": sum(1 for c in cited if not c[1])}
        cited = [c for c in cited if c[1] or self.keep_weak]
        kept = [(s, strong) for s, strong, _ in cited]

        def written(sentence: str, strong: bool, match: KeySentence | None) -> str:
            where = match.cite(paged) if match else ""
            return _with_cite(sentence, where) + ("" if strong else " " + weak_support_flag(where))

        if cited:
            text = " ".join(written(*c) for c in cited)
            # a safety net: no number the paper lacks reaches the draft unflagged
            parts.append(flag_unverified(text, index.paper_numbers) if index else text)
            self.written += len(cited)
            self.weak += sum(1 for c in cited if not c[1])
        strong = [s for s, ok in kept if ok]
        if len(strong) < blog.quotes and evidence:
            quotes = sorted(evidence, key=lambda s: -s.score)[: blog.quotes - len(strong) + 1]
            quotes = sorted(quotes, key=evidence.index)
            parts.append(quote_block([(s.text, s.cite(paged)) for s in quotes], paper))
            self.quoted += len(quotes)
        return "\n\n".join(parts)

    def reduce(self, meta: PaperMeta, chunks: list[Chunk], notes: list[str]) -> dict[str, str]:
        texts = iter(self._generate("reduce", self.reduce_prompts(meta, chunks, notes), self.section_tokens))
        sections: dict[str, str] = {}
        for blog, evidence in zip(BLOG_SECTIONS, self.evidence(chunks, meta.title)):
            if not evidence:
                sections[blog.heading] = blog.none_found or "_The paper's text holds nothing for this section._"
                continue
            text = next(texts) if blog.heading in self.asked else ""  # not asked: the paper is quoted
            related = " ".join(n for c, n in zip(chunks, notes) if c.kind in blog.kinds)
            sections[blog.heading] = self.compose(blog, text, evidence, related, paper_name(meta))
        return sections

    def summarize(self, meta: PaperMeta, chunks: list[Chunk]) -> Summary:
        self.quoted = self.written = self.weak = 0
        self.attempts = {}
        notes = self.map(meta, chunks)
        sections = self.reduce(meta, chunks, notes)
        return Summary(
            notes=notes,
            sections=sections,
            model=self.backend.name,
            prompt_hashes=prompt_hashes(),
            generated_tokens=self.generated,
            quoted=self.quoted,
            written=self.written,
            weak=self.weak,
            attempts=self.attempts,
        )
