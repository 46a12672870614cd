"""Which text a paper is drafted from: its LaTeX source when that parses, else its PDF; and why.

``text_source`` (a setting) is "auto" (the source first, the PDF when the source cannot be had or read),
"latex" (the source or nothing) or "pdf" (the PDF as before). With both, the source's sentences get the
PDF's pages (:mod:`pipeline.extract.latex.pages`), so cites keep "p. 4"; a source without a usable PDF is
drafted all the same, its cites naming sections only. The Document says which it is (``text_from``) and
why (``text_note``): the source's failure, the setting, or why there are no pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pipeline.errors import ExtractionError
from pipeline.extract.latex.document import read_latex_tree
from pipeline.extract.latex.pages import match_pages
from pipeline.extract.pdf import extract_pdf
from pipeline.records import Document

log = logging.getLogger(__name__)

MIN_SOURCE_CHARS = 500  # a body shorter than this is a source that did not parse into prose (a stub, a wrapper)
MIN_MATCHED_SHARE = 0.3  # fewer of the source's sentences found in the PDF: the PDF is of another version


def _source(tree: Path) -> Document:
    doc = read_latex_tree(tree).document
    chars = sum(len(s.text) for s in doc.body)
    if chars < MIN_SOURCE_CHARS:
        raise ExtractionError(f"{doc.source_path}: the source gave only {chars} characters of prose")
    return doc


def read_paper(pdf: Path | None, tree: Path | None, text_source: str = "auto", *, no_source: str | None = None,
               no_pdf: str | None = None, on_page: Callable[[int, int], None] | None = None) -> Document:
    """The paper's Document from the unpacked source ``tree`` or the ``pdf`` (either may be None, with
    ``no_source`` / ``no_pdf`` saying why). Raises ExtractionError when neither gives text."""
    why_not_source = no_source or "no LaTeX source"
    source = None
    if text_source != "pdf" and tree is not None:
        try:
            source = _source(tree)
        except ExtractionError as err:
            why_not_source = f"the LaTeX source could not be read: {err.message}"
    elif text_source == "pdf":
        why_not_source = "text_source = pdf"
    if source is None:
        if text_source == "latex":
            raise ExtractionError(f"text_source = latex, but {why_not_source}", "set text_source = auto to use the PDF")
        if pdf is None:
            raise ExtractionError(f"no text to draft from: {why_not_source}; and no PDF: {no_pdf or 'none'}")
        doc = extract_pdf(pdf, on_page=on_page)
        if text_source == "auto":
            log.info("%s: drafted from the PDF (%s)", pdf.name, why_not_source)
        return replace(doc, text_from="pdf", text_note=why_not_source)
    if pdf is None:
        note = f"no pages: the PDF could not be had ({no_pdf or 'none'}); cites name sections only"
        log.warning("%s: drafted from the LaTeX source; %s", source.source_path, note)
        return replace(source, text_note=note)
    try:
        pdf_doc = extract_pdf(pdf, on_page=on_page)
    except ExtractionError as err:
        note = f"no pages: the PDF could not be read ({err.message}); cites name sections only"
        log.warning("%s: drafted from the LaTeX source; %s", source.source_path, note)
        return replace(source, text_note=note)
    matched, share = match_pages(source, pdf_doc)
    if share < MIN_MATCHED_SHARE:
        note = (f"no pages: only {share:.0%} of the source's sentences are in the PDF (another version?); "
                "cites name sections only")
        log.warning("%s: drafted from the LaTeX source; %s", source.source_path, note)
        return replace(source, text_note=note)
    log.info("%s: drafted from the LaTeX source, %.0f%% of its sentences found on the PDF's pages",
             source.source_path, 100 * share)
    return replace(matched, text_note=f"pages from the PDF: {share:.0%} of the sentences found there")
