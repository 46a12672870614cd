"""Unwrap a section's lines into paragraphs of running text, remembering which page each piece
came from: line-end hyphens joined or kept, footnotes held back to the next paragraph break. Then cut running
text into sentences, and tell a sentence from what extraction leaves in the text that is none: table rows,
figure labels, flattened equations with their numbers, headings run in, front-page boilerplate."""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

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


# ---------------------------------------------------------------- sentences

# A sentence ends at . ! ? followed by space and a capital, bracket or quote, but not after
# an abbreviation that usually goes on ("et al. [3]", "Fig. 2", "e.g. BERT").
_ABBREV = r"(?<!\bet al\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bFig\.)(?<!\bEq\.)(?<!\bSec\.)(?<!\bvs\.)(?<!\bcf\.)(?<!\bNo\.)"
# A footnote glued to the sentence before it starts with its mark: "... sequences. 5The final model ...";
# three letters at least, so "3He" and "10Gb" are not taken for one.
_FOOTNOTE_MARK = r"\d{1,2}[A-Z][a-z]{2,}"
# One glued in mid-sentence, where a two-column page's left column ends ("where σ denotes 2This hypothesis,
# however, ..."): after a word, its mark glued to a whole word with a vowel, so "a 10Gbps link" is not one either.
_MID_FOOTNOTE_MARK = r"\d{1,2}(?=[A-Z][a-z]{2,}\s)(?=[A-Z][a-z]*[aeiouy])"
# A table's or a footnote's symbol mark opening the note: "... performs well too. ∗Slightly improved 88.5% result".
_SYMBOL_MARK = r"[∗*†‡§¶](?=[A-Z][a-z])"
# A footnote mark after the sentence's stop ("... and magnetization.7 Here we study"): the sentence ends there too.
_MARK_AFTER_STOP = r"(?<=[a-z)][.!?]\d)(?<!\bal\.\d)|(?<=[a-z)][.!?]\d\d)(?<!\bal\.\d\d)"
# A display equation's number, then the next sentence ("... ∑ wj (34) The intuitive understanding ..."): the number
# ends the equation, and the sentence starts after it; never after "f(2)", and never a year "(2019)".
_EQUATION_NUMBER_END = r"(?<![A-Za-z]\(\d\))(?<=\(\d\))|(?<![A-Za-z]\(\d\d\))(?<=\(\d\d\))|(?<![A-Za-z]\(\d\d\d\))(?<=\(\d\d\d\))"
# A list run into one paragraph ("... architectures. • BERT advances the state of the art ..."): each bullet
# starts a sentence, and the bullet itself is no part of either (never "·" or "∙", which are math).
_LIST_BULLET = r"\s*[•◦▪]\s+(?=\S)"
SENTENCE_END = re.compile(_ABBREV + r"(?<=[.!?])\s+(?=[A-Z(\[\"“]|" + _FOOTNOTE_MARK + "|" + _SYMBOL_MARK + ")"
                          r"|" + _LIST_BULLET +
                          r"|(?<=[^\W\d_])\s+(?=" + _MID_FOOTNOTE_MARK + ")"
                          r"|(?:" + _MARK_AFTER_STOP + r")\s+(?=[A-Z][a-z])"
                          r"|(?:" + _EQUATION_NUMBER_END + r")\s+(?=[A-Z][a-z]+\s)")
FOOTNOTE_TEXT = re.compile("^(?:" + _FOOTNOTE_MARK + "|" + _SYMBOL_MARK + ")")


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; line breaks inside a sentence become spaces."""
    out, start = [], 0
    for match in SENTENCE_END.finditer(text):
        out.append((start, text[start : match.start()]))
        start = match.end()
    out.append((start, text[start:]))
    return [(o, " ".join(s.split())) for o, s in out if s.strip()]


# ---------------------------------------------------------------- what is no sentence

# Equations flattened into text: math symbols, and one-letter variables ("q · k = ∑dk i=1 qiki").
MATH = re.compile(r"[=∑∏∫∂∇·×∈∉⊂⊆≤≥≈∼∝→←↦′∗^_{}|∀∃√‖]")
VARIABLE = re.compile(r"[(\[]*[A-Za-zα-ωΑ-Ωϵ][\d′'^]{0,3}[)\],.;:]*")
NUMBER_TOKEN = re.compile(r"[(\[]*[-+−]?\d[\d.,]*[%x×]?[)\],.;:]*")

# Pieces of tables, figures and equations that is_prose's share rules (pipeline.summarize.evidence) let through
# in a long sentence (issue 17):
# "System Test Frame Accuracy WER Baseline 58.9% ...", "Features Data NNSC NMF (6) NMF (10) Figure 1",
# "(5.6) 5.1 Consequences for serial SGD", "... log σ(−v′ wj T h) (55) where wO is ...".
_LABEL = r"(?:Figure|Fig\.|Table|Tab\.)\s*\d+[a-z]?"
# "... Figure 2: Attentive statistics pooling": a caption run into the text (a caption may open a sentence).
GLUED_CAPTION = re.compile(rf"(?:^|\s)(?P<before>\S+)\s+{_LABEL}\s*[:|]\s*\S")
DOUBLED_LABEL = re.compile(rf"\b({_LABEL})\s+\1\b")  # "as seen in Figure 2 Figure 2."
# A label that ends the sentence after a cell or a name ("NMF (10) Figure 1"), not after a word of a sentence
# ("shown in Figure 1", "see Appendix Table 28").
END_LABEL = re.compile(rf"(?:^|\s)(?P<before>\S+)\s+{_LABEL}\s*\.?$")
_LABEL_AFTER = {"cf.", "(see", "(cf.", "appendix", "supplementary", "our"}
ALGORITHM_LABEL = re.compile(r"^Algorithm \d+\s*:")  # an algorithm box's label opens its pseudo-code, never a claim
GLYPH_NAMES = re.compile(r"/g\d{3,}")  # "/g2190/g3047": a figure's glyphs that have no Unicode
# A table's header, then its first cell: four or more capitalised names in a row, then a number that is not a
# year ("System Test Frame Accuracy WER Baseline 58.9%"; but "the Official Language Act 1961" is a name).
HEADER_CELLS = 4
TABLE_HEADER = re.compile(r"(?:(?<=\s)|^)(?:[A-Z][\w+./-]*\s+){" + str(HEADER_CELLS) + r",}"
                          r"(?!(?:19|20)\d\d\b)\(?[-+−]?\d[\d.,]*%?\)?(?:\s|$)")
YEAR = re.compile(r"\(?(?:19|20)\d\d[a-z]?\)?[.,;:]?")  # "(2013)", "2020a;": a citation's year, not a cell
ROW_CELLS = 3  # a cell, a number and then a capitalised name, this often: consecutive table rows ("(English) 13% GitHub")
# An equation's number: opening the sentence ("(5.6) 5.1 Consequences", "(3) where"), before a numbered heading,
# or after the equation's last symbol and before its "where" ("... T h) (55) where").
EQUATION_NUMBER = re.compile(r"^\(\d{1,3}\.\d{1,2}\)\s|^\(\d{1,3}\)\s+(?:where\b|[A-Z])|"
                             r"\(\d{1,3}(?:\.\d{1,2})?\)\s+\d{1,2}(?:\.\d{1,2})+\s+[A-Z]|"
                             r"(?:[)\]}′'\d]|(?<![\w.])[A-Za-zα-ωΑ-Ω])\s+\(\d{1,3}(?:\.\d{1,2})?\)\s+where\b")
GREEK = re.compile(r"[α-ωΑ-Ωϵϑϕ]")
MATH_WINDOW = 8  # tokens; this many in a row with ...
MATH_IN_WINDOW = 6  # ... this many math tokens is a flattened equation, however long the sentence around it
# Boilerplate of a paper's front page, not its argument.
BOILERPLATE = re.compile(r"^(index terms|keywords|key words)\b|\bpermission to (use|make|reprint)\b|"
                         r"\ball rights reserved\b|©|\bcopyright\b|"
                         r"\b(equal contribution|work (done|performed) while|was responsible for|listing order is)\b", re.I)


def _math_token(token: str) -> bool:
    """A token of a flattened equation: a math symbol or minus sign, a one-letter variable, a Greek letter,
    a glued term ("dd+1xφa")."""
    bare = token.strip("()[],.;:")
    return bool(MATH.search(token) or not re.search(r"\w", token) or GREEK.search(token) or "−" in token
                or (VARIABLE.fullmatch(token) and bare not in ("a", "A", "I"))
                or re.search(r"[A-Za-z]\+\d|\d\+[A-Za-z]", bare))


def _word_of_a_sentence(token: str) -> bool:
    """A word that may stand before "Figure 1" in a sentence: "in", "see", "of", "cf.", "Appendix"."""
    return token.lower() in ENGLISH_STOP_WORDS or token.lower() in _LABEL_AFTER or token.lower() == "see"


def _row_cells(tokens: list[str]) -> int:
    """Numbers between a table's cells: after a cell (not a word of a sentence), before a capitalised name."""
    return sum(NUMBER_TOKEN.fullmatch(t) is not None and not t.endswith((",", ";")) and not YEAR.fullmatch(t)
               and tokens[i + 1][:1].isupper() and not re.fullmatch(r"[a-z][a-z-]*,?", tokens[i - 1])
               for i, t in enumerate(tokens) if 0 < i < len(tokens) - 1)


BROKEN_JOIN = re.compile(r"\b(?!(?:etc|resp|approx|incl|viz|esp)\.)[a-z]{3,}\.\s+[a-z]{3,}\b")
_LOWER_OPENINGS = {"e", "i", "cf", "vs", "etc"}  # "e.g." and "i.e." are split off by the token rule above
TITLE_CASE_WORDS = 6  # this many capitalised words and nothing else but "of", "for", "and": a heading or a caption


def _title_case(tokens: list[str]) -> bool:
    """ "BLEU Score During Training of GPT-2 Based Model for Python Code Generation": a caption's or a heading's
    Title Case (a name and its authors' initials too: "... Connectivity Limit James M."), never a sentence."""
    if tokens[-1][-1:] in "!?" or (tokens[-1].endswith(".") and not re.fullmatch(r"[A-Z]\.", tokens[-1])):
        return False
    words = [t.strip("()[],:;") for t in tokens]
    capitalised = sum(bool(re.match(r"[A-Z]", w)) for w in words)
    small = sum(w.lower() in ENGLISH_STOP_WORDS and len(w) <= 4 and w.islower() for w in words)
    return capitalised >= TITLE_CASE_WORDS and capitalised + small == len(words)


def fragment(sentence: str) -> str | None:
    """What a non-sentence is, if the sentence is one: "table row", "figure label", "equation", "heading",
    "fragment" (a piece that starts mid-sentence), "boilerplate"; None for a sentence."""
    if GLYPH_NAMES.search(sentence) or DOUBLED_LABEL.search(sentence) or ALGORITHM_LABEL.match(sentence):
        return "figure label"
    for label in (GLUED_CAPTION, END_LABEL):
        found = label.search(sentence)
        if found and not _word_of_a_sentence(found["before"]):
            return "figure label"
    tokens = sentence.split()
    if re.fullmatch(r"[a-z]+,?", tokens[0]) and tokens[0].rstrip(",") not in _LOWER_OPENINGS:
        return "fragment"  # "tuning data, we only lose ...": a chunk or a column that starts mid-sentence
    if BROKEN_JOIN.search(sentence):
        return "fragment"  # "... of their components. tuning data, we ...": two columns' pieces run together
    if _title_case(tokens):
        return "heading"
    if TABLE_HEADER.search(sentence) or _row_cells(tokens) >= ROW_CELLS:
        return "table row"
    if EQUATION_NUMBER.search(sentence):
        return "equation"
    if MATH.search(sentence) or GREEK.search(sentence) or "−" in sentence:  # else no equation to look for
        marks = [_math_token(t) for t in tokens]
        if any(sum(marks[i:i + MATH_WINDOW]) >= MATH_IN_WINDOW for i in range(max(1, len(marks) - MATH_WINDOW + 1))):
            return "equation"
    if BOILERPLATE.search(sentence):
        return "boilerplate"
    return None


# Math kept as LaTeX (a paper read from its source): "$\\sigma(Wx)$", "$$L = \\sum_i \\ell_i$$". A blog renders it, so a
# sentence is quotable with it; is_prose (pipeline.summarize.evidence) judges the words around it, each formula one token.
TEX_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$", re.S)
MAX_TEX_MATH_CHARS = 600  # of LaTeX math a quote may hold beside its MAX_QUOTE_CHARS of words


def math_as_token(sentence: str) -> str:
    """``sentence`` with each LaTeX formula as one one-letter variable; itself when it has none."""
    if "$" not in sentence:
        return sentence
    shape = TEX_MATH.sub(" x ", sentence)
    return " ".join(shape.split()) if len(sentence) - len(shape) <= MAX_TEX_MATH_CHARS else sentence
