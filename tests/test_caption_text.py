"""Captions in the words of the paper's text, not in pdfium's split letters."""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline import core
from pipeline.config import load_settings
from pipeline.extract.pdf import extract_pdf
from pipeline.figures import cache as figure_cache
from pipeline.figures.caption_text import captions_from_text
from pipeline.records import Document, Figure, FigureSet, PaperMeta, Section
from tests.conftest import corpus_file

TEXT = ("The model is drawn below.\n\nFIG. 1. Overall pre-training and fine-tuning procedures for BERT. Apart from "
        "output layers, the same architectures are used in both pre-training and fine-tuning.\n\nTable 1: GLUE Test "
        "results, scored by the evaluation server (https://gluebenchmark.com/leaderboard). The number below each "
        "task denotes the number of training examples.8 BERT and OpenAI GPT are single model.")


def paper(text: str = TEXT, text_from: str = "pdf") -> Document:
    return Document([Section("Body", "body", text, [(0, 3)])], 9, "paper.pdf", "ab" * 32, text_from=text_from)


def figures(*captions: str) -> FigureSet:
    return FigureSet([Figure("table" if c.startswith("Table") else "figure", str(i + 1), 3, c, (0, 0, 100, 100),
                             image=f"f{i}.png") for i, c in enumerate(captions)], folder="/nowhere")


def test_split_letters_are_joined_as_the_text_has_them_and_the_readers_label_stays():
    found = figures("Figure 1. Overall pre-training and fine-tuning procedures for BERT. Apart from output layers, "
                    "the same architec tures are used in both pre-training and fine-tun ing.",
                    "Table 1: GLUE Test results, scored by the evaluation server (http s : / / gluebenchmark . com/ "
                    "l e ade rboard). The number below each task denotes the number of training ex amples. 8 BERT "
                    "and OpenAI GPT are single model.")
    fixed = captions_from_text(found, paper())
    assert fixed.figures[0].caption == ("Figure 1. Overall pre-training and fine-tuning procedures for BERT. Apart "
                                        "from output layers, the same architectures are used in both pre-training "
                                        "and fine-tuning.")  # "Figure 1." as the reader labels it, not "FIG. 1."
    assert "(https://gluebenchmark.com/leaderboard)" in fixed.figures[1].caption
    assert fixed.figures[1].caption.endswith("training examples.8 BERT and OpenAI GPT are single model.")
    assert [f.caption for f in found.figures][0].count("architec tures") == 1  # the cached set is left as it was
    assert [replace(f, caption="") for f in fixed.figures] == [replace(f, caption="") for f in found.figures]


def test_a_caption_the_text_lacks_or_too_short_to_look_up_stays_as_the_reader_found_it():
    found = figures("Figure 1: Hinge loss.", "Figure 2: A diagram the text of this paper never prints at all, in "
                                             "any of its sections.")
    fixed = captions_from_text(found, paper("Figure 1: Hinge loss. And more text about hinge loss."))
    assert [f.caption for f in fixed.figures] == [f.caption for f in found.figures]


def test_where_the_text_stops_following_the_caption_near_its_end_the_rest_is_the_captions_own():
    caption = ("Table 1: GLUE Test results, scored by the evaluation server (http s : / / gluebenchmark . com/ "
               "leaderboard). The number below each task denotes the number of training examples, in brackets")
    fixed = captions_from_text(figures(caption), paper()).figures[0].caption
    assert fixed.startswith("Table 1: GLUE Test results, scored by the evaluation server "
                            "(https://gluebenchmark.com/leaderboard).")
    assert fixed.endswith("number of training examples, in brackets")


def test_a_paper_read_from_its_latex_source_keeps_the_sources_captions():
    found = figures("Figure 1. Overall pre-training and fine-tuning procedures for BERT. Apart from output layers, "
                    "the same architec tures are used")
    assert captions_from_text(found, paper(text_from="latex")) is found


def test_berts_drafted_captions_have_whole_words_and_its_link_as_the_paper_prints_them(tmp_path):
    pdf = corpus_file("pdfs/1810.04805v2.pdf")
    settings = load_settings()
    doc = extract_pdf(pdf)
    found, _ = figure_cache.load_or_extract(pdf, settings, doc.sha256)
    plan = core.plan_figures(found, doc, PaperMeta(title="BERT"), settings, ["How it works", "Results"])
    captions = {f.label: f.caption for f in plan.figures.figures}
    raw = {f.label: f.caption for f in found.figures}
    assert "architec tures" in raw["Figure 1"] and "gluebenchmark . com" in raw["Table 1"]  # what pdfium gives
    assert "the same architectures are used" in captions["Figure 1"]
    assert "(https://gluebenchmark.com/leaderboard)" in captions["Table 1"]
    assert "SQuAD 1.1 results" in captions["Table 2"]
    shown = [f.caption for figs in plan.embedded.values() for f in figs]
    assert shown and all(s in captions.values() for s in shown)  # the draft shows the repaired captions
    split = re.compile(r"\b(?:architec|segmenta|per|re|at|Com) (?:tures|tion|formance|sults|tention|mon)\b")
    assert [c for c in captions.values() if split.search(c)] == []
    assert len(captions) == len(raw)
