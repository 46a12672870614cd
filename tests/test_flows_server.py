"""The real flow under ``prefect_test_harness``: local arXiv server, tiny model, persisted results.

One harness (a Prefect server subprocess on a temporary SQLite database) serves the whole module.
Prefect reads PREFECT_HOME / PREFECT_LOCAL_STORAGE_PATH once, at import, so conftest's per-test
environment does not reach it; the module fixture sets both, for Prefect, with temporary_settings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import fetch, flows
from pipeline import errors
from pipeline.draftfile.parse import front_and_body
from pipeline.flows import flow

PAPERS = ["1803.10963", "1111.2011v2", "1706.03762"]


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory):
    from prefect.settings import PREFECT_HOME, PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    home = tmp_path_factory.mktemp("prefect-home")
    with temporary_settings(updates={PREFECT_HOME: str(home), PREFECT_LOCAL_STORAGE_PATH: str(home / "storage")}):
        with prefect_test_harness(server_startup_timeout=60):
            yield home / "storage"


@pytest.fixture
def env(harness, arxiv_server, monkeypatch):
    monkeypatch.setenv("PAPERDRAFT_FLOW_RETRIES", "1")
    monkeypatch.setenv("PAPERDRAFT_FLOW_RETRY_DELAYS", "0")
    monkeypatch.setenv("PAPERDRAFT_ARXIV_RETRIES", "1")
    monkeypatch.setenv("PAPERDRAFT_ARXIV_TIMEOUT_SECONDS", "5")
    return harness


def _by_source(rows):
    return {r["source"]: r for r in rows}


def test_flow_drafts_each_paper_once_and_a_failing_paper_fails_alone(env, arxiv_server, tiny_model_dir, tmp_path):
    from prefect.artifacts import Artifact

    drafts = tmp_path / "drafts"
    arxiv_server.fail_next("/pdf/1111.2011", [503] * 50)  # every attempt at this PDF fails
    state = flows.draft_papers(ids=PAPERS + ["2101.00001"], drafts_dir=str(drafts), model=str(tiny_model_dir),
                               return_state=True)
    assert state.is_failed() and "PapersFailed: 2 of 4 papers failed" in state.message
    failure = state.result(raise_on_failure=False)
    assert isinstance(failure, errors.PapersFailed)
    rows = _by_source(failure.rows)
    assert [rows[p]["status"] for p in PAPERS] == ["written", "failed", "written"]
    assert rows["1803.10963"]["figures"] == 5 and rows["1706.03762"]["figures"] == 9  # the run counts them
    assert "HTTP 503" in rows["1111.2011v2"]["error"] and "1111.2011" in rows["1111.2011v2"]["error"]
    assert rows["2101.00001"]["status"] == "failed" and "arXiv has no paper 2101.00001" in rows["2101.00001"]["error"]
    assert sorted(p.name.split("-")[0] for p in drafts.glob("*.md")) == ["1706.03762", "1803.10963"]
    assert arxiv_server.count("/pdf/1111.2011") == 4  # (1 + 1 arXiv retry) x (1 + 1 task retry)
    assert arxiv_server.count("/api/query") == 4  # one metadata request per paper; unknown ids are not retried

    artifact = Artifact.get(flow.ARTIFACT_KEY)
    assert artifact is not None and artifact.type == "markdown"
    md = artifact.data
    assert "| Attentive Statistics Pooling for Deep Speaker Embedding | [arXiv:1803.10963v2]" in md
    assert "failed: PDF download of 1111.2011v2 failed" in md and "4 papers: 2 failed, 2 written" in md
    assert "| status | figures | seconds |" in md and "| written | 9 |" in md

    # the rerun: finished papers are skipped without a download, the failed one is drafted now
    arxiv_server.clear()  # arXiv is well again
    rows = _by_source(flows.draft_papers(ids=PAPERS, drafts_dir=str(drafts), model=str(tiny_model_dir)))
    assert [rows[p]["status"] for p in PAPERS] == ["skipped", "written", "skipped"]
    assert arxiv_server.count("/pdf/") == 1
    assert len(list(drafts.glob("*.md"))) == 3


def test_rerun_after_a_crash_redoes_only_unfinished_work_from_the_cache(env, arxiv_server, tiny_model_dir, tmp_path,
                                                                        monkeypatch):
    # Every section asked each time: under the measured policy the second run's plan (part of the summary's
    # key) would differ from the first's, which asked for every section while the model's record was new.
    monkeypatch.setenv("PAPERDRAFT_GENERATION", "always")
    drafts = tmp_path / "drafts"
    first = _by_source(flows.draft_papers(ids=PAPERS[:2], drafts_dir=str(drafts), model=str(tiny_model_dir)))
    assert {r["status"] for r in first.values()} == {"written"}
    # as if the run had crashed after summarising 1111.2011 but before writing it
    Path(first["1111.2011v2"]["path"]).unlink()
    rows = _by_source(flows.draft_papers(ids=PAPERS[:2], drafts_dir=str(drafts), model=str(tiny_model_dir)))
    assert rows["1803.10963"]["status"] == "skipped"
    assert rows["1111.2011v2"]["status"] == "written"
    assert rows["1111.2011v2"]["cached"] == ["extract", "chunk", "summarise", "figures"]
    # each paper's files were downloaded once, in the first run: 1111.2011's PDF, and the e-print of
    # 1803.10963, which is its PDF; the rerun took them from paperdraft's cache. (It asked again for the
    # e-print of 1111.2011, which arXiv does not have: a 404 is not remembered.)
    assert arxiv_server.count("/pdf/") == 1 and arxiv_server.count("/src/") == 3


def test_new_version_is_drafted_into_the_existing_draft(env, arxiv_server, tiny_model_dir, tmp_path):
    drafts = tmp_path / "drafts"
    with pytest.raises(errors.PapersFailed) as failed:
        flows.draft_papers(ids=["1706.03762v4"], drafts_dir=str(drafts), model=str(tiny_model_dir))
    # the server has only the v5 PDF; v4's metadata exists but its PDF is missing
    rows = failed.value.rows
    assert rows[0]["status"] == "failed" and "no PDF" in rows[0]["error"]
    drafted = flows.draft_papers(ids=["1706.03762"], drafts_dir=str(drafts), model=str(tiny_model_dir))
    assert drafted[0]["status"] == "written"
    path = Path(drafted[0]["path"])
    text = path.read_text().replace("version: 5", "version: 4")  # pretend it drafted v4
    path.write_text(text.replace("arXiv:1706.03762v5", "arXiv:1706.03762v4"))
    newer = flows.draft_papers(ids=["1706.03762"], drafts_dir=str(drafts), model=str(tiny_model_dir))
    assert newer[0]["status"] in ("merged", "unchanged") and newer[0]["path"] == str(path)  # drafted, not skipped
    # "unchanged" when nothing in the body is new (the edited byline is the author's now): the draft records
    # v5 all the same, or every later run would take it for v4's and draft the paper again
    assert front_and_body(path.read_text())[0]["version"] == 5
    again = flows.draft_papers(ids=["1706.03762"], drafts_dir=str(drafts), model=str(tiny_model_dir))
    assert again[0]["status"] == "skipped"
    assert len(list(drafts.glob("*.md"))) == 1


def test_arxiv_requests_are_spaced_and_never_overlap_across_parallel_tasks(env, arxiv_server, tiny_model_dir,
                                                                          tmp_path, monkeypatch):
    from prefect.task_runners import ThreadPoolTaskRunner

    delay = 0.4
    monkeypatch.setenv("PAPERDRAFT_ARXIV_DELAY_SECONDS", str(delay))
    fetch.GATE.reset()
    parallel = flows.draft_papers.with_options(task_runner=ThreadPoolTaskRunner(max_workers=6))
    rows = parallel(ids=PAPERS, drafts_dir=str(tmp_path / "drafts"), model=str(tiny_model_dir))
    assert [r["status"] for r in rows] == ["written"] * 3
    starts = [r.t for r in arxiv_server.requests]
    assert len(starts) == 12  # 3 metadata + 3 PDFs + 3 e-prints (LaTeX source) + 3 licences, in parallel tasks
    assert sum(1 for r in arxiv_server.requests if r.path.startswith("/src/")) == 3
    assert sum(1 for r in arxiv_server.requests if r.path.startswith("/oai")) == 3
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # arrivals at the server: the gate spaces the starts by `delay`; connection set-up jitters arrival a little
    assert min(gaps) >= delay - 0.1, gaps
    assert starts[-1] - starts[0] >= 11 * delay - 0.1, gaps
    assert fetch.GATE.max_in_flight == 1
    # and per second: never more than 1 / delay requests in any 1-second window
    for t in starts:
        assert sum(1 for u in starts if t <= u < t + 1.0) <= int(1 / delay) + 1


def test_paperdraft_run_drafts_a_reading_list_through_the_flow(env, arxiv_server, tiny_model_dir, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    reading = tmp_path / "papers.txt"
    reading.write_text("# to read this week\n1803.10963   # speaker embeddings\n")
    drafts = tmp_path / "drafts"
    args = ["run", "--ids-file", str(reading), "--drafts-dir", str(drafts), "--model", str(tiny_model_dir)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "written" in result.output and "1803.10963v2" in result.output
    assert [p.name.split("-")[0] for p in drafts.glob("*.md")] == ["1803.10963"]
    again = CliRunner().invoke(app, args)  # the same list tomorrow: nothing new to draft
    assert again.exit_code == 0 and "skipped" in again.output


def test_the_model_is_loaded_once_per_process_not_once_per_task(env, arxiv_server, tiny_model_dir, tmp_path,
                                                                  monkeypatch):
    from pipeline.summarize import model

    loads = []

    class Counted(model.TransformersBackend):
        def __init__(self, *args, **kwargs):
            loads.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(model, "TransformersBackend", Counted)
    monkeypatch.setattr(model, "_loaded", {})
    rows = flows.draft_papers(ids=["1412.6980", "1411.2738"], drafts_dir=str(tmp_path / "drafts"),
                              model=str(tiny_model_dir))
    assert [r["status"] for r in rows] == ["written", "written"]
    assert all("chunk" not in r["cached"] for r in rows)  # both papers really ran chunk and summarise
    assert len(loads) == 1


def test_task_runs_carry_the_papers_id_and_the_name_shares_the_cache(env, arxiv_server, tiny_model_dir, tmp_path):
    """Each per-paper task run's name, read back from the server, holds the paper's arXiv id; and the ``paper``
    parameter that names extract and chunk runs is no part of their cache keys: another name, same entry."""
    from prefect import flow as prefect_flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from pipeline.flows import tasks

    state = flows.draft_papers(ids=["1803.10963"], drafts_dir=str(tmp_path / "drafts"), model=str(tiny_model_dir),
                               return_state=True)
    assert state.is_completed(), state.message
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
    names = sorted(r.name for r in runs)
    per_paper = [n for n in names if not n.startswith("select papers")]
    assert sorted(n.split(" 1803")[0] for n in per_paper) == ["chunk", "extract", "figures", "metadata", "pdf",
                                                               "source", "summarise", "write draft"], names
    assert "metadata 1803.10963" in names  # asked for unversioned: the version is known after the metadata
    assert all(n.endswith(" 1803.10963v2") for n in per_paper if not n.startswith("metadata")), names

    pdf = next((tmp_path / "home").rglob("1803.10963*.pdf"))  # the PDF in paperdraft's cache (conftest home)

    from pipeline import core
    from pipeline.config import load_settings
    from pipeline.sources import parse_source

    settings = load_settings()  # the flow's, from the same environment; the e-print is in the cache now
    _, no_source = core.fetch_source(fetch.fetch_metadata(parse_source("1803.10963v2"), settings), settings)

    @prefect_flow
    def twice() -> list[str]:
        first = tasks.extract_task(str(pdf), "pdf", "name-one", None, settings.text_source, no_source,
                                   return_state=True)
        second = tasks.extract_task(str(pdf), "pdf", "name-two", None, settings.text_source, no_source,
                                    return_state=True)
        return [first.name, second.name]

    assert twice() == ["Cached", "Cached"]  # the flow above extracted this PDF already, under its own name


def test_a_paper_whose_pdf_is_missing_is_drafted_from_its_source_by_the_flow(env, arxiv_server, tiny_model_dir,
                                                                            tmp_path):
    """The flow does what ``draft_one`` does: no PDF (a 404) but a source, and the paper is drafted from the
    source, citing sections only; the front matter says why there are no pages. A paper with neither fails."""
    import re

    arxiv_server.no_pdf.update({"2102.10535", "1706.03762"})  # 1706.03762's e-print is its PDF: neither text
    drafts = tmp_path / "drafts"
    state = flows.draft_papers(ids=["2102.10535", "1706.03762"], drafts_dir=str(drafts), model=str(tiny_model_dir),
                               return_state=True)
    rows = _by_source(state.result(raise_on_failure=False).rows)
    assert rows["2102.10535"]["status"] == "written", rows
    assert rows["1706.03762"]["status"] == "failed" and "404" in rows["1706.03762"]["error"], rows
    (draft,) = drafts.glob("2102.10535*.md")
    front, body = front_and_body(draft.read_text())
    assert front["text_from"] == "latex" and "no pages" in front["text_note"], front
    assert re.search(r"\(§[^)]+\)", body) and not re.search(r"\(p\. \d", body)
