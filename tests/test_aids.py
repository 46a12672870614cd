"""Critique aids: facts with pages, in comments under the guiding questions, never counted as the critique."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.author.critique_aids import critique_aids
from pipeline.draftfile.format import CRITIQUE_HEADING
from pipeline.draftfile.store import write_draft
from pipeline.extract.pdf import extract_pdf
from pipeline.extract.text_file import extract_text_file
from pipeline.records import PaperMeta, Summary
from pipeline.author.check import check_file
from tests.conftest import corpus_file

SAMPLE = Path(__file__).resolve().parents[1] / "pipeline" / "samples" / "sample-paper.md"


def test_facts_found_in_a_real_paper_each_with_its_page():
    aids = critique_aids(extract_pdf(corpus_file("pdfs/1706.03762v5.pdf")))
    text = "\n".join(aids)
    assert re.search(r"https://github\.com/tensorflow/tensor2tensor \(p\. \d+\)", text)
    assert re.search(r"WMT[^,]*\(p\. \d+\)", text)
    assert re.search(r"Compute reported \(p\. \d+\): .*(P100|GPU)", text)
    assert all(re.search(r"\(p\. \d+\)|none found", line) for line in aids)


def test_a_paper_without_links_says_so():
    aids = critique_aids(extract_text_file(SAMPLE))
    assert "Code and data links: none found in the text" in aids
    assert any(line.startswith("Limitation stated: Our heading detector fails") for line in aids)  # no pages in a .md


def test_aids_sit_in_comments_and_do_not_count_as_the_critique(tmp_path: Path):
    aids = critique_aids(extract_text_file(SAMPLE)) + ["Tricky --> text <script>x</script> TODO"]
    summary = Summary(notes=[], sections={"TL;DR": "Short."}, model="m", prompt_hashes={})
    path = Path(write_draft(PaperMeta(title="Sample"), summary, "s", tmp_path, aids=aids).path)
    critique = path.read_text().split(CRITIQUE_HEADING, 1)[1]
    outside = re.sub(r"<!--.*?-->", "", critique, flags=re.S)
    assert "Limitation stated" in critique and "Limitation stated" not in outside
    assert "<script>" not in outside
    messages = [f.message for f in check_file(path, 80)]
    assert any("TODO(author)" in m or "placeholder" in m.lower() for m in messages)
    assert any("words" in m for m in messages)  # the aids added no author words


def test_pages_that_could_not_be_read_are_named_in_the_draft(tmp_path: Path):
    import dataclasses

    doc = dataclasses.replace(extract_text_file(SAMPLE), page_count=12, unreadable_pages=[5, 6, 7, 11])
    summary = Summary(notes=[], sections={"TL;DR": "Short."}, model="m", prompt_hashes={})
    path = Path(write_draft(PaperMeta(title="Sample"), summary, "s", tmp_path, aids=critique_aids(doc)).path)
    assert "Pages 5-7, 11 of 12 could not be read" in path.read_text().split(CRITIQUE_HEADING, 1)[1]
    assert not any("could not be read" in line for line in critique_aids(extract_text_file(SAMPLE)))


# ---------------------------------------------------------------- metrics and example words (issue 17, item 6)

def _doc(*sentences: str):
    from pipeline.records import Document, Section

    text = " ".join(sentences)
    return Document(sections=[Section("Experiments", "experiments", text, [(0, 3)])], page_count=9,
                    source_path="synthetic.pdf", sha256="0" * 64)


def _listed(aids: list[str], heading: str) -> list[str]:
    line = next((a for a in aids if a.startswith(heading)), "")
    return [n.strip() for n in re.findall(r"([^,:]+?) \(p\. \d+\)", line.split(":", 1)[1])] if line else []


def test_metrics_are_never_datasets_or_baselines():
    aids = critique_aids(_doc(
        "We evaluate on the LibriSpeech and TIMIT test sets and report WER, CER and PER on each dataset.",
        "Compared to the baseline, our model lowers the WER and the EER, and it beats BLEU-4, ROUGE-L, mAP and F1 "
        "scores of DeepSpeech2 and WaveNet on the benchmarks.",
        "Our system outperforms ResNet-50 on ImageNet, with higher Top-1 and SacreBLEU than the baselines.",
    ))
    datasets, baselines = _listed(aids, "Datasets and benchmarks named"), _listed(aids, "Models and baselines")
    assert {"LibriSpeech", "TIMIT"} <= set(datasets) and {"DeepSpeech2", "WaveNet", "ResNet-50"} <= set(baselines)
    metrics = {"WER", "CER", "PER", "EER", "BLEU-4", "ROUGE-L", "mAP", "F1", "Top-1", "SacreBLEU"}
    assert not metrics & (set(datasets) | set(baselines)), (datasets, baselines)


def test_a_word_given_as_an_example_is_no_baseline():
    aids = critique_aids(_doc(
        'Rare words such as "BMW" are split into subword units, which the baseline vocabulary lacks.',
        "Names like BMW, Audi and Porsche are rare in the training text compared to the baseline.",
        "For example, the word “iPhone” is split into pieces by the BPE baseline as well.",
        "Our model outperforms the GPT-2 baseline on WikiText-103.",
    ))
    baselines = _listed(aids, "Models and baselines")
    assert "GPT-2" in baselines and "BPE" in baselines
    assert not {"BMW", "Audi", "Porsche", "iPhone"} & set(baselines), baselines


def test_examples_outside_a_sentence_about_words_still_count():
    # "such as" in a sentence about benchmarks lists benchmarks: they are named
    aids = critique_aids(_doc("We evaluate on benchmarks such as ImageNet, CIFAR-100 and VTAB, as in prior work."))
    assert {"ImageNet", "CIFAR-100", "VTAB"} <= set(_listed(aids, "Datasets and benchmarks named"))


def test_a_real_papers_metrics_are_not_listed_as_datasets_or_baselines():
    # the speaker-embedding paper listed "EERs" as a dataset and "EER" as a baseline
    aids = critique_aids(extract_pdf(corpus_file("pdfs/1803.10963v2.pdf")))
    datasets, baselines = _listed(aids, "Datasets and benchmarks named"), _listed(aids, "Models and baselines")
    assert "VoxCeleb" in datasets
    assert not {"EER", "EERs", "SNR"} & (set(datasets) | set(baselines)), (datasets, baselines)


def test_a_limitation_of_earlier_methods_is_not_stated_as_the_papers():
    aids = critique_aids(_doc(
        "The biggest drawback of these approaches is that they lack true understanding of the intent.",
        "A limitation of our method is that it needs a GPU with 16 GB of memory for long inputs.",
    ))
    stated = [a for a in aids if a.startswith("Limitation stated")]
    assert len(stated) == 1 and "our method" in stated[0]
