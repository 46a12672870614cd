"""``paperdraft digest`` against the local arXiv server: a ranked, explained table; the top --max drafted with
the tiny model; a rerun that asks arXiv nothing. And ``run``/``serve --rank``, which hand the flow the same spec."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import flows
from pipeline.cli.app import app
from pipeline.flows import local
from tests.test_ranking import ROOT, SIGNAL_IDS, TRANSFORMER_IDS, TRANSFORMER_POSTS, _day_of_papers, _post

needs_corpus = pytest.mark.skipif(ROOT is None, reason="the shared corpus is not present")


@pytest.fixture
def day(arxiv_server, monkeypatch) -> list[str]:
    """Today's arXiv: the corpus papers (real abstracts), submitted yesterday, and a few fillers."""
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    return _day_of_papers(monkeypatch, 5, yesterday)


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    folder = tmp_path / "blog"
    for name, (title, body) in TRANSFORMER_POSTS.items():
        _post(folder, name, title, body)
    return folder


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@needs_corpus
def test_digest_prints_a_ranked_explained_table_and_drafts_the_top_three(day, arxiv_server, blog, tiny_model_dir,
                                                                         tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["digest", "--category", "cs.CL", "--category", "cs.LG", "--since", "yesterday", "--max", "3",
            "--posts", str(blog), "--drafts-dir", "drafts", "--model", str(tiny_model_dir)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "paperdraft digest" in out and "closest to" in out and "your post" in out and "“" in out, out
    assert out.count("(drafted)") == 3, out
    drafted = sorted(p.name.split("-")[0] for p in (tmp_path / "drafts").glob("*.md"))
    assert len(drafted) == 3 and set(drafted) <= TRANSFORMER_IDS | {"2204.02311"}, drafted  # PaLM is transformers too
    assert not set(drafted) & SIGNAL_IDS
    assert sum(1 for line in _lines(out) if line.startswith("written: ")) == 3, out
    # the drafted three are the table's top three (the feed comes from the day's cache: no request)
    asked = arxiv_server.count("/")
    table = CliRunner().invoke(app, args + ["--json", "--no-draft"])
    assert table.exit_code == 0 and arxiv_server.count("/") == asked
    top = [p["arxiv_id"].split("v")[0] for p in json.loads(table.output)["papers"][:3]]
    assert sorted(top) == drafted
    # the day's feed is cached and the top three have drafts: a rerun asks arXiv nothing
    asked = arxiv_server.count("/")
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert arxiv_server.count("/") == asked
    assert sum(1 for line in _lines(again.output) if line.startswith("skipped: ")) == 3


@needs_corpus
def test_digest_json_without_drafting(day, arxiv_server, blog, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["digest", "--category", "cs.CL", "--category", "cs.LG", "--max", "3",
                                      "--posts", str(blog), "--json", "--no-draft", "--exclude", "filler"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ids = [p["arxiv_id"].split("v")[0] for p in data["papers"]]
    assert data["drafts"] == [] and not list((tmp_path / "drafts").glob("*.md"))
    assert data["profile_items"] == 2 and data["note"] is None and data["dropped"] == {"exclude": 5}
    assert len(ids) == len(set(ids)) == data["candidates"] - 5  # cross-listed cs.CL + cs.LG papers once
    assert max(ids.index(i) for i in TRANSFORMER_IDS) < ids.index("1410.0342")  # GLRM is cross-listed in cs.LG
    first = data["papers"][0]
    assert set(first) >= {"rank", "score", "title", "authors", "url", "closest"} and first["rank"] == 1
    assert first["closest"].startswith("your post “") and 0 < first["score"] <= 1


@needs_corpus
def test_digest_with_no_profile_says_it_is_newest_first(day, arxiv_server, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["digest", "--category", "cs.LG", "--no-draft"])
    assert result.exit_code == 0, result.output
    assert "newest first" in _lines(result.output)[0]


@pytest.mark.parametrize("args, message", [
    (["digest"], "digest needs --category"),
    (["digest", "--category", "cs.XX"], "unknown arXiv category"),
    (["digest", "--category", "cs.CL", "--since", "last week"], "not a date"),
    (["digest", "--category", "cs.CL", "--max", "0"], "--max must be"),
    (["digest", "--category", "cs.CL", "--min-score", "2"], "--min-score"),
    (["digest", "--category", "cs.CL", "--library", "missing.bib"], "no such file"),
    (["run", "--ids", "1706.03762", "--rank"], "--rank ranks new papers in categories"),
    (["run", "--category", "cs.CL", "--author", "Yann LeCun"], "--author is for ranking"),
])
def test_user_errors_are_one_line_and_exit_2(args, message, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(flows, "draft_papers", lambda **kw: pytest.fail("the flow ran"))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = _lines(result.output)
    assert lines[0].startswith("error:") and message in lines[0] and len(lines) <= 2


def test_a_malformed_library_is_one_line_naming_file_and_line(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib.bib").write_text("@article{a,\n  title = {x},\n  year 2017\n}\n")
    result = CliRunner().invoke(app, ["digest", "--category", "cs.CL", "--library", "lib.bib", "--no-draft"])
    assert result.exit_code == 2 and _lines(result.output)[0].startswith("error: lib.bib:3: expected '='")


def test_run_and_serve_hand_the_flow_the_ranking(tmp_path: Path, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tests.test_flows import _FakeServer

    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib.bib").write_text("@misc{a, title = {Attention}}\n")
    seen: list[dict] = []
    monkeypatch.setattr(flows, "draft_papers", lambda **kw: seen.append(kw) or [])
    result = CliRunner().invoke(app, ["run", "--category", "cs.CL", "--rank", "--max", "3", "--author", "Yann LeCun"])
    assert result.exit_code == 0, result.output
    assert seen[0]["rank"]["authors"] == ["Yann LeCun"] and seen[0]["categories"] == ["cs.CL"]
    calls: list[dict] = []
    monkeypatch.setattr(flows.draft_papers, "serve", lambda **kw: calls.append(kw), raising=False)
    monkeypatch.setattr(local, "LocalServer", _FakeServer)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = CliRunner().invoke(app, ["serve", "--category", "cs.CL", "--rank", "--max", "3",
                                          "--library", "lib.bib", "--posts", "blog"])
    assert result.exit_code == 0, result.output
    params = calls[0]["parameters"]
    assert params["categories"] == ["cs.CL"] and params["max_papers"] == 3
    assert params["rank"]["library"] == [str((tmp_path / "lib.bib").resolve())]
    assert params["rank"]["posts"] == [str((tmp_path / "blog").resolve())]
