"""Prefect flows: draft many papers, with retries, caching that survives restarts, and a run report.

The flow :func:`draft_papers` takes exactly one kind of selection (explicit ids,
a reading-list file, an arXiv query, or categories + a date) and drafts each
paper through tasks that call the stage functions of :mod:`pipeline.core`
(fetch metadata, download the PDF, extract, chunk, summarise, write). Nothing
here re-implements a stage.

* Retries only on the I/O tasks (metadata, PDF, selection); a missing paper is
  not retried. The settings ``flow_retries`` and ``flow_retry_delays`` ("3,10,30")
  set them (tests make them short).
* The model is never a task argument: each worker process loads it once
  (:func:`pipeline.model.load_backend` caches it).
* Extract, chunk and summarise results are persisted (``PREFECT_LOCAL_STORAGE_PATH``)
  under cache keys made of their real inputs: the PDF's content hash
  (``Document.sha256``), the arXiv id and version, the model id, the settings
  that shape the output, and the prompt hashes, passed in as a task input
  because Prefect's TASK_SOURCE policy cannot see the prompt files. A rerun
  after a crash redoes only what was not finished.
* A paper that already has a draft for the same arXiv version is skipped.
* One paper failing fails its own tasks; the others go on; at the end the run
  fails with :class:`PapersFailed` (the report rows ride along), so the UI shows it.
* PDFs of all papers are submitted up front, so they download (one at a time,
  spaced by the arXiv gate) while the model works on the paper before.
* Every run leaves a Markdown artifact (``paperdraft-run``): title, link, draft,
  status and seconds per paper.
* arXiv politeness: in one process the gate in :mod:`pipeline.arxiv_api` spaces
  every request. Across workers, when the Prefect server has a global
  concurrency limit named ``arxiv`` (the ``arxiv_rate_limit`` setting renames it)
  with a slot decay, each arXiv task first takes a slot of it
  (``prefect gcl create arxiv --limit 1 --slot-decay-per-second 0.33``).
"""

from __future__ import annotations

import glob
import hashlib
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from . import arxiv_api, core
from .aids import critique_aids
from .config import Settings, load_settings
from .draft import draft_path, parse, write_draft
from .errors import InvalidSourceError, PaperdraftError, PaperNotFoundError
from .model import load_backend
from .prompts import prompt_hashes
from .records import Chunk, Document, DraftResult, PaperMeta, SourceRef, Summary
from .sources import parse_source

# Bump when a stage's output changes shape or meaning: it is part of every cache key.
CACHE_VERSION = "2"  # 2: ligature repair in extraction; limitation-only evidence, section-ranked quotes
ARTIFACT_KEY = "paperdraft-run"

# --------------------------------------------------------------------------- arXiv categories

_ARCHIVES_WITH_SUBJECTS = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS PF PL RO SC SD SE SI SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST",
    "stat": "AP CO ME ML OT TH",
    "eess": "AS IV SP SY",
    "econ": "EM GN TH",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn gen-ph "
    "geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "nlin": "AO CD CG PS SI",
}
_PLAIN_ARCHIVES = "astro-ph cond-mat gr-qc hep-ex hep-lat hep-ph hep-th math-ph nucl-ex nucl-th quant-ph nlin physics q-bio q-fin"
KNOWN_CATEGORIES: frozenset[str] = frozenset(
    [f"{archive}.{subject}" for archive, subjects in _ARCHIVES_WITH_SUBJECTS.items() for subject in subjects.split()]
    + _PLAIN_ARCHIVES.split()
    + ["math.MP"]
)


# --------------------------------------------------------------------------- records


@dataclass
class PaperOutcome:
    """One line of the run report (plain JSON types: it is the flow's result)."""

    source: str
    status: str  # written | merged | unchanged | skipped | failed
    title: str | None = None
    arxiv_id: str | None = None  # versioned, e.g. 1706.03762v5
    url: str | None = None
    path: str | None = None
    seconds: float = 0.0
    error: str | None = None
    cached: list[str] = field(default_factory=list)  # stages answered from the cache

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Item:
    """A selected paper: what was asked for, and its metadata when the selection already had it."""

    ref: SourceRef
    meta: PaperMeta | None = None


# --------------------------------------------------------------------------- selection


def selection_kind(
    ids: list[str] | None, ids_file: str | None, query: str | None, categories: list[str] | None, since: str | None
) -> str:
    """Which one kind of selection was given: "ids", "ids_file", "query" or "categories"."""
    given = [
        name
        for name, value in (("ids", ids), ("ids_file", ids_file), ("query", query), ("categories", categories))
        if value not in (None, "", [])
    ]
    if since and "categories" not in given:
        raise InvalidSourceError("--since needs --category", hint="e.g. --category cs.CL --since 2026-11-20")
    if not given:
        raise InvalidSourceError(
            "no papers selected", hint="give one of --ids, --ids-file, --query, or --category with --since"
        )
    if len(given) > 1:
        raise InvalidSourceError(
            f"give one kind of selection, not {' and '.join(given)}",
            hint="--ids, --ids-file, --query, or --category with --since",
        )
    return given[0]


def _arxiv_ref(text: str, where: str) -> SourceRef:
    ref = parse_source(text)
    if ref.kind != "arxiv":
        raise InvalidSourceError(
            f"{where}not an arXiv paper: {text!r}", hint="flows draft arXiv papers; use `paperdraft draft FILE` for files"
        )
    return ref


def parse_ids(ids: list[str]) -> list[SourceRef]:
    """arXiv ids or URLs, in order, each paper once."""
    refs: list[SourceRef] = []
    for text in ids:
        refs.append(_arxiv_ref(text, ""))
    return _dedupe(refs)


def _dedupe(refs: list[SourceRef]) -> list[SourceRef]:
    seen: set[tuple[str | None, int | None]] = set()
    out = []
    for ref in refs:
        key = (ref.arxiv_id, ref.version)
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return out


def parse_reading_list(path: str | Path) -> list[SourceRef]:
    """A reading list: one arXiv id or URL a line; ``#`` starts a comment; blank lines are fine."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidSourceError(f"no such reading list: {str(path)!r}", hint="one arXiv id or URL a line") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise InvalidSourceError(f"cannot read reading list {str(path)!r}: {type(exc).__name__}") from None
    refs: list[SourceRef] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if len(entry.split()) > 1:
            raise InvalidSourceError(
                f"{path}:{number}: one paper a line, got {entry!r}", hint="one arXiv id or URL a line; # starts a comment"
            )
        try:
            refs.append(_arxiv_ref(entry, f"{path}:{number}: "))
        except InvalidSourceError as exc:
            if exc.message.startswith(f"{path}:{number}:"):
                raise
            raise InvalidSourceError(f"{path}:{number}: {exc.message}", hint=exc.hint) from None
    if not refs:
        raise InvalidSourceError(f"reading list {str(path)!r} lists no papers", hint="one arXiv id or URL a line")
    return _dedupe(refs)


def parse_since(since: str | None, today: date | None = None) -> date:
    """An ISO date (2026-11-20); none means yesterday (UTC), for a daily schedule."""
    if not since:
        return (today or datetime.now(timezone.utc).date()) - timedelta(days=1)
    try:
        return date.fromisoformat(since.strip())
    except ValueError:
        raise InvalidSourceError(f"--since is not a date: {since!r}", hint="YYYY-MM-DD, e.g. 2026-11-20") from None


def check_categories(categories: list[str]) -> list[str]:
    out = []
    for c in categories:
        c = c.strip()
        if c not in KNOWN_CATEGORIES:
            close = sorted(k for k in KNOWN_CATEGORIES if k.lower() == c.lower())
            hint = f"did you mean {close[0]}?" if close else "e.g. cs.CL, cs.LG, stat.ML (https://arxiv.org/category_taxonomy)"
            raise InvalidSourceError(f"unknown arXiv category: {c!r}", hint=hint)
        if c not in out:
            out.append(c)
    return out


def _from_meta(meta: PaperMeta) -> Item:
    return Item(SourceRef(kind="arxiv", raw=meta.versioned_id or meta.arxiv_id or meta.title, arxiv_id=meta.arxiv_id,
                          version=meta.version), meta)


def select(
    settings: Settings,
    ids: list[str] | None = None,
    ids_file: str | None = None,
    query: str | None = None,
    categories: list[str] | None = None,
    since: str | None = None,
    max_papers: int = 20,
) -> list[Item]:
    """The papers a selection names. Raises InvalidSourceError for a bad one."""
    kind = selection_kind(ids, ids_file, query, categories, since)
    if max_papers < 1:
        raise InvalidSourceError(f"--max must be at least 1, got {max_papers}")
    if kind == "ids":
        return [Item(r) for r in parse_ids(list(ids or []))]
    if kind == "ids_file":
        return [Item(r) for r in parse_reading_list(str(ids_file))]
    if kind == "query":
        found = arxiv_api.search(str(query), settings, max_results=max_papers)
        if not found:
            raise InvalidSourceError(f"the arXiv query {query!r} matches no papers", hint="try a broader query")
        return [_from_meta(m) for m in found]
    cats = check_categories(list(categories or []))
    day = parse_since(since)
    found = arxiv_api.new_in_categories(cats, day, settings, max_results=max_papers)
    return [_from_meta(m) for m in found[:max_papers]]


# --------------------------------------------------------------------------- skipping


def existing_draft(meta: PaperMeta, drafts_dir: Path) -> Path | None:
    """The draft of this paper's version, if one exists already (under any title)."""
    if not meta.arxiv_id:
        return None
    expected = draft_path(meta, drafts_dir)
    ident = expected.name.split("-", 1)[0]  # the title part may differ: the title can change between versions
    others = sorted(drafts_dir.glob(f"{glob.escape(ident)}-*.md")) if drafts_dir.is_dir() else []
    for path in [expected, *others]:
        try:
            front, _ = parse(path.read_text(encoding="utf-8"))
        except OSError:
            continue
        if front and front.get("arxiv_id") == meta.arxiv_id and front.get("version") == meta.version:
            return path
    return None


# --------------------------------------------------------------------------- politeness across workers

_limit_lock = threading.Lock()
_limit_known: dict[str, bool] = {}


def _prefect_api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def _arxiv_limit_exists(name: str) -> bool:
    """Whether the Prefect server we talk to has a global concurrency limit ``name`` (asked once per process)."""
    api = _prefect_api_url()
    if not api:
        return False  # an ephemeral server has no limits of ours
    key = f"{api}|{name}"
    with _limit_lock:
        if key not in _limit_known:
            try:
                from prefect.client.orchestration import get_client

                with get_client(sync_client=True) as client:
                    client.read_global_concurrency_limit_by_name(name)
                _limit_known[key] = True
            except Exception:  # ObjectNotFound, or a server without the endpoint
                _limit_known[key] = False
        return _limit_known[key]


def arxiv_slot(settings: Settings) -> None:
    """Take a slot of the server's ``arxiv`` rate limit, when it has one: politeness across workers."""
    name = settings.arxiv_rate_limit
    if name and _arxiv_limit_exists(name):
        from prefect.concurrency.sync import rate_limit

        rate_limit(name, occupy=1, timeout_seconds=600, strict=False)


# --------------------------------------------------------------------------- cache keys


def _key(*parts: Any) -> str:
    text = "\x1f".join(str(p) for p in (CACHE_VERSION, *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def extract_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """The PDF's content, whatever its path."""
    return _key("extract", parameters["kind"], file_sha256(parameters["pdf_path"]))


def _shape(settings: Settings) -> tuple:
    return (settings.model, settings.chunk_tokens, settings.note_tokens, settings.section_tokens,
            settings.key_sentences, settings.batch_size)


def chunk_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    doc: Document = parameters["doc"]
    return _key("chunk", doc.sha256, parameters["title"], *_shape(parameters["settings"]))


def summary_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    meta: PaperMeta = parameters["meta"]
    hashes = sorted(parameters["prompts"].items())
    return _key("summary", parameters["doc_sha256"], meta.versioned_id, meta.title, hashes,
                *_shape(parameters["settings"]))


# --------------------------------------------------------------------------- tasks


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


@task(name="metadata", task_run_name="metadata {ref.raw}", cache_policy=NO_CACHE, retry_condition_fn=_retry_io)
def metadata_task(ref: SourceRef, settings: Settings) -> PaperMeta:
    """Always asked (one small request): it is how a new version is noticed."""
    arxiv_slot(settings)
    return arxiv_api.fetch_metadata(ref, settings)


@task(name="pdf", cache_policy=NO_CACHE, retry_condition_fn=_retry_io)
def pdf_task(meta: PaperMeta, settings: Settings, skip_if_drafted_in: str | None = None) -> str | None:
    """The PDF in paperdraft's cache (by id and version): a cached one costs no request.

    None, and no request, when ``skip_if_drafted_in`` already holds a draft of this version.
    """
    if skip_if_drafted_in is not None and existing_draft(meta, Path(skip_if_drafted_in)) is not None:
        return None
    if not arxiv_api._cached(arxiv_api.pdf_cache_path(meta, settings)):
        arxiv_slot(settings)
    return str(arxiv_api.download_pdf(meta, settings))


@task(name="extract", cache_key_fn=extract_key, persist_result=True)
def extract_task(pdf_path: str, kind: str = "pdf") -> Document:
    return core.extract(Path(pdf_path), kind)


def _backend(settings: Settings):
    return load_backend(settings.model, settings.device, settings.cache)


@task(name="chunk", cache_key_fn=chunk_key, persist_result=True)
def chunk_task(doc: Document, settings: Settings, title: str) -> list[Chunk]:
    return core.chunk(doc, _backend(settings), settings, title)


@task(name="summarise", cache_key_fn=summary_key, persist_result=True)
def summarise_task(meta: PaperMeta, chunks: list[Chunk], settings: Settings, doc_sha256: str,
                   prompts: dict[str, str]) -> Summary:
    """``doc_sha256`` and ``prompts`` are here for the cache key: the summary depends on them."""
    return core.summarize(meta, chunks, _backend(settings), settings)


@task(name="write draft", cache_policy=NO_CACHE)
def write_task(meta: PaperMeta, summary: Summary, doc: Document, source: str, drafts_dir: str) -> DraftResult:
    return write_draft(meta, summary, source, Path(drafts_dir), aids=critique_aids(doc))


# --------------------------------------------------------------------------- report


def _error_text(state: State) -> str:
    try:
        state.result()
    except PaperdraftError as exc:
        return str(exc)
    except BaseException as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return state.message or state.name or "failed"


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def report_markdown(outcomes: list[PaperOutcome], selection: str = "", seconds: float | None = None) -> str:
    """The run artifact: one row per paper."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no papers"
    lines = ["# paperdraft run", ""]
    if selection:
        lines += [f"Selection: {_cell(selection)}", ""]
    lines += [f"{len(outcomes)} papers: {summary}" + (f" in {seconds:.1f} s" if seconds is not None else "") + ".", ""]
    lines += ["| paper | link | draft | status | seconds |", "| --- | --- | --- | --- | ---: |"]
    for o in outcomes:
        link = f"[arXiv:{o.arxiv_id}]({o.url})" if o.url else _cell(o.arxiv_id or o.source)
        status = o.status if not o.error else f"{o.status}: {_cell(o.error)}"
        lines.append(f"| {_cell(o.title or o.source)} | {link} | {_cell(o.path or '')} | {status} | {o.seconds:.1f} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the flow


def _describe(ids, ids_file, query, categories, since) -> str:
    if ids:
        return "ids " + " ".join(ids)
    if ids_file:
        return f"reading list {ids_file}"
    if query:
        return f"query {query!r}"
    return f"categories {', '.join(categories or [])} since {since or 'yesterday'}"


class PapersFailed(PaperdraftError):
    """Some papers of a run failed (each with its own message); ``rows`` is the whole report."""

    def __init__(self, message: str, rows: list[dict[str, Any]]):
        super().__init__(message)
        self.args = (message, rows)  # pickles: Prefect keeps it as the failed run's result
        self.rows = rows


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
) -> list[dict[str, Any]]:
    """Draft a blog post for each selected arXiv paper; returns one report row (dict) per paper.

    When a paper fails, the others still run, and the run then fails with :class:`PapersFailed`.
    """
    logger = get_run_logger()
    started = time.perf_counter()
    settings = load_settings(model=model, drafts_dir=drafts_dir)
    io = {"retries": max(settings.flow_retries, 0), "retry_delay_seconds": settings.retry_delays()}
    meta_t, pdf_t = metadata_task.with_options(**io), pdf_task.with_options(**io)
    # a bad selection is the user's error: fail the flow at once, no retries for it
    items = select_task.with_options(**io)(settings, ids, ids_file, query, categories, since, max_papers)
    logger.info("%d papers selected (%s)", len(items), _describe(ids, ids_file, query, categories, since))
    prompts = prompt_hashes()
    drafts = Path(settings.drafts_dir)

    # I/O up front: metadata then PDF of each paper, as futures, paper by paper. They run on the one
    # I/O thread (FIFO) while this thread runs the model on paper i, so the next papers' PDFs download
    # meanwhile, and the first paper's model work waits for two requests only; the gate spaces them.
    metas, pdfs = [], []
    for it in items:
        meta_future = meta_t.submit(it.ref, settings) if it.meta is None else None
        metas.append(meta_future)
        pdfs.append(pdf_t.submit(meta_future if meta_future is not None else it.meta, settings, str(drafts)))

    outcomes = [
        _draft_item(it, meta_future, pdf_future, settings, prompts, logger)
        for it, meta_future, pdf_future in zip(items, metas, pdfs)
    ]

    total = time.perf_counter() - started
    markdown = report_markdown(outcomes, _describe(ids, ids_file, query, categories, since), total)
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


def _draft_item(it: Item, meta_future: Any, pdf_future: Any, settings: Settings, prompts: dict[str, str],
                logger: Any) -> PaperOutcome:
    """One paper through the stage tasks, after its metadata and PDF futures; never raises."""
    begun = time.perf_counter()
    out = PaperOutcome(source=it.ref.raw, status="failed", arxiv_id=it.ref.versioned_id)
    steps = _Steps()
    drafts = Path(settings.drafts_dir)
    try:
        meta = it.meta if meta_future is None else steps.result("metadata", _finished(meta_future))
        out.title, out.arxiv_id, out.url = meta.title, meta.versioned_id, meta.url
        pdf_path = steps.result("pdf", _finished(pdf_future))
        if pdf_path is None:
            done = existing_draft(meta, drafts)
            out.status, out.path = "skipped", str(done) if done else None
            logger.info("%s: skipped, %s already drafts this version", meta.versioned_id, done)
            return out
        doc: Document = steps.result("extract", extract_task(pdf_path, "pdf", return_state=True))
        chunks = steps.result("chunk", chunk_task(doc, settings, meta.title, return_state=True))
        summary = steps.result("summarise", summarise_task(meta, chunks, settings, doc.sha256, prompts,
                                                           return_state=True))
        result: DraftResult = steps.result("write", write_task(meta, summary, doc, it.ref.raw, str(drafts),
                                                               return_state=True))
        out.status, out.path = result.status, result.path
        logger.info("%s: %s %s", meta.versioned_id, result.status, result.path)
    except _Stop as stop:
        out.error = _error_text(stop.state)
        logger.error("%s failed: %s", out.arxiv_id or it.ref.raw, out.error)
    finally:
        out.cached = steps.cached()
        out.seconds = round(time.perf_counter() - begun, 2)
    return out


__all__ = [
    "ARTIFACT_KEY",
    "KNOWN_CATEGORIES",
    "PaperOutcome",
    "PapersFailed",
    "draft_papers",
    "existing_draft",
    "parse_reading_list",
    "report_markdown",
    "select",
    "selection_kind",
]
