"""The flow's tasks. Each calls a stage function of :mod:`pipeline.core`; nothing here re-implements a stage.

Retries go only on the I/O tasks (metadata, PDF, selection), and never on a paper
arXiv does not have or a bad selection. The model is never a task argument: each
worker process loads it once (:func:`pipeline.summarize.model.load_backend` caches it).
Extract, chunk and summarise results persist under the keys of :mod:`pipeline.flows.cache_keys`.

Every per-paper task run is named after its paper's versioned arXiv id ("pdf 1706.03762v5",
"extract 1706.03762v5"), so the log and the UI say which paper a task was working on. Tasks whose
inputs hold no id take a ``paper`` parameter for it; the cache keys are functions of named inputs
(:mod:`pipeline.flows.cache_keys`) that never read it, so it cannot split or change a cache entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from pipeline import core, fetch
from pipeline.author.critique_aids import critique_aids
from pipeline.config import Settings
from pipeline.draftfile.lookup import existing_draft
from pipeline.draftfile.store import write_draft
from pipeline.errors import InvalidSourceError, PaperNotFoundError
from pipeline.flows.cache_keys import chunk_key, extract_key, figures_key, summary_key
from pipeline.flows.politeness import arxiv_slot
from pipeline.flows.selection import Item, select
from pipeline.records import Chunk, Document, DraftResult, FigureSet, PaperMeta, SourceRef, Summary

def _paper_of(parameters: dict[str, Any]) -> str:
    """The versioned arXiv id of a task's paper, from its parameters: ``paper``, ``meta`` or ``ref``."""
    if parameters.get("paper"):
        return str(parameters["paper"])
    meta = parameters.get("meta")
    if isinstance(meta, PaperMeta):
        return meta.versioned_id or meta.arxiv_id or meta.title
    ref = parameters.get("ref")
    if isinstance(ref, SourceRef):
        return ref.versioned_id or ref.arxiv_id or ref.raw
    return "?"


def run_name(stage: str) -> Callable[..., str]:
    """A ``task_run_name`` callable: the stage and the paper, e.g. "extract 1706.03762v5"."""

    def name(parameters: dict[str, Any]) -> str:  # Prefect passes the resolved parameters by this name
        return f"{stage} {_paper_of(parameters)}"

    name.__name__ = f"{stage.replace(' ', '_')}_run_name"
    return name


def _permanent(exc: BaseException | None) -> bool:
    return isinstance(exc, (PaperNotFoundError, InvalidSourceError))


def _retry_io(task_: Any, task_run: Any, state: State) -> bool:
    """Retry I/O failures, but not a paper arXiv does not have or a bad selection."""
    try:
        state.result()
    except BaseException as exc:  # noqa: BLE001 - we only classify it
        return not _permanent(exc)
    return True


@task(name="select papers", cache_policy=NO_CACHE, retry_condition_fn=_retry_io)
def select_task(settings: Settings, ids: list[str] | None, ids_file: str | None, query: str | None,
                categories: list[str] | None, since: str | None, max_papers: int) -> list[Item]:
    if query or categories:
        arxiv_slot(settings)
    return select(settings, ids, ids_file, query, categories, since, max_papers)


@task(name="metadata", task_run_name=run_name("metadata"), cache_policy=NO_CACHE, retry_condition_fn=_retry_io)
def metadata_task(ref: SourceRef, settings: Settings) -> PaperMeta:
    """Always asked (one small request): it is how a new version is noticed."""
    arxiv_slot(settings)
    return fetch.fetch_metadata(ref, settings)


@task(name="pdf", task_run_name=run_name("pdf"), cache_policy=NO_CACHE, retry_condition_fn=_retry_io)
def pdf_task(meta: PaperMeta, settings: Settings, skip_if_drafted_in: str | None = None) -> str | None:
    """The PDF in paperdraft's cache (by id and version): a cached one costs no request.

    None, and no request, when ``skip_if_drafted_in`` already holds a draft of this version.
    """
    if skip_if_drafted_in is not None and existing_draft(meta, Path(skip_if_drafted_in)) is not None:
        return None
    if not fetch.on_disk(meta, settings):
        arxiv_slot(settings)
    return str(fetch.download_pdf(meta, settings))


@task(name="source", task_run_name=run_name("source"), cache_policy=NO_CACHE)
def source_task(meta: PaperMeta, settings: Settings,
                skip_if_drafted_in: str | None = None) -> tuple[str | None, str | None]:
    """The unpacked LaTeX source (its folder), or None and why not: a paper without one is drafted from its PDF.
    No request when ``skip_if_drafted_in`` already holds a draft of this version (the PDF task skips it too)."""
    if skip_if_drafted_in is not None and existing_draft(meta, Path(skip_if_drafted_in)) is not None:
        return None, "already drafted"
    if settings.text_source != "pdf" and not fetch.eprint_cache_path(meta, settings).is_file():
        arxiv_slot(settings)
    tree, why = core.fetch_source(meta, settings)
    return (str(tree) if tree else None), why


@task(name="extract", task_run_name=run_name("extract"), cache_key_fn=extract_key, persist_result=True)
def extract_task(pdf_path: str | None, kind: str = "pdf", paper: str | None = None, source: str | None = None,
                 text_source: str = "pdf", no_source: str | None = None, no_pdf: str | None = None) -> Document:
    """``paper`` (the versioned id) names the task run; the cache key is the PDF's content, and the source's.
    No ``pdf_path`` (``no_pdf`` says why): the paper is read from its source alone, citing sections only."""
    return core.extract(Path(pdf_path) if pdf_path else None, kind, source=Path(source) if source else None,
                        text_source=text_source, no_source=no_source, no_pdf=no_pdf)


def _backend(settings: Settings):
    return core.backend_for(settings)  # loaded once per worker process; for model "none", nothing to load


@task(name="chunk", task_run_name=run_name("chunk"), cache_key_fn=chunk_key, persist_result=True)
def chunk_task(doc: Document, settings: Settings, title: str, paper: str | None = None) -> list[Chunk]:
    """``paper`` (the versioned id) names the task run; it is no part of the cache key."""
    return core.chunk(doc, _backend(settings), settings, title)


@task(name="summarise", task_run_name=run_name("summarise"), cache_key_fn=summary_key, persist_result=True)
def summarise_task(meta: PaperMeta, chunks: list[Chunk], settings: Settings, doc_sha256: str,
                   prompts: dict[str, str], asked: list[str] | None = None) -> Summary:
    """``doc_sha256`` and ``prompts`` are here for the cache key: the summary depends on them. ``asked`` is the
    generation policy's plan (:func:`pipeline.core.generation_plan`), made before the task so its key holds it."""
    return core.summarize(meta, chunks, _backend(settings), settings, asked=asked)


@task(name="figures", task_run_name=run_name("figures"), cache_key_fn=figures_key, persist_result=True)
def figures_task(pdf_path: str | None, settings: Settings, doc_sha256: str, paper: str | None = None,
                 source: str | None = None, doc: Document | None = None) -> FigureSet | None:
    """``doc_sha256`` (the PDF's, or the source Document's) is the cache key, with the figure code; ``paper``
    names the task run. A paper drafted from its source (``doc``, ``source``) shows the source's figures."""
    return core.find_figures(Path(pdf_path) if pdf_path else None, "pdf", settings, None if source else doc_sha256,
                             source=Path(source) if source else None, doc=doc)


@task(name="write draft", task_run_name=run_name("write draft"), cache_policy=NO_CACHE)
def write_task(meta: PaperMeta, summary: Summary, doc: Document, source: str, drafts_dir: str,
               figures: FigureSet | None = None, settings: Settings | None = None) -> DraftResult:
    """Places the figures and learns the paper's licence (one OAI-PMH request, through the arXiv gate)."""
    if figures is not None and figures.figures and meta.arxiv_id and meta.license is None and settings:
        arxiv_slot(settings)
    plan = core.plan_figures(figures, doc, meta, settings, list(summary.sections)) if settings else None
    return write_draft(meta, summary, source, Path(drafts_dir), aids=critique_aids(doc), plan=plan,
                       text=(doc.text_from, doc.text_note))
