"""The open drafts' papers, for hovers and code actions, kept in a process of their own.

Loading a paper imports scikit-learn and indexes the paper's sentences: 1-2 s of an interpreter. In the
server's process that would share the GIL with the checks, and a keystroke checked meanwhile would wait
twice as long. So the papers live in one child process (:mod:`pipeline.lsp.paper_text` does the work there),
started on first use; the server asks it for passages, which come back as :class:`Passage` records. The
child ends with the server. Nothing is fetched: a paper that is not in the cache is None, and the hover says so.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from urllib.parse import quote

from pipeline.config import Settings
from pipeline.records import Passage

log = logging.getLogger("pipeline.lsp")

ANSWER_SECONDS = 120.0  # the longest a hover waits for the paper process (a first load takes 1-3 s)
WATCH_SECONDS = 0.5  # how often the paper process looks whether the server is still there


def paper_url(identity: str | None, pdf: Path | None, page: int = 0) -> str | None:
    """Where to open the paper at ``page``: its PDF on this machine, else arXiv's PDF of that version."""
    fragment = f"#page={page}" if page else ""
    if pdf is not None:
        return pdf.resolve().as_uri() + fragment
    if identity and identity.startswith("arXiv:"):
        return f"https://arxiv.org/pdf/{quote(identity.removeprefix('arXiv:'))}{fragment}"
    return None


def _end_with(parent: int) -> None:
    """In the paper process: end it when the server is gone, however it went (a kill leaves no goodbye)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="end-with-the-server", daemon=True).start()


def _job(name: str, *args):
    """Run :mod:`pipeline.lsp.paper_text`'s job ``name`` (in the paper process: only there is it imported)."""
    from pipeline.lsp import paper_text

    return getattr(paper_text, name)(*args)


class Paper:
    """One cached paper, as the paper process holds it."""

    def __init__(self, papers: Papers, identity: str, pdf: Path | None):
        self._papers, self.identity, self._pdf = papers, identity, pdf

    def pdf(self) -> Path | None:
        """The PDF the paper was read from, if it is still there (a cached download or the author's file)."""
        return self._pdf

    def cited(self, claim: str, cite: str) -> tuple[Passage, bool] | None:
        """The passage ``cite`` points at that best supports ``claim``, and whether it has that very cite
        (:meth:`pipeline.lsp.paper_text.PaperText.cited`)."""
        return self._papers.ask("cited", self.identity, claim, cite)

    def closest(self, claim: str, k: int = 3) -> list[Passage]:
        """The ``k`` passages of the paper most like ``claim``, best first."""
        return self._papers.ask("closest", self.identity, claim, k)


class Papers:
    """The paper process, started on first use; any thread may ask it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _submit(self, name: str, *args) -> Future:
        with self._lock:
            if self._pool is None:  # spawn, not fork: the server has threads, and the child needs none of its state
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_end_with, initargs=(os.getpid(),))
            return self._pool.submit(_job, name, self.settings, *args)

    def ask(self, name: str, *args):
        """The answer to job ``name``. A paper process that died (out of memory, killed) is started again once."""
        for attempt in (1, 2):
            try:
                return self._submit(name, *args).result(timeout=ANSWER_SECONDS)
            except BrokenProcessPool:
                log.warning("the paper process ended; starting it again")
                with self._lock:
                    self._pool = None
                if attempt == 2:
                    raise

    def preload(self, identity: str) -> None:
        """Load ``identity`` in the paper process ahead of the first hover, without waiting for it."""
        self._submit("describe", identity)

    def get(self, identity: str) -> Paper | None:
        """The paper ``identity``, or None when drafting did not keep it in the cache."""
        pdf = self.ask("describe", identity)
        return None if pdf is None else Paper(self, identity, Path(pdf) if pdf else None)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
