"""Numbers in machine text are looked up in the paper; what is not there is flagged for the author."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from pipeline.draftfile.store import write_draft
from pipeline.summarize.evidence import flag_unverified, numbers
from pipeline.records import PaperMeta, Summary
from pipeline.author.check import check_file


@pytest.mark.parametrize(
    "a, b",
    [("1,024 tokens", "1024"), ("15 %", "15%"), ("2.4x faster", "2.4×"), ("1e-4", "10^-4"), ("10−4", "1e-4"),
     ("2.5 × 10^-3", "0.0025"), ("28.40", "28.4"), ("10^{-4}", "0.0001")],
)
def test_spellings_of_one_value_match(a: str, b: str):
    assert numbers(a) == numbers(b) and numbers(a)


@pytest.mark.parametrize(
    "text, absent",
    [("trained in 2015", "15"), ("a rate of 0.3", "3"), ("v2 of the paper", "2"), ("1,000 steps", "1"),
     ("BERT-large", "0"), ("2015-2016", "15")],
)
def test_near_misses_do_not_match(text: str, absent: str):
    assert numbers(absent) and not numbers(absent) <= numbers(text)


@given(st.integers(min_value=0, max_value=10**9))
def test_thousands_separators_never_change_a_value(n: int):
    assert numbers(f"{n:,}") == numbers(str(n)) == {f"{float(n):.6g}"}


def test_invented_numbers_are_flagged_and_real_ones_are_not():
    paper = numbers("Our model reaches 28.4 BLEU, 2.0 points above the 26.4 of the baseline.")
    flagged = flag_unverified("It reaches 28.4 BLEU, 97.5 on ImageNet and 2.0 points more.", paper)
    assert flagged == (
        "It reaches 28.4 BLEU, 97.5 <!-- unverified: 97.5 not found in the paper --> on ImageNet and 2.0 points more."
    )
    assert flag_unverified("It reaches 28.4 BLEU.", paper) == "It reaches 28.4 BLEU."


def test_flags_survive_into_the_draft_and_check_reports_them(tmp_path: Path):
    text = flag_unverified("The model reaches 97.5 accuracy.", numbers("accuracy of 28.4"))
    summary = Summary(notes=[], sections={"TL;DR": "Fine.", "Results": text}, model="m", prompt_hashes={})
    path = Path(write_draft(PaperMeta(title="A Paper"), summary, "s", tmp_path).path)
    lines = path.read_text().splitlines()
    line = next(i for i, l in enumerate(lines, 1) if "<!-- unverified: 97.5" in l)
    findings = [f for f in check_file(path, 80) if "unverified" in f.message]
    assert [(f.line, f.severity) for f in findings] == [(line, "error")]
    assert "97.5" in findings[0].message


def test_weak_support_flags_survive_into_the_draft_and_check_reports_them(tmp_path: Path):
    from pipeline.summarize.evidence import weak_support_flag

    text = f"The model is elegant (p. 3, §4.1). {weak_support_flag('p. 3, §4.1')} It reaches 28.4 BLEU (p. 5)."
    summary = Summary(notes=[], sections={"TL;DR": "Fine.", "Results": text}, model="m", prompt_hashes={})
    path = Path(write_draft(PaperMeta(title="A Paper"), summary, "s", tmp_path).path)
    lines = path.read_text().splitlines()
    line = next(i for i, l in enumerate(lines, 1) if "<!-- unverified: weakly supported" in l)
    findings = [f for f in check_file(path, 80) if "unverified" in f.message]
    assert [(f.line, f.severity) for f in findings] == [(line, "error")]
    assert "weakly supported by the paper, check it against p. 3, §4.1" in findings[0].message


def test_page_cites_are_not_claims():
    assert flag_unverified("It reaches 28.4 BLEU (p. 8).", numbers("28.4")) == "It reaches 28.4 BLEU (p. 8)."


def test_known_sentences_of_a_real_paper_link_to_their_page_and_section(tiny_backend):
    from pipeline.summarize.chunk import chunk_document
    from pipeline.summarize.evidence import PaperIndex
    from pipeline.extract.pdf import extract_pdf
    from tests.conftest import corpus_file

    doc = extract_pdf(corpus_file("pdfs/1706.03762v5.pdf"))
    index = PaperIndex(chunk_document(doc, tiny_backend.tokenizer, 400))
    p100 = index.best_match("The models were trained on one machine with 8 NVIDIA P100 GPUs.")
    assert (p100.page, p100.section) == (7, "5.2 Hardware and Schedule") and p100.cite() == "p. 7, §5.2"
    bleu = index.best_match("The big model sets a new state-of-the-art BLEU score of 28.4 on English-to-German.")
    assert bleu.page == 8 and bleu.section.startswith("6.1")


@pytest.mark.parametrize(
    "section, cite",
    [("5.2 Hardware and Schedule", "p. 7, §5.2"), ("III. A GENERAL FRAMEWORK FOR ASC", "p. 7, §III"),
     ("A.1 Proofs", "p. 7, §A.1"), ("Introduction", "p. 7, §Introduction")],
)
def test_a_cite_names_the_section_number_when_there_is_one(section: str, cite: str):
    from pipeline.summarize.evidence import KeySentence, split_sentences

    written = KeySentence("x", 7, 0, "body", 0.0, section).cite()
    assert written == cite
    assert len(split_sentences(f"The method works ({written}). It is fast.")) == 2  # the cite never splits


@pytest.mark.parametrize(
    "sentence, prose",
    [
        ("Section-aware chunking scored 29.7 ROUGE-1 and 7.9 ROUGE-2, against 24.1 and 5.2 for plain map-reduce.", True),
        ("Recurrent networks [13] and gated recurrent [7] networks are state of the art in translation [35, 2, 5].", True),
        ("(2014) [37] semi-supervised 92.1 Transformer (4 layers) semi-supervised 92.7 Luong et al. (2015) [23] "
         "multi-task 93.0 Dyer et al. (2016) [8] generative 93.3 In Table 3 rows (B), we observe that it hurts.", False),
        ("Attention(Q,K,V ) = softmax( QK T √dk )V (1) with dk = 64.", False),
        # real corpus sentences: results with acronyms and numbers are prose; equations and figure labels are not
        ("BERTLARGE outperforms the authors’ baseline ESIM+ELMo system by +27.1% and OpenAI GPT by 8.3%.", True),
        ("We used 20-dimensional MFCCs for SRE12 evaluation, and 40-dimensional MFCCs for VoxCeleb evaluation.", True),
        ("The big Transformer model achieves 28.4 BLEU on the WMT 2014 English-to-German translation task.", True),
        ("Then their dot product, q · k = ∑dk i=1 qiki, has mean 0 and variance dk for the keys.", False),
        ("Once we have the derivative, we can apply stochastic gradient descent: w(new) = w(old) −η· (y−t) ·y(1 −y) · x.",
         False),
        ("In more common scenarios, we will have that m̂t/√v̂t ≈±1 since |E[g]/ √ E[g2]|≤ 1.", False),
        ("VTAB (19 tasks) 65 70 75 80 Accuracy [%] Natural (7 tasks) 70 80 90 Specialized (4 tasks) 80 82 85 88 90", False),
        ("This is because the resolution increase during fine-tuning improves the performance. 10 M 30 M 100 M 300 M "
         "Number of JFT pre-training samples 30 40 50 60 70 Linear 5-shot ImageNet Top1 [%]", False),
        ("We trained with 1, 2, 4 and 8 heads, and the model with 8 heads scored 25.8 and 26.4 BLEU.", True),
        ("Indeed,onemightchoosetoapplyanymachinelearning algorithm to the representations rather than the data.", False),
        ("5The final model achieves 97%-98% accuracy on the next sentence prediction task we describe.", False),  # footnote
    ],
)
def test_what_counts_as_a_quotable_sentence(sentence: str, prose: bool):
    from pipeline.summarize.evidence import is_prose

    assert is_prose(sentence) is prose


def test_overlapping_chunks_give_each_sentence_once_and_whole():
    from pipeline.summarize.evidence import PaperIndex, split_sentences
    from pipeline.records import Chunk

    first = ("The encoder maps an input sequence to a sequence of continuous representations for the decoder. "
             "Each layer has two sub-layers, a multi-head self-attention mechanism and a feed-forward network.")
    second = ("two sub-layers, a multi-head self-attention mechanism and a feed-forward network. "  # starts mid-sentence
              "We employ a residual connection around each of the two sub-layers, followed by normalization. "
              "It is critical to use a document-level corpus to extract long contiguous text sequences. "
              "5The final model achieves 97%-98% accuracy on the next sentence prediction task.")
    cut_short = first.rsplit(" a multi-head", 1)[0]  # a chunk that ends mid-sentence
    chunks = [Chunk(0, "Model", "method", cut_short, 1, 1, 30, [(0, 1)]),
              Chunk(1, "Model", "method", first + " " + second.split(". ", 1)[1], 1, 2, 60, [(0, 1)])]
    index = PaperIndex(chunks)
    texts = [s.text for s in index.sentences]
    assert texts.count(split_sentences(first)[1][1]) == 1  # the whole sentence, once
    assert not any(t != whole and t in whole for t in texts for whole in texts)  # no fragment of another
    assert not any(t.startswith("5The") or "5The" in t for t in texts)  # the footnote is split off and not prose


def test_chunks_from_different_sections_keep_their_own_sentences():
    from pipeline.summarize.evidence import PaperIndex
    from pipeline.records import Chunk

    claim = "BERT outperforms all baselines on the GLUE benchmark by a wide margin."
    chunks = [Chunk(0, "4 Experiments", "experiments", "We fine-tune with a batch size of 32 on every task. " + claim,
                    5, 5, 40, [(0, 5)]),
              Chunk(1, "6 Conclusion", "conclusion", f"In summary, {claim} We release the code.",
                    9, 9, 40, [(0, 9)])]
    index = PaperIndex(chunks)
    assert [s.text for s in index.in_chunk(0)][-1] == claim and index.in_chunk(0)[-1].page == 5


def test_best_match_falls_back_to_shared_word_stems():
    from pipeline.summarize.evidence import PaperIndex
    from pipeline.records import Chunk

    chunks = [Chunk(0, "Results", "results", "Our transformer outperforms every recurrent baseline on translation. "
                    "Training took three days on eight machines in total.", 4, 4, 40, [(0, 4)])]
    match = PaperIndex(chunks).best_match("Transformers outperformed recurrence-based baselines.")
    assert match is not None and "outperforms" in match.text


def test_an_invented_number_sinks_a_sentence_whose_every_word_is_in_the_paper():
    from pipeline.summarize.evidence import (
        WEAKLY_SUPPORTED,
        content_words,
        is_supported,
        support,
    )

    paper = "The big Transformer model achieves a BLEU score of 28.4 on the English-to-German translation task."
    words, values = content_words(paper), numbers(paper)
    assert support(paper, words, values) == 1.0 and is_supported(paper, words, values)
    invented = paper.replace("28.4", "31.7")
    assert content_words(invented) == words  # only the number is new
    assert support(invented, words, values) == 0.0
    assert not is_supported(invented, words, values) and not is_supported(invented, words, values, WEAKLY_SUPPORTED)


def test_a_footnote_glued_mid_sentence_is_split_off_and_never_quoted():
    from pipeline.records import Chunk
    from pipeline.summarize.evidence import PaperIndex, is_prose, split_sentences

    # a two-column page read in text order: the left column's footnote lands inside the sentence that goes on
    # in the right column (what a .txt from pdftotext gives; PDF extraction holds such footnotes back)
    text = ("We compute the weighted mean and the weighted standard deviation of the frame features, where σ denotes "
            "2This hypothesis, however, is still an open question for speaker embeddings in general. "
            "Cooling the sample with liquid 3He takes two days over a 10Gb link to the 2D detector array we built.")
    pieces = [t for _, t in split_sentences(text)]
    assert pieces[0].endswith("where σ denotes") and pieces[1].startswith("2This hypothesis")
    assert not is_prose(pieces[1])
    assert pieces[2].startswith("Cooling the sample with liquid 3He takes two days over a 10Gb link to the 2D")
    assert is_prose(pieces[2])  # "3He", "10Gb" and "2D" are no footnote marks
    index = PaperIndex([Chunk(0, "3.1 Pooling", "method", text, 3, 3, 60, [(0, 3)])])
    assert not any("2This" in s.text or "open question" in s.text for s in index.sentences)
