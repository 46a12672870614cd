"""The backend of ``--model none``: the paper's own sentences alone, with no model loaded and no torch imported.

It measures text in words (what chunking needs), and is never asked to generate: the generation policy
asks it for no section (:func:`pipeline.summarize.policy`), so every section quotes the paper's key
sentences for the author to put in their own words. A digest of many papers costs seconds a paper.
"""

from __future__ import annotations

import re
from typing import Callable

from pipeline.config import NO_MODEL
from pipeline.errors import ModelError
from pipeline.summarize.model import Generation, Messages

WORD = re.compile(r"\w+|[^\w\s]")


class WordTokenizer:
    """A word and a punctuation mark are a token each: about what a subword tokenizer counts for English."""

    def tokenize(self, text: str) -> list[str]:
        return WORD.findall(text)

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [0] * len(self.tokenize(text))


class NoModel:
    """A Backend that writes nothing. Its name is what the draft's front matter records as its model."""

    name = NO_MODEL
    context_length = 4096

    def __init__(self) -> None:
        self.tokenizer = WordTokenizer()

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.tokenize(text))

    def prompt_tokens(self, messages: Messages) -> int:
        return sum(self.count_tokens(m["content"]) for m in messages)

    def generate(self, prompts: list[Messages], max_new_tokens: int, on_done: Callable[[int], None] | None = None,
                 batch_size: int = 8) -> list[Generation]:
        if prompts:  # a bug, not a user's error: the policy asks this backend for nothing
            raise ModelError("model 'none' cannot write: it only quotes the paper",
                             hint="give a model (--model) to have sections written")
        return []
