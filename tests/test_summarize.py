"""Map-reduce logic, with a scripted fake backend (to see the prompts) and the tiny real model."""

from __future__ import annotations

import re

from pipeline.draftfile.format import QUOTE_NOTE
from typing import Callable

import pytest

from pipeline.summarize.model import Generation
from pipeline.records import Chunk, PaperMeta
from pipeline.summarize.blog_sections import BLOG_SECTIONS
from pipeline.summarize.summarizer import Summarizer

META = PaperMeta(title="A Paper")
HEADINGS = [b.heading for b in BLOG_SECTIONS]

TEXTS = {
    "introduction": "Machine translation with recurrent networks is slow because computation is sequential. "
    "We propose the Transformer, a network based solely on attention mechanisms for translation.",
    "method": "The encoder consists of a stack of six identical layers with attention sublayers. "
    "Each layer computes scaled dot-product attention over all positions of the input sequence.",
    "results": "The big Transformer model achieves a BLEU score of 28.4 on the English-to-German task. "
    "It outperforms the best previously reported models by more than 2.0 BLEU points at lower cost.",
    "limitations": "A limitation: attention cost grows quadratically with the length of the input sequence. "
    "Future work will study local attention restricted to a neighbourhood for long inputs.",
}


class ScriptedBackend:
    """Replies with ``reply(prompt)``; records every prompt (like llm's MockModel)."""

    name = "scripted"

    def __init__(self, reply: Callable[[str], str], context_length: int = 4096):
        self.reply = reply
        self.context_length = context_length
        self.history: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def prompt_tokens(self, messages) -> int:
        return sum(self.count_tokens(m["content"]) for m in messages)

    def generate(self, prompts, max_new_tokens, on_done=None, batch_size=8):
        out = []
        for messages in prompts:
            self.history.append(messages[-1]["content"])
            out.append(Generation(text=self.reply(messages[-1]["content"]), new_tokens=10))
        if on_done:
            on_done(len(prompts))
        return out


def _chunks() -> list[Chunk]:
    return [
        Chunk(i, kind.title(), kind, text, i + 1, i + 1, 40, [(0, i + 1)])
        for i, (kind, text) in enumerate(TEXTS.items())
    ]


def _echo_first_sentence(prompt: str) -> str:
    """A faithful 'model': repeats the first sentence it was given."""
    first = re.search(r"^- (.+)$", prompt, re.M)
    return first.group(1) if first else ""


def test_each_blog_section_is_written_from_the_sentences_of_matching_paper_sections():
    backend = ScriptedBackend(_echo_first_sentence)
    Summarizer(backend).summarize(META, _chunks())
    reduces = dict(zip(HEADINGS, backend.history[len(TEXTS):]))
    assert "28.4" in reduces["Results"] and "six identical layers" not in reduces["Results"]
    assert "six identical layers" in reduces["How it works"] and "28.4" not in reduces["How it works"]
    assert "quadratically" in reduces["Limitations"]


def test_supported_sentences_are_kept_with_their_page():
    summary = Summarizer(ScriptedBackend(_echo_first_sentence)).summarize(META, _chunks())
    assert list(summary.sections) == HEADINGS
    results = summary.sections["Results"]
    assert "BLEU score of 28.4 on the English-to-German task (p. 3, §Results)." in results


def test_invented_numbers_and_filler_are_dropped_and_the_paper_quoted_instead():
    def invent(prompt: str) -> str:
        return "Here are the results. The model reaches 97.5% accuracy on ImageNet with 12 layers."

    summary = Summarizer(ScriptedBackend(invent)).summarize(META, _chunks())
    for heading, text in summary.sections.items():
        assert "97.5" not in text and "Here are" not in text, heading
        assert QUOTE_NOTE in text and "\n> “" in text  # quoted, under the note that asks for the author's words
    assert re.search(r"“[^”]*28\.4[^”]*” \(p\. 3, §Results\)", summary.sections["Results"])
    assert all(note == "" for note in summary.notes)  # the map notes were unsupported too


def test_weakly_supported_sentences_are_kept_flagged_and_unsupported_ones_dropped():
    def mixed(prompt: str) -> str:
        return ("The big Transformer model achieves a BLEU score of 28.4 on the English-to-German task. "  # held
                "The big Transformer model achieves a BLEU score with remarkable, surprising elegance. "  # 6 of 9 words
                "Quantum gravity explains galaxy rotation curves without dark matter halos.")  # not at all

    from pipeline.draftfile.format import FLAG

    results = Summarizer(ScriptedBackend(mixed)).summarize(META, _chunks()).sections["Results"]
    assert "BLEU score of 28.4 on the English-to-German task (p. 3, §Results)." in results
    weak = re.search(r"with remarkable, surprising elegance \(p\. 3, §Results\)\. (<!-- unverified: [^>]*-->)", results)
    assert weak and FLAG.fullmatch(weak.group(1)) and "p. 3" in weak.group(1)
    assert "Quantum" not in results and "galaxy" not in results
    assert len(FLAG.findall(results)) == 1  # the held sentence is not flagged, nor the page numbers in the flag


def test_limitations_are_written_only_from_sentences_that_state_one():
    texts = dict(TEXTS)
    texts["limitations"] = ("We used a beam size of 4 and only checkpoints from the last hour. "  # "only", no limitation
                            "A limitation: attention cost grows quadratically with the length of the input sequence.")
    chunks = [Chunk(i, k.title(), k, t, i + 1, i + 1, 40, [(0, i + 1)]) for i, (k, t) in enumerate(texts.items())]
    backend = ScriptedBackend(_echo_first_sentence)
    summary = Summarizer(backend).summarize(META, chunks)
    prompt = dict(zip(HEADINGS, backend.history[len(texts):]))["Limitations"]
    assert "quadratically" in prompt and "beam size" not in prompt
    assert "quadratically" in summary.sections["Limitations"] and "beam" not in summary.sections["Limitations"]


def test_a_paper_that_states_no_limitation_gets_no_invented_one():
    texts = {k: v for k, v in TEXTS.items() if k != "limitations"}
    chunks = [Chunk(i, k.title(), k, t, i + 1, i + 1, 40, [(0, i + 1)]) for i, (k, t) in enumerate(texts.items())]
    backend = ScriptedBackend(lambda prompt: "The method fails on long inputs and costs too much memory.")
    summary = Summarizer(backend).summarize(META, chunks)
    assert len(backend.history) == len(chunks) + len(HEADINGS) - 1  # no prompt for Limitations
    limitations = next(b for b in BLOG_SECTIONS if b.heading == "Limitations")
    assert summary.sections["Limitations"] == limitations.none_found
    assert "critique" in limitations.none_found and "fails" not in summary.sections["Limitations"]
    assert all(summary.sections[h] for h in HEADINGS)


def test_a_kept_sentence_cites_the_paper_passage_that_supports_it_even_outside_its_evidence():
    from pipeline.summarize.evidence import PaperIndex

    chunks = _chunks()
    summarizer = Summarizer(ScriptedBackend(_echo_first_sentence))
    summarizer.index = PaperIndex(chunks)
    results = next(b for b in BLOG_SECTIONS if b.heading == "Results")
    evidence = [s for s in summarizer.index.sentences if "28.4" in s.text]
    notes = "- The encoder consists of a stack of six identical layers with attention sublayers."  # from the method
    text = ("The encoder consists of a stack of six identical layers with attention sublayers. "
            "Zebras graze quietly beside purple volcanic mountains at dawn.")  # words nowhere in the paper
    composed = summarizer.compose(results, text, evidence, notes)
    assert "six identical layers with attention sublayers (p. 2, §Method)." in composed  # the method page, not p. 3
    assert "Zebras" not in composed


def test_tldr_quotes_the_sentence_that_says_what_the_paper_does_and_never_the_roadmap():
    texts = dict(TEXTS)
    texts["introduction"] = (
        "Machine translation with recurrent networks is slow because recurrent computation is sequential. "
        "Recurrent translation networks compute one position after another, so recurrent translation is slow. "
        "The remainder of this paper is organized as follows: Section 2 describes recurrent translation networks. "
        "In this work we propose the Transformer, a network based solely on attention mechanisms.")
    chunks = [Chunk(i, k.title(), k, t, i + 1, i + 1, 40, [(0, i + 1)]) for i, (k, t) in enumerate(texts.items())]
    summary = Summarizer(ScriptedBackend(lambda prompt: "")).summarize(META, chunks)  # the model writes nothing
    tldr = summary.sections["TL;DR"]
    assert "“In this work we propose the Transformer" in tldr  # the cue outranks more central sentences
    assert all("remainder of this paper" not in text for text in summary.sections.values())


def test_a_limitation_taken_by_results_or_stated_outside_the_usual_sections_still_reaches_limitations():
    neutral = " ".join(f"The model reaches {60 + i}.5 accuracy on benchmark number {i} of the suite." for i in range(12))
    results = "The model fails on documents longer than 512 tokens, where accuracy degrades to 61.2 percent. " + neutral
    chunks = [Chunk(0, "Introduction", "introduction", TEXTS["introduction"], 1, 1, 40, [(0, 1)]),
              Chunk(1, "Results", "results", results, 2, 2, 200, [(0, 2)])]
    evidence = dict(zip(HEADINGS, Summarizer(ScriptedBackend(_echo_first_sentence)).evidence(chunks)))
    assert any("fails on documents" in s.text for s in evidence["Limitations"])  # even if Results took it

    # a paper with no results/discussion/conclusion sections: its stated limitation is found anywhere
    method = ("The encoder consists of a stack of six identical layers with attention sublayers. "
              "A limitation of our approach is that memory grows quadratically with the document length. "
              "However, our model achieves the best accuracy on all five benchmarks we tried.")
    chunks = [Chunk(0, "Introduction", "introduction", TEXTS["introduction"], 1, 1, 40, [(0, 1)]),
              Chunk(1, "Method", "method", method, 2, 2, 60, [(0, 2)])]
    limitations = dict(zip(HEADINGS, Summarizer(ScriptedBackend(_echo_first_sentence)).evidence(chunks)))["Limitations"]
    assert [s.text for s in limitations] == [method.split(". ")[1] + "."]  # not the "However, ... best" one


@pytest.mark.parametrize("sentence, roadmap", [
    ("The remainder of this paper is organized as follows: Section 2 describes the data.", True),
    ("Finally, in Section V we discuss our results and possible future work.", True),
    ("§3 describes the model and §4 the experiments we ran on it.", True),
    ("As described in Section 3, we train with Adam at a learning rate of 0.0001 for all runs.", False),
    ("Using the filter from Section 4.2 we remove 12% of the training pairs before training.", False),
])
def test_roadmap_sentences_are_told_from_facts_that_name_a_section(sentence: str, roadmap: bool):
    from pipeline.summarize.blog_sections import ROADMAP

    assert bool(ROADMAP.search(sentence)) is roadmap


def test_a_generation_stuck_in_a_loop_is_dropped_though_every_word_is_in_the_paper():
    loop = "The Transformer model " * 12 + "achieves a BLEU score of 28.4."
    summary = Summarizer(ScriptedBackend(lambda prompt: loop)).summarize(META, _chunks())
    assert all("Transformer model The Transformer model" not in text for text in summary.sections.values())
    assert "“" in summary.sections["Results"]  # the paper is quoted instead


def test_map_notes_keep_only_supported_bullets():
    def notes(prompt: str) -> str:
        return "- The encoder consists of a stack of six identical layers.\n- It was trained on 900 GPUs in Paris."

    summary = Summarizer(ScriptedBackend(notes)).summarize(META, _chunks())
    method_note = summary.notes[1]
    assert "six identical layers" in method_note and "900 GPUs" not in method_note


def test_notes_read_key_sentences_and_prompts_fit_a_small_context():
    long_chunks = [
        Chunk(i, "Method", "method", " ".join(f"Layer {j} computes attention for token group {i}." for j in range(60)),
              1, 1, 400, [(0, 1)])
        for i in range(12)
    ]
    backend = ScriptedBackend(_echo_first_sentence, context_length=300)
    summarizer = Summarizer(backend, section_tokens=60, key_sentences=3)
    summarizer.summarize(META, long_chunks)
    maps, reduces = backend.history[:12], backend.history[12:]
    assert all(p.count("\n- ") == 3 for p in maps)  # three key sentences, not the whole chunk
    assert all(backend.count_tokens(p) + 60 <= 300 for p in reduces)
    whole = Summarizer(ScriptedBackend(_echo_first_sentence), key_sentences=0).map_prompts(META, long_chunks)
    assert long_chunks[0].text in whole[0][-1]["content"]


def test_a_single_huge_evidence_sentence_is_cut_to_fit_the_context():
    clauses = [f"the encoder layer {j} computes attention over the input tokens" for j in range(40)]
    huge = "We find that " + ", and ".join(clauses) + "."  # 400 words in one sentence, as a bad PDF can give
    chunks = [Chunk(0, "Results", "results", huge, 1, 1, 600, [(0, 1)])]
    backend = ScriptedBackend(_echo_first_sentence, context_length=256)
    backend.count_tokens = lambda text: len(text) // 2  # a tokenizer with a tiny vocabulary, like the test model's
    Summarizer(backend, section_tokens=40, key_sentences=1).reduce(META, chunks, [""])
    assert len(backend.history) == len(BLOG_SECTIONS) - 1  # no limitation stated: no Limitations prompt
    assert all(backend.count_tokens(p) + 40 <= 256 for p in backend.history)
    assert all("- We find that the encoder layer 0 computes" in p for p in backend.history)  # cut, not dropped

    backend.history.clear()
    Summarizer(backend, note_tokens=40, key_sentences=2).map(META, chunks)  # notes prompts too
    assert len(backend.history) == 1 and backend.count_tokens(backend.history[0]) + 40 <= 256


def test_tiny_model_summary_has_every_section(tiny_backend):
    summary = Summarizer(tiny_backend, note_tokens=8, section_tokens=8).summarize(META, _chunks())
    assert list(summary.sections) == HEADINGS
    assert all(text.strip() for text in summary.sections.values())
    assert len(summary.notes) == len(TEXTS)
    assert summary.model == tiny_backend.name and summary.generated_tokens > 0


def test_no_paper_sentence_is_quoted_in_two_sections_while_fresh_ones_are_left():
    topics = ["encoder", "decoder", "softmax", "dropout", "optimizer", "tokenizer", "embedding", "schedule"]
    kinds = ["abstract", "introduction", "method", "results", "limitations", "conclusion"]
    chunks = [
        Chunk(i, kind.title(), kind,
              " ".join(f"The {t} design choice number {k} matters greatly for {kind} quality here." for k, t in
                       enumerate(topics)), i + 1, i + 1, 80, [(0, i + 1)])
        for i, kind in enumerate(kinds)
    ]
    summary = Summarizer(ScriptedBackend(lambda prompt: "")).summarize(META, chunks)
    quotes = re.findall(r"“([^”]+)”", "\n".join(summary.sections.values()))
    assert len(quotes) >= len(BLOG_SECTIONS)
    assert len(set(quotes)) == len(quotes)


def test_a_text_file_without_pages_gets_no_page_cites():
    chunks = [Chunk(i, kind.title(), kind, text, 1, 1, 40, [(0, 1)]) for i, (kind, text) in enumerate(TEXTS.items())]
    summary = Summarizer(ScriptedBackend(_echo_first_sentence)).summarize(META, chunks)
    text = "\n".join(summary.sections.values())
    assert "28.4" in text and "(p. " not in text and "(§Results)" in text
