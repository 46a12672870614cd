"""Find the section headings over the whole paper (numbered, keyword, run-in, Markdown) and split
its cleaned page text into sections, each with a kind (introduction, method, results, ...)."""

from __future__ import annotations

import re

from pipeline.extract.paragraphs import full_widths, unwrap, vocabulary
from pipeline.records import Section

_KINDS = [
    ("references", r"^(references|bibliography|literature cited|works cited)$"),
    ("acknowledgements", r"acknowledge?ments?|^funding"),
    ("appendix", r"^(appendix|appendices|supplementary)"),
    ("abstract", r"^abstract$"),
    ("related_work", r"related work|prior work|previous work|literature review"),
    ("introduction", r"^introduction|^motivation"),
    ("background", r"background|preliminar"),
    ("limitations", r"limitation"),
    ("conclusion", r"conclu|^summary( and|$)|future work"),
    ("discussion", r"discussion|broader impact|ethic"),
    ("results", r"\bresults?\b|ablation"),
    ("experiments", r"experiment|evaluation|empirical|setup|benchmark"),
    ("method", r"method|approach|model|architecture|algorithm|framework|proposed|formulation"),
]
_OVERRIDES = {"results", "limitations", "discussion", "related_work", "conclusion"}
_LATE = {"experiments", "results", "discussion", "conclusion", "references"}
_SPECIAL = re.compile(r"^(abstract|references|bibliography|acknowledge?ments?|appendix|appendices)\b", re.I)
KEYWORD_HEADING = re.compile(
    r"^(abstract|introduction|related work|background|methods?|methodology|approach|experiments?|results|"
    r"discussion|limitations?|conclusions?( and future work)?|acknowledge?ments?|references|bibliography|"
    r"appendix|appendices|supplementary material)\s*:?$", re.I)
RUN_IN_HEADING = re.compile(r"^(acknowledge?ments?|abstract)(?:\s*[:.—–-]\s*|\s+)(?=[A-Z])(.+)$", re.I)
_APPENDIX_LINE = re.compile(r"^(appendix|appendices)\b(?!\s+[a-z](?<!for))", re.I)
NUMBERED_HEADING = re.compile(r"^(?P<num>[IVX]{1,5}|[A-Z](?:\.\d{1,2}){0,3}|\d{1,2}(?:\.\d{1,2}){0,3})"
                       r"(?P<dot>\.?)\s+(?P<title>[A-Z].*)$")
STOP_WORDS = {"of", "and", "the", "for", "in", "on", "with", "to", "a", "an", "from", "by", "via", "its", "at", "as",
         "or", "vs", "into", "over", "per"}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
          "XI": 11, "XII": 12, "XIII": 13, "XIV": 14, "XV": 15}


def keyword_kind(title: str) -> str | None:
    low = " ".join(title.lower().split())
    return next((kind for kind, pattern in _KINDS if re.search(pattern, low)), None)


HEADING_MAX_CHARS = 100  # a heading is a short line; longer ones are sentences or captions
HEADING_MAX_WORDS = 14  # "Quantum Criticality for Extended Nodes on a Bethe Lattice ..." is about the longest
HEADING_MAX_COMMAS = 2  # "Comparison of BERT, ELMo, and OpenAI GPT"; more is a list or an author line
LETTER_SHARE = 0.6  # of a heading's or title's non-space characters; below it is an equation or a table row
SMALL_WORD_CHARS = 3  # words this short may stay lower case in a Title Case heading ("of", "and", "for")
# How far a heading's number may run ahead of the last one: 2 lets one heading be missed (lost on a figure
# page) where the heading is Title Case or a subsection; a sentence-case top-level "3 Results" must follow at once.
MAX_NUMBER_STEP = 2
SHORT_TITLE_WORDS = 6  # an appendix heading this short needs no Title Case ("A Proofs of the lemmas")
NUMBERED_PAPER = 2  # numbered headings found: from then on the paper is numbered and a bare "Results" is a table cell
WRAP_LINES = 3  # a heading wraps onto at most this many more lines ...
WRAP_LINE_CHARS = 60  # ... each shorter than this; a longer one is running text
# A bare "#" (number of), "%", "±" or "|" is a table's column header or cell, never a word of a heading:
# "Model Layers # of Heads", "layers # params".
_TABLE_CELL = re.compile(r"(?:^|\s)[#%±|](?:\s|$)")


def reads_like_title(text: str) -> bool:
    """The shape of a heading or a title, at any length: mostly letters, not a sentence (no end stop),
    a reference ("et al"), a list of names, a table header ("layers # params") or a fragment ("of Parameters")."""
    words = text.split()
    if not words or text[-1] in ".,;=" or "et al" in text or text.count(",") > HEADING_MAX_COMMAS:
        return False
    if _TABLE_CELL.search(text) or words[0] in STOP_WORDS:  # a lower-case "of", "and": a piece of a longer line
        return False
    return sum(c.isalpha() for c in text) >= LETTER_SHARE * sum(not c.isspace() for c in text)


def _title_ok(title: str, strict: bool = False) -> bool:
    words = title.split()
    if len(title) > HEADING_MAX_CHARS or len(words) > HEADING_MAX_WORDS or not reads_like_title(title):
        return False
    if strict:  # lettered/skipping headings: Title Case or UPPER CASE, no years
        big = [w for w in words if len(w) > SMALL_WORD_CHARS and w[0].isalpha()]
        return not re.search(r"\b(19|20)\d\d\b", title) and all(w[0].isupper() for w in big)
    return True


def _markdown_title_ok(title: str) -> bool:
    """A "#" line is a heading only if it reads like one: in a .txt made from a PDF, "#" also starts a table's
    "# of Parameters" and a code sample's comments ("# Given a string representing musical notes in a")."""
    words = title.split()
    return _title_ok(title) and bool(re.search(r"\w", words[0])) and words[-1] not in STOP_WORDS


class _Numbering:
    """Accepts a numbered heading only where it continues the paper's numbering."""

    def __init__(self) -> None:
        self.path: tuple[int, ...] = ()
        self.dot: str | None = None
        self.roman = 0
        self.sub_letter = "@"  # REVTeX "A. Ordered phase" under roman sections
        self.letter = "@"  # appendix "A Proofs", "B.1 Setup"
        self.letter_path: tuple[int, ...] = ()

    @staticmethod
    def _next(path: tuple[int, ...], parts: tuple[int, ...], slack: int) -> bool:
        k = len(parts)
        cur = path[k - 1] if len(path) >= k else 0
        return parts[:-1] == path[: k - 1] and 1 <= parts[-1] - cur <= slack

    def accept(self, num: str, dot: str, title: str, appendix_mode: bool) -> int | None:
        """The heading's depth (1 = top level) if it fits the numbering, else None."""
        head, *rest = num.split(".")
        if head in _ROMAN and (self.roman or head == "I") and _ROMAN[head] == self.roman + 1 and not rest:
            self.roman, self.sub_letter = _ROMAN[head], "@"
            return 1
        if len(head) > 1 and head.isalpha():
            return None
        if head.isalpha() and not rest and dot and self.roman and not appendix_mode:
            if ord(head) == ord(self.sub_letter) + 1:
                self.sub_letter = head
                return 2
            return None
        if head.isalpha():
            if not appendix_mode or re.search(r"\b[A-Z]\.\s", title) or not (
                    _title_ok(title, strict=True) or len(title.split()) <= SHORT_TITLE_WORDS):
                return None
            if not rest and 1 <= ord(head) - ord(self.letter) <= MAX_NUMBER_STEP:
                self.letter, self.letter_path = head, ()
                return 1
            parts = tuple(map(int, rest))
            if rest and head == self.letter and self._next(self.letter_path, parts, MAX_NUMBER_STEP):
                self.letter_path = parts
                return 1 + len(parts)
            return None
        parts = (int(head), *map(int, rest))
        if self.letter != "@" or self.roman or (self.dot is not None and dot != self.dot):
            return None
        slack = MAX_NUMBER_STEP if len(parts) > 1 or _title_ok(title, strict=True) else 1
        if self._next(self.path, parts, slack) or (not self.path and parts == (0,)):
            self.path, self.dot = parts, dot
            return len(parts)
        return None


def continue_title(title: str, following: list[str]) -> tuple[str, int]:
    """Join a heading's wrapped continuation lines ("Comparison of BERT, ELMo, and" + "OpenAI GPT")."""
    used = 0
    for line in following[:WRAP_LINES]:
        last = re.sub(r"\W", "", title.split()[-1].lower()) if title.split() else ""
        wraps = last in STOP_WORDS or title.endswith((",", "-")) or (title.isupper() and line.isupper())
        if not wraps or len(line) > WRAP_LINE_CHARS or NUMBERED_HEADING.match(line) or line.endswith("."):
            break
        title, used = f"{title} {line.strip()}", used + 1
    return title, used


def _heading(lines: list[tuple[int, str]], i: int, numbering: _Numbering, appendix_mode: bool,
             numbered: int, markdown: bool) -> tuple[str, int, int, str, str | None, bool] | None:
    """(title, depth, continuation lines used, run-in text, kind from its words, numbered?) or None."""
    line = lines[i][1]
    if markdown and re.match(r"#{1,6}\s", line):
        title = line.lstrip("#").strip()
        m = NUMBERED_HEADING.match(title)
        if not _markdown_title_ok(m["title"] if m else title):
            return None
        depth = len(m["num"].split(".")) if m and not m["num"].isalpha() else 1
        return title, depth, 0, "", keyword_kind(m["title"] if m else title), False
    if KEYWORD_HEADING.match(line) or (_APPENDIX_LINE.match(line) and _title_ok(line)):
        if numbered >= NUMBERED_PAPER and not _SPECIAL.match(line):  # a numbered paper: "Results" alone is a table cell
            return None
        title, used = continue_title(line.rstrip(":"), [x for _, x in lines[i + 1:i + 1 + WRAP_LINES]])
        return title, 1, used, "", keyword_kind(title), False
    m = RUN_IN_HEADING.match(line)
    if m and (m[1].lower().startswith("ack") or numbered == 0):
        return m[1], 1, 0, m[2], keyword_kind(m[1]), False
    m = NUMBERED_HEADING.match(line)
    if not m or not _title_ok(m["title"]):
        return None
    title, used = continue_title(m["title"], [x for _, x in lines[i + 1:i + 1 + WRAP_LINES]])
    depth = numbering.accept(m["num"], m["dot"], title, appendix_mode)
    if depth is None:
        return None
    return f"{m['num']}{m['dot']} {title}", depth, used, "", keyword_kind(title), True


def split_sections(pages: list[tuple[int, str]], markdown: bool = False) -> list[Section]:
    """Find the headings in cleaned page texts (one line each) and split the paper into sections of
    running text. With ``markdown`` (text files), lines starting with "#" are headings too (when
    they read like one: not a table's "# params" or a code comment), and only blank lines end paragraphs."""
    lines = [(page, line.strip()) for page, text in pages for line in text.split("\n")]
    numbering = _Numbering()
    heads: list[tuple[str, str]] = [("Front matter", "front")]
    bodies: list[list[tuple[int, str]]] = [[]]
    stack: list[str] = []  # the kind at each heading depth
    seen, numbered, i = set(), 0, 0
    while i < len(lines):
        late = bool(seen & {"references", "appendix", "acknowledgements"})
        found = _heading(lines, i, numbering, late, numbered, markdown)
        if found is None:
            bodies[-1].append(lines[i])
            i += 1
            continue
        title, depth, used, run_in, own, is_numbered = found
        numbered += is_numbered
        parent = stack[min(depth - 1, len(stack)) - 1] if depth > 1 and stack else None
        if parent is None:
            kind = own or ("body" if seen & _LATE else "method")
        else:
            kind = own if own in _OVERRIDES and parent not in ("appendix", "references") else parent
        if late and kind not in ("acknowledgements", "references") and (
                "references" in seen or "appendix" in seen or depth == 1 and is_numbered):
            kind = "appendix"
        stack[depth - 1:] = [kind]
        seen.add(kind)
        heads.append((title, kind))
        bodies.append([(lines[i][0], run_in)] if run_in else [])
        i += 1 + used
    vocab = vocabulary(line for body in bodies for _, line in body)
    full = full_widths(lines)
    out = []
    for (title, kind), body in zip(heads, bodies):
        text, starts = unwrap(body, vocab, full, blank_only=markdown)
        if text:
            out.append(Section(title=title, kind=kind, text=text, page_starts=starts))
    return out
