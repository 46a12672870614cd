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

from pipeline.code_hash import stage_code_hash
from pipeline.config import Settings
from pipeline.hashing import sha256_file, sha256_text
from pipeline.records import Document, PaperMeta
from pipeline.summarize.prompts import prompt_hashes

# A stage's output depends on the code of the stages before it too: a chunk of a Document that newer
# extraction code would make differently is stale, though the PDF is the same.
UPSTREAM = {"extract": ("extract",), "chunk": ("extract", "chunk"), "summary": ("extract", "chunk", "summary")}


def _key(stage: str, *parts: Any) -> str:
    code = [stage_code_hash(s) for s in UPSTREAM[stage]]
    return sha256_text("\x1f".join(str(p) for p in (stage, *code, *parts)), 32)


def extract_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The PDF's content, whatever its path."""
    return _key("extract", parameters["kind"], sha256_file(parameters["pdf_path"]))


def _shape(settings: Settings) -> tuple:
    return (settings.model, settings.chunk_tokens, settings.note_tokens, settings.section_tokens,
            settings.key_sentences, settings.batch_size)


def chunk_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The Document's hash, the title and the settings; and the templates, since a chunk is as long as
    fits beside the notes prompt (:func:`pipeline.core.chunk_tokens`)."""
    doc: Document = parameters["doc"]
    return _key("chunk", doc.sha256, parameters["title"], sorted(prompt_hashes().items()), *_shape(parameters["settings"]))


def summary_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    meta: PaperMeta = parameters["meta"]
    hashes = sorted(parameters["prompts"].items())
    return _key("summary", parameters["doc_sha256"], meta.versioned_id, meta.title, hashes,
                *_shape(parameters["settings"]))
