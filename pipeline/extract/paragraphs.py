"""Unwrap a section's lines into paragraphs of running text, remembering which page each piece
came from: line-end hyphens joined or kept, footnotes held back to the next paragraph break."""

from __future__ import annotations

import re

FOOTNOTE = "\x00"  # marks a footnote line in cleaned page text (control characters are gone by then)
# A footnote's first line: its mark (*, a dagger, a number) and then its text.
FOOTNOTE_START = re.compile(r"^(?:[∗†‡§¶*]+ ?|\d{1,2}(?=[A-Z][a-z]|https?:|www\.))\S")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_END = re.compile(r"[.!?:][\"'”’)\]]?\d?$")
FULL_LINE_PERCENTILE = 0.8  # a page's full line length: most lines are full, a few long ones are equations
SHORT_LINE = 0.85  # of the full length: a line that ends a sentence and is shorter than this ends a paragraph
DEFAULT_LINE_CHARS = 80  # the full line length on a page without lines to measure it
COMPOUND_PART_CHARS = 3  # both halves of "attention-" + "based" are words this long at least to stay a compound
_BULLET = re.compile(r"^([•◦▪·∙\-*–]|\((?:\d{1,2}|[a-z]|[ivx]{1,4})\)|\[\d+\])\s")


def vocabulary(lines) -> tuple[set[str], set[str]]:
    """Words and hyphenated compounds that occur whole in the text (not the halves of a word split
    at a line end), to decide line-end hyphens."""
    words: set[str] = set()
    split = False
    for line in lines:
        found = _WORD.findall(line)
        if split and found:
            found = found[1:]
        split = line.endswith("-")
        words.update(w.lower() for w in (found[:-1] if split else found))
    return {w for w in words if "-" not in w}, {w for w in words if "-" in w}


def join_hyphen(left: str, right: str, vocab: tuple[set[str], set[str]] = (set(), set())) -> str:
    """Join a word split across a line end: "repre-" + "sentation", but keep "sequence-" + "aligned"."""
    head = re.search(r"([A-Za-z]+(?:-[A-Za-z]+)*)-$", left)
    tail = re.match(r"[a-z]+(?:-[A-Za-z]+)*", right)
    if not head or not tail:
        return left + right  # "GPT-" + "3", "Berkeley-" + "Parser"
    plain, hyphenated = vocab
    if (head[1] + tail[0]).lower() in plain:
        keep = False
    elif f"{head[1]}-{tail[0]}".lower() in hyphenated or "-" in head[1] or "-" in tail[0]:
        keep = True
    else:  # no evidence: two real words make a compound ("attention-based"), else a syllable break
        keep = all(len(p) >= COMPOUND_PART_CHARS and p.lower() in plain for p in (head[1], tail[0]))
    return left + right if keep else left[:-1] + right


def full_widths(lines: list[tuple[int, str]]) -> dict[int, int]:
    """The length of a full line on each page (the 80th percentile)."""
    widths: dict[int, list[int]] = {}
    for page, line in lines:
        if line:
            widths.setdefault(page, []).append(len(line))
    return {p: sorted(w)[int(FULL_LINE_PERCENTILE * (len(w) - 1))] for p, w in widths.items()}


def unwrap(lines: list[tuple[int, str]], vocab: tuple[set[str], set[str]] = (set(), set()),
           full: dict[int, int] | None = None, blank_only: bool = False) -> tuple[str, list[tuple[int, int]]]:
    """Join a section's lines into paragraphs; a paragraph ends at a blank line, or at a line that
    ends a sentence well short of the full line width. Footnote lines (marked with FOOTNOTE) are
    held back to the next paragraph break, so they don't cut a sentence. Returns text, page starts."""
    full = full or full_widths(lines)
    parts: list[str] = []  # the text so far, as pieces; "".join(parts) is the text
    starts: list[tuple[int, int]] = []
    size, last_page = 0, None
    notes: list[tuple[int, str]] = []

    def add(page: int, line: str, sep: str) -> None:
        nonlocal size, last_page
        if sep == " " and parts and parts[-1].endswith("-"):
            cut = parts[-1].rfind(" ") + 1
            joined = join_hyphen(parts[-1][cut:], line, vocab)
            piece, sep = joined[: len(joined) - len(line)], ""
            size += len(piece) - len(parts[-1]) + cut
            parts[-1] = parts[-1][:cut] + piece
        if page != last_page:
            starts.append((size + len(sep), page))
            last_page = page
        parts.append(sep + line)
        size += len(sep) + len(line)

    def flush() -> None:
        for i, (page, note) in enumerate(notes):
            add(page, note, "\n\n" if parts and (i == 0 or FOOTNOTE_START.match(note)) else " " if parts else "")
        notes.clear()

    prev = ""
    for page, line in lines:
        if line.startswith(FOOTNOTE):
            notes.append((page, line[1:]))
            continue
        if not line:
            prev = "\n\n" if parts else ""
            continue
        if not parts:
            sep = ""
        elif prev == "\n\n" or _BULLET.match(line) or (
                not blank_only and _END.search(prev) and len(prev) < SHORT_LINE * full.get(page, DEFAULT_LINE_CHARS)):
            sep = "\n\n"
            flush()
        else:
            sep = " "
        add(page, line, sep)
        prev = line
    flush()
    return "".join(parts), starts
