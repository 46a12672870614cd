"""Unpacking e-prints: the three forms arXiv serves (corpus files, skipped when absent) and hostile archives
built here. Every refusal is an ExtractionError naming the file, and nothing lands outside the target folder."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from pipeline.errors import ExtractionError
from pipeline.extract.latex import archive
from pipeline.extract.latex.archive import unpack_eprint
from tests.conftest import corpus_file


def _tar_gz(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes = b"\\documentclass{article}\n") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _special(name: str, kind: bytes, linkname: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info, None


def _everything_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.mark.parametrize("name, tree, main", [
    ("2310.03240.tar.gz", "2310_03240", "main.tex"),
    ("2202.00665.tar.gz", "2202_00665", "amor.tex"),
])
def test_a_gzipped_tar_e_print_unpacks_to_the_same_tree(tmp_path, name, tree, main):
    eprint = corpus_file(f"latex/eprints/{name}")
    folder = unpack_eprint(eprint, tmp_path / "out")
    assert folder == tmp_path / "out"
    source = corpus_file(f"latex/{tree}")
    files = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    assert {p for p in _everything_under(folder) if (folder / p).is_file()} == files
    assert (folder / main).read_bytes() == (source / main).read_bytes()


def test_a_plain_gzip_e_print_becomes_one_tex_named_by_its_header(tmp_path):
    eprint = corpus_file("latex/eprints/1603.07285.gz")
    folder = unpack_eprint(eprint, tmp_path / "out")
    assert _everything_under(folder) == {"conv_arithmetic.tex"}  # the name the gzip header keeps
    original = corpus_file("latex/1603_07285/conv_arithmetic.tex")
    assert (folder / "conv_arithmetic.tex").read_bytes() == original.read_bytes()


def test_a_plain_gzip_without_a_usable_name_becomes_main_tex(tmp_path):
    for i, header_name in enumerate([None, "../../etc/evil.tex", ".hidden"]):
        path = tmp_path / f"e{i}.gz"
        with open(path, "wb") as raw, gzip.GzipFile(filename=header_name or "", mode="wb", fileobj=raw) as gz:
            gz.write(b"\\documentclass{article}\\begin{document}x\\end{document}")
        folder = unpack_eprint(path, tmp_path / f"out{i}")
        expected = "evil.tex" if header_name and "evil" in header_name else "main.tex"
        assert _everything_under(folder) == {expected}
    assert not (tmp_path.parent / "etc").exists()


def test_a_pdf_e_print_returns_none_and_writes_nothing(tmp_path):
    pdf = tmp_path / "eprint"
    pdf.write_bytes(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert unpack_eprint(pdf, tmp_path / "out") is None
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("member, reason", [
    (_file("../evil.tex"), "outside"),
    (_file("a/../../evil.tex"), "outside"),
    (_file("/tmp/paperdraft-evil.tex"), "absolute path"),
    (_special("link.tex", tarfile.SYMTYPE, "/etc/passwd"), "is a link"),
    (_special("link.tex", tarfile.SYMTYPE, "../outside.tex"), "is a link"),
    (_special("hard.tex", tarfile.LNKTYPE, "main.tex"), "is a link"),
    (_special("dev", tarfile.CHRTYPE), "device"),
    (_special("fifo", tarfile.FIFOTYPE), "device"),
])
def test_a_hostile_member_refuses_the_whole_archive_and_writes_nothing(tmp_path, member, reason):
    eprint = _tar_gz(tmp_path / "eprint.tar.gz", [_file("main.tex"), member])
    with pytest.raises(ExtractionError, match=reason) as err:
        unpack_eprint(eprint, tmp_path / "out")
    assert str(eprint) in str(err.value)
    assert not (tmp_path / "out").exists()  # made by the call, so taken away again
    assert _everything_under(tmp_path) == {"eprint.tar.gz"}
    assert not Path("/tmp/paperdraft-evil.tex").exists()


def test_a_tar_bomb_by_member_count_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBERS", 10)
    eprint = _tar_gz(tmp_path / "eprint.tar.gz", [_file(f"f{i}.tex", b"x") for i in range(11)])
    with pytest.raises(ExtractionError, match="more than 10 members"):
        unpack_eprint(eprint, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_member_over_the_size_bound_is_refused_from_its_header_alone(tmp_path):
    # A header that claims more than the bound, and no data: refused before a byte is unpacked.
    info = tarfile.TarInfo("huge.pdf")
    info.size = archive.MAX_MEMBER_BYTES + 1
    path = tmp_path / "eprint.tar.gz"
    path.write_bytes(gzip.compress(_file("main.tex")[0].tobuf() + b"\\documentclass{article}\n".ljust(512, b"\0")
                                   + info.tobuf()))
    with pytest.raises(ExtractionError, match="huge.pdf.*MiB"):
        unpack_eprint(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_tar_bomb_by_unpacked_total_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 5_000)
    eprint = _tar_gz(tmp_path / "eprint.tar.gz", [_file(f"f{i}.tex", b"\0" * 2_000) for i in range(3)])
    with pytest.raises(ExtractionError, match="decompression bomb"):
        unpack_eprint(eprint, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_gzip_bomb_of_one_tex_is_refused_and_its_partial_file_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1 << 20)
    path = tmp_path / "eprint.gz"
    path.write_bytes(gzip.compress(b"%" * (3 << 20)))  # 3 MiB of text from a few KB
    with pytest.raises(ExtractionError, match="decompression bomb"):
        unpack_eprint(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["2310.03240.tar.gz", "1603.07285.gz"])
def test_a_truncated_gzip_is_a_clear_error(tmp_path, name):
    whole = corpus_file(f"latex/eprints/{name}").read_bytes()
    cut = tmp_path / name
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ExtractionError, match="damaged or truncated"):
        unpack_eprint(cut, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_truncated_gzip_built_here_is_a_clear_error(tmp_path):
    data = gzip.compress(bytes(range(256)) * 400)
    cut = tmp_path / "eprint.gz"
    cut.write_bytes(data[: len(data) - 20])
    with pytest.raises(ExtractionError, match="damaged or truncated"):
        unpack_eprint(cut, tmp_path / "out")


def test_a_file_that_is_no_e_print_is_refused(tmp_path):
    junk = tmp_path / "eprint"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ExtractionError, match="not an e-print"):
        unpack_eprint(junk, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_folder_that_already_holds_files_is_not_unpacked_into(tmp_path):
    eprint = _tar_gz(tmp_path / "eprint.tar.gz", [_file("main.tex")])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(ExtractionError, match="not an empty folder"):
        unpack_eprint(eprint, tmp_path / "out")
    assert _everything_under(tmp_path / "out") == {"keep.txt"}


def test_an_uncompressed_tar_and_plain_tex_are_taken_too(tmp_path):
    tar_path = tmp_path / "eprint.tar"
    with tarfile.open(tar_path, "w") as tar:
        info, data = _file("sub/main.tex")
        tar.addfile(info, io.BytesIO(data))
    assert _everything_under(unpack_eprint(tar_path, tmp_path / "a")) == {"sub", "sub/main.tex"}
    tex = tmp_path / "paper"
    tex.write_text("\\documentclass{article}\n\\begin{document}x\\end{document}\n")
    assert _everything_under(unpack_eprint(tex, tmp_path / "b")) == {"paper.tex"}
