"""The hover: the paper's passage behind a cite or a quote, and the closest passages to an ``unverified`` claim.

The paper's text is the extraction drafting cached (:class:`pipeline.lsp.paper.Papers`); when it is not there,
the hover says so and how to get it, and links the paper on arXiv. Nothing is downloaded for a hover.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import extraction_cache
from pipeline.draftfile.parse import DraftFile
from pipeline.lsp.paper import Paper, Papers, paper_url
from pipeline.lsp.targets import Target, target_at
from pipeline.records import Passage

CLOSEST = 3  # passages shown for an unverified claim


@dataclass(frozen=True)
class HoverText:
    """Markdown for the hover, and the span of the parsed text it is about."""

    markdown: str
    start: int
    end: int


def _quote(text: str) -> str:
    return "> " + " ".join(text.split()).replace("<", "&lt;")


def _link(label: str, url: str | None) -> str:
    return f"[{label}]({url})" if url else ""


def _missing(identity: str | None, title: str) -> str:
    if identity is None:
        return (f"*{title}*: this draft names no paper paperdraft can find (no arXiv id, and the file it was "
                "drafted from is not where it was), so there is no passage to show.")
    vid = identity.removeprefix("arXiv:") if identity.startswith("arXiv:") else None
    again = f"`paperdraft draft {vid}`" if vid else "`paperdraft draft` on the same file"
    return (f"*{title}*: the paper's text is not in paperdraft's cache ({identity}). Drafting keeps it: run "
            f"{again} to see the passages here. Nothing is downloaded from the editor.")


def _passages(paper: Paper, target: Target, identity: str) -> str:
    pdf = paper.pdf()
    if target.kind == "flag":
        found = paper.closest(target.claim, CLOSEST)
        head = f"**Unverified**: {target.reason}. The closest passages of the paper to this claim:"
        if not found:
            return head + "\n\nNo sentence of the paper shares a word with it."
        items = [f"{i}. “{' '.join(p.text.split())}” ({p.cite}) {_link('open', paper_url(identity, pdf, p.page))}"
                 for i, p in enumerate(found, 1)]
        return head + "\n\n" + "\n".join(items)
    found = paper.cited(target.claim, target.cite)
    if found is None:
        near = paper.closest(target.claim, 1)
        if not near:
            return f"No passage of the paper is at ({target.cite}), and none is like this sentence."
        passage: Passage = near[0]
        head = f"No passage of the paper is at ({target.cite}); the closest one is at **{passage.cite}**:"
    elif found[1]:
        passage = found[0]
        head = f"**{passage.cite}**: the passage this cites:"
    else:
        passage = found[0]
        head = (f"No sentence of the paper is cited as ({target.cite}) exactly; the closest on its page is at "
                f"**{passage.cite}**:")
    page_link = _link(f"Open the paper at p. {passage.page}" if passage.page else "Open the paper",
                      paper_url(identity, pdf, passage.page))
    return f"{head}\n\n{_quote(passage.text)}" + (f"\n\n{page_link}" if page_link else "")


def hover(doc: DraftFile, offset: int, papers: Papers) -> HoverText | None:
    """What to show for the cursor at ``offset`` of the parsed draft ``doc``; None when it is on no cite, quote
    or flag."""
    target = target_at(doc, offset)
    if target is None:
        return None
    front = doc.front or {}
    title = " ".join(str(front.get("title") or "this paper").split())
    identity = extraction_cache.draft_identity(front, Path(doc.path) if doc.path else None)
    paper = papers.get(identity) if identity else None
    if paper is None:
        text = _missing(identity, title)
        link = _link(f"Open the paper at p. {target.page}" if target.page else "Open the paper",
                     paper_url(identity, None, target.page))
        return HoverText(text + (f"\n\n{link}" if link else ""), target.start, target.end)
    return HoverText(_passages(paper, target, identity) + f"\n\n— *{title}*", target.start, target.end)
