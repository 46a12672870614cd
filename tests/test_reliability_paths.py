"""Issue 6, row 4: ids, titles and file names built to escape (``../``, absolute paths, NUL, names over
255 bytes, Unicode look-alikes, RTL override). Nothing may be written outside the drafts and cache
folders: every test lists every file under tmp_path before and after. (Publishing paths: test_publish.py.)
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import fetch
from pipeline.config import Settings, load_settings
from pipeline.draftfile.lookup import draft_path
from pipeline.draftfile.store import write_draft
from pipeline.errors import InvalidSourceError
from pipeline.records import PaperMeta, Summary
from pipeline.sources import parse_source
from tests.arxiv_server import ArxivTestServer

HOSTILE = [
    "../../../../etc/passwd",
    "/etc/passwd",
    "..",
    "a/../../b",
    "x\x00y",
    "\x00",
    "é" * 200,  # 400 bytes of UTF-8
    "x" * 300,
    "hep-th\u22159901001",  # DIVISION SLASH
    "..\u2215..\u2215etc",
    "..\uff0f..\uff0fetc",  # FULLWIDTH SOLIDUS
    "\u202egpj.exe",  # RIGHT-TO-LEFT OVERRIDE
    "C:\\Windows\\system32",
    "~/.bashrc",
    ".hidden",
    "",
]
# Text made of the characters that build escapes, for the properties below.
ESCAPING = st.text(alphabet=st.sampled_from(list("./\\~x0_-:v \x00\u2215\uff0f\u2044\u202e\u200bé")), max_size=300)


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_safe_name(path: Path, folder: Path) -> None:
    assert path.parent == folder, path
    name = path.name
    assert name not in ("", ".", "..") and not name.startswith(".")
    assert len(name.encode()) <= 255
    assert "\x00" not in name and "/" not in name and "\\" not in name
    assert name.isascii() and name.isprintable()  # no look-alikes, no bidi controls


# --------------------------------------------------------------------------- drafts


@pytest.mark.parametrize("hostile", HOSTILE, ids=repr)
def test_draft_path_stays_in_the_drafts_folder(tmp_path: Path, hostile: str) -> None:
    drafts = tmp_path / "drafts"
    for meta, name in [(PaperMeta(title=hostile, arxiv_id=hostile), None), (PaperMeta(title=hostile), hostile)]:
        assert_safe_name(draft_path(meta, drafts, name), drafts)


@given(arxiv_id=st.none() | ESCAPING, name=st.none() | ESCAPING, title=ESCAPING)
@settings(max_examples=200, deadline=None)
def test_draft_path_property(arxiv_id: str | None, name: str | None, title: str) -> None:
    drafts = Path("/srv/blog/drafts")
    assert_safe_name(draft_path(PaperMeta(title=title, arxiv_id=arxiv_id or None), drafts, name), drafts)


def summary() -> Summary:
    return Summary(notes=[], sections={"TL;DR": "A short summary."}, model="test-model", prompt_hashes={})


@pytest.mark.parametrize("hostile", HOSTILE, ids=repr)
def test_write_draft_writes_only_in_the_drafts_folder(tmp_path: Path, hostile: str) -> None:
    drafts = tmp_path / "work" / "drafts"
    author = tmp_path / "work" / "notes.md"  # the author's own file next to the drafts folder
    author.parent.mkdir(parents=True)
    author.write_text("mine\n")
    before = tree(tmp_path)
    meta = PaperMeta(title=hostile or "x", arxiv_id=hostile or None, authors=[hostile])
    result = write_draft(meta, summary(), hostile, drafts, name=hostile)
    after = tree(tmp_path)
    new = set(after) - set(before)
    assert new == {str(Path(result.path).relative_to(tmp_path))}
    assert_safe_name(Path(result.path), drafts)
    assert {k: after[k] for k in before} == before  # nothing else changed
    assert author.read_text() == "mine\n"


# --------------------------------------------------------------------------- the PDF cache


@pytest.mark.parametrize("hostile", HOSTILE, ids=repr)
def test_pdf_cache_path_stays_in_the_cache(tmp_path: Path, hostile: str) -> None:
    settings = Settings(cache=tmp_path / "cache")
    for version in (None, 1):
        meta = PaperMeta(title="t", arxiv_id=hostile or None, version=version, pdf_url=f"http://127.0.0.1/{hostile}")
        assert_safe_name(fetch.pdf_cache_path(meta, settings), settings.cache / "pdfs")


def test_pdf_cache_keeps_arxiv_names() -> None:
    settings = Settings(cache=Path("/c"))
    names = {(i, v): fetch.pdf_cache_path(PaperMeta(title="t", arxiv_id=i, version=v), settings).name
             for i, v in [("2106.09685", 2), ("hep-th/9901001", 1), ("math/0309136", None), ("0704.0001", 3)]}
    assert list(names.values()) == ["2106.09685v2.pdf", "hep-th_9901001v1.pdf", "math_0309136.pdf", "0704.0001v3.pdf"]


@given(a=st.tuples(ESCAPING, st.none() | st.integers(1, 99)), b=st.tuples(ESCAPING, st.none() | st.integers(1, 99)))
@settings(max_examples=300, deadline=None)
def test_pdf_cache_path_property(a: tuple[str, int | None], b: tuple[str, int | None]) -> None:
    """Inside the cache, a plain short name, and two papers never share one file (no PDF taken for another's)."""
    cache = Path("/c")
    settings_ = Settings(cache=cache)
    pa, pb = (fetch.pdf_cache_path(PaperMeta(title="t", arxiv_id=i or None, version=v, pdf_url="u"), settings_)
              for i, v in (a, b))
    assert_safe_name(pa, cache / "pdfs")
    if (a[0] or None, a[1]) != (b[0] or None, b[1]) and a[0] and b[0]:
        assert pa != pb, (a, b)


def test_download_with_a_hostile_id_writes_only_in_the_cache(arxiv_server: ArxivTestServer, tmp_path: Path) -> None:
    """A feed entry whose id is built to escape: the PDF still lands in <cache>/pdfs, under a hashed name."""
    settings = load_settings()
    before = tree(tmp_path)
    written = []
    for hostile in ["../../../outside", "/tmp/abs", "x" * 300, "..\u2215..\u2215up", "nul\x00id"]:
        meta = PaperMeta(title="t", arxiv_id=hostile, version=2, pdf_url=arxiv_server.pdf_url("1803.10963v2"))
        written.append(fetch.download_pdf(meta, settings))
    new = set(tree(tmp_path)) - set(before)
    assert new == {str(p.relative_to(tmp_path)) for p in written} and len(new) == 5
    assert all(p.parent == settings.cache / "pdfs" for p in written)


# --------------------------------------------------------------------------- parse_source


@pytest.mark.parametrize("text", [
    "x" * 300 + ".pdf",  # a name over 255 bytes: "File name too long" from the OS
    "/" + "y" * 300 + "/paper.pdf",
    "../../../../etc/passwd.pdf",
    "/etc/passwd",  # exists, but is no .pdf/.txt/.md
    "pa\x00per.pdf",
    "２１０６.０９６８５",  # fullwidth digits: \d would take them
    "2106.09685v２",
    "hep-th\u22159901001",
    "hep-th\uff0f9901001",
    "\u202e2106.09685",
    "https://arxiv.org/abs/../../etc/passwd",
    "https://arxiv.org/abs/%2e%2e%2f%2e%2e%2fetc",
], ids=repr)
def test_parse_source_refuses_escapes_with_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    with pytest.raises(InvalidSourceError) as info:
        parse_source(text)
    assert repr(text.strip())[:60] in str(info.value) and "\n" not in info.value.message
    assert tree(tmp_path) == before


def test_local_file_with_a_hostile_name_drafts_inside_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real file named with an RTL override and look-alike slashes: accepted, and its draft name is safe."""
    papers = tmp_path / "papers"
    papers.mkdir()
    f = papers / "..\u2215..\u2215evil\u202efdp.md"
    f.write_text("# T\n\nText.\n")
    ref = parse_source(str(f))
    assert ref.kind == "text" and Path(ref.path) == f.resolve()
    drafts = tmp_path / "drafts"
    assert_safe_name(draft_path(PaperMeta(title="T"), drafts, Path(ref.path).stem), drafts)


@given(ESCAPING)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_parse_source_never_crashes_on_escapes(tmp_path: Path, text: str) -> None:
    """Only a SourceRef or an InvalidSourceError: never an OSError or ValueError from the file system."""
    try:
        ref = parse_source(text)
    except InvalidSourceError as exc:
        assert "\n" not in exc.message
    else:
        assert ref.kind in ("arxiv", "pdf", "text")
        if ref.kind == "arxiv":
            assert ref.arxiv_id and ref.arxiv_id.isascii()
