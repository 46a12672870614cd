"""The one parser of the draft format (:mod:`pipeline.draftfile.format`).

``check``, ``merge``, ``publish``, ``list``, the lookup by id and the flows' skip
check all read drafts through :func:`parse_draft`, so they agree on where the
front matter ends and where each section starts and stops.

- The front matter runs from a first line ``---`` to the next line that is ``---``
  (trailing blanks allowed). A byte-order mark and CRLF line ends are ignored. When
  what lies between is no YAML mapping and holds a Markdown heading, the closing
  ``---`` was removed (the one found is a later rule, such as the footer's): the
  front matter is "not closed", and the body starts at that first heading.
- The body is cut into blocks whose texts, joined, give the body back exactly:
  the preamble, one block per ``## `` heading, the critique, and the footer.
- A heading inside an HTML comment or a fenced code block is not a heading; a
  ``<!--`` inside a fenced code block is code, not a comment (what a Markdown
  renderer meets first wins). Publishing drops the same comments this parser
  skips (:func:`strip_comments`).
- The critique runs from ``## My critique`` to the footer, over any headings the
  author wrote in it or below it. The footer is the last rule followed by
  paperdraft's footer line.
- A heading seen before gets a key of its own (``"Results\\n2"``, which no heading
  can be), so an author's second ``## Results`` is never taken for paperdraft's;
  so does a heading titled like the preamble's or footer's key.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.draftfile.format import (
    CODE_FENCE,
    COMMENT_OR_FENCE,
    CRITIQUE_TITLE,
    FENCE_LINE,
    FOOTER,
    FOOTER_START,
    HEADING,
    PREAMBLE,
)


@dataclass(frozen=True)
class Block:
    """One block of the body: its key, its heading's title (None for the preamble and footer), where it
    starts in the file's text, its heading line's end, and its end."""

    key: str
    heading: str | None
    at: int
    start: int  # where its content starts: after the heading line (for the preamble and footer: ``at``)
    end: int


@dataclass
class DraftFile:
    """A draft as read: its text (BOM gone, ``\\n`` line ends), front matter and blocks, with offsets."""

    path: Path | None
    text: str
    masked: str  # ``text`` with HTML comments blanked out, offsets kept
    front: dict | None
    front_problem: tuple[int, int, str] | None  # (line, col, message) when the front matter is unusable
    body_start: int  # where the body starts (after the front matter and the blank line after it)
    blocks: list[Block] = field(default_factory=list)
    _line_starts: list[int] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def body(self) -> str:
        return self.text[self.body_start :]

    def block_text(self, block: Block) -> str:
        return self.text[block.at : block.end]

    def pairs(self) -> list[tuple[str, str]]:
        """(key, raw text) of every block, in order; the texts joined give :attr:`body` back."""
        return [(b.key, self.block_text(b)) for b in self.blocks]

    @property
    def sections(self) -> list[Block]:
        """Every ``## `` block before the footer, the critique included."""
        return [b for b in self.blocks if b.heading is not None]

    @property
    def critique(self) -> Block | None:
        return next((b for b in self.blocks if b.key == CRITIQUE_TITLE), None)

    @property
    def machine(self) -> list[Block]:
        """The sections paperdraft wrote: every ``## `` block before the critique."""
        end = self.critique.at if self.critique else len(self.text)
        return [b for b in self.sections if b.at < end]

    @property
    def footer(self) -> int | None:
        """Where the footer's rule starts, if there is a footer."""
        return next((b.at for b in self.blocks if b.key == FOOTER), None)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of ``offset``."""
        if self._line_starts is None:  # found once: check asks for every finding's start and end
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, max(offset, 0))
        return line, offset - self._line_starts[line - 1] + 1


def _blank(match: re.Match) -> str:
    """The match as spaces, its newlines kept (offsets and lines stay the same)."""
    return "\n".join(" " * len(line) for line in match.group(0).split("\n"))


def _comments(text: str) -> list[re.Match]:
    """The HTML comments of ``text`` a Markdown renderer sees: none starts inside a closed fenced code block."""
    return [m for m in COMMENT_OR_FENCE.finditer(text) if m.group("comment") is not None]


def mask(text: str) -> str:
    """HTML comments blanked out (newlines kept), so offsets stay the same."""
    return _edit(text, _comments(text), _blank)


def strip_comments(text: str) -> str:
    """``text`` without the HTML comments :func:`mask` blanks out: what a published post keeps."""
    return _edit(text, _comments(text), lambda m: "")


def _edit(text: str, matches: list[re.Match], replace) -> str:
    out, at = [], 0
    for m in matches:
        out += [text[at : m.start()], replace(m)]
        at = m.end()
    return "".join(out) + text[at:]


def _mask_fences(masked: str) -> str:
    """Fenced code blocks blanked out too: where headings are looked for."""
    return CODE_FENCE.sub(_blank, masked)


_NOT_CLOSED = (1, 1, "the front matter is not closed: add a '---' line after it")
# A Markdown heading line: in what was taken for the front matter, a sign that its closing '---' is missing (in
# YAML it would be a comment, so it counts only when the text is no YAML mapping).
_BODY_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.M)


def _front_matter(text: str) -> tuple[dict | None, int, tuple[int, int, str] | None]:
    """(front matter, where the body starts, problem)."""
    if not text.startswith("---\n"):
        return None, 0, (1, 1, "no front matter: the draft must start with a '---' YAML block")
    close = FENCE_LINE.search(text, 4)
    if not close:
        return None, 0, _NOT_CLOSED
    body_start = min(close.end() + 1, len(text))
    if text.startswith("\n", body_start):
        body_start += 1  # the blank line paperdraft writes after the front matter
    heading = _BODY_HEADING.search(text, 4, close.start())
    try:
        front = yaml.safe_load(text[4 : close.start()])
    except yaml.YAMLError as exc:
        if heading:  # the '---' found is a later rule (the footer's): the body starts at the first heading
            return None, heading.start(), _NOT_CLOSED
        mark = getattr(exc, "problem_mark", None)
        where = (mark.line + 2, mark.column + 1) if mark else (1, 1)
        return None, body_start, (*where, f"front matter is not valid YAML: {getattr(exc, 'problem', None) or exc}")
    if not isinstance(front, dict):
        if heading:
            return None, heading.start(), _NOT_CLOSED
        return None, body_start, (2, 1, "front matter must be a YAML mapping of keys to values")
    return front, body_start, None


def _blocks(masked: str, start: int) -> list[Block]:
    """The blocks of the body ``masked[start:]``, with offsets into ``masked`` (comments already blanked).

    The footer is looked for outside comments; headings outside comments and code fences (an author's
    unclosed fence in the critique must not hide paperdraft's footer).
    """
    footer = None
    for footer in FOOTER_START.finditer(masked, start):
        pass
    end = footer.start() if footer else len(masked)
    masked = masked[:start] + _mask_fences(masked[start:end]) + masked[end:]
    cuts: list[tuple[str, str | None, int, int]] = [(PREAMBLE, None, start, start)]
    seen: dict[str, int] = {PREAMBLE: 1, FOOTER: 1}  # a "## (preamble)" must not take the preamble's key
    for m in HEADING.finditer(masked, start, end):
        title = m.group(1)
        seen[title] = seen.get(title, 0) + 1
        key = title if seen[title] == 1 else f"{title}\n{seen[title]}"
        content = min(m.end() + 1, end)
        cuts.append((key, title, m.start(), content))
        if key == CRITIQUE_TITLE:
            break
    blocks = [Block(key, heading, at, max(content, at), cuts[i + 1][2] if i + 1 < len(cuts) else end)
              for i, (key, heading, at, content) in enumerate(cuts)]
    if footer:
        blocks.append(Block(FOOTER, None, footer.start(), footer.start(), len(masked)))
    return blocks


def parse_draft(text: str, path: Path | None = None) -> DraftFile:
    """Read a draft's text into front matter and blocks. Never raises: problems are in ``front_problem``."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    front, body_start, problem = _front_matter(text)
    masked = text[:body_start] + mask(text[body_start:])  # a '<!--' in a front-matter title opens no comment
    return DraftFile(path, text, masked, front, problem, body_start, _blocks(masked, body_start))


def read_draft(path: Path) -> DraftFile:
    """The draft at ``path``; raises OSError or UnicodeDecodeError when it cannot be read."""
    return parse_draft(path.read_text(encoding="utf-8"), path)


def split_blocks(body: str) -> list[tuple[str, str]]:
    """(key, raw text) pairs of a body alone, as :func:`parse_draft` cuts it."""
    return [(b.key, body[b.at : b.end]) for b in _blocks(mask(body), 0)]


def front_and_body(text: str) -> tuple[dict | None, str]:
    """(front matter, body) of a draft's text; the front matter is None when it is missing or unusable."""
    draft = parse_draft(text)
    return draft.front, draft.body
