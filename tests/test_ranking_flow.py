"""The flow's ranked selection under ``prefect_test_harness``: the day's papers ranked by the same code as
``paperdraft digest``, the table left as an artifact, and only the best ``max_papers`` drafted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline import flows
from tests.test_flows_server import env, harness  # noqa: F401 - the module's one harness, and its settings
from tests.test_ranking import ROOT, TRANSFORMER_IDS, TRANSFORMER_POSTS, _day_of_papers, _post

pytestmark = pytest.mark.skipif(ROOT is None, reason="the shared corpus is not present")


def test_the_flow_drafts_the_best_new_papers_for_the_author(env, arxiv_server, tiny_model_dir, tmp_path: Path,  # noqa: F811 - env: the imported fixture
                                                            monkeypatch):
    from prefect.artifacts import Artifact

    from pipeline.flows.ranked import DIGEST_ARTIFACT_KEY
    from pipeline.rank import digest as rank_digest

    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    _day_of_papers(monkeypatch, 3, yesterday)  # 7 corpus papers in cs.CL or cs.LG, and 3 fillers
    blog = tmp_path / "blog"
    for name, (title, body) in TRANSFORMER_POSTS.items():
        _post(blog, name, title, body)
    calls = []
    real = rank_digest.make_digest
    monkeypatch.setattr("pipeline.flows.ranked.make_digest", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    drafts = tmp_path / "drafts"
    rows = flows.draft_papers(categories=["cs.CL", "cs.LG"], since="yesterday", max_papers=1, rank={"posts": [str(blog)]},
                              drafts_dir=str(drafts), model=str(tiny_model_dir))
    assert len(calls) == 1  # the one ranking path, the digest's
    assert [r["status"] for r in rows] == ["written"] and rows[0]["arxiv_id"].split("v")[0] in TRANSFORMER_IDS
    md = Artifact.get(DIGEST_ARTIFACT_KEY).data
    table = [line for line in md.splitlines() if line.startswith("| ") and "arXiv:" in line]
    assert len(table) == 7 + 3 and table[0].endswith("| yes |") and not any(l.endswith("| yes |") for l in table[1:])
    assert "your post “" in table[0]
