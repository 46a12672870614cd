import pytest

from pipeline.errors import ModelError
from pipeline.summarize.chunk import chunk_document, group_sections
from pipeline.records import Document, Section

PARA = "The encoder maps each input token to a continuous representation. "


def _doc(*sections: Section) -> Document:
    return Document(sections=list(sections), page_count=9, source_path="x.pdf", sha256="0")


def _section(title: str, kind: str, text: str, first_page: int = 1) -> Section:
    half = len(text) // 2
    return Section(title, kind, text, [(0, first_page), (half, first_page + 1)])


def test_every_chunk_fits_and_no_text_is_lost(tiny_backend):
    method = _section("3 Method", "method", (PARA * 40 + "\n\n") * 3, first_page=3)
    doc = _doc(_section("Abstract", "abstract", PARA * 3), method)
    chunks = chunk_document(doc, tiny_backend.tokenizer, max_tokens=120)
    assert len(chunks) > 5
    assert all(c.n_tokens <= 120 for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    # every word of the body appears in some chunk, in order
    joined = " ".join(c.text for c in chunks if c.kind == "method")
    assert joined.count("encoder") >= method.text.count("encoder")


def test_chunks_never_cross_a_change_of_section_kind(tiny_backend):
    doc = _doc(
        _section("Introduction", "introduction", PARA * 5),
        _section("3 Method", "method", "Method text. " * 6),
        _section("3.1 Details", "method", "Detail text. " * 6),
        _section("4 Results", "results", "BLEU rises to 28.4. " * 6, first_page=6),
    )
    chunks = chunk_document(doc, tiny_backend.tokenizer, max_tokens=400)
    kinds = [c.kind for c in chunks]
    assert kinds == ["introduction", "method", "results"]  # the two method sections share a chunk
    assert "BLEU" not in chunks[1].text and "Method text" not in chunks[2].text
    assert chunks[2].first_page == 6


def test_references_and_acknowledgements_are_not_chunked(tiny_backend):
    doc = _doc(
        _section("Introduction", "introduction", PARA),
        _section("Acknowledgements", "acknowledgements", "We thank the funders."),
        _section("References", "references", "[1] Someone. A paper. 2017."),
        _section("A Proofs", "appendix", "Proof of lemma one."),
    )
    texts = " ".join(c.text for c in chunk_document(doc, tiny_backend.tokenizer, max_tokens=200))
    assert "funders" not in texts and "Someone" not in texts
    assert "Proof of lemma" in texts  # the appendix is body


def test_pages_follow_the_text(tiny_backend):
    text = "alpha " * 300 + "omega " * 300
    section = Section("Body", "body", text, [(0, 2), (len("alpha " * 300), 3)])
    chunks = chunk_document(_doc(section), tiny_backend.tokenizer, max_tokens=100)
    assert chunks[0].first_page == 2 and chunks[-1].last_page == 3
    only_omega = [c for c in chunks if "omega" in c.text and "alpha" not in c.text]
    assert only_omega  # the check below is not vacuous
    assert all(c.first_page == c.last_page == 3 for c in only_omega)
    assert all(c.first_page == c.last_page == 2 for c in chunks if "omega" not in c.text)


def test_grouping_keeps_page_offsets_aligned():
    a = Section("3 Method", "method", "aaaa", [(0, 3)])
    b = Section("3.1 More", "method", "bbbb", [(0, 4)])
    ((group, titles),) = group_sections([a, b])
    assert group.page_at(group.text.index("bbbb")) == 4
    assert group.page_at(0) == 3
    assert titles == [(0, "3 Method"), (group.text.index("bbbb"), "3.1 More")]


def test_too_small_a_chunk_is_refused(tiny_backend):
    with pytest.raises(ModelError, match="chunks of 4 tokens are too small") as info:
        chunk_document(_doc(_section("x", "body", PARA)), tiny_backend.tokenizer, max_tokens=4)
    assert "larger context" in info.value.hint and "note_tokens" in info.value.hint
    assert info.value.exit_code == 1


def test_a_context_too_small_for_the_prompt_is_a_model_error(tiny_backend):
    """The way a user meets it: a model whose context barely holds the notes prompt (core.chunk)."""
    from pipeline.config import load_settings
    from pipeline.core import chunk

    class Cramped:
        tokenizer = tiny_backend.tokenizer
        context_length = 120

        def prompt_tokens(self, messages) -> int:
            return 100

    with pytest.raises(ModelError, match="too small") as info:
        chunk(_doc(_section("x", "body", PARA)), Cramped(), load_settings(note_tokens=8), "A title")
    assert "larger context" in str(info.value)


def test_an_84_page_paper_is_chunked_whole_and_every_chunk_fits(tiny_backend):
    from pipeline.core import chunk_tokens
    from pipeline.config import load_settings
    from pipeline.extract.pdf import extract_pdf
    from tests.conftest import corpus_file

    doc = extract_pdf(corpus_file("pdfs/1410.0342v4.pdf"))
    limit = chunk_tokens(tiny_backend, load_settings(), doc.title or "")
    assert 16 <= limit < tiny_backend.context_length
    chunks = chunk_document(doc, tiny_backend.tokenizer, limit)
    assert all(c.n_tokens <= limit for c in chunks)
    covered = " ".join(" ".join(c.text.split()) for c in chunks)
    body_words = [w for s in doc.body for w in s.text.split()]
    # every word of the body reaches some chunk, in order (overlaps aside): nothing is truncated away
    found, at = 0, 0
    for word in body_words:
        hit = covered.find(word, at)
        if hit >= 0:
            found, at = found + 1, hit + len(word)
    assert found == len(body_words)
    assert max(c.last_page for c in chunks) == max(s.last_page for s in doc.body) > 70


def test_chunk_offsets_point_at_their_text_in_a_real_paper(tiny_backend):
    from pipeline.summarize.chunk import _split
    from pipeline.extract.pdf import extract_pdf
    from tests.conftest import corpus_file

    doc = extract_pdf(corpus_file("pdfs/1706.03762v5.pdf"))
    count = tiny_backend.count_tokens
    for section, _ in group_sections(doc.body):
        for start, text in _split(section.text, tiny_backend.tokenizer, 300, 32, count):
            assert section.text[start : start + len(text)] == text
