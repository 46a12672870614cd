"""The flow's logic without a Prefect server: selections, reading lists, skipping, cache keys, the report, the CLI's errors.

Tasks are called through ``.fn`` (plain functions); the full flow runs in test_flows_server.py.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline import flows
from pipeline import errors
from pipeline.draftfile import lookup
from pipeline.fetch import categories
from pipeline.flows import cache_keys
from pipeline.flows import console_logs, local
from pipeline.flows import report
from pipeline.flows import selection
from pipeline.flows import tasks
from pipeline.summarize.prompts import prompt_hashes
from pipeline.cli.flows import register
from pipeline.config import load_settings
from pipeline.errors import InvalidSourceError, PaperNotFoundError
from pipeline.records import PaperMeta, SourceRef

REPO = Path(__file__).resolve().parents[1]


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        pass

    register(app)
    return app


# --------------------------------------------------------------------------- selections


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "no papers selected"),
        ({"ids": ["1706.03762"], "query": "ti:x"}, "give one kind of selection, not ids and query"),
        ({"ids_file": "a.txt", "categories": ["cs.CL"]}, "not ids_file and categories"),
        ({"ids": ["1706.03762"], "since": "2026-11-20"}, "--since needs --category"),
        ({"ids": []}, "no papers selected"),
    ],
)
def test_exactly_one_kind_of_selection(kwargs, message):
    args = {k: kwargs.get(k) for k in ("ids", "ids_file", "query", "categories", "since")}
    with pytest.raises(InvalidSourceError, match=message):
        selection.selection_kind(**args)


def test_reading_list_comments_blanks_urls_and_duplicates(tmp_path: Path):
    reading = tmp_path / "papers.txt"
    reading.write_text(
        "# my reading list\n\n1706.03762  # attention\n  https://arxiv.org/abs/1810.04805v2\n"
        "arXiv:hep-th/9901001\n1706.03762\n\n# done\n"
    )
    refs = selection.parse_reading_list(reading)
    assert [(r.arxiv_id, r.version) for r in refs] == [("1706.03762", None), ("1810.04805", 2), ("hep-th/9901001", None)]


def test_reading_list_with_a_byte_order_mark(tmp_path: Path):
    """Notepad and some Windows tools start a UTF-8 file with a BOM (and end lines with CRLF): the first id
    is read as written, not refused as "\\ufeff1706.03762" at line 1."""
    reading = tmp_path / "papers.txt"
    reading.write_bytes(b"\xef\xbb\xbf1706.03762\r\nhttps://arxiv.org/abs/1810.04805v2\r\n")
    assert reading.read_text(encoding="utf-8").startswith("\ufeff")  # really a BOM on line 1
    refs = selection.parse_reading_list(reading)
    assert [(r.arxiv_id, r.version) for r in refs] == [("1706.03762", None), ("1810.04805", 2)]

    commented = tmp_path / "commented.txt"
    commented.write_bytes("\ufeff# my list\n1706.03762\n2106.0968\n".encode("utf-8"))
    with pytest.raises(InvalidSourceError, match=r"commented.txt:3: .*2106\.0968"):  # lines still count from 1
        selection.parse_reading_list(commented)

    utf16 = tmp_path / "utf16.txt"  # Notepad's "Unicode": not UTF-8 at all, a clear error rather than a crash
    utf16.write_text("1706.03762\n", encoding="utf-16")
    with pytest.raises(InvalidSourceError, match="cannot read reading list"):
        selection.parse_reading_list(utf16)


def test_reading_list_errors_name_the_file_and_line(tmp_path: Path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n\n")
    with pytest.raises(InvalidSourceError, match="lists no papers"):
        selection.parse_reading_list(empty)
    bad = tmp_path / "bad.txt"
    bad.write_text("1706.03762\n\n2106.0968\n")
    with pytest.raises(InvalidSourceError, match=r"bad.txt:3: .*2106\.0968"):
        selection.parse_reading_list(bad)
    two = tmp_path / "two.txt"
    two.write_text("1706.03762 1810.04805\n")
    with pytest.raises(InvalidSourceError, match=r"two.txt:1: one paper a line"):
        selection.parse_reading_list(two)
    with pytest.raises(InvalidSourceError, match="no such reading list"):
        selection.parse_reading_list(tmp_path / "missing.txt")
    local = tmp_path / "local.txt"
    (tmp_path / "paper.pdf").write_bytes(b"%PDF-1.4")
    local.write_text(f"{tmp_path / 'paper.pdf'}\n")
    with pytest.raises(InvalidSourceError, match=r"local.txt:1: not an arXiv paper"):
        selection.parse_reading_list(local)


def test_categories_and_since_are_checked():
    assert categories.check_categories(["cs.CL", "cs.LG", "cs.CL", "hep-th"]) == ["cs.CL", "cs.LG", "hep-th"]
    with pytest.raises(InvalidSourceError, match="unknown arXiv category: 'cs.XX'"):
        categories.check_categories(["cs.XX"])
    with pytest.raises(InvalidSourceError, match="did you mean cs.CL"):
        categories.check_categories(["cs.cl"])
    with pytest.raises(InvalidSourceError, match="not a date"):
        selection.parse_since("20 Nov 2026")
    from datetime import date

    assert selection.parse_since(None, today=date(2026, 11, 21)) == date(2026, 11, 20)


def test_select_by_query_and_by_categories(arxiv_server):
    settings = load_settings()
    found = selection.select(settings, categories=["cs.SD"], since="2015-01-01")
    assert [i.meta.arxiv_id for i in found] == ["1803.10963"]
    assert found[0].meta.version == 2 and found[0].ref.versioned_id == "1803.10963v2"
    capped = selection.select(settings, categories=["cs.CL", "cs.LG"], since="2010-01-01", max_papers=2)
    assert len(capped) == 2
    assert selection.select(settings, categories=["cs.CL"], since="2030-01-01") == []
    with pytest.raises(InvalidSourceError, match="matches no papers"):
        selection.select(settings, query="ti:nothing-matches-this")
    assert selection.select(settings, query="testing", max_papers=10)
    with pytest.raises(InvalidSourceError, match="unknown arXiv category"):
        selection.select(settings, categories=["cs.XX"], since="2020-01-01")


# --------------------------------------------------------------------------- skipping, new versions


def _fake_draft(drafts: Path, name: str, arxiv_id: str, version: int) -> Path:
    drafts.mkdir(parents=True, exist_ok=True)
    path = drafts / name
    path.write_text(f"---\ntitle: X\narxiv_id: '{arxiv_id}'\nversion: {version}\n---\n\n# X\n")
    return path


def test_a_draft_of_the_same_version_skips_the_download_and_a_new_version_does_not(arxiv_server, tmp_path: Path):
    settings = load_settings()
    drafts = tmp_path / "drafts"
    meta = tasks.metadata_task.fn(SourceRef(kind="arxiv", raw="1803.10963", arxiv_id="1803.10963"), settings)
    assert meta.versioned_id == "1803.10963v2"
    # a draft of v2 under another title still counts; v1's draft does not
    _fake_draft(drafts, "1803.10963-an-older-title.md", "1803.10963", 2)
    assert lookup.existing_draft(meta, drafts) == drafts / "1803.10963-an-older-title.md"
    assert tasks.pdf_task.fn(meta, settings, str(drafts)) is None
    assert arxiv_server.count("/pdf/") == 0

    (drafts / "1803.10963-an-older-title.md").unlink()
    _fake_draft(drafts, "1803.10963-an-older-title.md", "1803.10963", 1)
    assert lookup.existing_draft(meta, drafts) is None
    path = tasks.pdf_task.fn(meta, settings, str(drafts))
    assert path and Path(path).read_bytes().startswith(b"%PDF") and arxiv_server.count("/pdf/") == 1


def test_unknown_paper_is_not_retried(arxiv_server):
    with pytest.raises(PaperNotFoundError, match="2101.00001"):
        tasks.metadata_task.fn(SourceRef(kind="arxiv", raw="2101.00001", arxiv_id="2101.00001"), load_settings())

    class _S:
        def result(self):
            raise PaperNotFoundError("gone")

    class _T:
        def result(self):
            raise OSError("network")

    assert tasks._retry_io(None, None, _S()) is False
    assert tasks._retry_io(None, None, _T()) is True


# --------------------------------------------------------------------------- stages, cache keys, serialization


def test_stage_tasks_call_core_and_their_records_serialize(arxiv_server, tiny_model_dir: Path, tmp_path: Path):
    from prefect.serializers import JSONSerializer, PickleSerializer

    settings = load_settings(model=str(tiny_model_dir), drafts_dir=tmp_path / "drafts")
    meta = tasks.metadata_task.fn(SourceRef(kind="arxiv", raw="1803.10963", arxiv_id="1803.10963"), settings)
    pdf = tasks.pdf_task.fn(meta, settings, str(settings.drafts_dir))
    doc = tasks.extract_task.fn(pdf, "pdf")
    chunks = tasks.chunk_task.fn(doc, settings, meta.title)
    prompts = prompt_hashes()
    summary = tasks.summarise_task.fn(meta, chunks, settings, doc.sha256, prompts)
    result = tasks.write_task.fn(meta, summary, doc, "1803.10963", str(settings.drafts_dir))
    assert result.status == "written" and Path(result.path).is_file()
    assert summary.model == tiny_model_dir.name and summary.prompt_hashes == prompts

    for record in (meta, doc, chunks, summary, result):
        assert PickleSerializer().loads(PickleSerializer().dumps(record)) == record
        assert JSONSerializer().loads(JSONSerializer().dumps(record)) == record  # Prefect's JSON serializer too

    # cache keys: real inputs, not paths or object identity
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(Path(pdf).read_bytes())
    assert cache_keys.extract_key(None, {"pdf_path": pdf, "kind": "pdf"}) == cache_keys.extract_key(None, {"pdf_path": str(copy), "kind": "pdf"})
    params = {"meta": meta, "chunks": chunks, "settings": settings, "doc_sha256": doc.sha256, "prompts": prompts}
    key = cache_keys.summary_key(None, params)
    assert cache_keys.summary_key(None, dict(params, chunks=[])) == key  # chunks follow from the hash
    assert cache_keys.summary_key(None, dict(params, prompts={**prompts, "notes": "changed"})) != key
    assert cache_keys.summary_key(None, dict(params, settings=settings.replace(model="other/model"))) != key
    assert cache_keys.summary_key(None, dict(params, doc_sha256="0" * 64)) != key
    newer = PaperMeta(**{**meta.__dict__, "version": 3})
    assert cache_keys.summary_key(None, dict(params, meta=newer)) != key
    assert cache_keys.chunk_key(None, {"doc": doc, "settings": settings, "title": meta.title}) != cache_keys.chunk_key(
        None, {"doc": doc, "settings": settings.replace(chunk_tokens=128), "title": meta.title}
    )


def test_task_runs_are_named_after_the_paper_and_the_name_is_no_part_of_a_cache_key(tmp_path: Path):
    meta = PaperMeta(title="Attention", arxiv_id="1706.03762", version=5)
    ref = SourceRef(kind="arxiv", raw="https://arxiv.org/abs/1706.03762", arxiv_id="1706.03762")
    assert tasks.run_name("metadata")(parameters={"ref": ref, "settings": None}) == "metadata 1706.03762"
    for name, task_ in (("pdf", tasks.pdf_task), ("summarise", tasks.summarise_task), ("write draft", tasks.write_task)):
        assert task_.task_run_name(parameters={"meta": meta}) == f"{name} 1706.03762v5"
    for name, task_ in (("extract", tasks.extract_task), ("chunk", tasks.chunk_task)):
        assert task_.task_run_name(parameters={"paper": "1706.03762v5"}) == f"{name} 1706.03762v5"

    # extract and chunk take the id as ``paper`` for the name alone: their cache keys do not read it
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4 the same bytes")
    from pipeline.records import Document

    base = {"pdf_path": str(pdf), "kind": "pdf"}
    key = cache_keys.extract_key(None, base)
    assert cache_keys.extract_key(None, {**base, "paper": "1706.03762v5"}) == key
    assert cache_keys.extract_key(None, {**base, "paper": "9999.99999v1"}) == key
    doc = Document(sections=[], page_count=1, source_path=str(pdf), sha256="a" * 64)
    chunk = {"doc": doc, "settings": load_settings(), "title": "Attention"}
    key = cache_keys.chunk_key(None, chunk)
    assert cache_keys.chunk_key(None, {**chunk, "paper": "1706.03762v5"}) == key
    assert cache_keys.chunk_key(None, {**chunk, "paper": None}) == key
    # and the flow passes it by that name (a positional mix-up would feed the id to another parameter)
    import inspect

    assert list(inspect.signature(tasks.extract_task.fn).parameters) == ["pdf_path", "kind", "paper", "source",
                                                                          "text_source", "no_source", "no_pdf"]
    assert list(inspect.signature(tasks.chunk_task.fn).parameters) == ["doc", "settings", "title", "paper"]


def test_the_flow_checks_the_drafts_folder_before_any_request(arxiv_server, tmp_path: Path):
    """core.preflight at the flow's start: a drafts folder that is a file fails the run at once, one line."""
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(errors.ConfigError, match=r"the drafts folder .*a-file is not a folder"):
        flows.draft_papers.fn(ids=["1803.10963"], drafts_dir=str(tmp_path / "a-file"))
    assert arxiv_server.count() == 0


def test_console_log_records_are_one_line_without_the_rows():
    rows = [{"source": "2101.00001", "status": "failed", "error": "gone"}]
    failed = errors.PapersFailed("1 of 1 papers failed: 2101.00001", rows)
    try:
        raise failed
    except errors.PapersFailed:
        import sys as _sys

        record = logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1,
                                   "Encountered exception during execution: %r", (failed,), _sys.exc_info())
    plain = logging.Formatter("%(levelname)s %(message)s")
    assert "Traceback" in plain.format(logging.makeLogRecord(record.__dict__))  # what Prefect printed
    line = console_logs.OneLineFormatter(plain).format(record)
    assert line == "ERROR Encountered exception during execution: PapersFailed: 1 of 1 papers failed: 2101.00001"
    assert record.exc_info is not None  # the record itself is untouched: Prefect's API handler keeps the traceback
    ordinary = logging.LogRecord("prefect", logging.INFO, __file__, 1, "%d papers", (2,), None)
    assert console_logs.OneLineFormatter(plain).format(ordinary) == "INFO 2 papers"


def test_the_cli_sets_prefects_privacy_settings_before_prefect_is_imported():
    """Prefect reads its settings at import: the CLI must not import it before run or serve set them."""
    code = ("import sys, pipeline.cli.app\n"
            "assert 'prefect' not in sys.modules, 'importing the CLI imported prefect'\n"
            "from pipeline.flows import local\n"
            "assert 'prefect' not in sys.modules\n"
            "local.keep_prefect_local()\n"
            "from prefect.settings import get_current_settings\n"
            "assert get_current_settings().server.analytics_enabled is False\n"
            "assert get_current_settings().server.ui.show_promotional_content is False\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_SERVER") and k != "DO_NOT_TRACK"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_report_markdown_has_a_row_per_paper():
    rows = [
        report.PaperOutcome("1706.03762", "written", "Attention | All", "1706.03762v5", "https://arxiv.org/abs/1706.03762v5",
                           "drafts/1706.03762-attention.md", 12.345, figures=9),
        report.PaperOutcome("2101.00001", "failed", None, "2101.00001", error="arXiv has no paper 2101.00001"),
        report.PaperOutcome("1810.04805", "skipped", "BERT", "1810.04805v2", "https://arxiv.org/abs/1810.04805v2", "d/b.md"),
    ]
    md = report.report_markdown(rows, "ids 1706.03762 2101.00001 1810.04805", 20.0)
    lines = md.splitlines()
    assert "| paper | link | draft | status | figures | seconds |" in lines
    assert "| Attention \\| All | [arXiv:1706.03762v5](https://arxiv.org/abs/1706.03762v5) | drafts/1706.03762-attention.md | written | 9 | 12.3 |" in lines
    assert any(l.startswith("| 2101.00001 | 2101.00001 |  | failed: arXiv has no paper 2101.00001 |") for l in lines)
    assert "3 papers: 1 failed, 1 skipped, 1 written in 20.0 s." in md


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    "args, message",
    [
        (["run"], "no papers selected"),
        (["run", "--ids", "1706.03762", "--query", "ti:x"], "give one kind of selection"),
        (["run", "--ids", "1706.03762", "2106.0968"], "2106.0968"),
        (["run", "--category", "cs.XX", "--since", "2026-11-20"], "unknown arXiv category"),
        (["run", "--category", "cs.CL", "--since", "last week"], "not a date"),
        (["run", "--ids-file", "missing.txt"], "no such reading list"),
        (["serve", "--query", "x", "--ids", "1706.03762"], "give one kind of selection"),
    ],
)
def test_cli_user_errors_are_one_line_and_exit_2(args, message, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 2, result.output
    lines = [l for l in result.output.splitlines() if l.strip()]
    assert lines[0].startswith("error:") and message in lines[0] and len(lines) <= 2


class _FakeServer:
    """Stands in for pipeline.flows.local.LocalServer: what serve does around it, without a server."""

    instances: list["_FakeServer"] = []

    def __init__(self, home: Path, port: int | None = None):
        self.home, self.port, self.note = home, port, None
        self.ui_url, self.api_url = "http://127.0.0.1:4999", "http://127.0.0.1:4999/api"
        self.events: list[str] = []
        _FakeServer.instances.append(self)

    def start(self):
        self.events.append("start")
        return self

    def stop(self):
        self.events.append("stop")

    @contextlib.contextmanager
    def configured(self):
        self.events.append("configured")
        yield


@pytest.fixture
def no_prefect_api_url():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        yield


def test_cli_serve_schedules_the_reading_list_on_a_server_it_starts(tmp_path: Path, monkeypatch, no_prefect_api_url):
    reading = tmp_path / "papers.txt"
    reading.write_text("1706.03762\n")
    calls = []
    monkeypatch.setattr(flows.draft_papers, "serve", lambda **kw: calls.append(kw))
    monkeypatch.setattr(local, "LocalServer", _FakeServer)
    _FakeServer.instances.clear()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(_app(), ["serve", "--ids-file", "papers.txt", "--drafts-dir", "out", "--port", "4999"])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call["cron"] == "0 7 * * *" and call["name"] == "paperdraft"
    assert call["parameters"] == {"ids_file": str(reading.resolve()), "max_papers": 20,
                                  "drafts_dir": str(tmp_path.resolve() / "out")}
    (server,) = _FakeServer.instances
    assert server.port == 4999 and server.home == local.server_home()
    assert server.events == ["start", "configured", "stop"]  # served on it, and stopped it after
    assert "Prefect UI: http://127.0.0.1:4999" in result.output  # one line says where its UI is
    assert (tmp_path / "out").is_dir()  # the drafts folder was checked (and made) before serving


def test_cli_serve_stops_its_server_when_serving_fails(tmp_path: Path, monkeypatch, no_prefect_api_url):
    def broken(**kw):
        raise KeyboardInterrupt  # Ctrl-C, or anything else that ends serve

    monkeypatch.setattr(flows.draft_papers, "serve", broken)
    monkeypatch.setattr(local, "LocalServer", _FakeServer)
    _FakeServer.instances.clear()
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(_app(), ["serve", "--ids", "1706.03762"])
    (server,) = _FakeServer.instances
    assert server.events[-1] == "stop"


@pytest.mark.parametrize("args, message, code", [
    (["--cron", "every day"], "--cron 'every day' is not a cron schedule", 2),
    (["--port", "70000"], "--port 70000 is no port", 2),
])
def test_cli_serve_refuses_a_bad_schedule_or_port_at_once(args, message, code, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(local, "LocalServer", _FakeServer)
    _FakeServer.instances.clear()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(_app(), ["serve", "--ids", "1706.03762", *args])
    assert result.exit_code == code, result.output
    assert result.output.startswith(f"error: {message}") and not _FakeServer.instances


def test_cli_serve_with_an_unreachable_configured_server_says_so_at_once(tmp_path: Path, monkeypatch):
    """PREFECT_API_URL names a server that is not there: one line, exit 1, nothing served, no server started."""
    import socket
    import time

    from prefect.settings import PREFECT_API_URL, temporary_settings

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(flows.draft_papers, "serve", lambda **kw: pytest.fail("served on a server that is not there"))
    monkeypatch.setattr(local, "LocalServer", _FakeServer)
    _FakeServer.instances.clear()
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}):
        result = CliRunner().invoke(_app(), ["serve", "--ids", "1706.03762"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"error: the Prefect server at http://127.0.0.1:{port}/api (PREFECT_API_URL) "
                                    "does not answer"), result.output
    assert not _FakeServer.instances and time.monotonic() - started < 60


def test_a_second_serve_does_not_share_the_first_ones_server_database(tmp_path: Path):
    """Two servers on one SQLite file lock each other out: the second serve takes a temporary home and says so."""
    first, second = local.LocalServer(tmp_path / "srv"), local.LocalServer(tmp_path / "srv")
    first._take_home()
    second._take_home()
    try:
        assert first.home == tmp_path / "srv" and first.note is None
        assert second.home != first.home and second.home.is_dir() and "in use by another paperdraft serve" in second.note
        env = second.environment()
        assert env["PREFECT_HOME"] == str(second.home) and env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
        assert env["DO_NOT_TRACK"] == "1" and "PREFECT_API_URL" not in env
    finally:
        second.stop()
        first.stop()
    assert not second.home.exists()  # the temporary home goes with it
    third = local.LocalServer(tmp_path / "srv")  # the first let go of it
    third._take_home()
    assert third.home == tmp_path / "srv"
    third.stop()


def test_cli_run_refuses_a_bad_drafts_folder_before_prefect_starts(tmp_path: Path, monkeypatch):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setattr(flows, "draft_papers", lambda **kw: pytest.fail("the flow ran"))
    result = CliRunner().invoke(_app(), ["run", "--ids", "1706.03762", "--drafts-dir", str(tmp_path / "a-file")])
    assert result.exit_code == 2 and result.output.startswith("error: the drafts folder") and "is not a folder" in result.output


def test_cli_ids_take_several_values(monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)  # run checks (and makes) the drafts folder, ./drafts
    seen = {}

    def fake_flow(**params):
        seen.update(params)
        return [{"source": "1706.03762", "status": "written", "title": "A", "arxiv_id": "1706.03762v5",
                 "path": "d/a.md", "seconds": 1.0, "error": None},
                {"source": "1810.04805", "status": "failed", "title": None, "arxiv_id": "1810.04805",
                 "path": None, "seconds": 0.0, "error": "boom"}]

    def failing_flow(**params):
        raise errors.PapersFailed("1 of 2 papers failed: 1810.04805", fake_flow(**params))

    monkeypatch.setattr(flows, "draft_papers", failing_flow)
    result = CliRunner().invoke(_app(), ["run", "--ids", "1706.03762", "1810.04805", "--max", "3"])
    assert seen == {"ids": ["1706.03762", "1810.04805"], "max_papers": 3}
    assert result.exit_code == 1 and "failed: boom" in result.output and "written" in result.output


# --------------------------------------------------------------------------- Prefect's home


def test_collecting_the_tests_leaves_no_prefect_folder_in_home(tmp_path: Path):
    """tests/conftest.py points Prefect at a temporary home before prefect is imported: collecting
    (which imports prefect, through pipeline.flows) makes no ~/.prefect in the user's real home."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}  # as a user's shell has it
    env["HOME"] = str(home)
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "tests/test_flows.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "tests collected" in proc.stdout  # prefect really was imported: pipeline.flows is
    assert not (home / ".prefect").exists(), sorted(p.name for p in home.iterdir())


def test_prefect_in_this_process_uses_the_sessions_home():
    from prefect.settings import get_current_settings

    prefect_home = Path(get_current_settings().home).resolve()
    assert prefect_home != (Path.home() / ".prefect").resolve()
    assert not prefect_home.is_relative_to(Path.home().resolve() / ".prefect")
