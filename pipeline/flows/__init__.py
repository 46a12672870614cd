"""Prefect flows over the one core path: selection, politeness across workers, cache keys, tasks, report, the flow.

- :mod:`~pipeline.flows.selection`: which papers a run drafts (shared with the CLI).
- :mod:`~pipeline.flows.politeness`: the Prefect rate limit all workers' arXiv requests share.
- :mod:`~pipeline.flows.cache_keys`: keys derived from the inputs and the code of each stage.
- :mod:`~pipeline.flows.tasks`: one task per stage, each calling :mod:`pipeline.core`.
- :mod:`~pipeline.flows.report`: the run report and its Markdown artifact.
- :mod:`~pipeline.flows.flow`: :func:`draft_papers`, the flow (``prefect.yaml``'s entrypoint).
- :mod:`~pipeline.flows.local`: Prefect kept on this machine: no analytics, a local server for ``serve``,
  one-line console logs.

Importing this package does not import Prefect: ``draft_papers`` and ``ARTIFACT_KEY`` load
:mod:`~pipeline.flows.flow` on first use. The CLI imports :mod:`~pipeline.flows.selection` and
:mod:`~pipeline.flows.local` for every command, and must set Prefect's privacy settings in the
environment before Prefect reads them, at its import (:func:`pipeline.flows.local.keep_prefect_local`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ARTIFACT_KEY", "draft_papers"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from pipeline.flows import flow

        return getattr(flow, name)
    raise AttributeError(f"module 'pipeline.flows' has no attribute {name!r}")
