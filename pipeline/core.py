"""The one path from a source to a draft. The CLI and the Prefect flows both call these functions.

Each stage is its own function (fetch, extract, chunk, summarise, write), so
the flows can run them as separate tasks; ``draft_one`` runs them in order, and
reuses a summary whose inputs are unchanged (:mod:`pipeline.summary_cache`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

from pipeline import fetch as arxiv
from pipeline import extraction_cache, summary_cache
from pipeline.figures import cache as figure_cache
from pipeline.author.critique_aids import critique_aids
from pipeline.code_hash import stage_key
from pipeline.config import NO_MODEL, Settings
from pipeline.draftfile.store import write_draft
from pipeline.errors import ConfigError, ExtractionError, FetchError, PaperNotFoundError
from pipeline.extract.choose import read_paper
from pipeline.extract.latex.document import read_latex_tree
from pipeline.extract.latex.pictures import source_figure_set
from pipeline.extract.latex.unpacked import unpacked_source
from pipeline.extract.pdf import extract_pdf
from pipeline.extract.text_file import extract_text_file
from pipeline.fetch.licence import fetch_licence
from pipeline.interrupts import Interrupted, deferred
from pipeline.records import Chunk, Document, DraftResult, FigurePlan, FigureSet, PaperMeta, SourceRef, Summary
from pipeline.sources import parse_source
from pipeline.summarize.chunk import chunk_document
from pipeline.figures.caption_text import captions_from_text
from pipeline.figures.choice import place_figures
from pipeline.summarize import policy
from pipeline.summarize.model import Backend, load_backend, pick_device
from pipeline.summarize.no_model import NoModel
from pipeline.summarize.prompts import prompt_hashes
from pipeline.summarize.summarizer import Summarizer, note_overhead

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]
# The largest chunk when the setting is 0, whatever the model's context: a chunk is one map prompt, and the
# notes are taken from its few key sentences, so a longer chunk buys fewer notes per page of paper, and
# attention's cost grows with prompt length.
DEFAULT_CHUNK_TOKENS = 768


def _quiet(stage: str, done: int, total: int | None) -> None:
    pass


def check_drafts_dir(drafts_dir: Path) -> None:
    """The drafts folder is a folder this process can write in (made if missing); a ConfigError saying why not.

    Checked before any model work, so a bad ``--drafts-dir`` costs one line, not a draft's worth of minutes.
    """
    where = f"the drafts folder {drafts_dir}"
    if drafts_dir.is_symlink() and not drafts_dir.exists():
        raise ConfigError(f"{where} is a link to {os.readlink(drafts_dir)}, which does not exist",
                          hint="point --drafts-dir (drafts_dir) at a folder")
    if drafts_dir.exists() and not drafts_dir.is_dir():
        raise ConfigError(f"{where} is not a folder", hint="point --drafts-dir (drafts_dir) at a folder")
    try:
        drafts_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {where}: {exc.strerror or exc}",
                          hint="choose a folder you can write to (--drafts-dir)") from None
    if not os.access(drafts_dir, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write to {where}: permission denied",
                          hint="choose a folder you can write to (--drafts-dir)")


def preflight(settings: Settings) -> None:
    """What can be checked before any paper is read: the drafts folder and the device. Raises PaperdraftError."""
    check_drafts_dir(Path(settings.drafts_dir))
    if settings.model != NO_MODEL:  # no model, no device (and no torch import to check one)
        pick_device(settings.device)


def fetch(ref: SourceRef, settings: Settings, progress: Progress = _quiet) -> tuple[PaperMeta | None, Path]:
    """arXiv metadata and the cached PDF for an arXiv source; just the path for a local file."""
    if ref.kind != "arxiv":
        return None, Path(ref.path or ref.raw)
    meta = arxiv.fetch_metadata(ref, settings)
    pdf = arxiv.download_pdf(meta, settings, on_progress=lambda done, total: progress("download", done, total))
    return meta, pdf


def fetch_pdf(meta: PaperMeta, settings: Settings,
              progress: Progress = _quiet) -> tuple[Path | None, PaperNotFoundError | FetchError | None]:
    """The cached PDF, or None and the error: a paper whose source can be drafted needs no PDF. With
    ``text_source = pdf`` a missing PDF is raised, as it always was."""
    try:
        return arxiv.download_pdf(meta, settings, on_progress=lambda d, t: progress("download", d, t)), None
    except (PaperNotFoundError, FetchError) as exc:
        if settings.text_source == "pdf":
            raise
        log.warning("%s: no PDF (%s)", meta.versioned_id, exc.message)
        return None, exc


def fetch_source(meta: PaperMeta, settings: Settings) -> tuple[Path | None, str | None]:
    """The paper's LaTeX source, downloaded (gate, cache, retries) and unpacked once, or None and why not."""
    if settings.text_source == "pdf":
        return None, "text_source = pdf"
    try:
        eprint = arxiv.download_eprint(meta, settings)
        tree = unpacked_source(eprint, Path(settings.cache) / "sources")
    except (PaperNotFoundError, FetchError, ExtractionError) as exc:
        log.warning("%s: no LaTeX source (%s)", meta.versioned_id, exc.message)
        return None, f"no LaTeX source: {exc.message}"
    return tree, None if tree is not None else "arXiv has only a PDF of this paper, no LaTeX source"


def extract(path: Path | None, kind: str, progress: Progress = _quiet, *, source: Path | None = None,
            text_source: str = "pdf", no_source: str | None = None, no_pdf: str | None = None) -> Document:
    """A local file's text; an arXiv paper's from its source ``source`` or its PDF ``path``
    (:func:`pipeline.extract.choose.read_paper`, ``text_source`` deciding)."""
    if kind == "text":
        return extract_text_file(path)
    on_page = lambda done, total: progress("extract", done, total)  # noqa: E731
    if source is None and no_source is None and path is not None and text_source == "pdf":
        return extract_pdf(path, on_page=on_page)
    return read_paper(path, source, text_source, no_source=no_source, no_pdf=no_pdf, on_page=on_page)


def paper_meta(meta: PaperMeta | None, doc: Document, ref: SourceRef) -> PaperMeta:
    """arXiv's metadata when we have it; otherwise what the file says about itself."""
    if meta is not None:
        return meta
    abstract = doc.section("abstract")
    return PaperMeta(
        title=doc.title or Path(ref.path or ref.raw).stem,
        authors=list(doc.authors),
        abstract=abstract.text if abstract else None,
    )


def backend_for(settings: Settings) -> Backend:
    """The backend ``settings.model`` names, loaded once per process; for ``none``, one that loads nothing."""
    if settings.model == NO_MODEL:
        return NoModel()
    return load_backend(settings.model, settings.device, settings.cache)


def _identity(settings: Settings, backend: Backend | None) -> str | None:
    """What the model record is kept under: the model ``settings`` names, unless ``backend`` is another one;
    None for ``--model none``, which has nothing to measure."""
    if settings.model == NO_MODEL or isinstance(backend, NoModel):
        return None
    if backend is None or getattr(backend, "model_id", None) == settings.model:
        return summary_cache.model_identity(settings.model)
    return f"backend:{backend.name}"  # a backend handed in (a test's, a benchmark's): a record of its own


def generation_plan(settings: Settings, backend: Backend | None = None) -> list[str]:
    """The blog sections the model will be asked to write (:mod:`pipeline.summarize.policy`); none for ``none``."""
    identity = _identity(settings, backend)
    if identity is None:
        return []
    record = policy.load_record(policy.record_path(settings.cache, identity, prompt_hashes()))
    return policy.sections_to_ask(record, settings.generation)


def chunk_tokens(backend: Backend, settings: Settings, title: str) -> int:
    """The largest chunk that fits the context beside the notes prompt and its answer."""
    fits = backend.context_length - note_overhead(backend, title) - settings.note_tokens - 8
    wanted = settings.chunk_tokens or DEFAULT_CHUNK_TOKENS
    return min(wanted, fits)


def chunk(doc: Document, backend: Backend, settings: Settings, title: str) -> list[Chunk]:
    return chunk_document(doc, backend.tokenizer, chunk_tokens(backend, settings, title))


def summarize(meta: PaperMeta, chunks: list[Chunk], backend: Backend, settings: Settings,
              progress: Progress = _quiet, asked: list[str] | None = None) -> Summary:
    """The summary, the model asked for the sections ``asked`` (default: :func:`generation_plan`); what it
    wrote for them is added to the model's record."""
    asked = generation_plan(settings, backend) if asked is None else asked
    summarizer = Summarizer(
        backend,
        note_tokens=settings.note_tokens,
        section_tokens=settings.section_tokens,
        batch_size=settings.batch_size,
        key_sentences=settings.key_sentences,
        progress=progress,
        asked=asked,
        weak_sentences=settings.weak_sentences,
    )
    summary = summarizer.summarize(meta, chunks)
    identity = _identity(settings, backend)
    if identity is not None:
        path = policy.record_path(settings.cache, identity, prompt_hashes())
        policy.store_record(path, identity, policy.updated(policy.load_record(path), summary.attempts, asked))
    return summary


def find_figures(path: Path | None, kind: str, settings: Settings, pdf_sha256: str | None = None,
                 progress: Progress = _quiet, *, source: Path | None = None,
                 doc: Document | None = None) -> FigureSet | None:
    """The paper's figures and tables with their pictures (cached per PDF content); None for a text file or
    when the ``figures`` setting is off. A page that cannot be read costs its own figures only.

    A paper drafted from its LaTeX source (``doc.text_from``, its tree ``source``) shows the source's own
    figure files, with the PDF's crops where those are EPS, missing or tables (cached per source and PDF)."""
    if kind == "text" or not settings.figures:
        return None
    progress("figures", 0, None)
    if doc is not None and doc.text_from == "latex" and source is not None:
        crops = figure_cache.load_or_extract(path, settings)[0] if path is not None else None
        key = stage_key("figures", "latex", doc.sha256, Path(crops.folder).name if crops and crops.folder else None)
        return figure_cache.load_or_make(key, settings, lambda folder: source_figure_set(
            read_latex_tree(source).figures, source, folder, crops, doc))[0]
    if path is None:
        return None
    found, _ = figure_cache.load_or_extract(path, settings, pdf_sha256)
    if found.failed_pages:
        log.warning("%s: the figures of %s could not be read", path, ", ".join(
            f"page {p} ({why})" if p else f"the PDF ({why})" for p, why in found.failed_pages))
    return found


def plan_figures(found: FigureSet | None, doc: Document, meta: PaperMeta, settings: Settings,
                 headings: list[str]) -> FigurePlan:
    """The key figures placed under ``headings``, their captions in the words of the paper's text; and, when
    there are figures, the paper's licence (``meta.license``), which decides what ``publish`` may copy."""
    if found is None:
        return FigurePlan()
    if found.figures and meta.arxiv_id and meta.license is None:
        meta.license = fetch_licence(meta, settings)
    return place_figures(captions_from_text(found, doc), doc, headings)


def draft_one(
    source: str | SourceRef,
    settings: Settings,
    *,
    backend: Backend | None = None,
    force: bool = False,
    progress: Progress = _quiet,
    use_cache: bool = True,
) -> DraftResult:
    """Draft one paper: fetch, extract, chunk, summarise, write. Returns where the draft went.

    The summary comes from the cache when one was made from the same inputs (paper version or file content,
    model, prompts, shaping settings, code): then no model is loaded. ``use_cache=False`` makes it afresh
    (and keeps the new one). A caller that hands in its own ``backend`` gets a fresh summary and leaves the
    cache alone: the key names ``settings.model``, which need not be that backend's model.
    """
    ref = parse_source(source) if isinstance(source, str) else source
    if ref.kind == "arxiv":
        progress("fetch", 0, None)
    tree = no_source = no_pdf = None
    if ref.kind == "arxiv":
        meta = arxiv.fetch_metadata(ref, settings)
        if settings.text_source != "pdf":
            progress("source", 0, None)
        tree, no_source = fetch_source(meta, settings)  # first: a paper with no source has its PDF as its e-print
        path, no_pdf = fetch_pdf(meta, settings, progress)
        if path is None and tree is None:
            raise no_pdf  # neither text can be had: the PDF's error, as without the source
    else:
        meta, path = fetch(ref, settings, progress)
    progress("extract", 0, None)
    doc = extract(path, ref.kind, progress, source=tree, text_source=settings.text_source if ref.kind == "arxiv"
                  else "pdf", no_source=no_source, no_pdf=str(no_pdf) if no_pdf else None)
    meta = paper_meta(meta, doc, ref)
    extraction_cache.store(settings, meta, doc)  # the paper's text, for the language server's hovers
    asked = generation_plan(settings) if backend is None else None
    key = summary_cache.summary_key(doc.sha256, meta, settings, prompt_hashes(), asked) if backend is None else None
    summary = summary_cache.load(settings, key) if key is not None and use_cache else None
    if summary is not None:
        progress("cached", 1, 1)
    else:
        progress("model" if backend is not None or settings.model != NO_MODEL else "quote", 0, None)
        backend = backend or backend_for(settings)
        chunks = chunk(doc, backend, settings, meta.title)
        summary = summarize(meta, chunks, backend, settings, progress, asked)
        if key is not None:
            summary_cache.store(settings, key, summary, meta)
    name = None if ref.arxiv_id else Path(ref.path or ref.raw).stem
    aids = critique_aids(doc)
    found = find_figures(path, ref.kind, settings, None if doc.text_from == "latex" else doc.sha256, progress,
                         source=tree, doc=doc)
    plan = plan_figures(found, doc, meta, settings, list(summary.sections))
    with deferred() as pending:  # a Ctrl-C during the write takes effect after it, and the CLI says it was written
        result = write_draft(meta, summary, ref.raw, settings.drafts_dir, name=name, force=force, aids=aids,
                             plan=plan, text=(doc.text_from, doc.text_note))
    if pending.signum:
        raise Interrupted(pending.signum, result)
    return result
