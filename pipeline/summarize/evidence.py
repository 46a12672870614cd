"""Key sentences of a paper, and whether a machine-written sentence is supported by the paper.

A tiny local model left to write freely invents numbers, names and whole
methods. So the pipeline carries faithfulness instead of the model: it ranks
the paper's own sentences (TF-IDF, scikit-learn), gives the model only the
ones that hold the facts a blog section needs, and keeps a generated sentence
only when its numbers occur in the paper and most of its content words occur
in the sentences it was written from.

TF-IDF was picked over BM25 and sentence embeddings: it ranks a whole paper in
milliseconds, is deterministic, needs no model download, and lexical overlap is
exactly what a number-and-term check needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from pipeline.draftfile.format import CITE_SECTION_CHARS, FLAG, PAGE_CITE, flag
from pipeline.extract.paragraphs import (  # the shape of running text: where sentences end, what is no prose
    FOOTNOTE_TEXT,
    MATH,
    NUMBER_TOKEN,
    VARIABLE,
    fragment,
    math_as_token,
    split_sentences,
)
from pipeline.records import Chunk

# A number as papers write it: 1,024  28.4  15 %  2.4x  2.4×  1e-4  2.5 × 10^-3  10^-4  10−4 (a flattened
# superscript). Never a piece of a longer number or word: no "15" out of "2015", no "3" out of "0.3".
NUMBER = re.compile(
    r"(?<![\w.,^])(?:"
    r"(?P<mant>\d+(?:\.\d+)?)\s*(?:[eE]\s*(?P<eexp>[-−+]?\d+)|[x×·]\s*10\s*\^?\s*\{?(?P<texp>[-−]?\d+)\}?)"
    r"|10\s*(?:\^\s*\{?(?P<pexp>[-−+]?\d+)\}?|(?P<uexp>−\d+))"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r")(?![\d])"
)
WORD = re.compile(r"[A-Za-z][A-Za-z-]{3,}")
CITATION = re.compile(r"\[\d+(?:,\s*\d+)*\]")
DECIMAL = re.compile(r"\b\d+\.\d+\b")
FILLER = re.compile(
    r"^(here (is|are)|sure|certainly|in summary|the (original|above|revised) (sentence|text|answer)|"
    r"(this|the) (article|text|document) (is|discusses|explores|talks))",
    re.I,
)


@dataclass(frozen=True)
class KeySentence:
    text: str
    page: int
    chunk: int
    kind: str
    score: float
    section: str = ""
    prose: bool = True  # False: a piece of a chunk with no prose (tables, equations), ranked so the chunk has notes

    def cite(self, paged: bool = True) -> str:
        """Where the sentence is, for the author: "p. 4, §3.2", or "§Method" for a file without pages."""
        number = re.match(r"^(?:[IVX]+|[A-Z]|\d+)(?:\.\d+)*\.?(?=\s)", self.section)  # 3.2, A.1, III
        where = f"§{number.group(0).rstrip('.')}" if number else (
            f"§{self.section[:CITE_SECTION_CHARS]}" if self.section else "")
        parts = ([f"p. {self.page}"] if paged and self.page else []) + ([where] if where else [])
        return ", ".join(parts)


GLUED = re.compile(r"(?<![/.\w-])[a-z]{23,}")  # longer than "electroencephalography"; not inside a URL


# What is_prose lets through: policy numbers, tuned on the corpus papers' real sentences (tests/test_numbers.py).
MIN_QUOTE_CHARS = 40  # shorter is a heading, a label or a fragment, too little to quote
MAX_QUOTE_CHARS = 400  # longer is run-together table cells or several sentences the splitter missed
TABLE_CITATIONS = 3  # this many "[23]" cites with this many decimals: a results table that cites its baselines
TABLE_DECIMALS = 3
MIN_LETTER_SHARE = 0.65  # letters and spaces; a results sentence dense with numbers still has more than this
MIN_PROSE_WORDS = 6  # words of four letters or more: fewer is a caption, a heading or a table row
MAX_MATH_SHARE = 0.2  # tokens that are math symbols or one-letter variables: more is a flattened equation
MAX_FIGURE_SHARE = 0.35  # tokens that are bare numbers: more is axis ticks or table cells
MAX_NUMBER_RUN = 2  # bare numbers in a row; three ("70 75 80") are a figure's axis or a table row
MIN_MATH_SYMBOLS = 2  # math symbols any sentence may have ("x = 3", "n × d") ...
CHARS_PER_MATH_SYMBOL = 60  # ... or one for every this many characters, if more: more is an equation


def is_prose(sentence: str) -> bool:
    """A sentence worth quoting: not a table row, an equation, figure labels or a stray heading."""
    sentence = math_as_token(sentence)  # LaTeX math (a paper read from its source) is one token, quotable
    if not MIN_QUOTE_CHARS <= len(sentence) <= MAX_QUOTE_CHARS:
        return False
    letters = sum(c.isalpha() or c == " " for c in sentence)
    # results sentences are dense with numbers ("scored 29.7 ROUGE-1 and 7.9 ROUGE-2 ..."): allow them,
    # while table rows and equations, with few real words, stay out
    if len(CITATION.findall(sentence)) >= TABLE_CITATIONS and len(DECIMAL.findall(sentence)) >= TABLE_DECIMALS:
        return False  # rows of a results table that cites its baselines ("Luong et al. (2015) [23] 93.0")
    if letters / len(sentence) <= MIN_LETTER_SHARE or len(WORD.findall(sentence)) < MIN_PROSE_WORDS:
        return False
    if FOOTNOTE_TEXT.match(sentence):  # an aside at the foot of the page, not the paper's argument
        return False
    if GLUED.search(sentence):  # the PDF lost its spaces here: "onemightchoosetoapplyanymachinelearning"
        return False
    tokens = sentence.split()
    math = sum(bool(MATH.search(t) or not re.search(r"\w", t) or
                    (VARIABLE.fullmatch(t) and t.strip("()[],.;:") not in ("a", "A", "I"))) for t in tokens)
    figures = sum(bool(NUMBER_TOKEN.fullmatch(t)) for t in tokens)  # axis ticks, table cells
    run = ticks = 0  # three bare numbers in a row ("70 75 80"): a figure's axis or a table row
    for token in tokens:
        run = run + 1 if NUMBER_TOKEN.fullmatch(token) and not token.endswith(",") else 0
        ticks = max(ticks, run)
    return (math <= MAX_MATH_SHARE * len(tokens) and figures <= MAX_FIGURE_SHARE * len(tokens)
            and ticks <= MAX_NUMBER_RUN
            and len(MATH.findall(sentence)) <= max(MIN_MATH_SYMBOLS, len(sentence) // CHARS_PER_MATH_SYMBOL)
            and fragment(sentence) is None)


def _canonical(match: re.Match) -> str:
    """One spelling per value: "1,000" and "1000" agree, so do "1e-4", "10^-4" and "10−4"."""
    g = match.groupdict()
    exponent = g["eexp"] or g["texp"] or g["pexp"] or g["uexp"]
    if exponent is not None:
        value = float(g["mant"] or 1) * 10 ** int(exponent.replace("−", "-"))
    else:
        value = float(g["num"].replace(",", ""))
    return f"{value:.6g}"


def number_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical value) of every number in ``text``."""
    return [(m.start(), m.end(), _canonical(m)) for m in NUMBER.finditer(text)]


def numbers(text: str) -> set[str]:
    """The canonical values of the numbers in ``text``."""
    return {value for _, _, value in number_spans(text)}


def unsupported_number_spans(text: str, paper_numbers: set[str]) -> list[tuple[int, int, str]]:
    """(start, end, value) of each number ``text`` claims that the paper lacks.

    Cites like "(p. 3, §4.1)" and the pipeline's own flags are not claims, and are not checked.
    """
    cites = [m.span() for m in PAGE_CITE.finditer(text)] + [m.span() for m in FLAG.finditer(text)]
    return [(start, end, value) for start, end, value in number_spans(text)
            if value not in paper_numbers and not any(a <= start < b for a, b in cites)]


def flag_unverified(text: str, paper_numbers: set[str]) -> str:
    """Mark every number the paper does not contain with ``<!-- unverified: N -->`` right after it."""
    out, last = [], 0
    for start, end, _ in unsupported_number_spans(text, paper_numbers):
        out.append(text[last:end] + " " + flag(f"{text[start:end]} not found in the paper"))
        last = end
    return "".join(out) + text[last:]


STEM_CHARS = 6  # a word's first six letters stand for it: "outperforms" and "outperformed" agree


def _stem(word: str) -> str:
    return word.lower()[:STEM_CHARS]


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in WORD.findall(text) if w.lower() not in ENGLISH_STOP_WORDS}


LOOP_MIN_TOKENS = 8  # a shorter sentence repeats a word or two by nature ("the ... of the ...")
LOOP_DISTINCT_SHARE = 0.5  # fewer distinct words than this share of its words: the sentence says one thing twice


def is_repetitive(sentence: str) -> bool:
    """A small model's loop: "Generalized Low Rank Models Generalized Low Rank Models ..."."""
    tokens = re.findall(r"\w+", sentence.lower())
    return len(tokens) >= LOOP_MIN_TOKENS and len(set(tokens)) < LOOP_DISTINCT_SHARE * len(tokens)


MIN_CONTENT_WORDS = 3  # fewer and a sentence says too little to check ("It works well."): never supported


def support(sentence: str, source_words: set[str], source_numbers: set[str]) -> float:
    """Share of the sentence's content words found in the source; 0 if it holds a number the source lacks,
    or if it repeats itself in a loop (every word of a loop can be in the paper; the sentence says nothing)."""
    if numbers(sentence) - source_numbers or is_repetitive(sentence):
        return 0.0
    words = content_words(sentence)
    if len(words) < MIN_CONTENT_WORDS:
        return 0.0
    return len(words & source_words) / len(words)


SUPPORTED = 0.75  # share of a sentence's content words its evidence must hold
WEAKLY_SUPPORTED = 0.5  # below SUPPORTED but at least this: kept, flagged for the author to check


def is_supported(sentence: str, source_words: set[str], source_numbers: set[str], threshold: float = SUPPORTED) -> bool:
    return not FILLER.match(sentence.strip()) and support(sentence, source_words, source_numbers) >= threshold


def weak_support_flag(cite: str) -> str:
    """The inline flag on a generated sentence its evidence only partly holds (``check`` reports it)."""
    where = f" against {cite}" if cite else ""
    return flag(f"weakly supported by the paper, check it{where}")


class PaperIndex:
    """TF-IDF over every prose sentence of the chunks; ranks sentences within a chunk and against a query."""

    def __init__(self, chunks: list[Chunk]):
        seen: set[str] = set()
        previous: list[str] = []  # the last chunk's sentences: chunks overlap, and one may start mid-sentence
        self.sentences: list[KeySentence] = []
        for chunk in chunks:
            pieces = split_sentences(chunk.text)
            prose = [(o, t) for o, t in pieces if is_prose(t)]
            current = []
            # a chunk of tables and equations has no prose: rank its pieces anyway, so it is not skipped
            for offset, text in prose or [(o, t[:MAX_QUOTE_CHARS]) for o, t in pieces if WORD.search(t)]:
                current.append(text)
                if text in seen or any(earlier.endswith(text) for earlier in previous):  # each sentence once
                    continue
                seen.add(text)
                sentence = KeySentence(text, chunk.page_at(offset), chunk.index, chunk.kind, 0.0,
                                       chunk.section_at(offset), bool(prose))
                last = self.sentences[-1] if self.sentences else None
                if (last and last.chunk == chunk.index - 1 and last.section == sentence.section
                        and not last.text.endswith((".", "!", "?")) and text.startswith(last.text)):
                    self.sentences[-1] = sentence  # the last chunk ended inside this sentence: keep it whole
                else:
                    self.sentences.append(sentence)
            previous = current
        self.paper_numbers = set().union(*(numbers(c.text) for c in chunks)) if chunks else set()
        self.paged = len({c.first_page for c in chunks} | {c.last_page for c in chunks}) > 1  # a .txt has one page
        if not self.sentences:
            self.vectors = None
            self._positions()
            return
        self.vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        self.vectors = self.vectorizer.fit_transform([s.text for s in self.sentences])
        centre = np.asarray(self.vectors.mean(axis=0)).ravel()
        scores = self.vectors @ centre  # how central a sentence is to the whole paper
        self.sentences = [
            replace(s, score=float(score)) for s, score in zip(self.sentences, scores)
        ]
        self._positions()

    def _positions(self) -> None:
        """Each sentence's place in reading order, and each chunk's sentences, looked up in constant time:
        ``list.index`` and a scan of every sentence per chunk made a long text quadratic (issue 18)."""
        self._order = {s.text: i for i, s in enumerate(self.sentences)}  # texts are unique: each sentence once
        self._by_chunk: dict[int, list[KeySentence]] = {}
        for s in self.sentences:
            self._by_chunk.setdefault(s.chunk, []).append(s)

    def position(self, sentence: KeySentence) -> int:
        """Where ``sentence`` stands in reading order (a sentence of this index, or one with its text)."""
        return self._order[sentence.text]

    def in_chunk(self, index: int) -> list[KeySentence]:
        return list(self._by_chunk.get(index, ()))

    def key_sentences(self, index: int, k: int) -> list[KeySentence]:
        """The ``k`` most central sentences of chunk ``index``, in reading order."""
        ranked = sorted(self.in_chunk(index), key=lambda s: -s.score)[:k]
        return sorted(ranked, key=self.position)

    def best_match(self, sentence: str, candidates: list[KeySentence] | None = None) -> KeySentence | None:
        """The candidate (default: any sentence of the paper) that best supports ``sentence``.

        By TF-IDF similarity; where no word matches exactly ("Transformers outperformed" against "The
        Transformer outperforms"), by shared word stems, the measure ``support`` uses.
        """
        if self.vectors is None or candidates == []:
            return None
        matrix = self.vectors if candidates is None else self.vectorizer.transform([c.text for c in candidates])
        candidates = self.sentences if candidates is None else candidates
        similarity = (matrix @ self.vectorizer.transform([sentence]).T).toarray().ravel()
        if similarity.max() > 0:
            return candidates[int(similarity.argmax())]
        words = content_words(sentence)
        shared = [len(words & content_words(c.text)) for c in candidates]
        return candidates[shared.index(max(shared))] if max(shared) > 0 else None
