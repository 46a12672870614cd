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
from dataclasses import replace
from typing import Callable

from pipeline.summarize.blog_sections import BLOG_SECTIONS, ROADMAP, BlogSection, about_earlier_work, own_names, placement
from pipeline.summarize.evidence import (FILLER, SUPPORTED, WEAKLY_SUPPORTED, KeySentence, PaperIndex, content_words,
                                         flag_unverified, is_supported, numbers, split_sentences, support,
                                         weak_support_flag)
from pipeline.draftfile.format import quote_block
from pipeline.records import Chunk, PaperMeta, Summary
from pipeline.summarize.model import Backend, Messages
from pipeline.summarize.prompts import prompt_hashes, render

Progress = Callable[[str, int, int | None], None]


EVIDENCE_PER_SECTION = 6
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
                 key_sentences: int = 4, progress: Progress | None = None):
        self.backend = backend
        self.note_tokens = note_tokens
        self.section_tokens = section_tokens
        self.batch_size = batch_size
        self.key_sentences = key_sentences
        self.progress = progress or (lambda stage, done, total: None)
        self.generated = 0
        self.quoted = 0  # sentences quoted from the paper, over all sections
        self.written = 0  # sentences the model wrote that were kept
        self.index: PaperIndex | None = None
        self._evidence: list[list[KeySentence]] | None = None

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
        """Notes per chunk: the bullet lines the chunk's own text supports."""
        raw = self._generate("map", self.map_prompts(meta, chunks), self.note_tokens)
        notes = []
        for chunk, text in zip(chunks, raw):
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
                chosen = self._evidence_for(blog, chunks, taken, names)
                taken.update(s.text for s in sorted(chosen, key=lambda s: -s.score)[: blog.quotes + 1])
                self._evidence.append(chosen)
        return self._evidence

    def _evidence_for(self, blog: BlogSection, chunks: list[Chunk], taken: set[str],
                      names: tuple[str, ...] = ()) -> list[KeySentence]:
        index = self._index(chunks)
        cue = re.compile(blog.cues, re.I) if blog.cues else None
        strong = re.compile(blog.strong_cues, re.I) if blog.strong_cues else None
        prose = [s for s in index.sentences if s.prose] or index.sentences  # a paper of tables alone: its pieces

        def eligible(s: KeySentence) -> bool:
            return not ROADMAP.search(s.text) and not (blog.own_only and about_earlier_work(s.text, names))

        pool = [s for s in prose if s.kind in blog.kinds and eligible(s)]
        if blog.cue_required and cue:
            pool = [s for s in pool if cue.search(s.text)]
            if not pool and strong:  # none where such sentences live: the strongest cues, anywhere in the paper
                pool = [s for s in prose if strong.search(s.text) and eligible(s)]
        elif not pool:  # no section of those kinds: any sentence may do
            pool = [s for s in prose if eligible(s)]
        fresh = [s for s in pool if s.text not in taken]
        pool = fresh if len(fresh) >= blog.quotes + 1 or (blog.cue_required and fresh) else pool
        if blog.earlier_penalty:  # earlier work only where nothing else is left: fewer quotes, not misplaced ones
            pool = [s for s in pool if not about_earlier_work(s.text, names)] or pool

        def score(s: KeySentence) -> float:
            bonus = 0.15 if cue and cue.search(s.text) else 0.0
            bonus += 0.2 if strong and strong.search(s.text) else 0.0
            bonus += 0.1 if blog.heading == "Results" and numbers(s.text) else 0.0
            bonus += 0.1 * (len(blog.kinds) - blog.kinds.index(s.kind)) / len(blog.kinds) if s.kind in blog.kinds else 0
            return s.score + bonus + placement(blog, s.text, names, bool(cue and cue.search(s.text)))

        chosen = sorted(sorted(pool, key=score, reverse=True)[:EVIDENCE_PER_SECTION], key=index.position)
        return [replace(s, score=score(s)) for s in chosen]  # the section's own ranking picks its quotes

    def reduce_prompts(self, meta: PaperMeta, chunks: list[Chunk], notes: list[str]) -> list[Messages]:
        """One prompt per blog section that has evidence: its evidence sentences, then the matching notes, as many
        as fit. A section without evidence (no limitation stated, say) gets no prompt: the model would invent one."""
        prompts = []
        for blog, evidence in zip(BLOG_SECTIONS, self.evidence(chunks, meta.title)):
            if not evidence:
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
        for _, sentence in split_sentences(flat):
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
        kept = [(s, strong) for s, strong, _ in cited]

        def written(sentence: str, strong: bool, match: KeySentence | None) -> str:
            where = match.cite(paged) if match else ""
            return _with_cite(sentence, where) + ("" if strong else " " + weak_support_flag(where))

        if cited:
            text = " ".join(written(*c) for c in cited)
            # a safety net: no number the paper lacks reaches the draft unflagged
            parts.append(flag_unverified(text, index.paper_numbers) if index else text)
            self.written += len(cited)
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
            text = next(texts)
            related = " ".join(n for c, n in zip(chunks, notes) if c.kind in blog.kinds)
            sections[blog.heading] = self.compose(blog, text, evidence, related, paper_name(meta))
        return sections

    def summarize(self, meta: PaperMeta, chunks: list[Chunk]) -> Summary:
        self.quoted = self.written = 0
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
        )
