"""Prefect flows over the one core path: selection, politeness across workers, cache keys, tasks, report, the flow.

- :mod:`~pipeline.flows.selection`: which papers a run drafts (shared with the CLI).
- :mod:`~pipeline.flows.politeness`: the Prefect rate limit all workers' arXiv requests share.
- :mod:`~pipeline.flows.cache_keys`: keys derived from the inputs and the code of each stage.
- :mod:`~pipeline.flows.tasks`: one task per stage, each calling :mod:`pipeline.core`.
- :mod:`~pipeline.flows.report`: the run report and its Markdown artifact.
- :mod:`~pipeline.flows.flow`: :func:`draft_papers`, the flow (``prefect.yaml``'s entrypoint).
"""

from pipeline.flows.flow import ARTIFACT_KEY, draft_papers

__all__ = ["ARTIFACT_KEY", "draft_papers"]
