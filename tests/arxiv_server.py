"""A real HTTP server that plays arXiv for tests, on 127.0.0.1.

It answers ``/oai`` (OAI-PMH ``GetRecord``: a paper's licence, see :meth:`ArxivTestServer._oai`) and ``/api/query`` with real recorded arXiv Atom responses from the
shared corpus (``/work/shared/corpus/atom``, see its MANIFEST.md), matched on
``id_list`` / ``search_query``. For corpus PDFs with no recorded response it
builds a feed from a recorded one used as a template
(``arxivpy2026_id_1605.08386.xml``), filling in :data:`CORPUS_PAPERS`. Every
PDF link in a served feed points back here (``{base_url}/pdf/<id>v<n>``), and
``/pdf/...`` serves the corpus PDF bytes.

Faults are scripted per test::

    server.fail_next("/api/query", [429, 503, "empty"])   # then normal answers
    server.fail_next("/pdf/", ["truncated", (429, {"Retry-After": "1"})])

Faults: an int (that HTTP status), ``(status, headers)``, ``"empty"`` (a valid
feed with totalResults > 0 but no entries; an empty body for PDFs),
``"timeout"`` (answer nothing for :attr:`ArxivTestServer.stall_seconds`, then
hang up), ``"reset"`` (hang up at once), ``"html"`` (200 with an HTML error
page), ``"truncated"`` (the normal answer's Content-Length, half its bytes,
then hang up), ``"stall"`` (the normal answer's Content-Length and half its bytes, then
nothing for :attr:`ArxivTestServer.stall_seconds`: a read that times out halfway), ``"cut"``
(no Content-Length, half the bytes, then hang up: a truncation only the body can reveal).
Every request is recorded in :attr:`ArxivTestServer.requests`.

Fixture ``arxiv_server`` (register with ``pytest_plugins = ["tests.arxiv_server"]``
or import it): starts a server and points ``PAPERDRAFT_ARXIV_API_URL`` at it,
with ``PAPERDRAFT_ARXIV_DELAY_SECONDS=0.05`` and
``PAPERDRAFT_ARXIV_TIMEOUT_SECONDS=0.5``. Skips when the corpus is absent.
"""

from __future__ import annotations

import html
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

CORPUS_ENV = "PAPERDRAFT_CORPUS"


def corpus_root() -> Path | None:
    """The shared corpus (``$PAPERDRAFT_CORPUS`` or ``<repo>/../shared/corpus``), or None when absent."""
    env = os.environ.get(CORPUS_ENV)
    root = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    return root if (root / "atom").is_dir() and (root / "pdfs").is_dir() else None


@dataclass(frozen=True)
class Paper:
    """Facts for a corpus PDF that has no recorded API response (from MANIFEST.md and the papers)."""

    arxiv_id: str
    version: int  # the corpus PDF's version, served as the latest
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first
    published: str  # v1, RFC 3339
    updated: str  # this version
    summary: str = ""


def _p(arxiv_id: str, version: int, title: str, authors: str, cats: str, published: str, updated: str | None = None) -> Paper:
    return Paper(
        arxiv_id,
        version,
        title,
        tuple(a.strip() for a in authors.split(",")),
        tuple(cats.split()),
        f"{published}T00:00:00Z",
        f"{updated or published}T00:00:00Z",
        summary=f"{title}. (Abstract not recorded; this feed entry is synthesized by tests/arxiv_server.py.)",
    )


# Author lists of the very long papers are cut to their first authors.
CORPUS_PAPERS: dict[str, Paper] = {
    p.arxiv_id: p
    for p in [
        _p("1706.03762", 5, "Attention Is All You Need",
           "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, Aidan N. Gomez, Lukasz Kaiser, Illia Polosukhin",
           "cs.CL cs.LG", "2017-06-12", "2017-12-06"),
        _p("1810.04805", 2, "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
           "Jacob Devlin, Ming-Wei Chang, Kenton Lee, Kristina Toutanova", "cs.CL", "2018-10-11", "2019-05-24"),
        _p("1412.6980", 9, "Adam: A Method for Stochastic Optimization", "Diederik P. Kingma, Jimmy Ba",
           "cs.LG", "2014-12-22", "2017-01-30"),
        _p("1411.2738", 4, "word2vec Parameter Learning Explained", "Xin Rong", "cs.CL", "2014-11-11", "2016-06-05"),
        _p("1410.0342", 4, "Generalized Low Rank Models", "Madeleine Udell, Corinne Horn, Reza Zadeh, Stephen Boyd",
           "stat.ML cs.LG math.OC", "2014-10-01", "2015-05-05"),
        _p("1411.3715", 1, "Acoustic Scene Classification",
           "Daniele Barchiesi, Dimitrios Giannoulis, Dan Stowell, Mark D. Plumbley", "cs.SD", "2014-11-13"),
        _p("1803.10963", 2, "Attentive Statistics Pooling for Deep Speaker Embedding",
           "Koji Okabe, Takafumi Koshinaka, Koichi Shinoda", "eess.AS cs.SD", "2018-03-29", "2019-02-25"),
        _p("2204.02311", 1, "PaLM: Scaling Language Modeling with Pathways",
           "Aakanksha Chowdhery, Sharan Narang, Jacob Devlin, Maarten Bosma, Gaurav Mishra, Adam Roberts, Paul Barham",
           "cs.CL", "2022-04-05"),
        _p("2010.11929", 2, "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
           "Alexey Dosovitskiy, Lucas Beyer, Alexander Kolesnikov, Dirk Weissenborn, Xiaohua Zhai, Thomas Unterthiner, "
           "Mostafa Dehghani, Matthias Minderer, Georg Heigold, Sylvain Gelly, Jakob Uszkoreit, Neil Houlsby",
           "cs.CV cs.AI cs.LG", "2020-10-22", "2021-06-03"),
    ]
}

# Papers whose LaTeX source is in the corpus (``latex/``, see its MANIFEST.md). Their ids answer ``id_list``
# requests but no category search, so the category listings other tests count stay those of CORPUS_PAPERS.
# Versions are the test server's: the trees may post-date the arXiv versions named here.
SOURCE_PAPERS: dict[str, Paper] = {
    p.arxiv_id: p
    for p in [
        _p("2310.03240", 1, "Relational Convolutional Networks: A framework for learning representations of "
           "hierarchical relations", "Awni Altabaa, John Lafferty", "cs.LG", "2023-10-04"),
        _p("2202.00665", 1, "Tutorial on amortized optimization", "Brandon Amos", "cs.LG math.OC", "2022-02-01"),
        _p("1603.07285", 1, "A guide to convolution arithmetic for deep learning", "Vincent Dumoulin, Francesco Visin",
           "stat.ML cs.LG", "2016-03-23"),
        _p("2102.10535", 1, "Automatic Code Generation using Pre-Trained Language Models",
           "Luis Perez, Lizi Ottens, Sudharshan Viswanathan", "cs.CL cs.LG", "2021-02-20"),
    ]
}
SOURCE_TREES = {"2102.10535": "2102_10535"}  # served by tarring the tree at test time
SOURCE_PDFS = {"2102.10535": "2102_10535_main.pdf"}  # the authors' PDF of the tree, served as the paper's PDF


def tar_tree(folder: Path) -> bytes:
    """A gzipped tar of ``folder``'s files as arXiv serves an e-print: paths from its root, no directories."""
    import gzip
    import io
    import tarfile

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(folder).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as f:
                tar.addfile(info, f)
    return gzip.compress(raw.getvalue(), mtime=0)


# Recorded responses served verbatim (start=0), keyed by (parameter, value).
RECORDED: dict[tuple[str, str], tuple[str, int]] = {
    ("id_list", "1605.08386"): ("arxivpy2026_id_1605.08386.xml", 200),
    ("id_list", "astro-ph/0601001"): ("arxivpy2026_id_astro-ph_0601001.xml", 200),
    ("id_list", "0808.05394,1707.08567"): ("arxivpy2026_id_0808.05394_1707.08567.xml", 200),
    ("id_list", "0000.0000"): ("arxivpy2026_id_0000.0000_empty.xml", 200),
    ("id_list", "abc"): ("arxivpy2026_id_abc_http400_error.xml", 400),
    ("id_list", "1111.2011v2"): ("arxivpy2016_id_list_1111.2011v2.xml", 200),
    ("search_query", "au:del_maestro"): ("arxivpy2016_search_au_del_maestro.xml", 200),
    ("search_query", "testing"): ("arxivpy2026_q_testing_s0_m10.xml", 200),
    ("search_query", "all:testing"): ("arxivpy2026_q_testing_s0_m10.xml", 200),
}
# Single-entry recordings whose entry also answers other requests for that id.
RECORDED_ENTRIES = [
    "arxivpy2026_id_1605.08386.xml",
    "arxivpy2026_id_astro-ph_0601001.xml",
    "arxivpy2026_id_0808.05394_1707.08567.xml",
    "arxivpy2016_id_list_1111.2011v2.xml",
]
TEMPLATE = "arxivpy2026_id_1605.08386.xml"
ERROR_TEMPLATE = "arxivpy2026_id_abc_http400_error.xml"

_ID = re.compile(r"(?P<id>\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?")
_ENTRY = re.compile(r"[ \t]*<entry>.*?</entry>\n?", re.S)
_PDF_HREF = re.compile(r'href="https?://(?:export\.|www\.)?arxiv\.org/pdf/([^"]+)"')
_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>arXiv: service unavailable</title></head>"
    b"<body><h1>Sorry, arXiv is busy</h1><p>Please try again later.</p></body></html>"
)


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]  # first value of each parameter
    t: float  # time.monotonic() when the request arrived
    fault: Any = None  # the scripted fault served, or None


@dataclass
class _Answer:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


_OAI_GET = ('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            '<responseDate>2026-12-01T00:00:00Z</responseDate><request verb="GetRecord" metadataPrefix="arXiv">'
            'http://export.arxiv.org/oai2</request><GetRecord>{record}</GetRecord></OAI-PMH>')
_OAI_ERROR = ('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
              '<responseDate>2026-12-01T00:00:00Z</responseDate><request>http://export.arxiv.org/oai2</request>'
              '<error code="{code}">{text}</error></OAI-PMH>')


class ArxivTestServer:
    """arXiv's API and PDF hosts on 127.0.0.1:<free port>, in a daemon thread."""

    stall_seconds = 1.5  # the "timeout" fault; keep above the client timeout

    def __init__(self, corpus: Path | None = None):
        root = corpus or corpus_root()
        if root is None:
            raise FileNotFoundError(f"arXiv corpus not found; set {CORPUS_ENV}")
        self.corpus = root
        self.requests_lock = threading.Lock()
        self._requests: list[RequestRecord] = []
        self._faults: list[tuple[str, list[Any]]] = []
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._atom = {p.name: p.read_text(encoding="utf-8") for p in (root / "atom").glob("*.xml")}
        self._oai_records = [r for p in sorted((root / "oai").glob("*.xml"), reverse=True)
                             for r in re.findall(r"<record>.*?</record>", p.read_text(encoding="utf-8"), re.S)]
        self.licences: dict[str, str] = {}  # arXiv id -> the licence URL its OAI-PMH record gives ("" for none)
        self.eprints: dict[str, bytes] = {}  # arXiv id -> the e-print bytes to serve instead of the corpus's
        self.no_pdf: set[str] = set()  # arXiv ids whose PDF answers 404 (a paper with source but no PDF)
        self._entries: dict[str, tuple[int, str]] = {}
        for name in RECORDED_ENTRIES:
            for entry in _ENTRY.findall(self._atom[name]):
                m = re.search(r"<id>https?://arxiv\.org/abs/(.+?)</id>", entry)
                idm = _ID.fullmatch(m[1]) if m else None
                if idm:
                    self._entries[idm["id"]] = (int(idm["version"]), entry)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> ArxivTestServer:
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="arxiv-test-server", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ArxivTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    def pdf_url(self, versioned_id: str) -> str:
        return f"{self.base_url}/pdf/{versioned_id}"

    # ------------------------------------------------------------------ scripting and records

    def fail_next(self, path_prefix: str, faults: list[Any]) -> None:
        """The next ``len(faults)`` requests whose path starts with ``path_prefix`` get these faults."""
        with self.requests_lock:
            self._faults.append((path_prefix, list(faults)))

    def _take_fault(self, path: str) -> Any:
        with self.requests_lock:
            for prefix, script in self._faults:
                if path.startswith(prefix) and script:
                    return script.pop(0)
        return None

    @property
    def requests(self) -> list[RequestRecord]:
        with self.requests_lock:
            return list(self._requests)

    def count(self, path_prefix: str = "/") -> int:
        return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    def clear(self) -> None:
        with self.requests_lock:
            self._requests.clear()
            self._faults.clear()

    def _record(self, record: RequestRecord) -> None:
        with self.requests_lock:
            self._requests.append(record)

    # ------------------------------------------------------------------ answers

    @property
    def oai_url(self) -> str:
        return f"{self.base_url}/oai"

    def answer(self, path: str, query: dict[str, str]) -> _Answer:
        if path.rstrip("/") == "/api/query":
            return self._api(query)
        if path.rstrip("/") == "/oai":
            return self._oai(query)
        if path.startswith("/pdf/"):
            return self._pdf(unquote(path[len("/pdf/"):]))
        if path.startswith(("/src/", "/e-print/")):
            return self._eprint(unquote(path.split("/", 2)[2]))
        return _Answer(404, b"<html><body>Not found</body></html>", "text/html; charset=utf-8")

    def _oai(self, q: dict[str, str]) -> _Answer:
        """OAI-PMH ``GetRecord`` (metadataPrefix=arXiv). A paper in a recorded ListRecords/GetRecord answer gets its
        real record; any other is the first recorded record (a real one, CC BY 4.0) with the paper's id and the
        licence :attr:`licences` gives it (arXiv's non-exclusive licence by default): the corpus papers' own
        licences were not recorded."""
        xml_ok = "application/xml; charset=utf-8"
        ident = q.get("identifier", "").removeprefix("oai:arXiv.org:")
        if q.get("verb") != "GetRecord" or q.get("metadataPrefix") != "arXiv" or not ident:
            return _Answer(200, _OAI_ERROR.format(code="badArgument", text="Illegal arguments").encode(), xml_ok)
        for record in self._oai_records:
            if f"<identifier>oai:arXiv.org:{ident}</identifier>" in record and ident not in self.licences:
                return _Answer(200, _OAI_GET.format(record=record).encode(), xml_ok)
        if ident not in CORPUS_PAPERS and ident not in SOURCE_PAPERS and ident not in self._entries \
                and ident not in self.licences:
            return _Answer(200, _OAI_ERROR.format(code="idDoesNotExist", text=f"oai:arXiv.org:{ident}").encode(), xml_ok)
        record = self._oai_records[0]
        record = re.sub(r"<identifier>oai:arXiv\.org:[^<]+</identifier>", f"<identifier>oai:arXiv.org:{ident}</identifier>", record)
        record = re.sub(r"<id>[^<]+</id>", f"<id>{html.escape(ident)}</id>", record)
        licence = self.licences.get(ident, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/")
        record = re.sub(r"<license>[^<]*</license>", f"<license>{html.escape(licence)}</license>" if licence else "", record)
        return _Answer(200, _OAI_GET.format(record=record).encode(), xml_ok)

    def eprint_bytes(self, paper_id: str) -> bytes | None:
        """The e-print of ``paper_id``: :attr:`eprints`, a corpus e-print file, or its corpus tree tarred."""
        if paper_id in self.eprints:
            return self.eprints[paper_id]
        latex = self.corpus / "latex"
        for name in (f"{paper_id}.tar.gz", f"{paper_id}.gz"):
            if (latex / "eprints" / name).is_file():
                return (latex / "eprints" / name).read_bytes()
        if paper_id in SOURCE_TREES and (latex / SOURCE_TREES[paper_id]).is_dir():
            return tar_tree(latex / SOURCE_TREES[paper_id])
        return None

    def _eprint(self, ident: str) -> _Answer:
        """``/src/<id>`` (what ``arxiv.Result.source_url()`` gives) and ``/e-print/<id>``: the e-print as arXiv
        serves it (gzip); a corpus PDF for a paper without source; 404 for anything else."""
        m = _ID.fullmatch(ident)
        if m:
            body = self.eprint_bytes(m["id"])
            if body is not None:
                return _Answer(200, body, "application/gzip")
            if m["id"] in CORPUS_PAPERS:  # arXiv serves the PDF as the e-print of a paper without source
                pdf = self._pdf(ident)
                if pdf.status == 200:
                    return pdf
        return _Answer(404, b"<html><body>Source not found</body></html>", "text/html; charset=utf-8")

    def _pdf(self, ident: str) -> _Answer:
        ident = ident.removesuffix(".pdf")
        m = _ID.fullmatch(ident)
        if m and m["id"] in self.no_pdf:
            return _Answer(404, b"<html><body>Paper not found</body></html>", "text/html; charset=utf-8")
        if m and m["id"] in SOURCE_PDFS and (self.corpus / "latex" / SOURCE_PDFS[m["id"]]).is_file():
            return _Answer(200, (self.corpus / "latex" / SOURCE_PDFS[m["id"]]).read_bytes(), "application/pdf")
        if m:
            paper_id, version = m["id"], m["version"]
            if version is None:
                latest = CORPUS_PAPERS.get(paper_id) or None
                version = str(latest.version) if latest else (str(self._entries[paper_id][0]) if paper_id in self._entries else None)
            path = self.corpus / "pdfs" / f"{paper_id.replace('/', '_')}v{version}.pdf"
            if version and path.is_file():
                return _Answer(200, path.read_bytes(), "application/pdf")
        return _Answer(404, b"<html><body>Paper not found</body></html>", "text/html; charset=utf-8")

    def _atom_answer(self, xml: str, status: int = 200) -> _Answer:
        xml = _PDF_HREF.sub(lambda m: f'href="{self.base_url}/pdf/{m[1]}"', xml)
        return _Answer(status, xml.encode("utf-8"), "application/atom+xml; charset=utf-8")

    def _api(self, q: dict[str, str]) -> _Answer:
        id_list, search_query = q.get("id_list", ""), q.get("search_query", "")
        start = int(q.get("start") or 0)
        per_page = int(q.get("max_results") or 10)
        if start == 0:
            for key in (("id_list", id_list), ("search_query", search_query)):
                if key[1] and not (key[0] == "search_query" and id_list) and key in RECORDED:
                    name, status = RECORDED[key]
                    return self._atom_answer(self._atom[name], status)
        if id_list:
            entries = []
            for ident in id_list.split(","):
                m = _ID.fullmatch(ident)
                if not m:
                    return self._error_feed(ident)
                entry = self.entry(m["id"], int(m["version"]) if m["version"] else None)
                if entry is not None:
                    entries.append(entry)
            return self._atom_answer(self.feed(entries[start : start + per_page], len(entries), start, per_page, q))
        if search_query:
            cats = re.fullmatch(r"cat:\S+(?: OR cat:\S+)*", search_query)
            papers = []
            if cats:
                wanted = set(re.findall(r"cat:(\S+)", search_query))
                papers = [p for p in CORPUS_PAPERS.values() if wanted & set(p.categories)]
                papers.sort(key=lambda p: p.published, reverse=q.get("sortOrder", "descending") == "descending")
            entries = [self.paper_entry(p, p.version) for p in papers]
            return self._atom_answer(self.feed(entries[start : start + per_page], len(entries), start, per_page, q))
        return self._error_feed("")

    def _error_feed(self, ident: str) -> _Answer:
        xml = self._atom[ERROR_TEMPLATE]
        safe = html.escape(ident, quote=True)
        xml = xml.replace("incorrect_id_format_for_abc", "incorrect_id_format_for_" + re.sub(r"\W", "_", ident))
        xml = xml.replace("incorrect id format for abc", f"incorrect id format for {safe}")
        return self._atom_answer(xml, 400)

    # ------------------------------------------------------------------ feed building

    def entry(self, paper_id: str, version: int | None) -> str | None:
        """One ``<entry>`` for ``paper_id`` (latest version when None), or None if unknown."""
        if paper_id in self._entries:
            recorded_version, text = self._entries[paper_id]
            if version in (None, recorded_version):
                return text
            return None
        paper = CORPUS_PAPERS.get(paper_id) or SOURCE_PAPERS.get(paper_id)
        if paper is None or (version is not None and not 1 <= version <= paper.version):
            return None
        return self.paper_entry(paper, version or paper.version)

    def paper_entry(self, paper: Paper, version: int) -> str:
        """The template's entry with this paper's facts substituted."""
        template = _ENTRY.search(self._atom[TEMPLATE])
        assert template is not None
        e = template[0]
        vid = f"{paper.arxiv_id}v{version}"
        updated = paper.updated if version == paper.version else paper.published
        esc = html.escape

        def sub(pattern: str, repl: str, text: str) -> str:
            new, n = re.subn(pattern, lambda _m: repl, text, count=1, flags=re.S)
            assert n == 1, f"template has no {pattern}"
            return new

        e = sub(r"<id>.*?</id>", f"<id>http://arxiv.org/abs/{vid}</id>", e)
        e = sub(r"<title>.*?</title>", f"<title>{esc(paper.title, quote=False)}</title>", e)
        e = sub(r"<updated>.*?</updated>", f"<updated>{updated}</updated>", e)
        e = sub(r"<published>.*?</published>", f"<published>{paper.published}</published>", e)
        e = sub(r'<link href="[^"]*" rel="alternate"', f'<link href="https://arxiv.org/abs/{vid}" rel="alternate"', e)
        e = sub(r'<link href="[^"]*" rel="related" type="application/pdf"',
                f'<link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"', e)
        e = sub(r"<summary>.*?</summary>", f"<summary>{esc(paper.summary, quote=False)}</summary>", e)
        indent = "    "
        categories = "".join(
            f'{indent}<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>\n' for c in paper.categories
        )
        e = sub(r'(?:[ \t]*<category [^>]*/>\n)+', categories, e)
        e = re.sub(r"[ \t]*<arxiv:comment>.*?</arxiv:comment>\n", "", e, flags=re.S)
        e = sub(r'<arxiv:primary_category term="[^"]*"/>', f'<arxiv:primary_category term="{paper.categories[0]}"/>', e)
        authors = "".join(
            f"{indent}<author>\n{indent}  <name>{esc(a, quote=False)}</name>\n{indent}</author>\n" for a in paper.authors
        )
        e = sub(r"(?:[ \t]*<author>.*?</author>\n)+", authors, e)
        return e

    def feed(self, entries: list[str], total: int, start: int, per_page: int, q: dict[str, str]) -> str:
        """The template feed's header with these entries and opensearch counts."""
        head, _, _ = self._atom[TEMPLATE].partition("  <entry>")
        desc = "&amp;".join(
            f"{k}={html.escape(q.get(k, ''))}" for k in ("search_query", "id_list", "start", "max_results")
        )
        head = re.sub(r"<title>.*?</title>", lambda _m: f"<title>arXiv Query: {desc}</title>", head, count=1)
        head = re.sub(r'<link href="[^"]*"', lambda _m: f'<link href="{self.api_url}?{desc}"', head, count=1)
        head = re.sub(r"<opensearch:itemsPerPage>\d+<", f"<opensearch:itemsPerPage>{per_page}<", head)
        head = re.sub(r"<opensearch:totalResults>\d+<", f"<opensearch:totalResults>{total}<", head)
        head = re.sub(r"<opensearch:startIndex>\d+<", f"<opensearch:startIndex>{start}<", head)
        return head + "".join(entries) + "</feed>\n"


class _Handler(BaseHTTPRequestHandler):
    owner: ArxivTestServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        arrived = time.monotonic()
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        owner = self.owner
        fault = owner._take_fault(parts.path)
        owner._record(RequestRecord("GET", parts.path, query, arrived, fault))

        if fault == "timeout":
            owner._stop.wait(owner.stall_seconds)
            self.close_connection = True
            return
        if fault == "reset":
            self.close_connection = True
            return
        if isinstance(fault, (int, tuple)):
            status, headers = (fault, {}) if isinstance(fault, int) else fault
            body = f"<html><body>HTTP {status}</body></html>".encode()
            self._send(_Answer(status, body, "text/html; charset=utf-8", dict(headers)))
            return
        if fault == "html":
            self._send(_Answer(200, _HTML_PAGE, "text/html; charset=utf-8"))
            return

        answer = owner.answer(parts.path, query)
        if fault == "empty":
            if parts.path.startswith("/api/"):
                xml = owner.feed([], total=5, start=int(query.get("start") or 0),
                                 per_page=int(query.get("max_results") or 10), q=query)
                answer = _Answer(200, xml.encode(), "application/atom+xml; charset=utf-8")
            else:
                answer = _Answer(200, b"", answer.content_type)
        if fault == "truncated":
            self._send(answer, send_bytes=len(answer.body) // 2)
            return
        if fault == "stall":
            self._send(answer, send_bytes=len(answer.body) // 2)
            owner._stop.wait(owner.stall_seconds)
            return
        if fault == "cut":
            self._send(answer, send_bytes=len(answer.body) // 2, length=False)
            return
        if fault is not None and fault != "empty":
            raise ValueError(f"unknown scripted fault {fault!r}")
        self._send(answer)

    def _send(self, answer: _Answer, send_bytes: int | None = None, length: bool = True) -> None:
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            if length:
                self.send_header("Content-Length", str(len(answer.body)))
            for k, v in answer.headers.items():
                self.send_header(k, v)
            if send_bytes is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(answer.body if send_bytes is None else answer.body[:send_bytes])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


@pytest.fixture
def arxiv_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivTestServer]:
    """A running :class:`ArxivTestServer`, with the PAPERDRAFT_ARXIV_* variables pointing at it."""
    root = corpus_root()
    if root is None:
        pytest.skip(f"arXiv corpus not found (../shared/corpus or ${CORPUS_ENV})")
    with ArxivTestServer(root) as server:
        monkeypatch.setenv("PAPERDRAFT_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("PAPERDRAFT_ARXIV_OAI_URL", server.oai_url)
        monkeypatch.setenv("PAPERDRAFT_ARXIV_DELAY_SECONDS", "0.05")
        monkeypatch.setenv("PAPERDRAFT_ARXIV_TIMEOUT_SECONDS", "0.5")
        try:
            from pipeline import fetch
        except ImportError:  # pragma: no cover - the module under test may not exist yet
            pass
        else:
            fetch.GATE.reset()
        yield server
