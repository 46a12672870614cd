"""Which of a paper's figures carry it: the overview or method figure, and the main results figure or table.

Each rendered figure is scored from how often the text refers to it ("Fig. 2", "Table 3"), in which
sections, how early it comes, and what its caption says. The best method figure goes under "How it works"
(or "Key ideas"), the best results figure or table under "Results"; the rest are offered to the author.
"""

from __future__ import annotations

import re

from pipeline.records import Document, Figure, FigurePlan, FigureSet

METHOD_HEADINGS = ("How it works", "Key ideas")
RESULTS_HEADING = "Results"

STRONG_METHOD_CUES = re.compile(r"\b(architecture|overview|framework|pipeline|illustrat\w*|diagram|schemat\w*|"
                                r"building block|our (?:model|method|approach)|procedures?)\b", re.I)
METHOD_CUES = re.compile(r"\b(model|approach|method|structure|modules?|layers?|encoder|decoder|network|"
                         r"mechanism|attention|training)\b", re.I)
STRONG_RESULTS_CUES = re.compile(r"\b(results?|accuracy|bleu|rouge|state[- ]of[- ]the[- ]art|outperform\w*|"
                                 r"comparison|compared)\b", re.I)
RESULTS_CUES = re.compile(r"\b(f1|scores?|performance|benchmarks?|test set|error rates?|eer|baselines?|"
                          r"evaluation|perplexity|speed-?up)\b", re.I)
TABLE_BONUS = 1.5  # a results table beats a results plot with the same cues: its numbers can be quoted
APPENDIX = {"appendix", "references", "acknowledgements"}
METHOD_KINDS = {"introduction", "method", "background", "front", "abstract", "body"}
RESULTS_KINDS = {"experiments", "results", "discussion", "conclusion"}
REFERENCE = re.compile(r"\b(?P<kind>Fig(?:ure)?s?\.?|Tables?|Tab\.)\s*(?P<number>[A-Z]?\.?\d+)", re.I)


def references(doc: Document) -> dict[str, list[str]]:
    """Label ("Figure 2", "Table 3") -> the kind of section of each mention of it in the text."""
    found: dict[str, list[str]] = {}
    for section in doc.sections:
        for m in REFERENCE.finditer(section.text):
            kind = "Table" if m["kind"].lower().startswith("tab") else "Figure"
            found.setdefault(f"{kind} {m['number']}", []).append(section.kind)
    return found


def _cue_score(caption: str, cues: re.Pattern, strong: re.Pattern | None) -> float:
    """Each distinct cue word of the caption once: 1 for a cue, 2.5 for a strong one."""
    weak = {m.lower() for m in cues.findall(caption)}
    strong_found = {m.lower() for m in strong.findall(caption)} if strong else set()
    return 1.0 * len(weak) + 2.5 * len(strong_found)


def _score(figure: Figure, mentions: list[str], cues: re.Pattern, kinds: set[str], first_page: int,
           strong: re.Pattern | None = None) -> float:
    caption = figure.caption.split(":", 1)[-1] if ":" in figure.caption[:14] else figure.caption
    cue = _cue_score(caption[:300], cues, strong)
    in_kind = sum(1 for k in mentions if k in kinds)
    if cue == 0 and in_kind == 0:
        return 0.0  # neither its caption nor the text around its mentions says it is of the kind
    score = cue + 1.0 * min(in_kind, 2) + 0.2 * min(len(mentions), 5)
    score -= 0.05 * max(figure.page - first_page, 0)  # the paper shows what matters first
    return score


def place_figures(figures: FigureSet | None, doc: Document, headings: list[str]) -> FigurePlan:
    """Choose the method figure and the results figure or table for a draft with blog ``headings``."""
    if figures is None:
        return FigurePlan()
    usable = [f for f in figures.figures if f.image]
    appendix_start = min((s.first_page for s in doc.sections if s.kind in APPENDIX and s.first_page), default=10**6)
    main = [f for f in usable if f.page <= appendix_start] or usable  # the page the references start on may hold a table
    mentions = references(doc)
    first_page = min((f.page for f in main), default=1)
    embedded: dict[str, list[Figure]] = {}
    method_heading = next((h for h in METHOD_HEADINGS if h in headings), None)
    chosen: set[str] = set()
    if method_heading:
        candidates = [f for f in main if f.kind == "figure"]
        best = _best(candidates, mentions, METHOD_CUES, METHOD_KINDS, first_page, strong=STRONG_METHOD_CUES)
        if best is not None:
            embedded[method_heading] = [best]
            chosen.add(best.label)
    if RESULTS_HEADING in headings:
        candidates = [f for f in main if f.label not in chosen]
        best = _best(candidates, mentions, RESULTS_CUES, RESULTS_KINDS, first_page, tables_first=True,
                     strong=STRONG_RESULTS_CUES)
        if best is not None:
            embedded[RESULTS_HEADING] = [best]
            chosen.add(best.label)
    others = [f for f in figures.figures if f.label not in chosen]
    return FigurePlan(embedded, others, figures)


def _best(candidates: list[Figure], mentions: dict[str, list[str]], cues: re.Pattern, kinds: set[str],
          first_page: int, tables_first: bool = False, strong: re.Pattern | None = None) -> Figure | None:
    scored = []
    for f in candidates:
        score = _score(f, mentions.get(f.label, []), cues, kinds, first_page, strong)
        if score > 0:
            scored.append((score + (TABLE_BONUS if tables_first and f.kind == "table" else 0.0), -f.page, f))
    if not scored:
        return None
    return max(scored, key=lambda s: (s[0], s[1]))[2]
