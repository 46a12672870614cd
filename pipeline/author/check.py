"""``paperdraft check``: is a draft's critique the author's own, and is the draft ready to publish?

A draft is read into a :class:`DraftFile` that keeps every section's character
span, so each :class:`Finding` points at a real ``line:col`` (1-based; columns
count characters). Findings print as ``path:line:col: severity: message``, the
format vim's quickfix, Emacs' compile mode and VS Code problem matchers read.

The author's own words exclude HTML comments, the ``TODO(author)`` placeholder
and Markdown block quotes (``> ...``): quoting the paper is allowed, but it is
not critique, so it neither counts as copying nor towards the word minimum.

A machine section the author never touched (its text still has the hash paperdraft
kept in ``section_hashes``) is a warning naming it: the author should put it in
their own words or delete it. ``publish`` names the same sections in the post's footer.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Literal

from pipeline.draftfile.format import (
    CRITIQUE_HEADING,
    FLAG_LOOSE,
    PLACEHOLDER,
    QUOTE_NOTE_LOOSE,
    TODO_MARK,
)
from pipeline.author.figure_rights import case_message, includes_figures
from pipeline.draftfile.figures import IMAGE_LINE
from pipeline.draftfile.merge import block_hash
from pipeline.draftfile.parse import Block, DraftFile, read_draft

Severity = Literal["error", "warning", "note"]  # a note says what publish will do; only errors stop it
REQUIRED_KEYS = ("title", "status")
STATUSES = ("draft", "reviewed", "published")

NGRAM = 8  # this many words in a row shared with the summary count as copied
MIN_SENTENCE_WORDS = 5  # shorter identical sentences ("I agree.") are not copying
WORD = re.compile(r"[^\W_]+(?:(?:['’-]|(?<=\d)[.,](?=\d))[^\W_]+)*")  # "don't", "state-of-the-art", "28.4"
TODO = re.compile(rf"{re.escape(TODO_MARK)}|\b(?:TODO|FIXME)\b")  # the placeholder's mark, even glued to a word
SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n[ \t]*\n")




@dataclass(frozen=True)
class Finding:
    """One problem in one draft, at a 1-based line and column.

    ``end_line``/``end_col`` (1-based, exclusive) end the text the finding is about, so an editor can mark it
    (the language server, :mod:`pipeline.lsp`); 0 when not known. ``rule`` names the check that made it
    (``RULES``). Neither takes part in equality, nor in the printed and JSON forms.
    """

    path: str
    line: int
    col: int
    severity: Severity
    message: str
    end_line: int = field(default=0, compare=False)
    end_col: int = field(default=0, compare=False)
    rule: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "col": self.col, "severity": self.severity,
                "message": self.message}


# The checks, by the name a Finding's ``rule`` carries.
RULES = ("front-matter", "placeholder", "todo", "no-critique", "short-critique", "copied", "no-footer",
         "unverified", "quote-note", "untouched", "unreadable", "figure-licence")


def own_text(doc: DraftFile) -> str:
    """The critique as the author wrote it, offsets kept: no comments, placeholder or quotes."""
    critique = doc.critique
    if not critique:
        return ""
    region = doc.masked[critique.start : critique.end].replace(PLACEHOLDER, " " * len(PLACEHOLDER))
    blank_quote = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
    return " " * critique.start + re.sub(r"(?m)^[ \t]*>.*$", blank_quote, region)


def critique_words(doc: DraftFile) -> int:
    """How many words the author wrote under ``## My critique`` (comments and quotes not counted)."""
    return len(WORD.findall(own_text(doc)))


def _words(text: str, base: int = 0) -> list[tuple[str, int]]:
    """Normalised words with their offsets: lowercase, apostrophes and hyphens kept inside words."""
    return [(m.group(0).lower().replace("’", "'"), base + m.start()) for m in WORD.finditer(text)]


def sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str]]:
    """(offset, sentence) pairs: a sentence ends at '.', '!' or '?' before a space, or at a blank line."""
    end = len(text) if end is None else end
    for m in [*SENTENCE_END.finditer(text, start, end), None]:
        stop = m.end() if m else end
        if text[start:stop].strip():
            yield start, text[start:stop]
        start = stop


def _sentence_words(text: str, words: list[tuple[str, int]], start: int = 0) -> Iterator[list[tuple[str, int]]]:
    """The words (of ``words``: all of ``text``'s, with offsets) of each sentence of ``text`` from ``start``: no word
    runs over a sentence's end, so one pass over the text serves every sentence."""
    offsets = [o for _, o in words]
    for offset, sentence in sentences(text, start):
        yield words[bisect.bisect_left(offsets, offset) : bisect.bisect_left(offsets, offset + len(sentence))]


@lru_cache(maxsize=16)  # a draft has seven machine sections; bounded, for a server that runs all day
def _machine_index(region: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The ``NGRAM``-word runs and the sentences (as words) of one machine section's text. Kept for the sections
    the last checks saw: as the author types in the critique, the language server checks again and again
    while the machine sections stay as they are."""
    region_words = _words(region)
    words = [w for w, _ in region_words]
    grams = [tuple(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1)]
    keys = [key for sw in _sentence_words(region, region_words)
            if len(key := tuple(w for w, _ in sw)) >= MIN_SENTENCE_WORDS]
    return grams, keys


@lru_cache(maxsize=4)
def _machine_text(sections: tuple[tuple[str, str], ...]) -> tuple[dict[tuple[str, ...], str], dict[tuple[str, ...], str]]:
    """(each ``NGRAM``-word run, each sentence) of the machine sections ``(heading, text)``, to the heading of the
    first section that has it. Kept, like :func:`_machine_index`, while the author types elsewhere; read only."""
    grams: dict[tuple[str, ...], str] = {}
    copied: dict[tuple[str, ...], str] = {}
    for heading, region in sections:
        section_grams, section_sentences = _machine_index(region)
        for gram in section_grams:
            grams.setdefault(gram, heading)
        for key in section_sentences:
            copied.setdefault(key, heading)
    return grams, copied


def _copy_findings(doc: DraftFile, at: Callable[..., Finding]) -> list[Finding]:
    """Sentences, or runs of ``NGRAM``+ words, that the critique shares with a machine section."""
    grams, copied = _machine_text(tuple((span.heading, doc.masked[span.start : span.end]) for span in doc.machine))
    own = own_text(doc)
    words = _words(own)
    plain = [w for w, _ in words]
    findings, covered, i = [], set(), 0
    while i <= len(words) - NGRAM:
        source = grams.get(tuple(plain[i : i + NGRAM]))
        if not source:
            i += 1
            continue
        j = i + NGRAM
        while j < len(words) and tuple(plain[j - NGRAM + 1 : j + 1]) in grams:
            j += 1
        covered.update(range(words[i][1], words[j - 1][1] + 1))
        findings.append(at(words[i][1], "error", f"{j - i} words copied from the machine-written section "
                           f"'{source}': say it in your own words, or quote it as a '> ' block quote",
                           _word_end(own, words[j - 1][1]), "copied"))
        i = j
    for sw in _sentence_words(own, words, doc.critique.start if doc.critique else 0):
        key = tuple(w for w, _ in sw)
        if key in copied and not any(o in covered for _, o in sw):
            findings.append(at(sw[0][1], "error", f"sentence copied from the machine-written section "
                               f"'{copied[key]}': say it in your own words", _word_end(own, sw[-1][1]), "copied"))
    return findings


def unverified_findings(doc: DraftFile, at: Callable[..., Finding]) -> list[Finding]:
    """Faithfulness: each ``<!-- unverified: ... -->`` flag in machine text is an error, so nothing the
    pipeline could not trace to the paper is published unread. The author checks the claim against the
    paper, fixes or drops the sentence, and deletes the flag."""
    end = doc.critique.at if doc.critique else len(doc.text)
    return [at(m.start(), "error", f"unverified claim: {' '.join(m.group(1).split())}; check it in the paper, "
                                   "fix or drop the sentence, then delete this comment", m.end(), "unverified")
            for m in FLAG_LOOSE.finditer(doc.text, doc.body_start, end)]


def quote_findings(doc: DraftFile, at: Callable[..., Finding]) -> list[Finding]:
    """Each note above quotes of the paper is an error, like ``TODO(author)``: the post must carry the author's
    words, or quotes the author chose to keep (by deleting the note), never the tool's instruction."""
    end = doc.critique.at if doc.critique else len(doc.text)
    return [at(m.start(), "error", "quotes from the paper: put them in your own words, or delete this note "
                                   "to publish them as quotes", m.end(), "quote-note")
            for m in QUOTE_NOTE_LOOSE.finditer(doc.text, doc.body_start, end)]


def as_drafted(doc: DraftFile) -> list[Block]:
    """The machine sections the author never touched: each block's text still has the hash the front matter's
    ``section_hashes`` kept when paperdraft wrote it. The preamble and the footer are not sections."""
    stored = (doc.front or {}).get("section_hashes")
    if not isinstance(stored, dict):
        return []
    return [b for b in doc.machine if stored.get(b.key) == block_hash(doc.block_text(b))]


def untouched_findings(doc: DraftFile, at: Callable[..., Finding]) -> list[Finding]:
    """A warning for each machine section as paperdraft wrote it: a post should carry the author's words."""
    return [at(b.at, "warning", f"'{b.heading}' is as paperdraft wrote it: put it in your own words, or delete it",
               rule="untouched")
            for b in as_drafted(doc)]


def _locator(doc: DraftFile) -> Callable[..., Finding]:
    """``at(offset, severity, message, end=None, rule="")``: a Finding from ``offset`` to ``end`` (default: the end
    of the offset's line)."""
    def at(offset: int, severity: Severity, message: str, end: int | None = None, rule: str = "") -> Finding:
        if end is None:
            end = doc.text.find("\n", offset)
            end = len(doc.text) if end < 0 else end
        return Finding(str(doc.path), *doc.line_col(offset), severity, message, *doc.line_col(max(end, offset)), rule)

    return at


def _word_end(text: str, offset: int) -> int:
    """Where the word that starts at ``offset`` ends."""
    m = WORD.match(text, offset)
    return m.end() if m else offset


def check_draft(doc: DraftFile, min_words: int) -> list[Finding]:
    """Every finding for one draft, in file order."""
    at = _locator(doc)
    out: list[Finding] = []
    if doc.front_problem:
        line, col, message = doc.front_problem
        lines = doc.text.split("\n")
        end_col = len(lines[line - 1]) + 1 if line <= len(lines) else col
        out.append(Finding(str(doc.path), line, col, "error", message, line, max(end_col, col), "front-matter"))
    else:
        for key in REQUIRED_KEYS:
            if not doc.front.get(key):
                out.append(at(0, "error", f"front matter has no '{key}'", rule="front-matter"))
        status = doc.front.get("status")
        if status and status not in STATUSES:
            out.append(at(0, "warning", f"unknown status '{status}' (expected one of: {', '.join(STATUSES)})",
                          rule="front-matter"))
    for m in TODO.finditer(doc.masked, doc.body_start):
        in_critique = doc.critique and doc.critique.start <= m.start() < doc.critique.end
        if m.group(0) == TODO_MARK and in_critique:
            whole = doc.text.startswith(PLACEHOLDER, m.start())
            out.append(at(m.start(), "error", f"the critique still holds the {TODO_MARK} placeholder: "
                                              "replace it with your critique",
                          m.start() + len(PLACEHOLDER) if whole else m.end(), "placeholder"))
        elif in_critique:
            out.append(at(m.start(), "error", f"leftover {m.group(0)} marker in the critique", m.end(), "todo"))
        else:
            out.append(at(m.start(), "warning", f"leftover {m.group(0)} marker", m.end(), "todo"))
    if not doc.critique:
        out.append(at(doc.body_start, "error", f"no '{CRITIQUE_HEADING}' section: add it and write your critique there",
                      rule="no-critique"))
    else:
        words = critique_words(doc)
        if words < min_words:
            out.append(at(doc.critique.at, "error", f"the critique has {words} words of your own; write at least "
                                                    f"{min_words} (comments and quotes do not count)",
                          rule="short-critique"))
        out.extend(_copy_findings(doc, at))
        if doc.footer is None:
            out.append(at(doc.critique.at, "warning", "no footer naming the model that drafted the summary",
                          rule="no-footer"))
    out.extend(unverified_findings(doc, at))
    out.extend(quote_findings(doc, at))
    out.extend(untouched_findings(doc, at))
    out.extend(figure_findings(doc, at))
    return sorted(out, key=lambda f: (f.line, f.col))


def figure_findings(doc: DraftFile, at: Callable[..., Finding]) -> list[Finding]:
    """Which licence case applies to the figures the draft shows (a note: publish knows what to do)."""
    pictures = [m for m in IMAGE_LINE.finditer(doc.masked, doc.body_start)]
    message = case_message(doc.front or {}, len(pictures))
    if message is None:
        return []
    severity = "note" if includes_figures(doc.front or {}) else "warning"
    return [at(pictures[0].start(), severity, message, rule="figure-licence")]


def check_file(path: Path, min_words: int) -> list[Finding]:
    """Findings for the draft at ``path``; an unreadable file is one error, not a crash."""
    try:
        doc = read_draft(path)
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(str(path), 1, 1, "error", f"cannot read the draft: {exc}", rule="unreadable")]
    return check_draft(doc, min_words)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
