"""Issue 6, row 1: network faults, injected for real on the local arXiv server (127.0.0.1 only).

Each test asserts a recovery or a clear per-paper FetchError, and no loss: nothing but whole PDFs
in the cache, and a rerun after the fault downloads the full, valid file.
Related tests elsewhere: tests/test_arxiv_api.py (retries then success for every fault kind,
Retry-After, truncated/HTML/empty PDFs never cached).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest

from pipeline import fetch
from pipeline.config import Settings, load_settings
from pipeline.errors import FetchError
from pipeline.records import PaperMeta
from pipeline.sources import parse_source
from tests.arxiv_server import ArxivTestServer

PAPER = "1803.10963"  # small corpus PDF (5 pages)
PDF_NAME = "1803.10963v2.pdf"


def cache_files(settings: Settings) -> list[str]:
    """Every file in the PDF cache, hidden temp files included."""
    folder = settings.cache / "pdfs"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def whole_pdf(server: ArxivTestServer) -> bytes:
    return (server.corpus / "pdfs" / PDF_NAME).read_bytes()


def settings_with(monkeypatch: pytest.MonkeyPatch, retries: int, **env: str) -> Settings:
    monkeypatch.setenv("PAPERDRAFT_ARXIV_RETRIES", str(retries))
    for key, value in env.items():
        monkeypatch.setenv(f"PAPERDRAFT_ARXIV_{key.upper()}", value)
    return load_settings()


def meta_for(settings: Settings) -> PaperMeta:
    return fetch.fetch_metadata(parse_source(PAPER), settings)


# --------------------------------------------------------------------------- 429, 500, 503


@pytest.mark.parametrize("status", [429, 500, 503])
@pytest.mark.parametrize("endpoint", ["/api/query", "/pdf/"])
def test_http_errors_back_off_then_fail_per_paper(
    arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch, status: int, endpoint: str
) -> None:
    settings = settings_with(monkeypatch, retries=3, delay_seconds="0.05")
    meta = meta_for(settings) if endpoint == "/pdf/" else None
    arxiv_server.clear()
    arxiv_server.fail_next(endpoint, [status] * 10)
    with pytest.raises(FetchError) as info:
        if meta is None:
            meta_for(settings)
        else:
            fetch.download_pdf(meta, settings)
    message = str(info.value)
    assert re.match(r"(PDF download of )?1803\.10963", message)  # the paper, first: one failure in a batch
    assert f"HTTP {status}" in message and "after 4 attempts" in message and info.value.hint
    times = [r.t for r in arxiv_server.requests]
    assert len(times) == 4  # retries+1 attempts, then it stops
    gaps = [b - a for a, b in zip(times, times[1:])]
    # exponential backoff from the politeness delay: 0.05, 0.1, 0.2 s (never faster than arXiv allows)
    for n, gap in enumerate(gaps):
        assert gap >= fetch.backoff_seconds(settings, n + 1) - 0.02, gaps
    assert cache_files(settings) == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_http_errors_recover(arxiv_server: ArxivTestServer, settings_fast: Settings, status: int) -> None:
    meta = meta_for(settings_fast)
    arxiv_server.fail_next("/pdf/", [status, status])
    path = fetch.download_pdf(meta, settings_fast)
    assert path.read_bytes() == whole_pdf(arxiv_server)
    assert arxiv_server.count("/pdf/") == 3
    assert cache_files(settings_fast) == [PDF_NAME]


def test_retry_after_beyond_the_cap_fails_at_once(arxiv_server: ArxivTestServer, settings_fast: Settings) -> None:
    """arXiv asking for a wait longer than MAX_RETRY_AFTER_SECONDS: a clear failure, not a stuck night."""
    arxiv_server.fail_next("/api/query", [(429, {"Retry-After": "3600"})])
    with pytest.raises(FetchError, match=r"^1803\.10963: .*arXiv asked to wait 3600 s"):
        meta_for(settings_fast)
    assert arxiv_server.count() == 1


@pytest.fixture
def settings_fast(arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return settings_with(monkeypatch, retries=2)


# --------------------------------------------------------------------------- connection refused


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_during_pdf_download(arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_with(monkeypatch, retries=1)
    meta = meta_for(settings)
    good_url = meta.pdf_url
    meta.pdf_url = f"http://127.0.0.1:{free_port()}/pdf/1803.10963v2"  # connections there are refused
    with pytest.raises(FetchError) as info:
        fetch.download_pdf(meta, settings)
    assert "PDF download of 1803.10963v2 failed after 2 attempts: connection refused" in str(info.value)
    assert cache_files(settings) == []
    meta.pdf_url = good_url  # arXiv is back: the rerun gets the whole file
    assert fetch.download_pdf(meta, settings).read_bytes() == whole_pdf(arxiv_server)
    assert cache_files(settings) == [PDF_NAME]


# --------------------------------------------------------------------------- offline: refused, or no answer ever


def test_offline_draft_of_an_arxiv_id_fails_in_seconds_with_the_url_and_a_hint(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`paperdraft draft 1706.03762` with the default retries (4) and politeness delay (3 s), and nothing listening
    at the arXiv URL: before, 3+6+12+24 s of backoff (47 s); now one quick retry."""
    from typer.testing import CliRunner

    import pipeline.core  # noqa: F401 - imported before the clock starts: the run is timed, not the imports
    from pipeline.cli import app
    from pipeline.cli.console import quiet_libraries

    quiet_libraries()
    url = f"http://127.0.0.1:{free_port()}/api/query"
    monkeypatch.setenv("PAPERDRAFT_ARXIV_API_URL", url)
    monkeypatch.setenv("PAPERDRAFT_DEVICE", "cpu")
    fetch.GATE.reset()
    started = time.monotonic()
    result = CliRunner().invoke(app, ["draft", "1706.03762", "--drafts-dir", str(tmp_path / "drafts")])
    took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert took < 5, took
    errors = [line for line in result.stderr.splitlines() if line.startswith(("error:", "  hint:"))]
    assert errors[0].startswith("error: 1706.03762: arXiv API request failed after 2 attempts: connection refused")
    assert f"({url}?" in errors[0]
    assert errors[1] == "  hint: check the network, or PAPERDRAFT_ARXIV_API_URL; arXiv may be down (https://status.arxiv.org)"
    assert "Traceback" not in result.output


class SilentServer:
    """Accepts every connection on 127.0.0.1 and never sends a byte: a server that never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.accepted: list[socket.socket] = []
        self.times: list[float] = []  # time.monotonic() of each accept
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/query"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.times.append(time.monotonic())
            self.accepted.append(conn)  # held open, never answered

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def test_a_server_that_never_answers_costs_the_timeout_times_the_attempts(
        silent_server: SilentServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """3 attempts of 1.5 s. The backoff (0.7 s, then 1.4 s) counts from each attempt's start, which the timeout
    already outlasted: 4.5 s, where waiting the backoff after each timeout took 6.6 s."""
    timeout, attempts = 1.5, 3
    settings = settings_with(monkeypatch, retries=attempts - 1, api_url=silent_server.url, timeout_seconds=str(timeout),
                             delay_seconds="0.7")
    fetch.GATE.reset()
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        meta_for(settings)
    took = time.monotonic() - started
    assert len(silent_server.accepted) == attempts  # each attempt really connected, and waited
    assert timeout * attempts - 0.1 <= took <= timeout * attempts + 1.0, took
    assert f"after {attempts} attempts: no answer within 1.5 s (timeout) ({silent_server.url}?" in info.value.message
    assert info.value.hint


def test_backoff_still_holds_when_it_is_longer_than_the_timeout(
        silent_server: SilentServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A timeout shorter than the backoff: the next attempt still starts a full backoff after the last one started."""
    settings = settings_with(monkeypatch, retries=1, api_url=silent_server.url, timeout_seconds="0.3",
                             delay_seconds="1.0")
    fetch.GATE.reset()
    with pytest.raises(FetchError, match="after 2 attempts: no answer within 0.3 s"):
        meta_for(settings)
    assert len(silent_server.accepted) == 2
    gap = silent_server.times[1] - silent_server.times[0]
    assert 0.95 <= gap < 1.2, gap  # a full backoff (1 s) after the first started; not 1 s after it timed out (1.3 s)


# --------------------------------------------------------------------------- PDFs cut short


def test_read_stalls_halfway_through_a_pdf(arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half the bytes, then silence: a read timeout mid-body, retried; the half never lands in the cache."""
    settings = settings_with(monkeypatch, retries=1, timeout_seconds="0.3")
    meta = meta_for(settings)
    arxiv_server.fail_next("/pdf/", ["stall", "stall"])
    seen: list[int] = []
    with pytest.raises(FetchError) as info:
        fetch.download_pdf(meta, settings, on_progress=lambda done, total: seen.append(done))
    assert "1803.10963v2" in str(info.value) and "stalled for 0.3 s partway" in str(info.value)
    assert seen and 0 < max(seen) < len(whole_pdf(arxiv_server))  # it really was cut halfway
    assert cache_files(settings) == []
    assert fetch.download_pdf(meta, settings).read_bytes() == whole_pdf(arxiv_server)

    arxiv_server.clear()  # and one stall among good answers is only a retry
    (settings.cache / "pdfs" / PDF_NAME).unlink()
    arxiv_server.fail_next("/pdf/", ["stall"])
    assert fetch.download_pdf(meta, settings).read_bytes() == whole_pdf(arxiv_server)
    assert arxiv_server.count("/pdf/") == 2


def test_truncated_pdf_without_content_length(arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Content-Length, half the bytes, hang up: only the missing %%EOF tells; never cached."""
    settings = settings_with(monkeypatch, retries=1)
    meta = meta_for(settings)
    arxiv_server.fail_next("/pdf/", ["cut", "cut"])
    with pytest.raises(FetchError, match=r"1803\.10963v2 failed after 2 attempts: incomplete PDF \(no %%EOF"):
        fetch.download_pdf(meta, settings)
    assert cache_files(settings) == []
    assert fetch.download_pdf(meta, settings).read_bytes() == whole_pdf(arxiv_server)


@pytest.mark.parametrize("cut", [0.5, 0.99])
def test_partial_file_in_the_cache_is_not_taken_for_a_whole_one(
    arxiv_server: ArxivTestServer, settings_fast: Settings, cut: float
) -> None:
    """A PDF cut short that is already in the cache (a copy, an older paperdraft) is downloaded again."""
    meta = meta_for(settings_fast)
    whole = whole_pdf(arxiv_server)
    target = fetch.pdf_cache_path(meta, settings_fast)
    target.parent.mkdir(parents=True)
    target.write_bytes(whole[: int(len(whole) * cut)])
    assert fetch.download_pdf(meta, settings_fast).read_bytes() == whole
    assert arxiv_server.count("/pdf/") == 1
    fetch.download_pdf(meta, settings_fast)  # now whole: no second request
    assert arxiv_server.count("/pdf/") == 1


def test_html_error_page_fails_per_paper(arxiv_server: ArxivTestServer, settings_fast: Settings) -> None:
    """200 with text/html instead of a PDF, every time: a FetchError naming the paper and the Content-Type."""
    meta = meta_for(settings_fast)
    arxiv_server.fail_next("/pdf/", ["html"] * 3)
    with pytest.raises(FetchError) as info:
        fetch.download_pdf(meta, settings_fast)
    message = str(info.value)
    assert "1803.10963v2" in message and "not a PDF (Content-Type text/html" in message
    assert cache_files(settings_fast) == []


# --------------------------------------------------------------------------- empty pages


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 2 results, so a search spans several requests."""
    monkeypatch.setattr(fetch.client, "PAGE_SIZE", 2)
    monkeypatch.setattr(fetch.client, "_client", None)


def test_empty_page_mid_search_is_retried_not_taken_as_the_end(
    arxiv_server: ArxivTestServer, settings_fast: Settings, small_pages: None
) -> None:
    from datetime import date

    expected = [m.versioned_id for m in fetch.new_in_categories(["cs.CL", "cs.LG"], date(2000, 1, 1), settings_fast)]
    assert len(expected) > 4 and arxiv_server.count() >= 3  # really several pages
    arxiv_server.clear()
    arxiv_server.fail_next("/api/query", [None, "empty"])  # the second page comes back empty once
    found = fetch.new_in_categories(["cs.CL", "cs.LG"], date(2000, 1, 1), settings_fast)
    assert [m.versioned_id for m in found] == expected  # nothing lost
    assert [r.fault for r in arxiv_server.requests][:3] == [None, "empty", None]


def test_empty_pages_that_persist_fail_instead_of_a_short_list(
    arxiv_server: ArxivTestServer, settings_fast: Settings, small_pages: None
) -> None:
    from datetime import date

    arxiv_server.fail_next("/api/query", [None, "empty", "empty", "empty"])
    with pytest.raises(FetchError, match=r"after 3 attempts: empty page \(totalResults=5 but no entries\)"):
        fetch.new_in_categories(["cs.CL", "cs.LG"], date(2000, 1, 1), settings_fast)


def test_empty_first_page_for_a_paper_that_exists(arxiv_server: ArxivTestServer, settings_fast: Settings) -> None:
    arxiv_server.fail_next("/api/query", ["empty"] * 3)
    with pytest.raises(FetchError, match=r"^1803\.10963: .*after 3 attempts: empty page"):
        meta_for(settings_fast)
    # not a PaperNotFoundError: a paper that exists is never reported missing because of an empty page
    assert arxiv_server.count() == 3
    assert meta_for(settings_fast).versioned_id == "1803.10963v2"


def test_cache_holds_only_whole_pdfs_after_every_fault(arxiv_server: ArxivTestServer, settings_fast: Settings) -> None:
    """Every PDF fault in a row, then success: the cache ends with exactly one whole file."""
    meta = meta_for(settings_fast)
    faults = ["truncated", "cut", "html", "empty", 503, 429, "reset"]
    for fault in faults:
        arxiv_server.fail_next("/pdf/", [fault] * 3)
        with pytest.raises(FetchError):
            fetch.download_pdf(meta, settings_fast)
        assert cache_files(settings_fast) == [], fault
    path = fetch.download_pdf(meta, settings_fast)
    assert cache_files(settings_fast) == [PDF_NAME] and path.read_bytes() == whole_pdf(arxiv_server)
    assert Path(path).stat().st_mode & 0o777 == 0o644
