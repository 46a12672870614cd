"""What the bytes of a PDF file say before any parser reads them: is it a PDF, is it whole?

One rule for the download (:mod:`pipeline.fetch.pdf`), the cache check, and extraction.
"""

from __future__ import annotations

# The PDF spec puts "%PDF-" at the start, but readers accept junk before it (Acrobat: within 1 KiB),
# and so do we; the same window at the end holds "%%EOF" after trailing whitespace or junk.
SNIFF_BYTES = 1024


def looks_like_pdf(head: bytes) -> bool:
    """Whether the first bytes of a file carry a PDF header."""
    return b"%PDF-" in head[:SNIFF_BYTES]


def looks_complete(tail: bytes) -> bool:
    """A whole PDF ends with ``%%EOF`` (give or take trailing whitespace or junk); a cut one does not."""
    return b"%%EOF" in tail[-SNIFF_BYTES:]
