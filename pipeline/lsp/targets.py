"""What the cursor is on: a cite, a quoted sentence of the paper, or an ``unverified`` flag, and the claim it backs.

The shapes are the pipeline's own: cites as the summarizer writes them (``PAGE_CITE``: ``(p. 4, §3.2)``), quotes
as block-quote lines (``> “…” (p. 1, §Abstract)``), flags as the draft format finds them (``FLAG_LOOSE``, the
pattern ``check`` reports). The claim is the sentence the cite or flag belongs to, without cites and comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.draftfile.format import CITE_PAGE, FLAG_LOOSE, PAGE_CITE
from pipeline.draftfile.parse import DraftFile

SENTENCE_END = re.compile(r"[.!?](?=\s)|\n[ \t]*\n")
QUOTE_LINE = re.compile(r"^[ \t]*>[ \t]*(?P<quote>“.*?”|\S.*?)[ \t]*(?P<cite>\([^()\n]*\))?[ \t]*$")


@dataclass(frozen=True)
class Target:
    """A cite, quote or flag of the draft: where it is (offsets into the parsed text), the claim, the cite."""

    kind: Literal["cite", "quote", "flag"]
    start: int
    end: int
    claim: str
    cite: str  # as in the draft, without parentheses ("p. 4, §3.2"); for a flag, the one its reason names
    reason: str = ""  # a flag's reason ("97.5 not found in the paper")

    @property
    def page(self) -> int:
        m = CITE_PAGE.search(self.cite)
        return int(m.group(1)) if m else 0


def _cites(text: str, start: int = 0, end: int | None = None) -> list[re.Match]:
    """The cites in ``text``: a page, a section, or both (``PAGE_CITE`` alone also takes an empty "()")."""
    return [m for m in PAGE_CITE.finditer(text, start, len(text) if end is None else end)
            if "p. " in m.group(0) or "§" in m.group(0)]


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = re.sub(r"[^\n]", " ", text[a:b])
    return "".join(chars)


def _plain(doc: DraftFile) -> str:
    """The text with comments and cites blanked out (offsets kept): where sentences are looked for."""
    return _blank(doc.masked, [m.span() for m in _cites(doc.masked)])


def _sentence(plain: str, start: int, end: int, floor: int) -> str:
    """The sentence around ``[start, end)`` of ``plain``: from the last sentence end before it to the next after.
    A flag the pipeline put after its sentence's end ("… (p. 4, §3.2). <!-- unverified: … -->") is that
    sentence's, not the next one's."""
    before = [floor] + [m.end() for m in SENTENCE_END.finditer(plain, floor, start)]
    after = SENTENCE_END.search(plain, end)
    stop = after.end() if after else len(plain)
    if len(before) > 1 and not plain[before[-1] : start].strip():
        return " ".join(plain[before[-2] : before[-1]].split())
    return " ".join(plain[before[-1] : stop].split())


def _cite_of(reason: str) -> str:
    """The cite a flag's reason names ("weakly supported by the paper, check it against p. 4, §3.2")."""
    m = re.search(r"\bagainst (.+)$", reason)
    return m.group(1).strip() if m else ""


def target_at(doc: DraftFile, offset: int) -> Target | None:
    """The cite, quote or flag at ``offset`` of the parsed text, if any."""
    if offset < doc.body_start:
        return None
    for m in FLAG_LOOSE.finditer(doc.text, doc.body_start):
        if m.start() > offset:
            break
        if offset < m.end():
            reason = " ".join(m.group(1).split())
            claim = _sentence(_plain(doc), m.start(), m.end(), doc.body_start)
            return Target("flag", m.start(), m.end(), claim, _cite_of(reason), reason)
    line_start = doc.text.rfind("\n", 0, offset) + 1
    line_end = doc.text.find("\n", offset)
    line_end = len(doc.text) if line_end < 0 else line_end
    line = doc.masked[line_start:line_end]
    quote = QUOTE_LINE.match(line)
    if quote and quote.group("cite") and _cites(quote.group("cite")):
        claim = quote.group("quote").strip("“”")
        return Target("quote", line_start, line_end, claim, quote.group("cite")[1:-1])
    for m in _cites(line):
        if m.start() <= offset - line_start < m.end():
            plain = _plain(doc)
            claim = _sentence(plain, line_start + m.start(), line_start + m.start(), doc.body_start)
            return Target("cite", line_start + m.start(), line_start + m.end(), claim, m.group(0)[1:-1])
    return None
