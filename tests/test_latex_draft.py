"""Drafting from the LaTeX source through the test server: the e-print fetched (gate, cache, retries),
chosen over the PDF when it parses, pages from the PDF when both are served, and the PDF when it fails."""

from __future__ import annotations

import gzip
import io
import re
import tarfile
from pathlib import Path

import pytest
import yaml

from pipeline import core, fetch
from pipeline.config import load_settings
from pipeline.errors import ExtractionError, PaperNotFoundError
from tests.arxiv_server import ArxivTestServer

pytest_plugins = ["tests.arxiv_server"]


def _front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n")[1])


def _body_quotes(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("> ")]


def _settings(tmp_path, **kw):
    return load_settings(drafts_dir=str(tmp_path / "drafts"), **kw)


def test_the_e_print_is_fetched_through_the_gate_once_and_cached(tmp_path, arxiv_server: ArxivTestServer):
    settings = _settings(tmp_path)
    meta = fetch.fetch_metadata(core.parse_source("2310.03240"), settings)
    assert meta.source_url and meta.source_url.endswith("/src/2310.03240v1")  # arxiv's Result.source_url()
    arxiv_server.fail_next("/src/", [503, "truncated"])
    path = fetch.download_eprint(meta, settings)
    expected = (arxiv_server.corpus / "latex" / "eprints" / "2310.03240.tar.gz").read_bytes()
    assert path.read_bytes() == expected
    assert arxiv_server.count("/src/") == 3  # two faults retried, then whole
    assert fetch.download_eprint(meta, settings) == path and arxiv_server.count("/src/") == 3
    assert path.is_relative_to(settings.cache)


def test_an_html_page_is_no_e_print_and_a_404_is_not_found(tmp_path, arxiv_server: ArxivTestServer):
    settings = _settings(tmp_path, arxiv_retries=1)
    meta = fetch.fetch_metadata(core.parse_source("1706.03762"), settings)
    arxiv_server.eprints["1706.03762"] = b"<!DOCTYPE html><html>busy</html>"
    with pytest.raises(Exception, match="not an e-print"):
        fetch.download_eprint(meta, settings)
    assert not fetch.eprint_cache_path(meta, settings).exists()
    other = fetch.fetch_metadata(core.parse_source("1605.08386"), settings)
    with pytest.raises(PaperNotFoundError):
        fetch.download_eprint(other, settings)


def test_2310_03240_is_drafted_from_its_source_with_its_math_sections_and_figures(
        tmp_path, arxiv_server: ArxivTestServer, tiny_backend):
    settings = _settings(tmp_path)
    result = core.draft_one("2310.03240", settings, backend=tiny_backend)
    text = Path(result.path).read_text()
    front = _front(text)
    assert front["text_from"] == "latex"
    assert "no pages" in front["text_note"]  # the test server has no PDF of it: cites name sections only
    assert result.figures >= 8
    assets = Path(result.path).with_name(Path(result.path).stem + ".assets")
    assert any(p.suffix == ".png" for p in assets.iterdir())
    assert "![Figure" in text  # a figure from the source files, embedded
    assert not re.search(r"\(p\. 0\b", text)
    for quote in _body_quotes(text):
        assert not re.search(r"\\(cite|ref|emph|label)\b", quote)


def test_2102_10535_from_its_source_keeps_the_pdfs_pages(tmp_path, arxiv_server: ArxivTestServer, tiny_backend):
    settings = _settings(tmp_path)
    result = core.draft_one("2102.10535", settings, backend=tiny_backend)
    text = Path(result.path).read_text()
    front = _front(text)
    assert front["text_from"] == "latex" and "pages from the PDF" in front["text_note"]
    cites = re.findall(r"\(p\. (\d+)", text)
    assert cites and all(1 <= int(p) <= 9 for p in cites)
    assert {r.path.split("/")[1] for r in arxiv_server.requests} >= {"src", "pdf"}


def _hostile(kind: str) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        if kind == "traversal":
            info = tarfile.TarInfo("../escaped.tex")
            info.size = 5
            tar.addfile(info, io.BytesIO(b"\\x{}\n"))
        elif kind == "link":
            info = tarfile.TarInfo("main.tex")
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
        elif kind == "bomb":  # more members than archive.MAX_MEMBERS allows (lowered by the test)
            for n in range(12):
                info = tarfile.TarInfo(f"part{n}.tex")
                info.size = 1
                tar.addfile(info, io.BytesIO(b"x"))
    return gzip.compress(raw.getvalue())


@pytest.mark.parametrize("kind", ["traversal", "link", "truncated", "bomb"])
def test_a_hostile_e_print_is_refused_and_the_pdf_drafted_instead(tmp_path, arxiv_server: ArxivTestServer,
                                                                   tiny_backend, kind, monkeypatch):
    from pipeline.extract.latex import archive

    monkeypatch.setattr(archive, "MAX_MEMBERS", 5)
    whole = (arxiv_server.corpus / "latex" / "eprints" / "2310.03240.tar.gz").read_bytes()
    arxiv_server.eprints["1706.03762"] = whole[: len(whole) // 2] if kind == "truncated" else _hostile(kind)
    settings = _settings(tmp_path, figures=False)
    result = core.draft_one("1706.03762", settings, backend=tiny_backend)
    front = _front(Path(result.path).read_text())
    assert front["text_from"] == "pdf" and "LaTeX source" in front["text_note"]
    assert not any(p.name == "escaped.tex" or p.name.startswith("part") for p in tmp_path.rglob("*"))
    assert not [p for p in (settings.cache / "sources").iterdir() if not p.name.startswith(".")] if \
        (settings.cache / "sources").exists() else True  # nothing unpacked is kept


def test_a_pdf_only_e_print_drafts_from_the_pdf_and_says_so(tmp_path, arxiv_server: ArxivTestServer, tiny_backend):
    settings = _settings(tmp_path, figures=False)
    result = core.draft_one("1706.03762", settings, backend=tiny_backend)  # its e-print is the PDF
    front = _front(Path(result.path).read_text())
    assert front["text_from"] == "pdf" and "only a PDF" in front["text_note"]


def test_a_paper_whose_e_print_is_its_pdf_is_downloaded_once(tmp_path, arxiv_server: ArxivTestServer, tiny_backend):
    settings = _settings(tmp_path, figures=False)
    arxiv_server.clear()
    result = core.draft_one("1706.03762", settings, backend=tiny_backend)
    assert arxiv_server.count("/src/") + arxiv_server.count("/e-print/") == 1
    assert arxiv_server.count("/pdf/") == 0  # the e-print's bytes are the PDF: kept as the PDF, not fetched again
    meta = fetch.fetch_metadata(core.parse_source("1706.03762v5"), settings)
    pdf, eprint = fetch.pdf_cache_path(meta, settings), fetch.eprint_cache_path(meta, settings)
    assert pdf.read_bytes() == eprint.read_bytes() and fetch.is_cached(pdf)
    assert _front(Path(result.path).read_text())["text_from"] == "pdf"


def test_the_setting_forces_either_text(tmp_path, arxiv_server: ArxivTestServer, tiny_backend):
    pdf = core.draft_one("2102.10535", _settings(tmp_path, text_source="pdf", figures=False), backend=tiny_backend)
    assert _front(Path(pdf.path).read_text())["text_from"] == "pdf"
    assert arxiv_server.count("/src/") == 0
    with pytest.raises(ExtractionError, match="text_source = latex"):
        core.draft_one("1706.03762", _settings(tmp_path, text_source="latex", figures=False), backend=tiny_backend)


def test_a_paper_whose_pdf_is_missing_is_drafted_from_its_source_citing_sections(
        tmp_path, arxiv_server: ArxivTestServer, tiny_backend):
    arxiv_server.no_pdf.add("2102.10535")
    result = core.draft_one("2102.10535", _settings(tmp_path, figures=False), backend=tiny_backend)
    text = Path(result.path).read_text()
    front = _front(text)
    assert front["text_from"] == "latex" and "no pages" in front["text_note"] and "404" in front["text_note"]
    assert not re.search(r"\(p\. \d", text.split("## ", 1)[1])


def test_the_cli_drafts_2310_03240_from_its_e_print(tmp_path, arxiv_server: ArxivTestServer, monkeypatch, tiny_model_dir):
    """The issue's "done when": `paperdraft draft 2310.03240` against the test server serving the e-print."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.setenv("PAPERDRAFT_MODEL", str(tiny_model_dir))
    result = CliRunner().invoke(app, ["draft", "2310.03240", "--drafts-dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    (draft,) = (tmp_path / "d").glob("*.md")
    text = draft.read_text()
    assert _front(text)["text_from"] == "latex"
    from pipeline.extract.latex import read_latex_tree

    outline = read_latex_tree(arxiv_server.corpus / "latex" / "2310_03240").outline + ["Abstract"]
    names = {h.split(" ", 1)[0] for h in outline if h[:1].isdigit() or h[:2] in ("A.", "B.")} | {
        h[:40] for h in outline}
    cited = set(re.findall(r"\((?:p\. \d+, )?§([^)]+)\)", text))
    assert cited and cited <= names  # the paper's own sections
    assert "![Figure" in text


def test_a_paper_with_neither_pdf_nor_source_fails_as_a_missing_pdf_always_did(tmp_path, arxiv_server, tiny_backend):
    arxiv_server.no_pdf.add("1706.03762")  # its e-print is its PDF, so neither can be had
    with pytest.raises(PaperNotFoundError, match="no PDF"):
        core.draft_one("1706.03762", _settings(tmp_path, figures=False), backend=tiny_backend)


def test_an_e_print_over_the_size_bound_is_refused_and_not_cached(tmp_path, arxiv_server, monkeypatch):
    from pipeline.errors import FetchError
    from pipeline.fetch import eprint

    monkeypatch.setattr(eprint, "MAX_EPRINT_BYTES", 1000)
    settings = _settings(tmp_path, arxiv_retries=0)
    meta = fetch.fetch_metadata(core.parse_source("2310.03240"), settings)
    with pytest.raises(FetchError, match="more than 1000"):
        fetch.download_eprint(meta, settings)
    assert not [p for p in fetch.eprint_cache_path(meta, settings).parent.iterdir()]
