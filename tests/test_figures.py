"""Figures and tables from the PDF: captions, pages, regions, crops; and a hostile page costs its own figures only."""

from __future__ import annotations

import re
import time
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from pipeline.figures import extract_figures
from pipeline.figures.captions import CAPTION, find_captions
from pipeline.figures.page_layout import Box, PageLayout, TextLine, read_page
from pipeline.figures.regions import Columns, is_body, paper_columns
from pipeline.figures.render import DPI
from tests.conftest import corpus_file

PAPERS = ["1706.03762v5.pdf", "1810.04805v2.pdf", "1803.10963v2.pdf", "1412.6980v9.pdf"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = {}
    for name in PAPERS:
        path = corpus_file(f"pdfs/{name}")
        out[name] = (path, extract_figures(path, tmp_path_factory.mktemp(name.replace(".", "-"))))
    return out


def _words_inside(path: Path, page: int, box: tuple[float, float, float, float]) -> list[TextLine]:
    layout = read_page(pdfium.PdfDocument(path)[page - 1], page)
    x0, top, x1, bottom = box
    return [x for x in layout.lines if x.box.x0 >= x0 - 1 and x.box.x1 <= x1 + 1 and x.box.top >= top - 1
            and x.box.bottom <= bottom + 1]


def test_the_attention_papers_architecture_figure_is_on_page_3_with_its_caption_and_no_body_text(extracted) -> None:
    path, figures = extracted["1706.03762v5.pdf"]
    fig = figures.get("Figure 1")
    assert fig is not None and fig.page == 3 and fig.image
    assert fig.caption.startswith("Figure 1") and "model architecture" in fig.caption
    inside = _words_inside(path, 3, fig.box)
    text = " ".join(x.text for x in inside)
    picture = max(read_page(pdfium.PdfDocument(path)[2], 3).graphics, key=lambda b: b.width * b.height)
    x0, top, x1, bottom = fig.box
    assert x0 <= picture.x0 and picture.x1 <= x1 and top <= picture.top and picture.bottom <= bottom  # the diagram
    assert "model architecture" in text  # its caption
    assert "Encoder and Decoder Stacks" not in text and "The encoder is composed" not in text  # the body below
    assert fig.box[3] < 430  # ends at the caption (y=414), before the next heading (y=443)


@pytest.mark.parametrize("name", ["1810.04805v2.pdf", "1803.10963v2.pdf", "1412.6980v9.pdf"])
def test_no_crop_holds_a_paragraph_of_body_text(extracted, name: str) -> None:
    """Two-column (BERT, 1803.10963) and single-column (Adam) papers: every crop holds its caption and none of
    the body lines of its page."""
    path, figures = extracted[name]
    pdf = pdfium.PdfDocument(path)
    layouts = [read_page(pdf[i], i + 1) for i in range(len(pdf))]
    columns = paper_columns(layouts)
    assert columns.two == (name != "1412.6980v9.pdf")
    assert figures.figures
    for fig in figures.figures:
        inside = _words_inside(path, fig.page, fig.box)
        label = fig.label.replace(" ", "")
        assert any(re.sub(r"\s+", "", x.text).lower().startswith(label.lower()) for x in inside), (fig.label, "caption")
        caption_words = set(fig.caption.split())
        body = [x.text for x in inside if is_body(x, columns.size, columns)
                and len(set(x.text.split()) - caption_words) > 3]
        assert not body, (fig.label, body)


@pytest.mark.parametrize("name", PAPERS)
def test_every_caption_is_on_the_page_it_names(extracted, name: str) -> None:
    path, figures = extracted[name]
    pdf = pdfium.PdfDocument(path)
    for fig in figures.figures:
        page_text = re.sub(r"\s+", "", pdf[fig.page - 1].get_textpage().get_text_range())
        label = re.sub(r"\s+", "", fig.caption)[:25]
        number = re.escape(fig.number)
        assert re.search(rf"(?:Figure|Fig\.|Table|FIG\.|TABLE)\s*{number}", page_text.replace(" ", "")), fig.label
        assert label[len(fig.label.replace(" ", "")) + 1:][:12] in page_text, (fig.label, fig.page)


@pytest.mark.parametrize("name", PAPERS)
def test_crops_are_pictures_of_plausible_size_smaller_than_the_page(extracted, name: str) -> None:
    path, figures = extracted[name]
    pdf = pdfium.PdfDocument(path)
    for fig in figures.figures:
        assert fig.image, (fig.label, fig.problem)
        image = Image.open(Path(figures.folder) / fig.image).convert("L")
        width, height = pdf[fig.page - 1].get_size()
        assert image.size == fig.pixels
        assert 60 <= image.width <= width * DPI / 72 and 30 <= image.height <= height * DPI / 72 * 0.95
        dark = sum(image.histogram()[:128])
        assert dark > 0.002 * image.width * image.height, fig.label  # not blank


def test_the_attention_papers_tables_and_figures_are_all_found(extracted) -> None:
    _, figures = extracted["1706.03762v5.pdf"]
    assert [(f.label, f.page) for f in figures.figures] == [
        ("Figure 1", 3), ("Figure 2", 4), ("Table 1", 6), ("Table 2", 8), ("Table 3", 9), ("Table 4", 9),
        ("Figure 3", 13), ("Figure 4", 14), ("Figure 5", 15)]
    assert "BLEU" in figures.get("Table 2").caption and "Training Cost" not in figures.get("Table 2").caption


@pytest.mark.parametrize("line, kind", [
    ("Figure 3: The model.", "Figure"), ("Fig. 3. The model.", "Fig."), ("Table 2: Results", "Table"),
    ("TABLE II. Results", "TABLE"), ("FIG. 1. Schematic", "FIG."), ("Figure 1 : The Transformer", "Figure"),
    ("Figure A.1: Appendix", "Figure")])
def test_a_caption_label_needs_its_punctuation(line: str, kind: str) -> None:
    assert CAPTION.match(line)["kind"] == kind


@pytest.mark.parametrize("line", ["Figure 3a illustrates the idea", "Table 2 shows the results",
                                  "Figures 3 and 4: both", "Figure: the model"])
def test_running_text_is_no_caption(line: str) -> None:
    assert not CAPTION.match(line)


def _line(text: str, x0: float, top: float, x1: float, size: float = 10.0) -> TextLine:
    return TextLine(text, Box(x0, top, x1, top + size), size)


def test_a_line_that_carries_on_a_sentence_is_no_caption() -> None:
    columns = Columns(72, 540, False, 10.0)
    layout = PageLayout(1, 612, 792, [
        _line("The results of the second experiment on the larger data set are shown in", 72, 100, 540),
        _line("Figure 2. We then turn to the ablation of the attention heads in the model.", 72, 112, 540),
        _line("Figure 3: The real caption of the third figure.", 72, 400, 300),
    ])
    found = find_captions(layout, columns.span)
    assert [(c.kind, c.number) for c in found] == [("figure", "3")]


def _pdf_with_a_bomb_on_page_2(path: Path, bomb_bytes: int, bomb_page: int = 2) -> None:
    """Three pages, each a drawn box and a "Figure n:" caption; page 2's content stream inflates to ``bomb_bytes``."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, EncodedStreamObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"):
                                                NameObject("/Type1"), NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for n in (1, 2, 3):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        ops = (f"0.2 0.4 0.8 rg 150 450 300 200 re f BT /F1 10 Tf 110 420 Td (Figure {n}: A drawn box on page {n}.) Tj ET "
               "BT /F1 10 Tf 72 380 Td (Body text of the page runs here, a long line of prose in the body size.) Tj ET")
        if n == bomb_page:
            stream = EncodedStreamObject()
            stream._data = zlib.compress(ops.encode() + b"\n" + b"0" * bomb_bytes, 9)
            stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        else:
            stream = DecodedStreamObject()
            stream.set_data(ops.encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
    writer.write(path)


def test_a_decompression_bomb_costs_its_own_pages_figures_only(tmp_path: Path) -> None:
    pdf = tmp_path / "bomb.pdf"
    _pdf_with_a_bomb_on_page_2(pdf, 400 * 2**20)
    started = time.monotonic()
    figures = extract_figures(pdf, tmp_path / "out", memory=700 * 2**20, page_seconds=20, time_budget=60)
    assert time.monotonic() - started < 90  # bounded by the budget (a hang guard, not a speed test)
    assert [(f.label, f.page) for f in figures.figures] == [("Figure 1", 1), ("Figure 3", 3)]
    assert all(f.image for f in figures.figures)
    assert [page for page, _ in figures.failed_pages] == [2]


def test_a_damaged_pdf_fails_its_figures_only_with_a_reason(tmp_path: Path) -> None:
    damaged = corpus_file("pdfs/1412.6980v9_rasterized-p1-4.pdf")
    figures = extract_figures(damaged, tmp_path / "out", time_budget=60)
    assert figures.figures == []
    assert figures.failed_pages and figures.failed_pages[0][0] == 0 and "pdfium" in figures.failed_pages[0][1]


def test_a_page_that_hangs_is_given_up_after_its_time(tmp_path: Path) -> None:
    """A reader that takes longer than ``page_seconds`` on a page is stopped; here every page is too slow."""
    pdf = tmp_path / "bomb.pdf"
    _pdf_with_a_bomb_on_page_2(pdf, 1 << 20)
    figures = extract_figures(pdf, tmp_path / "out", page_seconds=0.001, time_budget=5)
    assert figures.failed_pages and all("longer than" in why for _, why in figures.failed_pages)


def test_captions_match_the_list_made_by_eye_on_every_corpus_paper(tmp_path: Path) -> None:
    """``benchmarks/figure_truth.json``: every captioned figure and table of the corpus PDFs, found by people
    looking at the rendered pages. The issue asks for recall and precision of at least 0.95."""
    import json

    truth = json.loads((Path(__file__).resolve().parents[1] / "benchmarks" / "figure_truth.json").read_text())
    right = found_total = expected_total = 0
    for name, paper in truth["papers"].items():
        folder = "latex" if name.startswith("2102_") else "pdfs"
        path = corpus_file(f"{folder}/{name}")
        expected = {(e["kind"], e["number"], e["page"]) for e in paper["entries"]}
        found = {(f.kind, f.number, f.page) for f in extract_figures(path, tmp_path / name).figures}
        right += len(found & expected)
        found_total += len(found)
        expected_total += len(expected)
    assert expected_total > 150
    assert right / expected_total >= 0.95 and right / found_total >= 0.95, (right, found_total, expected_total)


def test_a_page_larger_than_pdf_allows_is_not_rendered_and_says_why(tmp_path: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"):
                                                NameObject("/Type1"), NameObject("/BaseFont"): NameObject("/Helvetica")}))
    page = writer.add_blank_page(20000, 20000)  # 277 inches a side: 44,000 pixels at 160 dpi
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    stream = DecodedStreamObject()
    stream.set_data(b"0 0 1 rg 5000 10300 9000 6000 re f BT /F1 200 Tf 4000 10000 Td (Figure 1: A huge page.) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    writer.write(tmp_path / "huge.pdf")
    figures = extract_figures(tmp_path / "huge.pdf", tmp_path / "out", time_budget=60)
    (fig,) = figures.figures
    assert fig.image is None and "larger than a PDF page may be" in fig.problem
