"""Cache keys for the flow's persisted results, derived from their inputs and from the code that makes them.

A key hashes the stage's real inputs (the PDF's content, the arXiv id and version,
the settings that shape the output, the prompt templates) and the source of every
module the stage and the stages before it run (:mod:`pipeline.code_hash`). A change
to that code, however small, makes new keys: a rerun can never serve output that
older code made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.context import TaskRunContext

from pipeline.code_hash import UPSTREAM, stage_key as _key
from pipeline.figures.cache import figures_key as shared_figures_key
from pipeline.hashing import sha256_file
from pipeline.records import Document
from pipeline.summarize.prompts import prompt_hashes
from pipeline.summary_cache import shaping_settings as _shape, summary_key as shared_summary_key

__all__ = ["UPSTREAM", "chunk_key", "extract_key", "figures_key", "summary_key"]


def _source_id(parameters: dict[str, Any]) -> str | None:
    """The unpacked source's content: its folder is named by the e-print's sha256 (extract.latex.unpacked)."""
    source = parameters.get("source")
    return Path(source).name if source else None


def extract_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The PDF's content, whatever its path (or that there is none, and why); and the source's, and the setting
    that chooses between them."""
    source = _source_id(parameters)
    extra = (source, parameters.get("text_source", "pdf"), parameters.get("no_source")) if source or \
        parameters.get("text_source", "pdf") != "pdf" else ()
    pdf = parameters["pdf_path"]
    no_pdf = () if pdf else ("no pdf", parameters.get("no_pdf"))  # the Document says why it has no pages
    return _key("extract", parameters["kind"], sha256_file(pdf) if pdf else None, *extra, *no_pdf)


def figures_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The PDF's content and the figure code (:func:`pipeline.figures.cache.figures_key`), and the switch."""
    source = _source_id(parameters)
    doc = parameters.get("doc")
    key = shared_figures_key(doc.sha256 if source and doc is not None else parameters["doc_sha256"])
    return key + (f"-latex-{source}" if source else "") + ("" if parameters["settings"].figures else "-off")


def chunk_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The Document's hash, the title and the settings; and the templates, since a chunk is as long as
    fits beside the notes prompt (:func:`pipeline.core.chunk_tokens`)."""
    doc: Document = parameters["doc"]
    return _key("chunk", doc.sha256, parameters["title"], sorted(prompt_hashes().items()), *_shape(parameters["settings"]))


def summary_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The same key as the CLI's summary cache (:mod:`pipeline.summary_cache`): one rule for both."""
    return shared_summary_key(parameters["doc_sha256"], parameters["meta"], parameters["settings"],
                              parameters["prompts"], parameters.get("asked"))
