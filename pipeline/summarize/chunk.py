"""Split a document into chunks that fit the model's context with the prompt.

Length is measured in the model's own tokens (in words for ``--model none``). Chunks never cross a change of
section kind (the text under Method is never mixed with Results), and nothing
of the body is dropped, however long the paper.
"""

from __future__ import annotations

from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from pipeline.errors import ModelError
from pipeline.records import Chunk, Document, Section

SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]


def group_sections(sections: list[Section]) -> list[tuple[Section, list[tuple[int, str]]]]:
    """Join consecutive sections of the same kind, so tiny subsections don't each cost a model call.

    Each group comes with (offset, title) pairs saying where each joined section's text starts.
    """
    groups: list[tuple[Section, list[tuple[int, str]]]] = []
    for section in sections:
        if groups and groups[-1][0].kind == section.kind:
            last, titles = groups[-1]
            offset = len(last.text) + 2
            last.text = f"{last.text}\n\n{section.text}"
            last.page_starts += [(o + offset, p) for o, p in section.page_starts]
            titles.append((offset, section.title))
        else:
            copy = Section(section.title, section.kind, section.text, list(section.page_starts))
            groups.append((copy, [(0, section.title)]))
    return groups


def chunk_document(doc: Document, tokenizer: Any, max_tokens: int, overlap: int | None = None) -> list[Chunk]:
    """The summarised body of ``doc`` as chunks of at most ``max_tokens`` tokens."""
    if max_tokens < 16:
        raise ModelError(
            f"chunks of {max_tokens} tokens are too small to hold any text",
            hint="the model's context is too small for the prompt; choose a model with a larger context "
                 "or lower note_tokens",
        )
    overlap = min(64, max_tokens // 8) if overlap is None else overlap

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    chunks: list[Chunk] = []
    for section, titles in group_sections(doc.body):
        for start, text in _split(section.text, tokenizer, max_tokens, overlap, count):
            chunks.append(
                Chunk(
                    index=len(chunks),
                    section=section.title,
                    kind=section.kind,
                    text=text,
                    first_page=section.page_at(start),
                    last_page=section.page_at(start + len(text) - 1),
                    n_tokens=count(text),
                    page_starts=_pages_within(section, start, len(text)),
                    section_starts=_titles_within(titles, start, len(text)),
                )
            )
    return chunks


def _pages_within(section: Section, start: int, length: int) -> list[tuple[int, int]]:
    """The section's page starts, made relative to a chunk that begins at ``start``."""
    pages = [(0, section.page_at(start))]
    pages += [(o - start, p) for o, p in section.page_starts if start < o < start + length]
    return pages


def _titles_within(titles: list[tuple[int, str]], start: int, length: int) -> list[tuple[int, str]]:
    before = [t for o, t in titles if o <= start]
    inside = [(o - start, t) for o, t in titles if start < o < start + length]
    return ([(0, before[-1])] if before else []) + inside


def _split(text: str, tokenizer: Any, max_tokens: int, overlap: int, count) -> list[tuple[int, str]]:
    """(start offset, text) pieces of at most ``max_tokens``; re-split the rare piece the merge overfills.

    Offsets are found here, not taken from langchain's ``add_start_index``: that subtracts the overlap,
    counted in tokens, from a position counted in characters, and loses its place on long sections.
    """
    if not text.strip():
        return []
    splitter = RecursiveCharacterTextSplitter(  # what from_huggingface_tokenizer makes, for any tokenizer
        length_function=lambda piece: len(tokenizer.tokenize(piece)),
        chunk_size=max_tokens,
        chunk_overlap=overlap,
        separators=SEPARATORS,
        strip_whitespace=True,
        keep_separator="end",  # "types. | This", not "types | . This": pieces are exact slices of the text
    )
    pieces: list[tuple[int, str]] = []
    start = 0
    for piece in splitter.split_text(text):
        found = text.find(piece, start)
        start = found if found >= 0 else start  # pieces come in order, each an exact slice of ``text``
        if count(piece) <= max_tokens:
            pieces.append((start, piece))
        else:
            smaller = max(max_tokens * 3 // 4, 8)
            pieces += [(start + s, t) for s, t in _split(piece, tokenizer, smaller, 0, count)]
    return pieces
