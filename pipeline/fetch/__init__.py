"""Fetching from arXiv, politely: the gate, retries, the one client, metadata, PDF downloads.

- :mod:`~pipeline.fetch.gate`: one request in flight, spaced by ``arxiv_delay_seconds``.
- :mod:`~pipeline.fetch.retries`: which failures are retried, backoff, ``Retry-After``.
- :mod:`~pipeline.fetch.client`: the shared ``arxiv.Client`` (the only user of its private API).
- :mod:`~pipeline.fetch.metadata`: one paper, a query, new papers in categories, as :class:`PaperMeta`.
- :mod:`~pipeline.fetch.pdf`: the cached PDF download.
- :mod:`~pipeline.fetch.eprint`: the cached e-print (LaTeX source) download, through the same gate and retries.
"""

from pipeline.fetch.client import shared_client
from pipeline.fetch.eprint import download_eprint, eprint_url
from pipeline.fetch.gate import GATE, PolitenessGate
from pipeline.fetch.metadata import fetch_metadata, new_in_categories, search
from pipeline.fetch.pdf import download_pdf, eprint_cache_path, is_cached, on_disk, pdf_cache_path
from pipeline.fetch.retries import backoff_seconds, timeout_seconds

__all__ = ["GATE", "PolitenessGate", "backoff_seconds", "download_eprint", "download_pdf", "eprint_cache_path",
           "eprint_url", "fetch_metadata", "is_cached", "on_disk",
           "new_in_categories", "pdf_cache_path", "search", "shared_client", "timeout_seconds"]
