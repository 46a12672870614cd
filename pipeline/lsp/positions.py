"""Positions: the draft parser's offsets and 1-based line:col (in characters), and LSP's 0-based line and
character (in the code units the client and server agreed on: UTF-16, the protocol's default, or UTF-8 or
UTF-32, which Neovim offers first), for the text the editor holds.

The parser drops a byte-order mark and reads CRLF as LF (:func:`pipeline.draftfile.parse.parse_draft`);
lines stay the same, and so do columns, but for the first line's when the editor's text keeps the mark.
"""

from __future__ import annotations

import bisect


def units(char: str, encoding: str = "utf-16") -> int:
    """How many code units of ``encoding`` one character takes."""
    if encoding == "utf-8":
        return len(char.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(char) > 0xFFFF else 1


def length(text: str, encoding: str = "utf-16") -> int:
    """How many code units of ``encoding`` ``text`` takes."""
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class Lines:
    """The editor's text ``source``, and the parser's view of it, to map positions between them."""

    def __init__(self, source: str, encoding: str = "utf-16"):
        self.encoding = encoding
        self.bom = source.startswith("\ufeff")
        self.text = source.removeprefix("\ufeff").replace("\r\n", "\n")  # what the parser reads
        self.starts = [0]
        at = self.text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = self.text.find("\n", at + 1)

    def line_text(self, line: int) -> str:
        """The parser's 0-based line ``line``, without its line end."""
        if not 0 <= line < len(self.starts):
            return ""
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[line] : end]

    def position(self, offset: int) -> tuple[int, int]:
        """LSP's (line, character) of the parser's ``offset``."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        char = length(self.text[self.starts[line] : offset], self.encoding)
        return line, char + (units("\ufeff", self.encoding) if self.bom and line == 0 else 0)

    def lsp(self, line: int, col: int) -> tuple[int, int]:
        """LSP's (line, character) of a 1-based ``line:col`` (as a Finding gives it), clamped to the line."""
        text = self.line_text(line - 1)
        char = length(text[: max(col, 1) - 1], self.encoding)
        return line - 1, char + (units("\ufeff", self.encoding) if self.bom and line == 1 else 0)

    def from_line_col(self, line: int, col: int) -> int:
        """The parser's offset of a 1-based ``line:col`` (as a Finding gives it)."""
        if line > len(self.starts):
            return len(self.text)
        start = self.starts[max(line, 1) - 1]
        return min(start + max(col, 1) - 1, start + len(self.line_text(max(line, 1) - 1)))

    def offset(self, line: int, character: int) -> int:
        """The parser's offset of LSP's (line, character); past a line's end is its end."""
        if line >= len(self.starts):
            return len(self.text)
        text = self.line_text(max(line, 0))
        left = character - (units("\ufeff", self.encoding) if self.bom and line == 0 else 0)
        i = 0
        while i < len(text) and left > 0:
            left -= units(text[i], self.encoding)
            i += 1
        return self.starts[max(line, 0)] + i
