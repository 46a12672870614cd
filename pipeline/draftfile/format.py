"""The draft format's constants: every marker paperdraft writes into a draft, and the patterns that find them.

A draft is YAML front matter, then a Markdown body::

    ---
    title: ...            (front matter: paper facts, hashes, status, where it was published)
    ---

    # Title               (the preamble: title and byline)
    *Authors* · [arXiv:…](…)

    ## TL;DR              (machine-written sections, one ``## `` block each)
    ...
    ## My critique        (the author's: from this heading to the footer)
    ...
    ---                   (the footer: what drafted the summary, and what was quoted)

    *The summary above was drafted with paperdraft: ...*

:mod:`pipeline.draftfile.parse` is the one reader of this format; everything else asks it.
"""

from __future__ import annotations

import re

from pipeline.config import NO_MODEL

CRITIQUE_TITLE = "My critique"
CRITIQUE_HEADING = f"## {CRITIQUE_TITLE}"
TODO_MARK = "TODO(author)"
PLACEHOLDER = f"{TODO_MARK}: write your critique here, in your own words."
GUIDE = """<!-- This section is yours: paperdraft never writes it. Argue from the paper, with reasons.
  - Does the evidence support the main claim? Which result would change your mind?
  - Which baselines, ablations or datasets are missing?
  - What does the method assume that may not hold in practice?
  - Could you reproduce it: are the code, data and compute available?
  - Where would you use this, and where would you not?
-->"""

# Block keys for the parts of a body that have no heading.
PREAMBLE = "(preamble)"
FOOTER = "(footer)"

# A ``## `` heading: any run of spaces or tabs after the hashes, trailing blanks not part of the title.
HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*$", re.M)
# The front matter's fences; the closing one may carry trailing blanks.
FENCE_LINE = re.compile(r"^---[ \t]*$", re.M)
# The footer: a rule, a blank line, and the line paperdraft writes (older drafts: "was drafted by <model>").
FOOTER_START = re.compile(r"^---[ \t]*\n\n\*The summary above was drafted ", re.M)
# HTML comments and fenced code blocks: a heading inside either is no heading when the Markdown renders.
COMMENT = re.compile(r"<!--.*?-->", re.S)
# A fence closes at a line of the same character, at least as long as the one that opened it; a backtick
# fence's info string has no backtick (CommonMark). ``CODE_FENCE`` also takes an unclosed fence to the end,
# ``CLOSED_FENCE`` only a closed one.
_FENCE = r"^(?P<fence>`{3,}(?=[^`\n]*\n)|~{3,})[^\n]*\n.*?(?:^(?P=fence)(?:(?<=`)`*|(?<=~)~*)[ \t]*$"
CODE_FENCE = re.compile(_FENCE + r"|\Z)", re.S | re.M)
CLOSED_FENCE = re.compile(_FENCE + r")", re.S | re.M)
# What a Markdown reader meets first, in document order: a comment, or a closed fenced code block. A
# ``<!--`` inside a code block is code, not a comment; a fence inside a comment is no fence.
COMMENT_OR_FENCE = re.compile(rf"(?P<comment>{COMMENT.pattern})|{CLOSED_FENCE.pattern}", re.S | re.M)

# The pipeline's own flag on a machine-written claim it could not trace to the paper. ``check`` reports each as
# an error until the author checks the claim and deletes the flag; cleaning machine text keeps them.
FLAG_PREFIX = "<!-- unverified: "
CITE_SECTION_CHARS = 40  # a cite names an unnumbered section by its first this many characters (PAGE_CITE reads them)
# A cite as the summarizer writes it: "(p. 4, §3.2)", "(p. 4)", "(§Abstract)".
PAGE_CITE = re.compile(rf"\((?:p\. \d+)?(?:, )?(?:§[^()\n]{{1,{CITE_SECTION_CHARS}}})?\)")
CITE_PAGE = re.compile(r"\bp\. (\d+)")  # the page in such a cite: "p. 4, §3.2" -> 4
FLAG = re.compile(r"<!-- unverified: [^<>\n]{1,100} -->")
FLAG_LOOSE = re.compile(r"<!--\s*unverified:\s*(.*?)\s*-->", re.S | re.I)  # as an author may have retyped it


# Above the paper's sentences that the pipeline quoted where the model wrote too little that holds. It is an
# instruction, like ``TODO(author)``: ``check`` reports each as an error. The author puts the quotes in their own
# words, or deletes the note to publish them as they are: as block quotes that cite the page and name the paper.
QUOTE_NOTE = "<!-- quoted from the paper: put it in your own words, or delete this note to publish the quotes -->"
QUOTE_NOTE_LOOSE = re.compile(r"<!--\s*quoted from the paper\b.*?-->", re.S | re.I)
PIPELINE_NOTE = re.compile(f"{FLAG.pattern}|{re.escape(QUOTE_NOTE)}")  # what cleaning machine text keeps


def quote_block(quotes: list[tuple[str, str]], paper: str) -> str:
    """The paper's sentences, each with its cite, as one block quote under the note, attributed to ``paper``."""
    lines = [f"> “{text}” ({cite})" if cite else f"> “{text}”" for text, cite in quotes]
    return QUOTE_NOTE + "\n" + "\n>\n".join(lines) + (f"\n>\n> — {paper}" if paper else "")


def flag(reason: str) -> str:
    """The inline flag for a claim the author must check: ``<!-- unverified: reason -->``."""
    return f"{FLAG_PREFIX}{reason} -->"


def footer(model: str, quoted: int, written: int, weak: int = 0) -> str:
    """The footer line: who drafted the summary, and how much of it is the paper's own words. ``weak`` of the
    ``written`` sentences are flagged as only partly supported."""
    def count(n: int, what: str) -> str:
        return f"{n} sentence{'s' * (n != 1)} {what}"

    if model == NO_MODEL:
        made = f"{count(quoted, 'quoted from the paper')}; no language model wrote any of it"
    elif written:
        flagged = f" ({weak} flagged as weakly supported)" if weak else ""
        made = f"{count(quoted, 'quoted from the paper')}, {count(written, 'written by ' + model)}{flagged}"
    else:
        made = f"{count(quoted, 'quoted from the paper')}; {model} wrote none of it"
    return f"---\n\n*The summary above was drafted with paperdraft: {made}. The critique is the author's own.*"
