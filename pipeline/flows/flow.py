"""The Prefect flow: draft many papers, with retries, caching that survives restarts, and a run report.

:func:`draft_papers` takes exactly one kind of selection (:mod:`pipeline.flows.selection`)
and drafts each paper through the tasks of :mod:`pipeline.flows.tasks`, which call the
stage functions of :mod:`pipeline.core`.

* A paper that already has a draft for the same arXiv version is skipped, with no download.
* One paper failing fails its own tasks; the others go on; at the end the run
  fails with :class:`PapersFailed` (the report rows ride along), so the UI shows it.
* Metadata and PDFs are submitted paper by paper to one I/O thread, so they download
  (one at a time, spaced by the arXiv gate) while the model works on the paper before.
* The run starts with :func:`pipeline.core.preflight`: a drafts folder it cannot write to, or a
  device this machine lacks, fails it at once with one line, before any request.
* Task runs are named after their paper ("extract 1706.03762v5"), see :mod:`pipeline.flows.tasks`.
* Every run leaves a Markdown artifact (``paperdraft-run``): title, link, draft,
  status and seconds per paper.
* With ``rank``, the new papers in the categories are ranked by the author's own drafts, posts, reading
  list and library (:mod:`pipeline.flows.ranked`, the same ranking as ``paperdraft digest``), the ranked
  table is an artifact too (``paperdraft-digest``), and only the best ``max_papers`` are drafted.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import core, extraction_cache
from pipeline.config import load_settings
from pipeline.draftfile.lookup import existing_draft
from pipeline.errors import PapersFailed
from pipeline.flows.ranked import check_ranked, ranked_select_task
from pipeline.flows.report import PaperOutcome, error_text, report_markdown
from pipeline.flows.selection import Item, describe_selection
from pipeline.flows.tasks import chunk_task, extract_task, figures_task, metadata_task, pdf_task, select_task, \
    source_task, summarise_task, write_task
from pipeline.records import Document, DraftResult
from pipeline.config import Settings
from pipeline.summarize.prompts import prompt_hashes


ARTIFACT_KEY = "paperdraft-run"


# One I/O thread is enough: the arXiv gate lets one request through at a time anyway, and a single
# thread fetches in paper order (FIFO), so the PDF the model needs next comes first.
@flow(name="draft-papers", log_prints=False, task_runner=ThreadPoolTaskRunner(max_workers=1))
def draft_papers(
    ids: list[str] | None = None,
    ids_file: str | None = None,
    query: str | None = None,
    categories: list[str] | None = None,
    since: str | None = None,
    max_papers: int = 20,
    drafts_dir: str | None = None,
    model: str | None = None,
    rank: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Draft a blog post for each selected arXiv paper; returns one report row (dict) per paper.

    With ``rank`` (a :class:`pipeline.rank.records.RankSpec` as a dict; ``{}`` ranks by the drafts alone),
    the new papers in ``categories`` are ranked by the author's profile and the best ``max_papers`` drafted.

    When a paper fails, the others still run, and the run then fails with :class:`PapersFailed`.
    """
    started = time.perf_counter()
    settings = load_settings(model=model, drafts_dir=drafts_dir)
    # what can be checked before any paper is read: a drafts folder it cannot write to, or a device this
    # machine lacks, fails the run at once with one line, before any request or model work
    core.preflight(settings)
    # pypdf warns of every font quirk of a real paper; in `paperdraft run` the CLI quiets it, but a flow run
    # served or on a worker is a process of its own
    logging.getLogger("pypdf").setLevel(max(logging.getLogger("pypdf").level, logging.ERROR))
    logger = get_run_logger()
    io = {"retries": max(settings.flow_retries, 0), "retry_delay_seconds": settings.retry_delays()}
    meta_t, pdf_t = metadata_task.with_options(**io), pdf_task.with_options(**io)
    # a bad selection is the user's error: fail the flow at once, no retries for it
    if rank is not None:
        check_ranked(ids, ids_file, query, categories, since, max_papers, rank)  # a bad one fails at once
        items = ranked_select_task.with_options(**io)(settings, list(categories or []), since, max_papers, rank)
    else:
        items = select_task.with_options(**io)(settings, ids, ids_file, query, categories, since, max_papers)
    logger.info("%d papers selected (%s)", len(items), describe_selection(ids, ids_file, query, categories, since))
    prompts = prompt_hashes()
    drafts = Path(settings.drafts_dir)

    # I/O up front: metadata, e-print, then PDF of each paper, as futures, paper by paper. They run on the one
    # I/O thread (FIFO) while this thread runs the model on paper i, so the next papers' files download
    # meanwhile; the gate spaces them. The e-print comes first: a paper without source has its PDF as its
    # e-print, and the PDF task then takes it from there instead of downloading it again.
    metas, pdfs, sources = [], [], []
    for it in items:
        meta_future = meta_t.submit(it.ref, settings) if it.meta is None else None
        metas.append(meta_future)
        meta_in = meta_future if meta_future is not None else it.meta
        sources.append(source_task.submit(meta_in, settings, str(drafts)) if settings.text_source != "pdf" else None)
        pdfs.append(pdf_t.submit(meta_in, settings, str(drafts)))

    outcomes = [
        _draft_item(it, meta_future, pdf_future, settings, prompts, logger, source_future)
        for it, meta_future, pdf_future, source_future in zip(items, metas, pdfs, sources)
    ]

    total = time.perf_counter() - started
    markdown = report_markdown(outcomes, describe_selection(ids, ids_file, query, categories, since), total)
    create_markdown_artifact(markdown=markdown, key=ARTIFACT_KEY, description="paperdraft: drafts of this run")
    rows = [o.to_dict() for o in outcomes]
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        message = f"{len(failed)} of {len(outcomes)} papers failed: {', '.join(o.source for o in failed)}"
        logger.error(message)
        raise PapersFailed(message, rows)
    return rows


class _Stop(Exception):
    def __init__(self, state: State):
        super().__init__(state.name)
        self.state = state


class _Steps:
    """The states of one paper's tasks, in order: a step that did not complete stops the paper."""

    def __init__(self) -> None:
        self.states: list[tuple[str, State]] = []

    def result(self, name: str, state: State) -> Any:
        self.states.append((name, state))
        if not state.is_completed():
            raise _Stop(state)
        return state.result()

    def cached(self) -> list[str]:
        return [name for name, state in self.states if state.name == "Cached"]


def _finished(future: Any) -> State:
    future.wait()
    return future.state


def _source_of(source_future: Any, steps: _Steps) -> tuple[str | None, str | None]:
    """The unpacked source and why there is none; a source task that failed leaves the PDF to draft from."""
    if source_future is None:
        return None, "text_source = pdf"
    state = _finished(source_future)
    if not state.is_completed():
        return None, error_text(state)
    return steps.result("source", state)


def _draft_item(it: Item, meta_future: Any, pdf_future: Any, settings: Settings, prompts: dict[str, str],
                logger: Any, source_future: Any = None) -> PaperOutcome:
    """One paper through the stage tasks, after its metadata and PDF futures; never raises."""
    begun = time.perf_counter()
    out = PaperOutcome(source=it.ref.raw, status="failed", arxiv_id=it.ref.versioned_id)
    steps = _Steps()
    drafts = Path(settings.drafts_dir)
    try:
        meta = it.meta if meta_future is None else steps.result("metadata", _finished(meta_future))
        out.title, out.arxiv_id, out.url = meta.title, meta.versioned_id, meta.url
        pdf_state = _finished(pdf_future)
        source, no_source = _source_of(source_future, steps)
        pdf_path = no_pdf = None
        if pdf_state.is_completed() or source is None:  # without a source, a failed PDF fails the paper
            pdf_path = steps.result("pdf", pdf_state)
            if pdf_path is None:
                done = existing_draft(meta, drafts)
                out.status, out.path = "skipped", str(done) if done else None
                logger.info("%s: skipped, %s already drafts this version", meta.versioned_id, done)
                return out
        else:
            no_pdf = error_text(pdf_state)
            logger.warning("%s: no PDF (%s); drafted from its LaTeX source, citing sections only",
                           meta.versioned_id, no_pdf)
        paper = meta.versioned_id or it.ref.raw  # names the task runs; no part of a cache key
        doc: Document = steps.result("extract", extract_task(pdf_path, "pdf", paper, source, settings.text_source,
                                                             no_source, no_pdf, return_state=True))
        extraction_cache.store(settings, meta, doc)  # the paper's text, for the language server's hovers
        chunks = steps.result("chunk", chunk_task(doc, settings, meta.title, paper, return_state=True))
        asked = core.generation_plan(settings)  # which sections the model writes, from its record so far
        summary = steps.result("summarise", summarise_task(meta, chunks, settings, doc.sha256, prompts, asked,
                                                           return_state=True))
        figures = steps.result("figures", figures_task(pdf_path, settings, doc.sha256, paper,
                                                       source if doc.text_from == "latex" else None,
                                                       doc if doc.text_from == "latex" else None, return_state=True))
        result: DraftResult = steps.result("write", write_task(meta, summary, doc, it.ref.raw, str(drafts), figures,
                                                               settings, return_state=True))
        out.status, out.path, out.figures = result.status, result.path, result.figures
        logger.info("%s: %s %s", meta.versioned_id, result.status, result.path)
    except _Stop as stop:
        out.error = error_text(stop.state)
        logger.error("%s failed: %s", out.arxiv_id or it.ref.raw, out.error)
    finally:
        out.cached = steps.cached()
        out.seconds = round(time.perf_counter() - begun, 2)
    return out
