"""Rendering a draft: the body from a summary, the front matter, and the text of the whole file.

Text from the paper or the model is made inert first (:func:`inert`,
:func:`clean_machine_text`): no heading, fence, comment, HTML or link of its own
can reach the draft, so it can never break the format or a blog's page.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import yaml

from pipeline.draftfile.format import CRITIQUE_HEADING, GUIDE, PIPELINE_NOTE, PLACEHOLDER, footer
from pipeline.hashing import sha256_text
from pipeline.draftfile.figures import figure_block, figure_notes
from pipeline.records import FigurePlan, PaperMeta, Summary


def critique_section(aids: list[str], figure_notes: str | None = None) -> str:
    """The critique section as drafted: guiding questions, facts to check, the other figures, the placeholder."""
    parts = [CRITIQUE_HEADING, GUIDE]
    if aids:  # paper text, one line each, that can neither close the comment nor open a tag
        facts = "\n".join(f"  - {re.sub(r'--!?>', '→', inert(' '.join(line.split())))}" for line in aids)
        parts.append(f"<!-- Facts from the paper to check before you judge it (found by paperdraft):\n{facts}\n-->")
    if figure_notes:
        parts.append(figure_notes)
    parts.append(PLACEHOLDER)
    return "\n\n".join(parts)


def body_hash(body: str) -> str:
    return sha256_text(body)


def inert(text: str) -> str:
    """Text from the paper or the model, made inert for Markdown renderers: no HTML tag, comment or
    autolink can start (``<`` before a letter, ``/``, ``!`` or ``?`` becomes ``&lt;``), and no link
    (``](`` and a line-leading ``[``, a link definition, are escaped). It still reads the same."""
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text).replace("](", "]\\(")
    return re.sub(r"(?m)^([ \t]*)\[", r"\1\\[", text)


def clean_machine_text(text: str) -> str:
    """Model output and paper quotes made safe for the draft: no headings, fences, setext underlines,
    comments, HTML or TODO markers of their own."""
    lines = []
    for line in text.replace("\r", "").replace("\0", "").splitlines():
        line = re.sub(r"^(?:\s*#)+\s*", "", line)  # a heading would break the draft's structure
        if re.fullmatch(r"\s*(?:-+|=+|```.*|~~~.*)\s*", line):  # a fence, a rule, or a setext underline
            continue
        flags = PIPELINE_NOTE.findall(line)  # the pipeline's own flags and notes survive; the rest is made inert
        line = inert(PIPELINE_NOTE.sub("\0", line)).replace("TODO", "To-do")
        for flag in flags:
            line = line.replace("\0", flag, 1)
        lines.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() or "_(the model wrote nothing here)_"


def render_body(meta: PaperMeta, summary: Summary, aids: list[str] | None = None, plan: FigurePlan | None = None,
                assets: str = "") -> str:
    """The draft's body; ``plan``'s figures go under their headings, pictures linked in the folder ``assets``."""
    link = f"[arXiv:{meta.versioned_id}]({meta.url})" if meta.arxiv_id and meta.url else "a local file"
    authors = ", ".join(meta.authors) if meta.authors else "unknown authors"
    title, authors = (inert(" ".join(x.split())) for x in (meta.title, authors))
    parts = [f"# {title}", f"*{authors}* · {link}"]
    plan = plan or FigurePlan()
    for heading, text in summary.sections.items():
        shown = "".join(f"\n\n{figure_block(f, assets, inert)}" for f in plan.embedded.get(heading, []))
        parts.append(f"## {heading}\n\n{clean_machine_text(text)}{shown}")
    notes = figure_notes(plan.others, plan.figures.failed_pages, assets, inert) if plan.count or \
        plan.figures.failed_pages else None
    parts.append(critique_section(aids or [], notes))
    parts.append(footer(summary.model, summary.quoted, summary.written, summary.weak))
    return "\n\n".join(parts) + "\n"


def render_front(meta: PaperMeta, summary: Summary, source: str, body: str, figures: int = 0,
                 text: tuple[str, str | None] | None = None) -> dict:
    """The front matter; ``text`` is (what the text was read from, why): ``text_from``, ``text_note``."""
    text_from, text_note = text or (None, None)
    front = {
        "title": meta.title,
        "authors": list(meta.authors),
        "arxiv_id": meta.arxiv_id,
        "version": meta.version,
        "url": meta.url,
        "pdf_url": meta.pdf_url,
        "license": meta.license or ("unknown" if figures else None),
        "figures": figures or None,
        "categories": list(meta.categories),
        "published": meta.published,
        "source": source,
        "text_from": text_from,
        "text_note": text_note,
        "model": summary.model,  # "none": no model wrote any of it
        "sentences": {"quoted": summary.quoted, "written": summary.written, "weakly_supported": summary.weak},
        "prompt_hashes": dict(summary.prompt_hashes),
        "generated_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "status": "draft",
        "content_hash": body_hash(body),
    }
    return {k: v for k, v in front.items() if v not in (None, [], {})}


def compose(front: dict, body: str) -> str:
    """The draft's text: YAML front matter, then ``body`` as it is."""
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
    if yaml.safe_load(dumped) != front:  # a value with U+0085 or U+2028, which YAML reads as a line break
        dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=False, width=1000)
    return "---\n" + dumped + "---\n\n" + body
