"""The filters people ask for: followed authors, words to include or exclude, cross-lists counted once.

Names and words are compared without case or accents. A followed author matches a paper's author when
every word of the name given is a word of theirs ("LeCun" and "Yann LeCun" both follow Yann LeCun). A
word matches whole words of the title or abstract, and their plurals ("graph" is "graphs", not
"paragraph"; a phrase matches as one).
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.records import PaperMeta


def fold(text: str) -> str:
    """Lower case, no accents: "Schölkopf" -> "scholkopf"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def once(metas: list[PaperMeta]) -> list[PaperMeta]:
    """Each paper once, in order: a paper cross-listed in two asked-for categories is one candidate."""
    seen: set[str] = set()
    out = []
    for m in metas:
        key = m.arxiv_id or m.url or m.title
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def by_author(meta: PaperMeta, followed: list[str]) -> bool:
    """Whether one of ``followed`` is among the paper's authors."""
    names = [set(_words(a)) for a in meta.authors]
    return any(want and set(want) <= have for want in map(_words, followed) for have in names)


def _phrase(word: str) -> re.Pattern[str]:
    return re.compile(r"\b" + r"\W+".join(map(re.escape, _words(word))) + r"(?:s|es)?\b")


def mentions(meta: PaperMeta, words: list[str]) -> bool:
    """Whether the title or abstract has one of ``words`` (each a word or a phrase)."""
    text = fold(f"{meta.title} {meta.abstract or ''}")
    return any(_words(w) and _phrase(w).search(text) for w in words)


def keep(metas: list[PaperMeta], authors: list[str], include: list[str], exclude: list[str]) -> tuple[list[PaperMeta], dict[str, int]]:
    """The papers that pass every filter given, and how many each filter dropped."""
    dropped: dict[str, int] = {}
    for name, test, given in (("author", lambda m: by_author(m, authors), authors),
                              ("include", lambda m: mentions(m, include), include),
                              ("exclude", lambda m: not mentions(m, exclude), exclude)):
        if given:
            before = len(metas)
            metas = [m for m in metas if test(m)]
            dropped[name] = before - len(metas)
    return metas, dropped
