"""Extraction: real arXiv PDFs from the shared corpus (skipped when absent) and small built inputs."""

from __future__ import annotations

import functools
import io
import logging
import os
import re
from pathlib import Path

import pypdf
import pytest

from pipeline.errors import ExtractionError
from pipeline.extract.pdf import extract_pdf
from pipeline.extract.text_file import extract_text_file
from pipeline.extract.page_text import clean_chars, remove_stamp, strip_page_furniture
from pipeline.extract.paragraphs import unwrap
from pipeline.extract.sections import split_sections

logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings on real papers are harmless

CORPUS = Path(os.environ.get("PAPERDRAFT_CORPUS", Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
INTACT = ["1111.2011v2", "1410.0342v4", "1411.2738v4", "1411.3715v1", "1412.6980v9", "1706.03762v5",
          "1803.10963v2", "1810.04805v2", "2010.11929v2", "2204.02311v1"]
STAMP = re.compile(r"arXiv:\d{4}\.\d{4,5}v\d+\s*\[")


def corpus_pdf(name: str) -> Path:
    """A PDF of the shared corpus, or a clean skip when the corpus is absent."""
    path = CORPUS / "pdfs" / name
    if not path.exists():
        pytest.skip(f"corpus file {name} not present")
    return path


@functools.lru_cache(maxsize=None)
def _doc(stem: str):
    return extract_pdf(CORPUS / "pdfs" / f"{stem}.pdf")


def corpus_file_or_skip(relative: str) -> Path:
    path = CORPUS / relative
    if not path.exists():
        pytest.skip(f"corpus file {relative} not present")
    return path


def doc(stem: str):
    corpus_pdf(f"{stem}.pdf")
    return _doc(stem)


def full_text(document) -> str:
    return "\n\n".join(s.text for s in document.sections)


def kinds(document) -> list[str]:
    """Section kinds in order, runs of the same kind counted once."""
    out: list[str] = []
    for s in document.sections:
        if not out or out[-1] != s.kind:
            out.append(s.kind)
    return out


# ---------------------------------------------------------------- real papers: clean text

@pytest.mark.parametrize("stem", INTACT)
def test_corpus_text_is_clean(stem):
    d = doc(stem)
    text = full_text(d)
    assert not STAMP.search(text), "arXiv margin stamp left in"
    assert not re.search("[\ufb00-\ufb06\x00\ufffd]", text), "ligature, NUL or replacement character left in"
    assert not re.search(r"(?m)^\s*\d{1,3}\s*$", text), "a bare page number survived as its own paragraph"
    assert d.page_count == len(pypdf.PdfReader(CORPUS / "pdfs" / f"{stem}.pdf").pages)
    assert re.fullmatch(r"[0-9a-f]{64}", d.sha256)
    assert len(text) > 0.8 * sum(len(s.text) for s in d.sections)  # nothing odd in the join
    assert d.title and len(d.title) > 10


def test_stamp_is_gone_but_cited_arxiv_ids_stay():
    text = full_text(doc("1810.04805v2"))
    assert "arXiv:1810.04805v2" not in text
    assert "arXiv:1808.04444" in text  # a reference, not the stamp


@pytest.mark.parametrize("stem, header", [
    ("1412.6980v9", "Published as a conference paper at ICLR"),
    ("2010.11929v2", "Published as a conference paper at ICLR"),
    ("1411.3715v1", "DRAFT"),
])
def test_running_headers_are_removed(stem, header):
    raw = [p.extract_text() for p in pypdf.PdfReader(corpus_pdf(f"{stem}.pdf")).pages]
    assert sum(header in p for p in raw) >= 10  # it really is on every page of the PDF
    assert header not in full_text(doc(stem))


def test_page_numbers_do_not_glue_into_sentences():
    text = full_text(doc("1706.03762v5"))
    # page 2 ends "... left and right halves of Figure 1, respectively." and then its page number "2"
    assert "halves of Figure 1, respectively." in text
    assert not re.search(r"halves of Figure 1, respectively\. 2\b", text)


def test_hyphenated_words_are_joined_and_compounds_kept():
    bert = full_text(doc("1810.04805v2"))
    assert "We introduce a new language representation model called BERT" in bert  # "representa-\ntion"
    transformer = full_text(doc("1706.03762v5"))
    assert "our model performs surprisingly well" in transformer  # "sur-\nprisingly"
    assert "English-to-German translation task" in transformer  # "English-\nto-German"
    assert "attention-based models" in transformer  # "attention-\nbased": a real compound


def test_tex_accents_are_recombined():
    d = doc("1111.2011v2")
    assert "Zlatko Tešanović" in d.authors


def test_footnotes_do_not_cut_sentences():
    intro = doc("1706.03762v5").section("introduction")
    assert "in sequence modeling and transduction problems such as language modeling" in intro.text
    assert "∗Equal contribution" in intro.text  # moved after the paragraph, not lost


def test_table_of_contents_is_not_read_as_headings():
    d = doc("2204.02311v1")
    intro = [s for s in d.sections if s.kind == "introduction"]
    assert len(intro) == 1 and intro[0].first_page == 3
    assert "Model Scale Hyperparameters . . ." not in full_text(d)


# ---------------------------------------------------------------- real papers: sections

EXPECTED_KINDS = {
    "1706.03762v5": ["front", "abstract", "introduction", "background", "method", "results", "conclusion",
                     "acknowledgements", "references"],
    "1810.04805v2": ["front", "abstract", "introduction", "related_work", "method", "experiments", "results",
                     "conclusion", "references", "appendix"],
    "1412.6980v9": ["front", "abstract", "introduction", "method", "related_work", "experiments", "body",
                    "conclusion", "acknowledgements", "references", "appendix"],
    "2010.11929v2": ["front", "abstract", "introduction", "related_work", "method", "experiments", "conclusion",
                     "acknowledgements", "references", "appendix"],
    "1803.10963v2": ["front", "abstract", "introduction", "method", "experiments", "results", "conclusion",
                     "references"],
    "1411.2738v4": ["front", "abstract", "method", "acknowledgements", "references", "appendix"],
    "1111.2011v2": ["front", "introduction", "method", "discussion", "acknowledgements"],
    "1410.0342v4": ["front", "abstract", "introduction", "related_work", "introduction", "method",
                    "acknowledgements", "appendix", "references"],
}


@pytest.mark.parametrize("stem", sorted(EXPECTED_KINDS))
def test_sections_found_where_a_reader_sees_them(stem):
    assert kinds(doc(stem)) == EXPECTED_KINDS[stem]


def test_transformer_headings_and_titles():
    titles = [s.title for s in doc("1706.03762v5").sections]
    for heading in ["Abstract", "1 Introduction", "2 Background", "3 Model Architecture",
                    "3.2.1 Scaled Dot-Product Attention", "4 Why Self-Attention", "6.2 Model Variations",
                    "7 Conclusion", "Acknowledgements", "References"]:
        assert heading in titles
    assert not any(re.match(r"\d+ (Input|Layer)", t) for t in titles)


def test_false_headings_are_rejected():
    titles = [s.title for s in doc("1810.04805v2").sections + doc("2010.11929v2").sections]
    assert not any("Ensemble" in t or "Input patch row" in t or re.match(r"\d+ M ", t) for t in titles)
    titles = [s.title for s in doc("1411.3715v1").sections]
    assert "G. Gasso" not in titles and "VIII. DISCUSSION" in titles


def test_roman_and_lettered_subsections_inherit_kind():
    d = doc("1411.3715v1")
    by_title = {s.title: s.kind for s in d.sections}
    assert by_title["A. Features"] == "background"  # under II. BACKGROUND
    assert by_title["B. Results"] == "results"  # own title is clearer than its parent's
    assert by_title["A. MFCCs"] == "appendix"  # after REFERENCES, under APPENDIX


def test_body_drops_references_but_keeps_appendix_and_conclusion():
    d = doc("1810.04805v2")
    body = d.body
    assert {s.kind for s in body} >= {"abstract", "conclusion", "appendix"}
    assert not {"references", "acknowledgements"} & {s.kind for s in body}
    body_text = "\n".join(s.text for s in body)
    assert "Contextual string embeddings for sequence labeling" not in body_text  # a reference
    assert "Contextual string embeddings for sequence labeling" in d.section("references").text
    appendix = [s for s in body if s.kind == "appendix"]
    assert sum(len(s.text) for s in appendix) > 10_000


def test_nothing_of_the_body_is_lost():
    d = doc("1706.03762v5")
    raw = " ".join(p.extract_text() for p in pypdf.PdfReader(corpus_pdf("1706.03762v5.pdf")).pages)
    words = lambda t: re.findall(r"[a-z]{6,}", t.lower())  # noqa: E731
    ours = set(words(full_text(d)))
    missing = [w for w in set(words(clean_chars(raw))) if w not in ours]
    assert len(missing) < 40, missing  # only words split by a line-end hyphen


def test_page_numbers_map_sentences_to_pages():
    d = doc("1706.03762v5")
    section = next(s for s in d.sections if s.title == "3.2.1 Scaled Dot-Product Attention")
    at = section.text.index("We call our particular attention")
    assert section.page_at(at) == 4
    refs = d.section("references")  # pages 13-15 are figures without a heading: they stay with it
    assert refs.first_page == 10
    assert refs.page_at(refs.text.index("[18] Nal Kalchbrenner")) == 11
    bert = doc("1810.04805v2")
    procedure = next(s for s in bert.sections if s.title == "A.2 Pre-training Procedure")
    assert procedure.first_page == 13


def test_title_and_authors():
    d = doc("1706.03762v5")
    assert d.title == "Attention Is All You Need"
    assert d.authors[0] == "Ashish Vaswani" and "Illia Polosukhin" in d.authors and len(d.authors) == 8
    bert = doc("1810.04805v2")  # no metadata: from the first page's largest font
    assert bert.title.startswith("BERT: Pre-training of Deep Bidirectional")
    assert bert.authors == ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"]
    adam = doc("1412.6980v9")  # from the PDF metadata
    assert adam.title == "Adam: A Method for Stochastic Optimization"
    assert adam.authors == ["Diederik P. Kingma", "Jimmy Lei Ba"]
    vit = doc("2010.11929v2")  # small capitals in the PDF
    assert vit.title.startswith("An Image Is Worth 16x16 Words")


def test_unreadable_page_is_reported_not_fatal():
    d = doc("1411.3715v1")  # page 1 is only "0 1 2 ... DRAFT"
    assert d.unreadable_pages == [1]
    assert d.title == "Acoustic Scene Classification"


# ---------------------------------------------------------------- errors

def test_damaged_corpus_pdf_names_file_and_reason():
    path = corpus_pdf("1412.6980v9_rasterized-p1-4.pdf")
    with pytest.raises(ExtractionError) as err:
        extract_pdf(path)
    message = str(err.value)
    assert "1412.6980v9_rasterized-p1-4.pdf" in message
    assert "damaged" in message and "%PDF header" in message and "pages 1-4" in message


def _pdf_bytes(text: str | None = None, password: str | None = None) -> bytes:
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    if text:
        from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"):
                                 NameObject("/Type1"), NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): writer._add_object(font)})})
        stream = DecodedStreamObject()
        body = "".join(f"BT /F1 11 Tf 72 {720 - 14 * i} Td ({line}) Tj ET\n"
                       for i, line in enumerate(text.split("\n")))
        stream.set_data(body.encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password:
        writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PAPER = "Abstract\nWe study a small thing and report what we found in some detail here.\n" \
        "1 Introduction\nThe introduction says why the small thing matters to anyone at all.\n" \
        "2 Method\nWe measure the thing twice, with care, and write the numbers down.\nReferences\n[1] A. Person. A paper. 2020."


def test_built_pdf_with_text_is_read(tmp_path):
    path = tmp_path / "built.pdf"
    path.write_bytes(_pdf_bytes(PAPER))
    d = extract_pdf(path)
    assert kinds(d) == ["abstract", "introduction", "method", "references"]
    assert d.section("method").text == "We measure the thing twice, with care, and write the numbers down."


def test_encrypted_pdf(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(_pdf_bytes(PAPER, password="secret"))
    with pytest.raises(ExtractionError, match="encrypted") as err:
        extract_pdf(path)
    assert "locked.pdf" in str(err.value)


def test_pdf_without_text_layer(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_pdf_bytes())
    with pytest.raises(ExtractionError, match="no text layer") as err:
        extract_pdf(path)
    assert "scan.pdf" in str(err.value) and "OCR" in str(err.value)


@pytest.mark.parametrize("content", [b"<!DOCTYPE html><html><body>Not found</body></html>",
                                     bytes(range(256)) * 40, b""])
def test_not_a_pdf(tmp_path, content):
    path = tmp_path / "paper.pdf"
    path.write_bytes(content)
    with pytest.raises(ExtractionError) as err:
        extract_pdf(path)
    assert "paper.pdf" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ExtractionError, match="cannot read"):
        extract_pdf(tmp_path / "nope.pdf")
    with pytest.raises(ExtractionError, match="cannot read"):
        extract_text_file(tmp_path / "nope.md")


def test_page_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.extract.pdf_reader.MAX_PAGES", 0)
    path = tmp_path / "built.pdf"
    path.write_bytes(_pdf_bytes(PAPER))
    with pytest.raises(ExtractionError, match="more than the limit"):
        extract_pdf(path)


# ---------------------------------------------------------------- text files

def test_markdown_file(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# A Tiny Paper\n\nAda Example, Somewhere\n\n## Abstract\n\nShort.\n\n## 1 Introduction\n\n"
                    "Why it ma-\nters.\nSecond line.\n\nNew paragraph.\n\n### 1.1 Scope\n\nNarrow.\n\n"
                    "Conclusion\n\nDone.\n\n## References\n\n[1] Someone.\n", encoding="utf-8")
    d = extract_text_file(path)
    assert d.title == "A Tiny Paper"
    assert [(s.title, s.kind) for s in d.sections] == [
        ("Front matter", "front"), ("Abstract", "abstract"), ("1 Introduction", "introduction"),
        ("1.1 Scope", "introduction"), ("Conclusion", "conclusion"), ("References", "references")]
    assert d.section("introduction").text == "Why it maters. Second line.\n\nNew paragraph."
    assert d.page_count == 1 and d.section("abstract").page_at(0) == 1


def test_plain_text_title_is_first_line(tmp_path):
    path = tmp_path / "paper.txt"
    path.write_text("\nMy Plain Paper\nBy Someone\n\nAbstract\nIt is plain.\n\n1 Introduction\nHello.\n")
    d = extract_text_file(path)
    assert d.title == "My Plain Paper"
    assert kinds(d) == ["front", "abstract", "introduction"]


def _raw_text_file(tmp_path, stem: str, pages: list[int]) -> Path:
    """A .txt of a corpus PDF's raw text (as pdftotext or pypdf give it): stamp, running heads, tables and all."""
    reader = pypdf.PdfReader(corpus_pdf(f"{stem}.pdf"))
    path = tmp_path / f"{stem}.txt"
    path.write_text("\n\n".join(reader.pages[n - 1].extract_text() for n in pages), encoding="utf-8")
    return path


@pytest.mark.parametrize("first_lines, title", [
    ("arXiv:cs/0202009v1 [cs.NE] 11 Feb 2002\n\nEvolving Neural Networks through Augmenting Topologies\n",
     "Evolving Neural Networks through Augmenting Topologies"),
    ("arXiv:cs/0202009v1 [cs.NE] 11 Feb 2002\n# Evolving Neural Networks through Augmenting Topologies\n",
     "Evolving Neural Networks through Augmenting Topologies"),
    ("layers 1+2n 2n 2n\nlayers # params\n12 768 3072\nDeep Networks with Stochastic Depth\n",
     "Deep Networks with Stochastic Depth"),
    (("0\n1 2\nNovember 17, 2014 DRAFT\nPublished as a conference paper at ICLR 2015\n"
      "BERT: Pre-training of Deep Bidirectional Transformers for\nLanguage Understanding\n"),
     "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"),
])
def test_text_file_title_skips_stamp_running_heads_and_table_rows(tmp_path, first_lines, title):
    path = tmp_path / "paper.txt"
    path.write_text(first_lines + "Ada Example\n\nAbstract\n\nWe study things.\n\n1 Introduction\n\nHello.\n",
                    encoding="utf-8")
    d = extract_text_file(path)
    assert d.title == title
    assert kinds(d) == ["front", "abstract", "introduction"]


def test_text_file_without_a_title_line_has_no_title(tmp_path):
    path = tmp_path / "paper.txt"
    path.write_text("arXiv:1706.03762v5 [cs.CL] 6 Dec 2017\n12 768 3072\n\nAbstract\n\nWe study things.\n")
    assert extract_text_file(path).title is None  # the file's name stands in (core.paper_meta), not a stamp


@pytest.mark.parametrize("stem, pages, title", [
    ("1803.10963v2", [1, 2], "Attentive Statistics Pooling for Deep Speaker Embedding"),  # the stamp is line 1
    ("1411.3715v1", [1, 2], "Acoustic Scene Classification"),  # "0", "1 2", "November 17, 2014 DRAFT", stamp
    ("1412.6980v9", [1], "Adam: A Method for Stochastic Optimization"),  # "Published as a conference paper ..."
    ("2204.02311v1", [1, 5, 6, 22], "PaLM: Scaling Language Modeling with Pathways"),  # "# of Parameters" on p. 6
])
def test_raw_text_of_a_corpus_pdf_gets_its_title(tmp_path, stem, pages, title):
    assert extract_text_file(_raw_text_file(tmp_path, stem, pages)).title == title


def test_table_cells_and_code_comments_in_raw_text_are_no_headings(tmp_path):
    # PaLM's Table 1 header ("Model Layers # of Heads dmodel / # of Parameters") and the Python comments of
    # its code samples (p. 22) start with "#": in a .txt they were read as Markdown headings
    d = extract_text_file(_raw_text_file(tmp_path, "2204.02311v1", [1, 5, 6, 22]))
    titles = [s.title for s in d.sections]
    assert {"2 Model Architecture", "2.1 Model Scale Hyperparameters", "2.2 Model Card"} <= set(titles), titles
    assert not any(t.endswith("of Parameters") or "#" in t or "string" in t or not re.search("[a-z]", t)
                   for t in titles), titles  # "1.", "# 2.": the comments that number the steps of the code
    assert "# of Parameters" in full_text(d) and "# Given a string representing musical notes" in full_text(d)


@pytest.mark.parametrize("heading", ["# layers # params", "## Model layers # params", "## of Parameters",
                                     "### '.|' - quarter note, lasts one beat",
                                     "# Given a string representing musical notes in a"])
def test_table_header_rows_are_no_markdown_headings(heading):
    text = f"## 1 Introduction\n\nIt starts.\n\n{heading}\n\nMore of the introduction.\n\n## 2 Method\n\nIt works."
    sections = split_sections([(1, text)], markdown=True)
    assert [s.title for s in sections] == ["1 Introduction", "2 Method"]
    assert heading in sections[0].text


def test_table_header_rows_are_no_numbered_headings():
    pages = [(1, ("Abstract\nWe do things.\n1 Introduction\nIntro text.\n2 Model layers # params\n"
                  "12 768 3072\n2 Method\nIt works."))]
    assert [s.title for s in split_sections(pages)] == ["Abstract", "1 Introduction", "2 Method"]


def test_a_footnote_between_columns_is_not_glued_into_the_sentence():
    # two-column BERT, page 6: the left column's footnotes come before the right column in the text,
    # in the middle of "Given a question and a passage from | Wikipedia containing the answer"
    text = full_text(doc("1810.04805v2"))
    assert "Given a question and a passage from Wikipedia containing the answer" in text
    assert "passage from 9The" not in text and "9The GLUE data set distribution does not include" in text
    assert "the best non-null span 12The" not in text  # page 7, the same
    code_gen = corpus_file_or_skip("latex/2102_10535_main.pdf")
    assert "can take on many forms, from auto-completing lines" in full_text(extract_pdf(code_gen))


def test_mid_page_footnote_unit():
    filler = [f"Line {n} of the column goes on and on with words to fill it up to the end." for n in range(12)]
    before = [*filler, "8See (10) in https://gluebenchmark.com/faq."]  # the last footnote so far, at a page's foot
    column = ["The Stanford Question Answering Dataset is a collection of crowd-sourced",
              "question/answer pairs (Rajpurkar et al., 2016). Given a question and a passage from",
              "9The GLUE data set distribution does not include the Test",
              "labels, and we only made a single GLUE evaluation server submission.",
              "10https://gluebenchmark.com/leaderboard",
              "Wikipedia containing the answer, the task is to predict the answer text span in the",
              "passage. Cooling the sample with liquid 3He needs a long time on the",
              "10Gb link of the 2D detector array that we describe in full here, as a plot of",
              "75",
              "80Accuracy of the detector array over the days of the run, as we measured it.",  # an axis, not note 80
              *filler]
    text, _ = unwrap([(2, x) for x in strip_page_furniture([before, column])[1]])
    assert "a passage from Wikipedia containing the answer" in text
    assert "with liquid 3He needs a long time on the 10Gb link of the 2D detector" in text  # no footnote marks
    assert text.index("9The GLUE") > text.index("Wikipedia containing") and "10https://gluebenchmark.com" in text
    assert "as a plot of 75 80Accuracy of the detector" in text


def test_sample_paper():
    d = extract_text_file(Path(__file__).resolve().parents[1] / "pipeline" / "samples" / "sample-paper.md")
    assert d.title.startswith("Section-Aware Chunking")
    assert kinds(d) == ["front", "abstract", "introduction", "method", "experiments", "results", "limitations",
                        "conclusion", "references"]


# ---------------------------------------------------------------- helpers

def test_clean_chars():
    assert clean_chars("signiﬁcant ﬂow eﬀect oﬃce baﬄe") == "significant flow effect office baffle"
    assert clean_chars("1\x00b\x07c\ufffd\u00ad") == "1bc"
    # a wrong ToUnicode map in some TeX fonts (1410.0342): ff read as "↵", ffi as U+0000; elsewhere U+0000 goes
    assert clean_chars("e↵ective O↵sets di\x00cult a\x00ne, kA \x00 Zk ↵ x") == \
        "effective Offsets difficult affine, kA  Zk ↵ x"
    assert clean_chars("A Ti\x00tle, mea\x00sured") == "A Title, measured"  # a stray NUL is not a ligature
    assert clean_chars("Fern´andez Teˇsanovi´c Schr¨odinger") == "Fernández Tešanović Schrödinger"
    assert clean_chars("x² ≤ ∑ α") == "x² ≤ ∑ α"  # no NFKC: math symbols stay


@pytest.mark.parametrize("lines", [
    ["text", "arXiv:1706.03762v5  [cs.CL]  6 Dec 2017", "more"],
    ["text", "7102 ceD 6  ]LC.sc[  5v26730.6071:viXra", "more"],  # reversed
    ["text", *"arXiv:1706.03762v5  [cs.CL]  6 Dec 2017", "more"],  # one character per line
    ["text", *reversed("arXiv:1706.03762v5  [cs.CL]  6 Dec 2017"), "more"],
])
def test_remove_stamp(lines):
    assert remove_stamp(lines) == ["text", "more"]


def test_remove_stamp_keeps_text_on_the_same_line():
    assert remove_stamp(["arXiv:1803.10963v2 [eess.AS] 25 Feb 2019 Attentive Pooling"]) == ["Attentive Pooling"]


def test_strip_page_furniture():
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    pages = [[f"Journal of Things {2020 + n}", *[f"Body line {c} of page {w}." for c in "abcdef"], str(n)]
             for n, w in enumerate(words, 1)]
    cleaned = strip_page_furniture(pages)
    assert cleaned[0] == pages[0][1:-1]
    assert all(not any("Journal" in x or x.isdigit() for x in p) for p in cleaned)
    toc = [["Contents", *[f"{n} Section Number {n} {n * 3}" for n in range(1, 7)], "1 Introduction", "Text."]]
    assert strip_page_furniture(toc)[0] == ["1 Introduction", "Text."]


def test_unwrap_joins_lines_into_paragraphs():
    lines = [(1, "This is a long line of a paragraph that goes on and on to the"), (1, "end of the line width."),
             (1, "A new para-"), (2, "graph starts here and runs on to the next page and to the")]
    text, starts = unwrap(lines, full={1: 62, 2: 62})
    assert text == ("This is a long line of a paragraph that goes on and on to the end of the line width.\n\n"
                    "A new paragraph starts here and runs on to the next page and to the")
    assert starts == [(0, 1), (text.index("graph starts"), 2)]


def test_split_sections_unit():
    pages = [(1, "Title of It\nAbstract\nWe do things.\n1 Introduction\nIntro text.\n2 Results\n"
                 "2 0.5 0.7 0.9\nTable 2 shows them.\nReferences\n[1] Ref."),
             (2, "A Proofs\nThe proof.\nA.1 Lemma\nIt holds.")]
    sections = split_sections(pages)
    assert [(s.title, s.kind) for s in sections] == [
        ("Front matter", "front"), ("Abstract", "abstract"), ("1 Introduction", "introduction"),
        ("2 Results", "results"), ("References", "references"), ("A Proofs", "appendix"),
        ("A.1 Lemma", "appendix")]
    assert sections[3].text == "2 0.5 0.7 0.9 Table 2 shows them."
    assert sections[-1].page_at(0) == 2
