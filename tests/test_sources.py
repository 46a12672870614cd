"""parse_source: every accepted form, and clear errors for everything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import InvalidSourceError
from pipeline.sources import parse_source

ARXIV_FORMS = [
    # bare ids, new style
    ("2106.09685", "2106.09685", None),
    ("2106.09685v2", "2106.09685", 2),
    ("2106.09685V2", "2106.09685", 2),
    ("  2106.09685v12\n", "2106.09685", 12),
    ("arXiv:2106.09685", "2106.09685", None),
    ("arxiv:2106.09685v1", "2106.09685", 1),
    ("ARXIV: 2106.09685", "2106.09685", None),
    ("0704.0001", "0704.0001", None),
    ("1412.6980v9", "1412.6980", 9),
    ("1501.00001", "1501.00001", None),
    # old style
    ("hep-th/9901001", "hep-th/9901001", None),
    ("cs/0202009v1", "cs/0202009", 1),
    ("math.GT/0309136", "math/0309136", None),
    ("math.GT/0309136v2", "math/0309136", 2),
    ("astro-ph/0601001", "astro-ph/0601001", None),
    ("arXiv:cond-mat/0412498v1", "cond-mat/0412498", 1),
    # URLs
    ("https://arxiv.org/abs/2106.09685", "2106.09685", None),
    ("https://arxiv.org/abs/2106.09685v2", "2106.09685", 2),
    ("http://arxiv.org/pdf/2106.09685", "2106.09685", None),
    ("https://arxiv.org/pdf/2106.09685v1.pdf", "2106.09685", 1),
    ("https://arxiv.org/pdf/2106.09685.pdf", "2106.09685", None),
    ("https://arxiv.org/html/2106.09685v2", "2106.09685", 2),
    ("https://arxiv.org/html/2106.09685v2/", "2106.09685", 2),
    ("https://export.arxiv.org/abs/2106.09685", "2106.09685", None),
    ("https://www.arxiv.org/abs/2106.09685v3/", "2106.09685", 3),
    ("https://ARXIV.ORG/abs/2106.09685", "2106.09685", None),
    ("https://arxiv.org/abs/2106.09685?context=cs.LG", "2106.09685", None),
    ("https://arxiv.org/abs/2106.09685v2#section", "2106.09685", 2),
    ("arxiv.org/abs/2106.09685", "2106.09685", None),
    ("www.arxiv.org/pdf/2106.09685v2", "2106.09685", 2),
    ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", 1),
    ("https://arxiv.org/pdf/astro-ph/0601001v1.pdf", "astro-ph/0601001", 1),
    ("https://arxiv.org/abs/math.GT/0309136", "math/0309136", None),
]


@pytest.mark.parametrize(("text", "arxiv_id", "version"), ARXIV_FORMS)
def test_arxiv_forms(text: str, arxiv_id: str, version: int | None) -> None:
    ref = parse_source(text)
    assert (ref.kind, ref.arxiv_id, ref.version, ref.path) == ("arxiv", arxiv_id, version, None)
    assert ref.raw == text.strip()
    assert ref.versioned_id == (f"{arxiv_id}v{version}" if version else arxiv_id)


GARBAGE = [
    ("", "empty"),
    ("   ", "empty"),
    ("hello", "not an arXiv id"),
    ("2106.0968", "5 digits"),
    ("1234.56789v", "not an arXiv id"),
    ("2106.096851", "not an arXiv id"),
    ("2113.00001", "month 13"),
    ("2100.00001", "month 00"),
    ("0612.0001", "0704"),
    ("1412.00001", "4 digits"),
    ("2106.09685v0", "v1"),
    ("arXiv:hello", "not a valid arXiv id"),
    ("hep-th/9913001", "old-style"),
    ("https://example.com/abs/2106.09685", "not an arXiv URL"),
    ("https://arxiv.org.evil.com/abs/2106.09685", "not an arXiv URL"),
    ("arxiv.org/abs/", "no paper id"),
    ("https://arxiv.org/abs/", "no paper id"),
    ("https://arxiv.org/list/cs.CL/recent", "not an abs, pdf or html"),
    ("https://arxiv.org/abs/2106.0968", "5 digits"),
    ("https://arxiv.org/abs/notanid", "no valid paper id"),
    ("ftp://arxiv.org/abs/2106.09685", "scheme"),
]


@pytest.mark.parametrize(("text", "why"), GARBAGE)
def test_garbage_is_rejected_with_a_clear_message(text: str, why: str) -> None:
    with pytest.raises(InvalidSourceError) as info:
        parse_source(text)
    message = str(info.value)
    assert why in message
    assert repr(text.strip()) in message or repr(text) in message  # names the input
    assert "\n" not in message
    assert info.value.hint and "2106.09685" in info.value.hint  # lists accepted forms


@pytest.mark.parametrize(("name", "kind"), [("paper.pdf", "pdf"), ("Paper.PDF", "pdf"), ("notes.txt", "text"), ("notes.md", "text")])
def test_local_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, kind: str) -> None:
    f = tmp_path / name
    f.write_bytes(b"%PDF-1.4\n" if kind == "pdf" else b"hello\n")
    ref = parse_source(str(f))
    assert (ref.kind, ref.path, ref.arxiv_id, ref.version) == (kind, str(f.resolve()), None, None)
    monkeypatch.chdir(tmp_path)  # relative paths are stored resolved
    assert parse_source(name).path == str(f.resolve())


def test_file_named_like_an_arxiv_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidSourceError, match=r"no such file: '2106\.09685v1\.pdf'"):
        parse_source("2106.09685v1.pdf")
    (tmp_path / "2106.09685v1.pdf").write_bytes(b"%PDF-1.4\n")
    assert parse_source("2106.09685v1.pdf").kind == "pdf"


@pytest.mark.parametrize("text", ["missing.pdf", "dir/missing.txt", "./missing", "~/no/such/notes.md", "some/where"])
def test_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidSourceError, match="no such file") as info:
        parse_source(text)
    assert text in str(info.value)


def test_other_file_types_are_rejected(tmp_path: Path) -> None:
    f = tmp_path / "paper.docx"
    f.write_bytes(b"PK")
    with pytest.raises(InvalidSourceError) as info:
        parse_source(str(f))
    message = str(info.value)
    assert "'.docx'" in message and str(f) in message
    assert ".pdf" in message and ".txt" in message and ".md" in message


def test_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidSourceError, match="directory"):
        parse_source(str(tmp_path))


def test_non_text_input() -> None:
    with pytest.raises(InvalidSourceError):
        parse_source(None)  # type: ignore[arg-type]


# Property: any valid new-style id, in any accepted spelling, parses back to itself.

@st.composite
def new_style_ids(draw: st.DrawFn) -> tuple[str, int | None]:
    year = draw(st.integers(7, 99))
    month = draw(st.integers(4 if year == 7 else 1, 12))
    yymm = f"{year:02d}{month:02d}"
    digits = 5 if yymm >= "1501" else 4
    number = draw(st.integers(1, 10**digits - 1))
    version = draw(st.none() | st.integers(1, 99))
    return f"{yymm}.{number:0{digits}d}", version


FORMS = [
    "{v}",
    "arXiv:{v}",
    "arxiv:{v}",
    "https://arxiv.org/abs/{v}",
    "http://arxiv.org/abs/{v}/",
    "https://arxiv.org/pdf/{v}",
    "https://arxiv.org/pdf/{v}.pdf",
    "https://arxiv.org/html/{v}",
    "https://export.arxiv.org/abs/{v}?fmt=txt",
    "https://www.arxiv.org/abs/{v}#top",
    "arxiv.org/pdf/{v}",
]


@given(new_style_ids(), st.sampled_from(FORMS))
def test_any_form_round_trips(id_version: tuple[str, int | None], form: str) -> None:
    arxiv_id, version = id_version
    versioned = f"{arxiv_id}v{version}" if version else arxiv_id
    ref = parse_source(form.format(v=versioned))
    assert (ref.kind, ref.arxiv_id, ref.version) == ("arxiv", arxiv_id, version)
    assert ref.versioned_id == versioned


@given(st.text(max_size=30))
def test_never_crashes(text: str) -> None:
    try:
        ref = parse_source(text)
    except InvalidSourceError as exc:
        assert "\n" not in exc.message
    else:
        assert ref.kind in ("arxiv", "pdf", "text")
