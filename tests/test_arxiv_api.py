"""pipeline.fetch against a real local HTTP server playing arXiv, with the real arxiv client."""

from __future__ import annotations

import errno
import pickle
import socket
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from pipeline import fetch
from pipeline.config import Settings, load_settings
from pipeline.errors import FetchError, InvalidSourceError, PaperNotFoundError
from pipeline.records import PaperMeta, SourceRef
from pipeline.sources import parse_source
from tests.arxiv_server import ArxivTestServer


@pytest.fixture
def settings(arxiv_server: ArxivTestServer) -> Settings:
    return load_settings()


def ref(text: str) -> SourceRef:
    return parse_source(text)


def raw_ref(arxiv_id: str) -> SourceRef:
    """A ref that parse_source would refuse (the recorded API responses use such ids)."""
    return SourceRef(kind="arxiv", raw=arxiv_id, arxiv_id=arxiv_id)


def corpus_pdf(server: ArxivTestServer, name: str) -> bytes:
    return (server.corpus / "pdfs" / name).read_bytes()


# --------------------------------------------------------------------------- metadata


def test_metadata_for_a_corpus_paper(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    meta = fetch.fetch_metadata(ref("1706.03762"), settings)
    assert isinstance(meta, PaperMeta)
    assert meta.title == "Attention Is All You Need"
    assert meta.authors[0] == "Ashish Vaswani" and meta.authors[-1] == "Illia Polosukhin" and len(meta.authors) == 8
    assert (meta.arxiv_id, meta.version) == ("1706.03762", 5)
    assert meta.url == "https://arxiv.org/abs/1706.03762v5"
    assert meta.pdf_url == f"{arxiv_server.base_url}/pdf/1706.03762v5"
    assert meta.categories == ["cs.CL", "cs.LG"]
    assert meta.published == "2017-06-12"
    assert meta.abstract
    [request] = arxiv_server.requests
    assert request.path == "/api/query"
    assert request.query["id_list"] == "1706.03762"
    assert pickle.loads(pickle.dumps(meta)) == meta  # plain data


def test_metadata_for_a_given_version(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    meta = fetch.fetch_metadata(ref("arXiv:1706.03762v3"), settings)
    assert (meta.arxiv_id, meta.version, meta.versioned_id) == ("1706.03762", 3, "1706.03762v3")
    assert arxiv_server.requests[0].query["id_list"] == "1706.03762v3"


def test_metadata_from_a_recorded_response(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    meta = fetch.fetch_metadata(ref("https://arxiv.org/abs/1605.08386"), settings)
    assert meta.title == "Heat-bath random walks with Markov bases"
    assert meta.authors == ["Caprice Stanley", "Tobias Windisch"]
    assert (meta.arxiv_id, meta.version) == ("1605.08386", 1)
    assert meta.categories == ["math.CO", "math.ST"]
    assert (meta.published, meta.updated) == ("2016-05-26", "2016-05-26")
    assert meta.abstract and meta.abstract.startswith("Graphs on lattice points")
    assert meta.pdf_url == f"{arxiv_server.base_url}/pdf/1605.08386v1"


def test_metadata_for_an_old_style_id(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    meta = fetch.fetch_metadata(ref("astro-ph/0601001"), settings)
    assert (meta.arxiv_id, meta.version) == ("astro-ph/0601001", 1)
    assert meta.title.startswith("Frequency of Hot Jupiters")
    assert meta.authors[0] == "Andrew Gould"
    assert meta.url == "https://arxiv.org/abs/astro-ph/0601001v1"
    assert fetch.pdf_cache_path(meta, settings).name == "astro-ph_0601001v1.pdf"


def test_old_api_format_title_is_cleaned(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    meta = fetch.fetch_metadata(ref("1111.2011v2"), settings)
    assert meta.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert "\n" not in (meta.abstract or "") and "  " not in (meta.abstract or "")
    assert meta.updated == "2012-04-02"


@pytest.mark.parametrize("arxiv_id", ["0000.0000", "2106.99999", "1706.03762v9"])
def test_unknown_paper(arxiv_server: ArxivTestServer, settings: Settings, arxiv_id: str) -> None:
    source = raw_ref(arxiv_id) if arxiv_id == "0000.0000" else ref(arxiv_id)
    with pytest.raises(PaperNotFoundError, match=f"arXiv has no paper {arxiv_id}"):
        fetch.fetch_metadata(source, settings)
    assert arxiv_server.count() == 1  # not retried


def test_api_error_entry(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    with pytest.raises(PaperNotFoundError) as info:
        fetch.fetch_metadata(raw_ref("abc"), settings)
    assert "arXiv has no paper abc" in str(info.value)
    assert "incorrect id format for abc" in str(info.value)
    assert arxiv_server.count() == 1  # an HTTP 400 is not retried


def test_local_sources_have_no_metadata(settings: Settings) -> None:
    with pytest.raises(InvalidSourceError):
        fetch.fetch_metadata(SourceRef(kind="pdf", raw="x.pdf", path="/x.pdf"), settings)


# --------------------------------------------------------------------------- retries


@pytest.mark.parametrize(
    "faults",
    [[429], [503], [500, 502], ["empty"], ["timeout"], ["truncated"], ["html"], ["reset"], [429, 503, "empty"]],
    ids=str,
)
def test_api_retries_then_succeeds(arxiv_server: ArxivTestServer, settings: Settings, faults: list) -> None:
    arxiv_server.fail_next("/api/query", faults)
    meta = fetch.fetch_metadata(ref("1706.03762"), settings)
    assert meta.title == "Attention Is All You Need"
    records = arxiv_server.requests
    assert len(records) == len(faults) + 1
    assert [r.fault for r in records] == [*faults, None]


def test_backoff_grows(arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERDRAFT_ARXIV_DELAY_SECONDS", "0.1")
    arxiv_server.fail_next("/api/query", [503, 503, 503])
    fetch.fetch_metadata(ref("1706.03762"), load_settings())
    t = [r.t for r in arxiv_server.requests]
    gaps = [b - a for a, b in zip(t, t[1:])]
    assert gaps[0] >= 0.1 - 0.02 and gaps[1] >= 0.2 - 0.02 and gaps[2] >= 0.4 - 0.02


def test_retry_after_is_honoured(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    arxiv_server.fail_next("/api/query", [(429, {"Retry-After": "1"})])
    fetch.fetch_metadata(ref("1706.03762"), settings)
    first, second = arxiv_server.requests
    assert second.t - first.t >= 0.98


def test_permanent_failure(arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERDRAFT_ARXIV_RETRIES", "2")
    arxiv_server.fail_next("/api/query", [503] * 10)
    with pytest.raises(FetchError) as info:
        fetch.fetch_metadata(ref("1706.03762"), load_settings())
    message = str(info.value)
    assert "after 3 attempts" in message and "HTTP 503" in message
    assert arxiv_server.api_url in message and "id_list=1706.03762" in message
    assert info.value.hint
    assert arxiv_server.count() == 3
    copy = pickle.loads(pickle.dumps(info.value))  # as Prefect moves it: every field, not just the message
    assert (type(copy), copy.args, vars(copy), str(copy)) == (FetchError, info.value.args, vars(info.value), message)


def test_permanent_timeouts(arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERDRAFT_ARXIV_RETRIES", "1")
    monkeypatch.setenv("PAPERDRAFT_ARXIV_TIMEOUT_SECONDS", "0.2")
    arxiv_server.fail_next("/api/query", ["timeout"] * 2)
    with pytest.raises(FetchError, match=r"after 2 attempts: no answer within 0\.2 s"):
        fetch.fetch_metadata(ref("1706.03762"), load_settings())


def test_unreachable_server(arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERDRAFT_ARXIV_RETRIES", "1")
    arxiv_server.close()  # nothing listens on that port any more
    with pytest.raises(FetchError, match="after 2 attempts: connection refused"):
        fetch.fetch_metadata(ref("1706.03762"), load_settings())


def test_a_refused_connection_gets_one_quick_retry_not_the_backoff(
        arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens: UNREACHABLE_ATTEMPTS tries, UNREACHABLE_RETRY_SECONDS apart, whatever the retries and the
    politeness delay (no server saw the first try, so the delay does not hold back the second)."""
    from pipeline.fetch import retries

    monkeypatch.setenv("PAPERDRAFT_ARXIV_RETRIES", "4")
    monkeypatch.setenv("PAPERDRAFT_ARXIV_DELAY_SECONDS", "3")
    url = arxiv_server.api_url
    arxiv_server.close()
    fetch.GATE.reset()
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch.fetch_metadata(ref("1706.03762"), load_settings())
    took = time.monotonic() - started
    assert fetch.GATE.requests == retries.UNREACHABLE_ATTEMPTS == 2
    assert retries.UNREACHABLE_RETRY_SECONDS - 0.05 <= took < 2.5, took  # the backoff alone would be 3+6+12+24 s
    assert f"after 2 attempts: connection refused ({url}?" in info.value.message
    assert info.value.hint == retries.HINT_NETWORK


@pytest.mark.parametrize("error, reason", [
    (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
    (socket.gaierror(-3, "Temporary failure in name resolution"), "could not resolve the host name"),
    (OSError(errno.ENETUNREACH, "Network is unreachable"), "no route to the host (network unreachable)"),
    (ConnectionResetError(104, "Connection reset by peer"), None),
    (TimeoutError("timed out"), None),
])
def test_which_failures_count_as_unreachable(error: OSError, reason: str | None) -> None:
    """As requests raises them: ConnectionError(MaxRetryError(reason=NewConnectionError)) from the socket's error."""
    import requests
    import urllib3

    from pipeline.fetch.retries import unreachable_reason

    try:
        try:
            raise error
        except OSError as exc:
            raise urllib3.exceptions.NewConnectionError(None, f"Failed to establish a new connection: {exc}") from exc
    except urllib3.exceptions.NewConnectionError as exc:
        wrapped = requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "http://x/", reason=exc))
    assert unreachable_reason(wrapped) == reason


# --------------------------------------------------------------------------- search


def test_search_recorded(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    found = fetch.search("au:del_maestro", settings, max_results=10)
    assert len(found) == 10
    assert all(isinstance(m, PaperMeta) and m.arxiv_id and m.version for m in found)
    assert all("Del Maestro" in " ".join(m.authors) for m in found)
    assert arxiv_server.count() == 1
    assert arxiv_server.requests[0].query["search_query"] == "au:del_maestro"

    found = fetch.search("testing", settings, max_results=3)
    assert [m.versioned_id for m in found][0] == "2202.12139v1"
    assert len(found) == 3


def test_search_rejects_bad_arguments(settings: Settings) -> None:
    with pytest.raises(InvalidSourceError):
        fetch.search("  ", settings)
    with pytest.raises(InvalidSourceError):
        fetch.search("x", settings, max_results=0)


def test_new_in_categories(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    found = fetch.new_in_categories(["cs.CL", "cs.LG"], date(2017, 1, 1), settings, max_results=50)
    assert [m.versioned_id for m in found] == ["2204.02311v1", "2010.11929v2", "1810.04805v2", "1706.03762v5"]
    [request] = arxiv_server.requests
    assert request.query["search_query"] == "cat:cs.CL OR cat:cs.LG"
    assert (request.query["sortBy"], request.query["sortOrder"]) == ("submittedDate", "descending")

    assert [m.arxiv_id for m in fetch.new_in_categories(["cs.SD"], date(2014, 1, 1), settings, 5)] == ["1803.10963", "1411.3715"]
    assert len(fetch.new_in_categories(["cs.CL"], date(2000, 1, 1), settings, max_results=2)) == 2


@pytest.mark.parametrize("bad", [[], ["cs.CL) OR (all:x"], ["cat:cs.CL"]])
def test_new_in_categories_rejects_bad_categories(settings: Settings, bad: list[str]) -> None:
    with pytest.raises(InvalidSourceError):
        fetch.new_in_categories(bad, date(2020, 1, 1), settings)


# --------------------------------------------------------------------------- client and gate


def test_one_shared_client(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    client = fetch.shared_client(settings)
    assert fetch.shared_client(load_settings()) is client
    assert client.query_url_format == arxiv_server.api_url + "?{}"
    other = fetch.shared_client(settings.replace(arxiv_api_url="http://127.0.0.1:9/q?x=1"))
    assert other is not client and other.query_url_format == "http://127.0.0.1:9/q?x=1&{}"


def test_gate_spaces_requests_across_threads(arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    delay = 0.2
    monkeypatch.setenv("PAPERDRAFT_ARXIV_DELAY_SECONDS", str(delay))
    settings = load_settings()
    ids = ["1706.03762", "1810.04805", "1412.6980", "1803.10963"]
    errors: list[BaseException] = []

    def work(arxiv_id: str) -> None:
        try:
            meta = fetch.fetch_metadata(ref(arxiv_id), settings)
            fetch.download_pdf(meta, settings)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    times = sorted(r.t for r in arxiv_server.requests)
    assert len(times) == 8  # 4 queries and 4 PDFs
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= delay - 0.03, gaps  # so never two requests within one delay window
    assert fetch.GATE.max_in_flight == 1
    assert fetch.GATE.requests == 8


def test_gate_unit() -> None:
    gate = fetch.PolitenessGate()
    starts: list[float] = []
    lock = threading.Lock()

    def hit() -> None:
        with gate.slot(0.05):
            with lock:
                starts.append(__import__("time").monotonic())

    threads = [threading.Thread(target=hit) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    assert all(b - a >= 0.049 for a, b in zip(starts, starts[1:]))
    assert gate.requests == 5 and gate.max_in_flight == 1 and gate.in_flight == 0


# --------------------------------------------------------------------------- PDFs


def _cache_files(settings: Settings) -> list[str]:
    folder = settings.cache / "pdfs"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_pdf_and_reuse(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    meta = fetch.fetch_metadata(ref("1706.03762"), settings)
    progress: list[tuple[int, int | None]] = []
    path = fetch.download_pdf(meta, settings, on_progress=lambda done, total: progress.append((done, total)))
    expected = corpus_pdf(arxiv_server, "1706.03762v5.pdf")
    assert path == settings.cache / "pdfs" / "1706.03762v5.pdf"
    assert path.read_bytes() == expected
    assert _cache_files(settings) == ["1706.03762v5.pdf"]  # no temp files left
    assert len(progress) > 1 and progress[-1] == (len(expected), len(expected))
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    pdf_requests = arxiv_server.count("/pdf/")
    assert pdf_requests == 1
    gap = arxiv_server.requests[1].t - arxiv_server.requests[0].t
    assert gap >= settings.arxiv_delay_seconds - 0.02  # the gate covers PDFs too

    again = fetch.download_pdf(meta, settings)
    assert again == path
    assert arxiv_server.count() == 2  # no request the second time


def test_concurrent_downloads_of_one_paper_fetch_once(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    meta = fetch.fetch_metadata(ref("1803.10963"), settings)
    paths: list[Path] = []
    threads = [threading.Thread(target=lambda: paths.append(fetch.download_pdf(meta, settings))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(set(paths)) == 1 and len(paths) == 3
    assert arxiv_server.count("/pdf/") == 1


@pytest.mark.parametrize("faults", [["truncated"], ["html"], [503], ["empty"], ["timeout"], [(429, {"Retry-After": "0"})]], ids=str)
def test_download_retries_bad_answers(arxiv_server: ArxivTestServer, settings: Settings, faults: list) -> None:
    meta = fetch.fetch_metadata(ref("1803.10963"), settings)
    arxiv_server.fail_next("/pdf/", faults)
    path = fetch.download_pdf(meta, settings)
    assert path.read_bytes() == corpus_pdf(arxiv_server, "1803.10963v2.pdf")
    assert arxiv_server.count("/pdf/") == len(faults) + 1
    assert _cache_files(settings) == ["1803.10963v2.pdf"]


@pytest.mark.parametrize(("fault", "why"), [("truncated", "incomplete PDF|broken off"), ("html", "not a PDF"), ("empty", "not a PDF")])
def test_bad_downloads_are_never_cached(
    arxiv_server: ArxivTestServer, monkeypatch: pytest.MonkeyPatch, fault: str, why: str
) -> None:
    monkeypatch.setenv("PAPERDRAFT_ARXIV_RETRIES", "1")
    settings = load_settings()
    meta = fetch.fetch_metadata(ref("1803.10963"), settings)
    arxiv_server.fail_next("/pdf/", [fault, fault])
    with pytest.raises(FetchError, match=why) as info:
        fetch.download_pdf(meta, settings)
    assert "after 2 attempts" in str(info.value) and meta.pdf_url in str(info.value)
    assert _cache_files(settings) == []  # neither the PDF nor a temp file
    # the next call downloads afresh and succeeds
    assert fetch.download_pdf(meta, settings).read_bytes() == corpus_pdf(arxiv_server, "1803.10963v2.pdf")


def test_missing_pdf_is_not_found(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    meta = fetch.fetch_metadata(ref("1605.08386"), settings)  # recorded, but no corpus PDF
    with pytest.raises(PaperNotFoundError, match="no PDF"):
        fetch.download_pdf(meta, settings)
    assert arxiv_server.count("/pdf/") == 1
    assert _cache_files(settings) == []


def test_meta_without_pdf_url(settings: Settings) -> None:
    with pytest.raises(PaperNotFoundError):
        fetch.download_pdf(PaperMeta(title="x", arxiv_id="2106.09685", version=1), settings)


def test_progress_callback_errors_leave_no_file(arxiv_server: ArxivTestServer, settings: Settings) -> None:
    meta = fetch.fetch_metadata(ref("1706.03762"), settings)

    def cancel(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch.download_pdf(meta, settings, on_progress=cancel)
    assert _cache_files(settings) == []
