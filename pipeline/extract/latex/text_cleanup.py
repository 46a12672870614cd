"""Tidy the text the prose stage writes: TeX's ligatures and ties as characters, spaces collapsed, no space
before punctuation, every display formula on a line of its own; math is left as it is."""

from __future__ import annotations

import re

from pipeline.extract.latex.math import DISPLAY_OPEN, MATH_SPAN


def typographic(text: str) -> str:
    """TeX's ligatures and ties as characters: "—" for ---, "–" for --, “double quotes”, ~ as a space; a single
    ` becomes ' (a closing ' cannot be told from an apostrophe, so single quotes stay straight)."""
    return (text.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
            .replace("`", "'").replace("~", " "))


def clean_text(text: str) -> str:
    """Spaces collapsed and none before punctuation (where a label or footnote was), outside math only;
    each display formula on a line of its own."""
    out, pos = [], 0
    for m in MATH_SPAN.finditer(text):
        out.append(_clean_words(text[pos:m.start()]))
        out.append(f"\n{m.group()}\n" if m.group().startswith(DISPLAY_OPEN) else m.group())
        pos = m.end()
    out.append(_clean_words(text[pos:]))
    joined = re.sub(r" *\n+ *", "\n", "".join(out))
    return re.sub(r" {2,}", " ", joined).strip()


def _clean_words(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" +([.,;:!?)\]])", r"\1", text)
    return re.sub(r"([(\[]) +", r"\1", text)
