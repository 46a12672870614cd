"""Cache keys for the flow's persisted results, derived from their inputs and from the code that makes them.

A key hashes the stage's real inputs (the PDF's content, the arXiv id and version,
the settings that shape the output, the prompt templates) and the source of every
module the stage and the stages before it run (:mod:`pipeline.code_hash`). A change
to that code, however small, makes new keys: a rerun can never serve output that
older code made.
"""

from __future__ import annotations

from typing import Any

from prefect.context import TaskRunContext

from pipeline.code_hash import UPSTREAM, stage_key as _key
from pipeline.figure_cache import figures_key as shared_figures_key
from pipeline.hashing import sha256_file
from pipeline.records import Document
from pipeline.summarize.prompts import prompt_hashes
from pipeline.summary_cache import shaping_settings as _shape, summary_key as shared_summary_key

__all__ = ["UPSTREAM", "chunk_key", "extract_key", "figures_key", "summary_key"]


def extract_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The PDF's content, whatever its path."""
    return _key("extract", parameters["kind"], sha256_file(parameters["pdf_path"]))


def figures_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The PDF's content and the figure code (:func:`pipeline.figure_cache.figures_key`), and the switch."""
    return shared_figures_key(parameters["doc_sha256"]) + ("" if parameters["settings"].figures else "-off")


def chunk_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The Document's hash, the title and the settings; and the templates, since a chunk is as long as
    fits beside the notes prompt (:func:`pipeline.core.chunk_tokens`)."""
    doc: Document = parameters["doc"]
    return _key("chunk", doc.sha256, parameters["title"], sorted(prompt_hashes().items()), *_shape(parameters["settings"]))


def summary_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The same key as the CLI's summary cache (:mod:`pipeline.summary_cache`): one rule for both."""
    return shared_summary_key(parameters["doc_sha256"], parameters["meta"], parameters["settings"],
                              parameters["prompts"], parameters.get("asked"))
