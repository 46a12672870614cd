"""Title and authors from the source: the macros when they are there, the hand-made title page when not.

Title: ``\\title``, then a class's own ``\\<something>title`` (``\\icmltitle``), then the first big type on
the title page (``{\\bf\\Large …}``, ``\\textbf{\\Large …}``), then hyperref's ``pdftitle``. Authors:
``\\author`` (split at ``\\and``; the first line of each block, the affiliation lines after it dropped),
``\\icmlauthor``, ``\\IEEEauthorblockN``, then names on the title page, then ``pdfauthor``. A commented-out
``\\title`` never counts: comments are gone before this runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.extract.latex.source_text import group_end

MAX_AUTHORS = 40  # a names heuristic that finds more is reading something else
MAX_NAME_WORDS = 4
_TITLE_MACRO = re.compile(r"\\(title|[a-z]*title)\*?\s*(?:\[[^\]]*\])?\s*\{")
_NOT_TITLES = {"maketitle", "runningtitle", "shorttitle", "titlerunning", "subtitle", "headtitle", "titlehead",
               "thetitle", "icmltitlerunning", "chaptertitle", "sectiontitle", "frametitle", "pagetitle",
               "shortitle", "runtitle"}
_AUTHOR_MACRO = re.compile(r"\\(author|icmlauthor|IEEEauthorblockN|Author)\*?\s*(?:\[[^\]]*\])?\s*\{")
_BIG_TYPE = re.compile(r"\\(?:Large|LARGE|huge|Huge)(?![A-Za-z])")
_FRONT_END = re.compile(r"\\begin\s*\{abstract\}|\\(?:part|chapter|section)\*?\s*[\[{]|\\tableofcontents|"
                        r"\\maketitle|(?:\\textbf|\\textsc|\\bf|\\bfseries)\s*\{?\s*Abstract")
_PDF_FIELD = r"pdf{}\s*=\s*\{{([^{{}}]*)\}}"
_NON_NAME_WORDS = {
    "university", "institute", "department", "dept", "laboratory", "lab", "labs", "research", "ai", "inc",
    "corporation", "google", "meta", "microsoft", "deepmind", "openai", "school", "college", "center",
    "centre", "faculty", "group", "science", "sciences", "engineering", "technology", "foundation", "academy",
    "hospital", "company", "ltd", "llc", "gmbh", "statistics", "data", "computer", "mathematics", "physics",
    "report", "technical", "draft", "preprint", "abstract", "keywords", "contents", "paper", "journal",
    "conference", "proceedings", "workshop", "tutorial", "learning", "networks", "review",
}
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "del", "dos", "bin", "al"}
_NAME_WORD = re.compile(r"[A-ZÀ-Þ][a-zß-ÿ'’.-]+|[A-ZÀ-Þ]\.|[A-ZÀ-Þ]\.-?[A-ZÀ-Þ]\.")


def find_title(preamble: str, front: str, to_text: Callable[[str], str]) -> str | None:
    """The paper's title (see the module's docstring), or None."""
    source = preamble + "\n" + front
    for wanted in ("title", None):
        for m in _TITLE_MACRO.finditer(source):
            name = m.group(1)
            if (wanted and name != wanted) or name in _NOT_TITLES:
                continue
            title = _clean(to_text(_group(source, m.end() - 1)))
            if title:
                return title
    big = _BIG_TYPE.search(front)
    if big:
        title = _clean(to_text(_enclosing_group(front, big.start()) or _to_line_end(front, big.end())))
        if title:
            return title
    m = re.search(_PDF_FIELD.format("title"), preamble)
    return _clean(to_text(m.group(1))) if m else None


def find_authors(preamble: str, front: str, title: str | None, to_text: Callable[[str], str]) -> list[str]:
    """The authors' names in order (see the module's docstring); [] when none can be told."""
    source = preamble + "\n" + front
    names: list[str] = []
    for m in _AUTHOR_MACRO.finditer(source):
        block = _group(source, m.end() - 1)
        if m.group(1) == "author":
            for part in re.split(r"\\and(?![A-Za-z])|\\AND(?![A-Za-z])", block):
                first_line = next((line for line in re.split(r"\\\\|\n\s*\n", part) if to_text(line).strip()), "")
                names += _split_names(to_text(_drop_notes(first_line)))
        else:
            names += _split_names(to_text(_drop_notes(block)))
    if not names:
        names = _names_on_title_page(front, title, to_text)
    if not names:
        m = re.search(_PDF_FIELD.format("author"), preamble)
        names = _split_names(to_text(m.group(1))) if m else []
    return list(dict.fromkeys(n for n in names if n))[:MAX_AUTHORS]


def front_region(body: str) -> str:
    """The start of the body up to the abstract or the first heading: where a hand-made title page is."""
    m = _FRONT_END.search(body)
    return body[:m.start()] if m else body[:4000]


def _group(text: str, brace: int) -> str:
    end = group_end(text, brace, "{", "}")
    return text[brace + 1:end - 1] if end else ""


def _enclosing_group(text: str, pos: int) -> str | None:
    """The inside of the innermost brace group around ``pos``."""
    depth, i = 0, pos - 1
    while i >= 0:
        c = text[i]
        if c in "{}" and (i == 0 or text[i - 1] != "\\"):
            if c == "}":
                depth += 1
            elif depth == 0:
                return _group(text, i)
            else:
                depth -= 1
        i -= 1
    return None


def _to_line_end(text: str, pos: int) -> str:
    m = re.compile(r"\\\\|\n\s*\n|\\end\s*\{|\\par(?![A-Za-z])").search(text, pos)
    return text[pos:m.start() if m else len(text)]


def _drop_notes(latex: str) -> str:
    """Without ``\\thanks{…}``, ``\\footnote{…}`` and ``\\inst{…}``: not part of a name."""
    out, pos = [], 0
    for m in re.finditer(r"\\(?:thanks|footnote|footnotemark|inst|affilmark|textsuperscript)\s*(?=\{|\[)", latex):
        if m.start() < pos:
            continue
        out.append(latex[pos:m.start()])
        pos = m.end()
        while pos < len(latex) and latex[pos] in "[{":
            end = group_end(latex, pos, latex[pos], "]" if latex[pos] == "[" else "}")
            if end is None:
                break
            pos = end
    out.append(latex[pos:])
    return "".join(out)


def _clean(text: str | None) -> str:
    text = re.sub(r"\$[^$]*\$", "", text or "")  # footnote marks as math: "Altabaa${}^{1}$"
    return " ".join(text.split()).strip(" ,;*")


def _split_names(text: str) -> list[str]:
    text = _clean(text)
    parts = re.split(r",|;|\band\b|&|\n", text)
    return [p.strip(" .*†‡∗0123456789") for p in parts if p.strip(" .*†‡∗0123456789")]


def _looks_like_name(candidate: str, title: str | None) -> bool:
    words = candidate.split()
    if not 2 <= len(words) <= MAX_NAME_WORDS or (title and candidate in title):
        return False
    if any(w.lower().strip(".,") in _NON_NAME_WORDS for w in words):
        return False
    named = [w for w in words if w.lower() not in _PARTICLES]
    return len(named) >= 2 and all(_NAME_WORD.fullmatch(w) for w in named)


def _names_on_title_page(front: str, title: str | None, to_text: Callable[[str], str]) -> list[str]:
    """Person-shaped names among the title page's groups and lines (a hand-made title page)."""
    pieces = [_group(front, m.start()) for m in re.finditer(r"(?<!\\)\{", front)]
    pieces += re.split(r"\\\\|&|\\and(?![A-Za-z])|\n", front)
    found = []
    for piece in pieces:
        for candidate in _split_names(to_text(_drop_notes(piece))):
            if _looks_like_name(candidate, title):
                found.append(candidate)
    return found
