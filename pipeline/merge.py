"""Regenerating a draft without losing the author's work.

A draft body is cut into blocks: the preamble (title and byline), one block
per ``## `` section, and the footer. The front matter keeps a hash of each
machine-written block as generated. When a paper is drafted again, a block
whose text still has its hash is replaced by the new one; a block the author
edited is kept byte for byte (``force`` replaces it, after a backup); the
critique and any section the author added are always kept.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

PREAMBLE = "(preamble)"
FOOTER = "(footer)"
CRITIQUE_KEY = "My critique"
_HEADING = re.compile(r"^## (.+?)[ \t]*$", re.M)
_FOOTER = re.compile(r"^---\n\n\*The summary above was drafted by ", re.M)


def block_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def split_blocks(body: str) -> list[tuple[str, str]]:
    """(key, raw text) pairs whose texts joined give ``body`` back exactly.

    The critique runs from its heading to the footer, over any ``## `` headings the author wrote in it or
    below it. A heading seen before gets a key of its own (``"Results\n2"``, which no heading can be), so
    an author's second ``## Results`` is an added section, never taken for paperdraft's.
    """
    footer = None
    for footer in _FOOTER.finditer(body):
        pass
    end = footer.start() if footer else len(body)
    cuts, seen = [(PREAMBLE, 0)], {PREAMBLE: 1}
    for m in _HEADING.finditer(body, 0, end):
        key = m.group(1)
        seen[key] = seen.get(key, 0) + 1
        cuts.append((key if seen[key] == 1 else f"{key}\n{seen[key]}", m.start()))
        if key == CRITIQUE_KEY:
            break
    blocks = []
    for i, (key, start) in enumerate(cuts):
        stop = cuts[i + 1][1] if i + 1 < len(cuts) else end
        blocks.append((key, body[start:stop]))
    if footer:
        blocks.append((FOOTER, body[end:]))
    return blocks


def machine_hashes(body: str) -> dict[str, str]:
    """Hashes of the blocks paperdraft writes (everything but the critique)."""
    return {key: block_hash(text) for key, text in split_blocks(body) if key != CRITIQUE_KEY}


@dataclass
class Merge:
    body: str
    hashes: dict[str, str]
    updated: list[str] = field(default_factory=list)  # machine sections replaced by new text
    kept: list[str] = field(default_factory=list)  # sections the author edited, kept as they are
    overwritten: list[str] = field(default_factory=list)  # author-edited sections replaced (force)


def merge(old_body: str, stored: dict[str, str], new_body: str, force: bool = False) -> Merge:
    """The new draft body, keeping what the author wrote in ``old_body``."""
    old = dict(split_blocks(old_body))
    old_order = [key for key, _ in split_blocks(old_body)]
    new_blocks = split_blocks(new_body)
    new_keys = {key for key, _ in new_blocks}
    result = Merge(body="", hashes={})
    parts: list[tuple[str, str]] = []
    for key, new_text in new_blocks:
        old_text = old.get(key)
        if key == CRITIQUE_KEY:
            parts.append((key, old_text if old_text is not None else new_text))
            continue
        untouched = old_text is not None and block_hash(old_text) == stored.get(key)
        if old_text is None or untouched or force:
            if old_text is not None and not untouched and old_text != new_text:
                result.overwritten.append(key)
            elif old_text is not None and old_text != new_text:
                result.updated.append(key)
            parts.append((key, new_text))
            result.hashes[key] = block_hash(new_text)
        else:
            parts.append((key, old_text))
            result.kept.append(key)
            result.hashes[key] = stored.get(key, "")  # still marked as edited next time
    # sections the author added stay after the block they followed
    for i, key in enumerate(old_order):
        if key in new_keys:
            continue
        before = next((k for k in reversed(old_order[:i]) if k in {p for p, _ in parts}), PREAMBLE)
        at = [p for p, _ in parts].index(before) + 1
        parts.insert(at, (key, old[key]))
    result.body = "".join(text for _, text in parts)
    return result
