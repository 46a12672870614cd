"""Regenerating a draft without losing the author's work.

A draft body is cut into blocks: the preamble (title and byline), one block
per ``## `` section, and the footer. The front matter keeps a hash of each
machine-written block as generated. When a paper is drafted again, a block
whose text still has its hash is replaced by the new one; a block the author
edited is kept byte for byte (``force`` replaces it, after a backup); the
critique and any section the author added are always kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.draftfile.format import CRITIQUE_TITLE, PREAMBLE
from pipeline.draftfile.parse import split_blocks
from pipeline.hashing import sha256_text



def block_hash(text: str) -> str:
    return sha256_text(text, 16)


def machine_hashes(body: str) -> dict[str, str]:
    """Hashes of the blocks paperdraft writes (everything but the critique)."""
    return {key: block_hash(text) for key, text in split_blocks(body) if key != CRITIQUE_TITLE}


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
        if key == CRITIQUE_TITLE:
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
