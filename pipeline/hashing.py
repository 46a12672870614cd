"""sha256, the one hash paperdraft uses: of text, of bytes, of a file read in blocks."""

from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK_BYTES = 1 << 20  # a file is hashed a MiB at a time


def sha256_bytes(data: bytes, length: int | None = None) -> str:
    """The hex digest, cut to ``length`` digits when given."""
    return hashlib.sha256(data).hexdigest()[:length]


def sha256_text(text: str, length: int | None = None) -> str:
    return sha256_bytes(text.encode("utf-8"), length)


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK_BYTES), b""):
            h.update(block)
    return h.hexdigest()
