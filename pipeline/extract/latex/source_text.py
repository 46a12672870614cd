"""Read one LaTeX file as text and strip what TeX would never typeset: comments, ``\\iffalse`` blocks and
``comment`` environments, keeping ``\\%`` and the insides of verbatim environments, ``\\verb`` and ``\\url``.

Files are read as UTF-8 (a BOM dropped), falling back to latin-1, which decodes any byte: arXiv has sources
in both, and a stray byte must not lose a paper. Line ends become ``\\n``.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import ExtractionError

MAX_TEX_FILE_BYTES = 16 << 20  # one .tex or .sty; the largest real ones are a few hundred KB (a long thesis)

VERBATIM_ENVIRONMENTS = ("verbatim", "verbatim*", "Verbatim", "Verbatim*", "lstlisting", "minted", "comment")
# What TeX reads without interpreting % in it: the environments above, \verb|..|, and a \url's or \href's URL.
_LITERAL = re.compile(
    r"\\begin\{(?P<env>verbatim\*?|Verbatim\*?|lstlisting|minted|comment)\}"
    r"|\\verb\*?(?P<delim>[^A-Za-z\s*])"
    r"|\\(?:url|href)\{"
    r"|\\\\|\\%|\\.|%",
    re.DOTALL,
)
_CONDITIONAL = re.compile(r"(\\newif\s*)?\\(if[A-Za-z@]*|fi)(?![A-Za-z@])(?=(\s*\{)?)")
_NOT_CONDITIONALS = {"iff", "ifthenelse"}  # \iff is a math relation; \ifthenelse a macro with arguments


def read_tex(path: Path) -> str:
    """The file's text: UTF-8, else latin-1; CRLF and CR become LF. Raises ExtractionError when unreadable."""
    try:
        size = path.stat().st_size
        if size > MAX_TEX_FILE_BYTES:
            raise ExtractionError(f"{path}: the file is {size >> 20} MiB, more than a LaTeX source ever is "
                                  f"({MAX_TEX_FILE_BYTES >> 20} MiB)")
        data = path.read_bytes()
    except OSError as err:
        raise ExtractionError(f"{path}: cannot read the file ({err.strerror or err})") from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def strip_comments(text: str) -> str:
    """The text without ``%`` comments, ``comment`` environments and ``\\iffalse … \\fi`` blocks.

    A comment takes its line end with it, as in TeX ("foo%" + "bar" is "foobar"), unless the next line is
    blank: then the blank line stays and still ends the paragraph. ``\\%`` is kept (``\\\\%`` is a line
    break and then a comment), and so is every ``%`` inside a verbatim environment, ``\\verb`` or a URL.
    """
    out: list[str] = []
    pos = 0
    while (m := _LITERAL.search(text, pos)) is not None:
        token = m.group()
        if token == "%":
            out.append(text[pos:m.start()])
            pos = _comment_end(text, m.start())
            continue
        end = m.end()
        if m["env"]:
            close = text.find(f"\\end{{{m['env']}}}", end)
            end = len(text) if close < 0 else close + len(m["env"]) + 6
            if m["env"] == "comment":  # the comment package's environment: never typeset
                out.append(text[pos:m.start()])
                pos = end
                continue
        elif m["delim"]:
            close = text.find(m["delim"], end)
            line_end = text.find("\n", end)
            if close >= 0 and (line_end < 0 or close < line_end):
                end = close + 1
        elif token.endswith("{") and token.startswith(("\\url", "\\href")):
            close = text.find("}", end)
            line_end = text.find("\n", end)
            if close >= 0 and (line_end < 0 or close < line_end):
                end = close + 1
        out.append(text[pos:end])
        pos = end
    out.append(text[pos:])
    return remove_false_blocks("".join(out))


def _comment_end(text: str, start: int) -> int:
    """Where the text resumes after the comment at ``start``: past its line end and the next line's indent,
    or at its line end when the next line is blank (the paragraph break must stay)."""
    line_end = text.find("\n", start)
    if line_end < 0:
        return len(text)
    following = line_end + 1
    while following < len(text) and text[following] in " \t":
        following += 1
    if following >= len(text) or text[following] == "\n":
        return line_end
    return following


def remove_false_blocks(text: str) -> str:
    """Drop each ``\\iffalse … \\fi`` (nested conditionals counted), the other way of commenting out."""
    out: list[str] = []
    pos = 0
    while (start := text.find("\\iffalse", pos)) >= 0:
        if re.match(r"[A-Za-z@]", text[start + 8:start + 9]):  # \iffalsefoo: another name
            out.append(text[pos:start + 8])
            pos = start + 8
            continue
        depth, end = 0, len(text)
        for m in _CONDITIONAL.finditer(text, start):
            name = m.group(2)
            if m.group(1) or name in _NOT_CONDITIONALS or (m.group(3) and name != "fi"):  # \newif, \ifbool{}
                continue
            depth += -1 if name == "fi" else 1
            if depth == 0:
                end = m.end()
                break
        out.append(text[pos:start])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def literal_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each verbatim environment and ``\\verb`` in comment-free text: no command inside counts."""
    spans = []
    for m in re.finditer(r"\\begin\{(verbatim\*?|Verbatim\*?|lstlisting|minted)\}|\\verb\*?([^A-Za-z\s*])", text):
        if m.group(1):
            close = text.find(f"\\end{{{m.group(1)}}}", m.end())
            spans.append((m.start(), len(text) if close < 0 else close))
        else:
            close = text.find(m.group(2), m.end())
            spans.append((m.start(), m.end() if close < 0 else close + 1))
    return spans


def inside(spans: list[tuple[int, int]], pos: int) -> bool:
    return any(start <= pos < end for start, end in spans)


def group_end(text: str, pos: int, open_char: str, close_char: str) -> int | None:
    """The position after the group opened at ``pos`` (``{…}`` or ``[…]``, braces nested inside either,
    escaped characters skipped), or None when it is not closed."""
    if not text.startswith(open_char, pos):
        return None
    braces, i, n = 0, pos, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            braces += 1
        elif c == "}":
            braces -= 1
            if braces < 0:
                return None
            if braces == 0 and open_char == "{":
                return i + 1
        elif c == close_char and braces == 0 and open_char != "{":
            return i + 1
        i += 1
    return None
