"""``paperdraft check``: is a draft's critique the author's own, and is the draft ready to publish?

A draft is read into a :class:`DraftFile` that keeps every section's character
span, so each :class:`Finding` points at a real ``line:col`` (1-based; columns
count characters). Findings print as ``path:line:col: severity: message``, the
format vim's quickfix, Emacs' compile mode and VS Code problem matchers read.

The author's own words exclude HTML comments, the ``TODO(author)`` placeholder
and Markdown block quotes (``> ...``): quoting the paper is allowed, but it is
not critique, so it neither counts as copying nor towards the word minimum.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Literal

import yaml

from .draft import CRITIQUE_HEADING, PLACEHOLDER, TODO_MARK
from .errors import PaperdraftError

Severity = Literal["error", "warning"]
REQUIRED_KEYS = ("title", "status")
STATUSES = ("draft", "reviewed", "published")

NGRAM = 8  # this many words in a row shared with the summary count as copied
MIN_SENTENCE_WORDS = 5  # shorter identical sentences ("I agree.") are not copying
RULE = re.compile(r"^---[ \t]*$", re.M)
COMMENT = re.compile(r"<!--.*?-->", re.S)
UNVERIFIED = re.compile(r"<!--\s*unverified:\s*(.*?)\s*-->", re.S | re.I)
WORD = re.compile(r"[^\W_]+(?:(?:['’-]|(?<=\d)[.,](?=\d))[^\W_]+)*")  # "don't", "state-of-the-art", "28.4"
TODO = re.compile(rf"{re.escape(TODO_MARK)}|\b(?:TODO|FIXME)\b")  # the placeholder's mark, even glued to a word
SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n[ \t]*\n")


class DraftNotFoundError(PaperdraftError):
    """No draft matches what the user named."""


@dataclass(frozen=True)
class Finding:
    """One problem in one draft, at a 1-based line and column."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Span:
    """A ``## `` section: its heading, where the heading starts, and its content's [start, end)."""

    heading: str
    at: int
    start: int
    end: int


@dataclass
class DraftFile:
    """A draft read for checking. ``masked`` is ``text`` with HTML comments blanked out (offsets kept)."""

    path: Path
    text: str
    masked: str
    front: dict | None
    body_start: int
    sections: list[Span] = field(default_factory=list)
    critique: Span | None = None
    footer: int | None = None  # offset of the footer's ``---`` line
    front_problem: tuple[int, int, str] | None = None  # (line, col, message)

    def line_col(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    @property
    def machine(self) -> list[Span]:
        """The sections paperdraft wrote: every ``## `` section before the critique."""
        end = self.critique.at if self.critique else len(self.text)
        return [s for s in self.sections if s.at < end]

    def own_text(self) -> str:
        """The critique as the author wrote it, offsets kept: no comments, placeholder or quotes."""
        if not self.critique:
            return ""
        region = self.masked[self.critique.start : self.critique.end].replace(PLACEHOLDER, " " * len(PLACEHOLDER))
        blank_quote = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
        return " " * self.critique.start + re.sub(r"(?m)^[ \t]*>.*$", blank_quote, region)


def _mask(text: str) -> str:
    return COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def read_draft(path: Path) -> DraftFile:
    """Split a draft into front matter, sections, critique and footer, keeping offsets."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    front, body_start, problem = None, 0, None
    if text.startswith("---\n"):
        close = RULE.search(text, 4)
        if not close:
            problem = (1, 1, "front matter is not closed: add a '---' line after it")
        else:
            body_start = close.end() + 1
            try:
                front = yaml.safe_load(text[4 : close.start()])
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = (mark.line + 2, mark.column + 1) if mark else (1, 1)
                problem = (*where, f"front matter is not valid YAML: {getattr(exc, 'problem', None) or exc}")
            else:
                if not isinstance(front, dict):
                    front, problem = None, (2, 1, "front matter must be a YAML mapping of keys to values")
    else:
        problem = (1, 1, "no front matter: the draft must start with a '---' YAML block")
    body_start = min(body_start, len(text))
    masked = text[:body_start] + _mask(text[body_start:])  # a '<!--' in a front-matter title opens no comment
    doc = DraftFile(path, text, masked, front, body_start, front_problem=problem)
    heads = list(re.finditer(r"(?m)^##[ \t]+(.+?)[ \t]*$", masked[doc.body_start :]))
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text) - doc.body_start
        doc.sections.append(Span(m.group(1), doc.body_start + m.start(), doc.body_start + m.end(), doc.body_start + end))
    heading = next((s for s in doc.sections if f"## {s.heading}" == CRITIQUE_HEADING), None)
    if heading:  # the critique runs to the footer, over any sections the author added below it
        rules = list(RULE.finditer(masked, heading.start))
        footer = next((m.start() for m in reversed(rules) if "drafted by" in masked[m.end() :]), None)
        doc.footer = footer
        doc.critique = Span(heading.heading, heading.at, heading.start, len(text) if footer is None else footer)
    return doc


def critique_words(doc: DraftFile) -> int:
    """How many words the author wrote under ``## My critique`` (comments and quotes not counted)."""
    return len(WORD.findall(doc.own_text()))


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


def _copy_findings(doc: DraftFile, at: Callable[..., Finding]) -> list[Finding]:
    """Sentences, or runs of ``NGRAM``+ words, that the critique shares with a machine section."""
    grams: dict[tuple[str, ...], str] = {}
    copied: dict[tuple[str, ...], str] = {}
    for span in doc.machine:
        region = doc.masked[span.start : span.end]
        words = [w for w, _ in _words(region)]
        for i in range(len(words) - NGRAM + 1):
            grams.setdefault(tuple(words[i : i + NGRAM]), span.heading)
        for _, sentence in sentences(region):
            key = tuple(w for w, _ in _words(sentence))
            if len(key) >= MIN_SENTENCE_WORDS:
                copied.setdefault(key, span.heading)
    own = doc.own_text()
    words = _words(own)
    findings, covered, i = [], set(), 0
    while i <= len(words) - NGRAM:
        source = grams.get(tuple(w for w, _ in words[i : i + NGRAM]))
        if not source:
            i += 1
            continue
        j = i + NGRAM
        while j < len(words) and tuple(w for w, _ in words[j - NGRAM + 1 : j + 1]) in grams:
            j += 1
        covered.update(range(words[i][1], words[j - 1][1] + 1))
        findings.append(at(words[i][1], "error", f"{j - i} words copied from the machine-written section "
                           f"'{source}': say it in your own words, or quote it as a '> ' block quote"))
        i = j
    for offset, sentence in sentences(own, doc.critique.start if doc.critique else 0):
        sw = _words(sentence, offset)
        key = tuple(w for w, _ in sw)
        if key in copied and not any(o in covered for _, o in sw):
            findings.append(at(sw[0][1], "error", f"sentence copied from the machine-written section "
                               f"'{copied[key]}': say it in your own words"))
    return findings


def unverified_findings(doc: DraftFile, at: Callable[..., Finding]) -> list[Finding]:
    """Faithfulness: each ``<!-- unverified: ... -->`` flag in machine text is an error, so nothing the
    pipeline could not trace to the paper is published unread. The author checks the claim against the
    paper, fixes or drops the sentence, and deletes the flag."""
    end = doc.critique.at if doc.critique else len(doc.text)
    return [at(m.start(), "error", f"unverified claim: {' '.join(m.group(1).split())}; check it in the paper, "
                                   "fix or drop the sentence, then delete this comment")
            for m in UNVERIFIED.finditer(doc.text, doc.body_start, end)]


def check_draft(doc: DraftFile, min_words: int) -> list[Finding]:
    """Every finding for one draft, in file order."""
    at = lambda offset, severity, message: Finding(str(doc.path), *doc.line_col(offset), severity, message)  # noqa: E731
    out: list[Finding] = []
    if doc.front_problem:
        line, col, message = doc.front_problem
        out.append(Finding(str(doc.path), line, col, "error", message))
    else:
        for key in REQUIRED_KEYS:
            if not doc.front.get(key):
                out.append(at(0, "error", f"front matter has no '{key}'"))
        status = doc.front.get("status")
        if status and status not in STATUSES:
            out.append(at(0, "warning", f"unknown status '{status}' (expected one of: {', '.join(STATUSES)})"))
    for m in TODO.finditer(doc.masked, doc.body_start):
        in_critique = doc.critique and doc.critique.start <= m.start() < doc.critique.end
        if m.group(0) == TODO_MARK and in_critique:
            out.append(at(m.start(), "error", f"the critique still holds the {TODO_MARK} placeholder: "
                                              "replace it with your critique"))
        elif in_critique:
            out.append(at(m.start(), "error", f"leftover {m.group(0)} marker in the critique"))
        else:
            out.append(at(m.start(), "warning", f"leftover {m.group(0)} marker"))
    if not doc.critique:
        out.append(at(doc.body_start, "error", f"no '{CRITIQUE_HEADING}' section: add it and write your critique there"))
    else:
        words = critique_words(doc)
        if words < min_words:
            out.append(at(doc.critique.at, "error", f"the critique has {words} words of your own; write at least "
                                                    f"{min_words} (comments and quotes do not count)"))
        out.extend(_copy_findings(doc, at))
        if doc.footer is None:
            out.append(at(doc.critique.at, "warning", "no footer naming the model that drafted the summary"))
    out.extend(unverified_findings(doc, at))
    return sorted(out, key=lambda f: (f.line, f.col))


def check_file(path: Path, min_words: int) -> list[Finding]:
    """Findings for the draft at ``path``; an unreadable file is one error, not a crash."""
    try:
        doc = read_draft(path)
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(str(path), 1, 1, "error", f"cannot read the draft: {exc}")]
    return check_draft(doc, min_words)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def list_drafts(drafts_dir: Path) -> list[Path]:
    """The drafts in a folder: visible ``*.md`` files, by name."""
    return sorted(p for p in drafts_dir.glob("*.md") if p.is_file() and not p.name.startswith("."))


def resolve_draft(name: str, drafts_dir: Path) -> Path:
    """A draft named by path, or by arXiv id (``1706.03762``, ``arXiv:1706.03762v5``) in ``drafts_dir``."""
    path = Path(name).expanduser()
    if path.is_file():
        return path
    ident = re.sub(r"^(arxiv:|https?://arxiv\.org/abs/)", "", name.strip(), flags=re.I)
    bare = re.sub(r"v\d+$", "", ident)
    prefix = re.sub(r"[^A-Za-z0-9._-]+", "-", bare.replace("/", "_"))
    matches = []
    for candidate in list_drafts(drafts_dir) if drafts_dir.is_dir() else []:
        try:
            front = read_draft(candidate).front or {}
        except (OSError, UnicodeDecodeError):
            front = {}
        if str(front.get("arxiv_id") or "") in (bare, ident) or candidate.name.startswith(f"{prefix}-"):
            matches.append(candidate)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DraftNotFoundError(f"'{name}' matches {len(matches)} drafts: {', '.join(map(str, matches))}",
                                 hint="name the draft by its path")
    raise DraftNotFoundError(f"no draft '{name}': not a file, and no draft in {drafts_dir} has that arXiv id",
                             hint="run paperdraft list to see your drafts")
