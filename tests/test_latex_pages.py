"""The source beside its PDF: sentences matched to pages, figures from the source files (PNG as is, PDF
rendered, EPS or a table -> the PDF's crop), the choice between source and PDF, and math in quotes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from pipeline.errors import ExtractionError
from pipeline.extract.choose import read_paper
from pipeline.extract.latex import read_latex_tree
from pipeline.extract.latex.pages import match_pages
from pipeline.extract.latex.pictures import source_figure_set
from pipeline.extract.latex.records import SourceFigure
from pipeline.extract.pdf import extract_pdf
from pipeline.records import Figure, FigureSet
from pipeline.summarize.evidence import is_prose
from tests.arxiv_server import corpus_root

CORPUS = corpus_root()
LATEX = CORPUS / "latex" if CORPUS else None
needs_corpus = pytest.mark.skipif(LATEX is None or not (LATEX / "2102_10535").is_dir(),
                                  reason="the shared corpus's LaTeX trees are absent")


@pytest.fixture(scope="module")
def side_by_side():
    return read_latex_tree(LATEX / "2102_10535").document, extract_pdf(LATEX / "2102_10535_main.pdf")


@needs_corpus
def test_source_sentences_get_the_pages_their_text_is_on_in_the_pdf(side_by_side):
    source, pdf = side_by_side
    matched, share = match_pages(source, pdf)
    assert share > 0.9
    assert matched.page_count == pdf.page_count == 9
    assert matched.sha256 != source.sha256  # the same source with other pages cites otherwise
    pdf_letters = {}
    for section in pdf.sections:  # each page's text, letters only
        for i, (offset, page) in enumerate(section.page_starts):
            end = section.page_starts[i + 1][0] if i + 1 < len(section.page_starts) else len(section.text)
            pdf_letters[page] = pdf_letters.get(page, "") + "".join(
                c for c in section.text[offset:end].lower() if c.isalpha())
    checked = 0
    for section in matched.sections:
        for offset, page in section.page_starts:
            piece = "".join(c for c in section.text[offset:offset + 200].lower() if c.isalpha())[:30]
            if len(piece) == 30 and "$" not in section.text[offset:offset + 200]:
                assert 1 <= page <= 9
                assert piece in pdf_letters[page] or piece in pdf_letters.get(page - 1, "") + pdf_letters[page]
                checked += 1
    assert checked >= 10
    pages = [p for s in matched.sections for _, p in s.page_starts]
    assert pages == sorted(pages)  # the paper read in order: its pages never go back


@needs_corpus
def test_the_source_is_chosen_and_the_pdf_when_it_cannot_be_read(tmp_path, side_by_side):
    pdf = LATEX / "2102_10535_main.pdf"
    doc = read_paper(pdf, LATEX / "2102_10535", "auto")
    assert doc.text_from == "latex" and "pages from the PDF" in doc.text_note
    assert {p for s in doc.sections for _, p in s.page_starts} - {0}
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "main.tex").write_text("\\documentclass{article}\n\\begin{document}\nHi.\n\\end{document}\n")
    fallback = read_paper(pdf, tmp_path / "broken", "auto")
    assert fallback.text_from == "pdf" and "could not be read" in fallback.text_note
    with pytest.raises(ExtractionError, match="text_source = latex"):
        read_paper(pdf, tmp_path / "broken", "latex")
    no_pdf = read_paper(None, LATEX / "2102_10535", "auto", no_pdf="HTTP 404")
    assert no_pdf.text_from == "latex" and "HTTP 404" in no_pdf.text_note
    assert {p for s in no_pdf.sections for _, p in s.page_starts} == {0}
    assert read_paper(pdf, LATEX / "2102_10535", "pdf").text_from == "pdf"


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "figs").mkdir(parents=True)
    Image.new("RGB", (120, 80), (200, 30, 30)).save(root / "figs" / "plot.png")
    Image.new("RGB", (90, 60), (30, 30, 200)).save(root / "figs" / "photo.jpg")
    shutil.copyfile(LATEX / "2310_03240" / "figs" / "relconv_architecture.pdf", root / "figs" / "arch.pdf")
    (root / "figs" / "old.eps").write_text("%!PS-Adobe-3.0 EPSF-3.0\n")
    return root


@needs_corpus
def test_source_figures_png_as_is_jpeg_and_pdf_made_png_eps_and_tables_from_the_pdf_crop(tmp_path):
    root = _tree(tmp_path)
    crop = tmp_path / "crops"
    crop.mkdir()
    Image.new("RGB", (50, 40), "black").save(crop / "figure-4.png")
    Image.new("RGB", (60, 30), "black").save(crop / "table-1.png")
    crops = FigureSet(figures=[Figure("figure", "4", 6, "Figure 4: old", (1, 2, 3, 4), image="figure-4.png",
                                      pixels=(50, 40)),
                               Figure("table", "1", 7, "Table 1: t", (1, 2, 3, 4), image="table-1.png", pixels=(60, 30))],
                      folder=str(crop))
    figures = [
        SourceFigure("figure", "fig:plot", "A plot.", ["figs/plot.png"], "1"),
        SourceFigure("figure", "fig:photo", "A photo.", ["figs/photo.jpg"], "2"),
        SourceFigure("figure", "fig:arch", "The architecture.", ["figs/arch.pdf", "figs/plot.png"], "3"),
        SourceFigure("figure", "fig:old", "An EPS figure.", ["figs/old.eps"], "4"),
        SourceFigure("table", "tab:res", "Results.", [], "1"),
        SourceFigure("figure", "fig:gone", "Missing.", [], "5", missing=["figs/gone"]),
        SourceFigure("figure", None, None, ["figs/plot.png"]),  # no caption: LaTeX numbers it not, nor do we
    ]
    out = tmp_path / "out"
    made = source_figure_set(figures, root, out, crops)
    by = {f.label: f for f in made.figures}
    assert set(by) == {"Figure 1", "Figure 2", "Figure 3", "Figure 4", "Table 1", "Figure 5"}
    assert (out / by["Figure 1"].image).read_bytes() == (root / "figs" / "plot.png").read_bytes()
    for label in ("Figure 2", "Figure 3"):
        with Image.open(out / by[label].image) as image:
            assert image.format == "PNG" and image.size == by[label].pixels
    assert by["Figure 3"].pixels[0] > by["Figure 3"].pixels[1]  # two panels side by side
    assert (out / by["Figure 4"].image).read_bytes() == (crop / "figure-4.png").read_bytes()
    assert by["Figure 4"].page == 6 and by["Table 1"].page == 7 and by["Table 1"].image
    assert by["Figure 5"].image is None and "not in the source" in by["Figure 5"].problem
    assert by["Figure 1"].caption == "Figure 1: A plot."
    without_pdf = source_figure_set(figures, root, tmp_path / "out2")
    assert {f.label for f in without_pdf.figures if f.image is None} == {"Figure 4", "Table 1", "Figure 5"}


def test_a_picture_bomb_in_the_source_costs_its_figure_only(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    Image.new("1", (5000, 5000)).save(root / "huge.png")  # 25 megapixels, a few kB
    Image.new("RGB", (40, 40), "red").save(root / "ok.png")
    made = source_figure_set([SourceFigure("figure", None, "Huge.", ["huge.png"], "1"),
                              SourceFigure("figure", None, "Fine.", ["ok.png"], "2")], root, tmp_path / "out")
    assert made.figures[0].image is None and "PNG a blog can show" in made.figures[0].problem
    assert made.figures[1].image == "figure-2.png"


def test_a_source_pdf_figure_that_exhausts_the_picture_maker_costs_its_figure_only(tmp_path):
    """Pictures are made in a process of their own, under a memory limit: a PDF figure that makes pdfium
    allocate without bound ends that process, not the draft; the maker starts again past it."""
    from pipeline.extract.latex.pictures import make_pictures
    from tests.test_figures import _pdf_with_a_bomb_on_page_2

    root = tmp_path / "tree"
    root.mkdir()
    _pdf_with_a_bomb_on_page_2(root / "bomb.pdf", 400 * 2**20, bomb_page=1)
    Image.new("RGB", (40, 30), "red").save(root / "ok.png")
    jobs = [{"files": [name], "missing": [], "target": str(tmp_path / f"{n}.png")}
            for n, name in enumerate(["bomb.pdf", "ok.png"])]
    made = make_pictures(jobs, root, memory=700 * 2**20, step_seconds=20, time_budget=60)
    assert isinstance(made[0], str) and "making its picture" in made[0], made
    assert made[1] == (40, 30) and (tmp_path / "1.png").is_file()
    assert not (tmp_path / "0.png").exists()


def test_a_sentence_is_quotable_with_its_latex_math():
    sentence = ("The output of the layer is $\\mathbf{y} = W_2 \\sigma(W_1 x + b)$, where $W_1 \\in "
                "\\mathbb{R}^{d \\times m}$ are the learned weights of the network.")
    assert is_prose(sentence)
    assert not is_prose("y = W2σ(W1x + b) where W1 ∈ Rd×m and b ∈ Rm are the weights")  # a flattened one is not


def test_a_simple_table_is_markdown_in_the_text_and_a_complex_one_only_its_caption(tmp_path):
    (tmp_path / "main.tex").write_text(r"""\documentclass{article}
\begin{document}
\section{Results}
Our model is better than the baseline on every task we tried, as the table shows.
\begin{table}[t]\centering
\caption{BLEU on the test sets.}\label{tab:bleu}
\begin{tabular}{lcc}\toprule
Model & EN-DE & EN-FR \\ \midrule
Base~\cite{x} & 27.3 & $38.1$ \\
Ours & \textbf{28.4} & 41.8\% \\ \bottomrule
\end{tabular}
\end{table}
\begin{table}\caption{Merged cells.}
\begin{tabular}{cc} \multicolumn{2}{c}{Both} \\ 1 & 2 \\ \end{tabular}
\end{table}
Table~\ref{tab:bleu} holds the numbers.
\end{document}
""")
    latex = read_latex_tree(tmp_path)
    simple, merged = [f for f in latex.figures if f.kind == "table"]
    assert simple.table.splitlines() == ["| Model | EN-DE | EN-FR |", "|---|---|---|", "| Base [x] | 27.3 | 38.1 |",
                                         "| Ours | 28.4 | 41.8% |"]  # a number in math is a number; \cite{x} unknown
    assert merged.table is None
    text = latex.document.section("results").text
    assert "Table 1: BLEU on the test sets." in text and "| Ours | 28.4 | 41.8% |" in text
    assert "Merged cells" not in text and "Table 1 holds the numbers." in text
