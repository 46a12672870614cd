"""Issue 6, row 2: hostile and broken PDFs, built at test time (small on disk) or from the corpus.

Each test asserts a clear ExtractionError naming the file and the reason, or a Document that lists
the pages it could not read; and no loss: extraction writes nothing and leaves the input as it was.
The bounds on time and memory are proved in a subprocess under RLIMIT_AS and a wall-clock timeout.
Already covered in tests/test_extract.py (not repeated here): the damaged corpus PDF
(test_damaged_corpus_pdf_names_file_and_reason), a password-encrypted PDF (test_encrypted_pdf), no
text layer (test_pdf_without_text_layer), the page limit (test_page_limit), non-PDF bytes (test_not_a_pdf).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, EncodedStreamObject, FloatObject, NameObject

from pipeline.extract import pdf_reader as extract
from pipeline.errors import ExtractionError
from pipeline.extract.pdf import extract_pdf
from pipeline.extract.text_file import extract_text_file
from tests.conftest import corpus_file

logging.getLogger("pypdf").setLevel(logging.ERROR)
REPO = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- building PDFs

WORDS = "apple birch cedar delta ember fjord grove heron inlet jasper kelp lumen maple nettle".split()
LINE = "Page # line {i}: we measure the {w} with care and report what we found about {v}."
GOOD = [LINE.format(i=i, w=WORDS[i], v=WORDS[-i]) for i in range(10)]
# A ToUnicode map that turns every printable character but the space into U+FFFD.
FFFD_CMAP = (
    b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Garbled def\n"
    b"1 begincodespacerange <00> <FF> endcodespacerange\n"
    + b"".join(b"%d beginbfchar\n" % len(codes) + b"".join(b"<%02X> <FFFD>\n" % c for c in codes) + b"endbfchar\n"
               for codes in (range(0x21, 0x71), range(0x71, 0x7F)))
    + b"endcmap CMapName currentdict /CMap defineresource pop end end\n"
)


def flate_bomb(mib: int) -> bytes:
    """A valid zlib stream that inflates to ``mib`` MiB of spaces, about 1 KiB per MiB on disk.

    One MiB is compressed once with a full flush (no back-references past it), and that block is
    repeated; then an empty final block and the Adler-32 of the whole output.
    """
    block = b" " * 2**20
    c = zlib.compressobj(9)
    first = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(mib):
        adler = zlib.adler32(block, adler)
    return first[:2] + first[2:] * mib + b"\x03\x00" + adler.to_bytes(4, "big")


def text_ops(lines: list[str]) -> bytes:
    return "".join(f"BT /F1 11 Tf 72 {720 - 14 * i} Td ({line}) Tj ET\n" for i, line in enumerate(lines)).encode("latin-1")


class Builder:
    """A PDF with Helvetica text pages, garbled pages, and compressed (bomb) streams."""

    def __init__(self) -> None:
        self.w = pypdf.PdfWriter()
        self.font = self._font()
        self.garbled_font = self._font(FFFD_CMAP)

    def _font(self, to_unicode: bytes | None = None):
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        if to_unicode:
            font[NameObject("/ToUnicode")] = self.stream(to_unicode)
        return self.w._add_object(font)

    def stream(self, data: bytes, compressed: bool = False, **keys):
        if compressed:  # raw FlateDecode bytes, as found in the file
            s = EncodedStreamObject()
            s._data = data
            s[NameObject("/Filter")] = NameObject("/FlateDecode")
        else:
            s = DecodedStreamObject()
            s.set_data(data)
        for k, v in keys.items():
            s[NameObject(f"/{k}")] = v
        return self.w._add_object(s)

    def page(self, contents, garbled: bool = False, xobjects: dict | None = None) -> None:
        """A page whose /Contents is ``contents`` (lines of text, or a stream already added)."""
        p = self.w.add_blank_page(612, 792)
        resources = {NameObject("/Font"): DictionaryObject({NameObject("/F1"): self.garbled_font if garbled else self.font})}
        if xobjects:
            resources[NameObject("/XObject")] = DictionaryObject({NameObject(f"/{k}"): v for k, v in xobjects.items()})
        p[NameObject("/Resources")] = DictionaryObject(resources)
        p[NameObject("/Contents")] = self.stream(text_ops(contents)) if isinstance(contents, list) else contents

    def good_pages(self, n: int) -> None:
        """Pages of ordinary text, no line repeated on many pages (which would be taken for a running header)."""
        for k in range(n):
            self.page([f"{line.replace('#', str(k + 1))} Also {WORDS[k % 14]} {WORDS[k // 14 % 14]} {WORDS[k // 196]}."
                       for line in GOOD])

    def form(self, content: bytes, compressed: bool = True):
        """A form XObject that draws ``content`` with the text font."""
        resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): self.font})})
        return self.stream(content, compressed, Type=NameObject("/XObject"), Subtype=NameObject("/Form"),
                           BBox=ArrayObject([FloatObject(0), FloatObject(0), FloatObject(612), FloatObject(792)]),
                           Resources=resources)

    def save(self, path: Path, title: str | None = None, password: str | None = None) -> Path:
        if title is not None:
            self.w.add_metadata({"/Title": title})
        if password is not None:
            self.w.encrypt(user_password=password, owner_password="owner", algorithm="AES-256")
        out = io.BytesIO()
        self.w.write(out)
        path.write_bytes(out.getvalue())
        return path


# --------------------------------------------------------------------------- no loss


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its bytes."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def extract_nothing_written(path: Path, root: Path):
    """extract_pdf, asserting that it writes, changes and deletes nothing under ``root``."""
    before = tree(root)
    try:
        return extract_pdf(path)
    finally:
        assert tree(root) == before


def fails(path: Path, root: Path, *reasons: str) -> str:
    """The ExtractionError's message, after checking it names the file and every reason."""
    with pytest.raises(ExtractionError) as info:
        extract_nothing_written(path, root)
    message = str(info.value)
    assert path.name in message
    for reason in reasons:
        assert reason in message, message
    return message


# --------------------------------------------------------------------------- page counts


def test_zero_pages(tmp_path: Path) -> None:
    path = Builder().save(tmp_path / "empty.pdf")
    assert len(pypdf.PdfReader(path).pages) == 0
    fails(path, tmp_path, "the PDF has no pages")


def test_500_pages_are_read_within_bounds(tmp_path: Path) -> None:
    b = Builder()
    b.good_pages(500)
    path = b.save(tmp_path / "long.pdf")
    doc = extract_nothing_written(path, tmp_path)  # within the time budget: past it, extraction raises
    assert doc.page_count == 500 and doc.unreadable_pages == []
    text = "\n".join(s.text for s in doc.sections)
    assert "Page 1 line 0" in text and "Page 500 line 9" in text  # first and last page both read


def test_more_pages_than_the_limit(tmp_path: Path) -> None:
    """A real file over MAX_PAGES (blank pages sharing one tiny content stream): refused before any page is read."""
    b = Builder()
    shared = b.stream(text_ops(GOOD))
    for _ in range(extract.MAX_PAGES + 1):
        b.page(shared)
    path = b.save(tmp_path / "huge.pdf")
    fails(path, tmp_path, f"has {extract.MAX_PAGES + 1} pages, more than the limit of {extract.MAX_PAGES}")


# --------------------------------------------------------------------------- encrypted (beyond test_extract's RC4 + password)


def test_aes_encrypted_with_a_password(tmp_path: Path) -> None:
    b = Builder()
    b.good_pages(2)
    path = b.save(tmp_path / "locked-aes.pdf", password="secret")
    fails(path, tmp_path, "encrypted with a password", "qpdf --decrypt")


def test_encrypted_with_an_empty_user_password_is_read(tmp_path: Path) -> None:
    """Owner-password-only files (common on arXiv) open without asking: a recovery, not an error."""
    b = Builder()
    b.good_pages(2)
    path = b.save(tmp_path / "owner-only.pdf", password="")
    assert pypdf.PdfReader(path).is_encrypted
    doc = extract_nothing_written(path, tmp_path)
    assert doc.page_count == 2 and "Page 2 line 9" in "\n".join(s.text for s in doc.sections)


# --------------------------------------------------------------------------- decompression bombs


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    b = Builder()
    b.page(b.stream(flate_bomb(2048), compressed=True))  # 2 GiB of content, ~2 MB on disk
    path = b.save(tmp_path / "bomb.pdf")
    assert path.stat().st_size < 4 * 2**20
    fails(path, tmp_path, "page", "exceed the safety limits", f"more than {extract.MAX_STREAM_BYTES >> 20} MiB",
          "decompression bomb")


def test_one_bomb_page_among_good_ones_is_reported_not_fatal(tmp_path: Path) -> None:
    b = Builder()
    b.good_pages(4)
    b.page(b.stream(flate_bomb(100), compressed=True))  # over pypdf's default cap too
    path = b.save(tmp_path / "one-bomb.pdf")
    doc = extract_nothing_written(path, tmp_path)
    assert doc.unreadable_pages == [5]  # the Document says which page could not be read
    assert "Page 4 line 9" in "\n".join(s.text for s in doc.sections)


def test_stream_limits_come_from_pypdf_configuration() -> None:
    """The bound is pypdf's own mechanism, tightened, and applied only while extracting."""
    assert extract.PYPDF_LIMITS["zlib_maximum_output_length"] == extract.MAX_STREAM_BYTES < 75_000_000
    assert pypdf.get_configuration().zlib_maximum_output_length == 75_000_000  # not changed globally
    fields = set(pypdf.Configuration.__dataclass_fields__)
    assert set(extract.PYPDF_LIMITS) <= fields


# --------------------------------------------------------------------------- garbled text, NUL bytes


def test_mostly_replacement_characters(tmp_path: Path) -> None:
    b = Builder()
    for _ in range(3):
        b.page(GOOD, garbled=True)
    path = b.save(tmp_path / "garbled.pdf")
    raw = pypdf.PdfReader(path).pages[0].extract_text()
    assert raw.count("\ufffd") > 0.8 * len(raw.replace(" ", "").replace("\n", ""))  # really U+FFFD text
    fails(path, tmp_path, "the text of pages 1-3 of 3 cannot be decoded (mostly U+FFFD)", "OCR")


def test_one_garbled_page_is_listed_and_left_out(tmp_path: Path) -> None:
    b = Builder()
    b.good_pages(4)
    b.page(GOOD, garbled=True)
    doc = extract_nothing_written(b.save(tmp_path / "mixed.pdf"), tmp_path)
    assert doc.unreadable_pages == [5]
    text = "\n".join(s.text for s in doc.sections)
    assert "\ufffd" not in text and "Page 4 line 9" in text


def test_nul_bytes_in_text_and_metadata(tmp_path: Path) -> None:
    b = Builder()
    b.page([line.replace("measure", "mea\\000sure").replace("#", "1") for line in GOOD])  # NUL in the text
    b.good_pages(2)
    path = b.save(tmp_path / "nul.pdf", title="A Ti\x00tle \ufffdWith NUL")
    assert "\x00" in pypdf.PdfReader(path).pages[0].extract_text()  # the NULs really come out of pypdf
    doc = extract_nothing_written(path, tmp_path)
    text = "\n".join(s.text for s in doc.sections)
    assert "\x00" not in text and "we measure the apple" in text
    assert doc.title == "A Title With NUL"  # no NUL or U+FFFD reaches the draft's title
    assert doc.unreadable_pages == []


def test_nul_bytes_in_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "paper.md"
    path.write_bytes(b"# Ti\x00tle\n\n## Abstract\n\nWe mea\x00sure things.\x00\n")
    doc = extract_text_file(path)
    assert doc.title == "Title" and doc.section("abstract").text == "We measure things."


def test_nul_in_a_file_name(tmp_path: Path) -> None:
    for read in (extract_pdf, extract_text_file):
        with pytest.raises(ExtractionError, match="cannot read the file"):
            read(tmp_path / "pa\x00per.pdf")


# --------------------------------------------------------------------------- damaged (corpus)


def test_damaged_corpus_pdf_is_left_intact(tmp_path: Path) -> None:
    """The damaged corpus PDF (its first 4 pages rasterized, no %PDF header): a clear error, the file unchanged."""
    source = corpus_file("pdfs/1412.6980v9_rasterized-p1-4.pdf")
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    fails(path, tmp_path, "damaged", "pages 1-4", "OCR")
    assert path.read_bytes() == source.read_bytes()


# --------------------------------------------------------------------------- no hang: bounds proved in a subprocess

CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({mem}, {mem}))
from pipeline.extract import pdf_reader as extract
from pipeline.errors import ExtractionError
from pipeline.extract.pdf import extract_pdf
if {budget} is not None:
    extract.TIME_BUDGET_SECONDS = {budget}
start = time.monotonic()
try:
    extract_pdf(sys.argv[1])
    result = {{"ok": True}}
except ExtractionError as err:
    result = {{"ok": False, "error": str(err)}}
result["seconds"] = time.monotonic() - start
print(json.dumps(result))
"""
MEMORY = 2 * 2**30  # address space for the child: Python + pypdf need a few hundred MiB
WALL = 60  # a generous bound that a hang would exceed (a slow shared machine)
REPLAY_OVERSHOOT = 20  # seconds past the budget the replay test allows: one form is ~1 s of parsing


def run_bounded(path: Path, budget: float | None = None) -> dict:
    """extract_pdf in a child process with at most MEMORY of address space and WALL seconds
    (and a time budget of ``budget`` seconds, when given, instead of the default)."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", CHILD.format(mem=MEMORY, budget=budget), str(path)],
                          cwd=REPO, capture_output=True, text=True, timeout=WALL)
    assert proc.returncode == 0, proc.stderr[-2000:]  # no MemoryError, no crash (and no hang: timeout=WALL)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = time.monotonic() - start
    return result


def test_no_hang_form_replayed_through_a_small_form(tmp_path: Path) -> None:
    """The replay one level down: the page draws a tiny form 5000 times, and the tiny form draws the 15 MiB one.
    A small page is read without the per-operator time check (it halves the time of a figure-heavy paper), but
    what its forms draw counts too, so this page keeps the check, and the time budget stops it."""
    b = Builder()
    big = b.form(zlib.compress(b"BT /F1 11 Tf 72 700 Td (x) Tj ET\n" + b" " * (15 * 2**20), 9))
    small = b.stream(b"/B Do\n", Type=NameObject("/XObject"), Subtype=NameObject("/Form"),
                     BBox=ArrayObject([FloatObject(0), FloatObject(0), FloatObject(612), FloatObject(792)]),
                     Resources=DictionaryObject({NameObject("/XObject"): DictionaryObject({NameObject("/B"): big})}))
    b.page(b.stream(b"/S Do\n" * 5000), xobjects={"S": small})
    path = b.save(tmp_path / "nested.pdf")
    reader = pypdf.PdfReader(path)
    assert extract._parse_bound(reader.pages[0]) > extract.UNGUARDED_BYTES  # the drawn form's size counts
    result = run_bounded(path, budget=3)
    assert not result["ok"] and "took longer than 3 s" in result["error"], result
    assert result["seconds"] < 3 + REPLAY_OVERSHOOT, result


def test_a_form_that_draws_itself_is_read_with_the_time_check(tmp_path: Path) -> None:
    b = Builder()
    loop = b.stream(b"BT /F1 11 Tf 72 700 Td (loop) Tj ET\n/L Do\n", Type=NameObject("/XObject"),
                    Subtype=NameObject("/Form"))
    loop.get_object()[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/L"): loop})})
    b.page(b.stream(b"/L Do\n"), xobjects={"L": loop})
    b.good_pages(2)
    path = b.save(tmp_path / "loop.pdf")
    reader = pypdf.PdfReader(path)
    assert extract._parse_bound(reader.pages[0]) is None  # unknown: the guarded path
    assert extract._parse_bound(reader.pages[1]) < extract.UNGUARDED_BYTES  # an ordinary page: the fast one
    extract_pdf(path)  # pypdf's own cycle check ends the loop; the paper reads


def test_no_hang_decompression_bombs(tmp_path: Path) -> None:
    """20 pages sharing one stream that inflates to 70 MiB (just under pypdf's default 75 MB cap, ~10 s of
    parsing per page with it): each page stops at our tighter cap, and the whole file fails fast."""
    b = Builder()
    shared = b.stream(flate_bomb(70), compressed=True)
    for _ in range(20):
        b.page(shared)
    path = b.save(tmp_path / "bombs.pdf")
    assert path.stat().st_size < 2**20
    result = run_bounded(path)
    assert not result["ok"] and "pages 1-20 of 20 exceed the safety limits" in result["error"]
    assert "bombs.pdf" in result["error"]


def test_no_hang_form_replayed_thousands_of_times(tmp_path: Path) -> None:
    """A 16 KB file: one page draws a form of 15 MiB (under every stream cap) 5000 times, ~1 s of parsing
    each. Only the time budget stops it: a clear error soon after the budget, not hours of work."""
    b = Builder()
    form = b.form(zlib.compress(b"BT /F1 11 Tf 72 700 Td (x) Tj ET\n" + b" " * (15 * 2**20), 9))
    b.page(b.stream(b"/X Do\n" * 5000), xobjects={"X": form})
    path = b.save(tmp_path / "replay.pdf")
    assert path.stat().st_size < 64 * 1024
    result = run_bounded(path, budget=3)
    assert not result["ok"], result
    assert "replay.pdf" in result["error"] and "took longer than 3 s (stopped at page 1 of 1)" in result["error"]
    # stopped soon after the budget (one form's parse past it, on a slow machine), not at the end of 5000 forms
    assert 3 <= result["seconds"] < 3 + REPLAY_OVERSHOOT, result


def test_time_budget_is_checked_between_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    b = Builder()
    b.good_pages(3)
    path = b.save(tmp_path / "slow.pdf")
    monkeypatch.setattr(extract, "TIME_BUDGET_SECONDS", 0.0)
    fails(path, tmp_path, "took longer than 0 s (stopped at page 1 of 3)")


def test_child_memory_limit_is_real() -> None:
    """The RLIMIT_AS the bound tests run under really stops a process that wants more memory, and only that:
    under the same limit, pypdf loads and a modest allocation works."""
    code = (f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY}))\n"
            "import pypdf; small = bytearray(64 * 2**20); print('within the limit: fine', flush=True)\n"
            f"big = bytearray({2 * MEMORY})\nprint('not stopped')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=WALL)
    assert proc.stdout.splitlines() == ["within the limit: fine"], proc.stdout + proc.stderr[-2000:]
    assert proc.returncode != 0 and proc.stderr.rstrip().endswith("MemoryError"), proc.stderr[-2000:]


# --------------------------------------------------------------------------- publish reads PDFs within the same limits


def test_publish_finds_the_emails_on_a_real_first_page() -> None:
    from pipeline.author.share import emails_on_first_page

    emails = emails_on_first_page(corpus_file("pdfs/1706.03762v5.pdf"))
    assert "avaswani@google.com" in emails and "noam@google.com" in emails
    assert all(e.count("@") == 1 for e in emails) and len(emails) == len(set(emails)) >= 6


def test_publish_reads_the_first_page_only_through_the_limited_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the reader's time budget spent at once, publish gets no e-mails from the same real PDF (so it
    reads through pdf_reader, under its limits), and that is a quiet [] (e-mails are only a nicety)."""
    from pipeline.author.share import emails_on_first_page

    path = corpus_file("pdfs/1706.03762v5.pdf")
    monkeypatch.setattr(extract, "TIME_BUDGET_SECONDS", 0.0)
    assert emails_on_first_page(path) == []


def test_publish_survives_hostile_and_broken_pdfs(tmp_path: Path) -> None:
    from pipeline.author.share import emails_on_first_page

    b = Builder()
    b.page(b.stream(flate_bomb(2048), compressed=True))  # 2 GiB of content on the first page, ~2 MB on disk
    b.good_pages(2)
    bomb = b.save(tmp_path / "bomb.pdf")
    (tmp_path / "not.pdf").write_bytes(b"<html>no PDF here</html>")
    start = time.monotonic()
    for path in (bomb, tmp_path / "not.pdf", tmp_path / "missing.pdf", tmp_path / "pa\x00per.pdf"):
        assert emails_on_first_page(path) == [], path
    assert time.monotonic() - start < 30  # the bomb stops at the 16 MiB stream cap, not after inflating 2 GiB


def test_only_the_limited_reader_opens_pdfs() -> None:
    """No module but pipeline/extract/pdf_reader.py imports pypdf: every PDF (extraction, publish) is opened
    under its limits."""
    import ast

    importers = set()
    for path in sorted((REPO / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "pypdf" or n.startswith("pypdf.") for n in names):
                importers.add(path.relative_to(REPO).as_posix())
    assert importers == {"pipeline/extract/pdf_reader.py"}
