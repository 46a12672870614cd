"""Politeness across workers: a Prefect global rate limit that every worker's arXiv requests share.

In one process the gate in :mod:`pipeline.fetch.gate` spaces every request. Across
workers, when the Prefect server has a global concurrency limit named ``arxiv``
(the ``arxiv_rate_limit`` setting renames it) with a slot decay, each arXiv task
first takes a slot of it (``prefect gcl create arxiv --limit 1 --slot-decay-per-second 0.33``).
"""

from __future__ import annotations

import threading

from pipeline.config import Settings

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
