"""Expand the source's own simple macros, so prose reads as written and math renders without the preamble.

Definitions are read in order from the local packages and then the flattened text: ``\\newcommand``,
``\\renewcommand``, ``\\providecommand``, ``\\DeclareRobustCommand`` (with ``[n]`` arguments and an optional
first one's default), ``\\def`` with plain ``#1#2`` parameters, ``\\let``, ``\\DeclareMathOperator`` and
``\\DeclarePairedDelimiter(X)``. Each definition is cut out of the text and every use is replaced by its body.

Left alone: a macro whose body programs TeX (``\\if…``, ``\\expandafter``, ``\\csname``, ``@`` names: class and
package internals), a ``\\def`` with delimited parameters, and the names later stages read themselves
(sectioning, ``\\cite``, ``\\ref``, ``\\abstractname`` …): their definitions stay in the text. Expansion is
bounded in depth and in the size it may grow the text to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.errors import ExtractionError
from pipeline.extract.latex.source_text import group_end

MAX_EXPANSION_DEPTH = 12  # a macro's body expanding macros expanding macros...; deeper is a recursive macro
MAX_GROWTH = 8  # expansion may make the text this many times longer (plus a megabyte); more is a macro bomb
GROWTH_SLACK = 1 << 20

# Names that the document stage interprets itself: a redefinition of them is never expanded.
PROTECTED = frozenset("""
part chapter section subsection subsubsection paragraph subparagraph appendix
cite citep citet citealp citealt citeauthor citeyear Citep Citet nocite bibitem bibliography
ref autoref cref Cref eqref pageref nameref label caption footnote footnotetext thanks item
begin end input include title author date maketitle abstract endabstract abstractname refname bibname
appendixname figurename tablename contentsname includegraphics url href emph textbf textit
""".split())
_PROGRAMMING = re.compile(
    r"\\(?:if[A-Za-z]*|else|fi|or|expandafter|csname|endcsname|global|gdef|edef|xdef|def|let|futurelet|"
    r"afterassignment|aftergroup|catcode|uppercase|lowercase|advance|multiply|divide|setbox|newcommand|"
    r"renewcommand|providecommand|newenvironment|renewenvironment|noexpand|protected|long|outer|string|"
    r"number|romannumeral|the|count|dimen|skip|toks|begingroup|endgroup)(?![A-Za-z@])|\\[A-Za-z]*@")
_DEFINITION = re.compile(
    r"\\(?P<cmd>newcommand|renewcommand|providecommand|DeclareRobustCommand|DeclareMathOperator|"
    r"DeclarePairedDelimiterX|DeclarePairedDelimiter|def|gdef|edef|xdef|let)(?![A-Za-z@])(?P<star>\*?)")
_CONTROL_SEQUENCE = re.compile(r"\\([A-Za-z@]+|.)", re.DOTALL)
_NAME = re.compile(r"\s*\\([A-Za-z@]+|.)", re.DOTALL)


@dataclass(frozen=True)
class Macro:
    """A user macro: ``\\name`` with ``params`` arguments (the first optional, defaulting to ``default``).

    An ``alias`` (``\\let\\a\\b`` of a name that is not a user macro) expands to ``\\b`` once, never again:
    ``\\let\\old\\epigraph`` then ``\\renewcommand\\epigraph{\\old…}`` must not loop.
    """

    name: str
    params: int
    body: str
    default: str | None = None
    alias: bool = False


def expand_user_macros(text: str, package_texts: list[str] | None = None, source: str = "") -> str:
    """``text`` with the definitions cut out and their uses expanded (see the module's docstring)."""
    macros: dict[str, Macro] = {}
    for package in package_texts or []:
        _read_definitions(package, macros)
    text = _read_definitions(text, macros, keep_text=True)
    if not macros:
        return text
    budget = [len(text) * MAX_GROWTH + GROWTH_SLACK]
    return _expand(text, macros, 0, budget, source)


def _read_definitions(text: str, macros: dict[str, Macro], keep_text: bool = False) -> str:
    """Add the definitions in ``text`` to ``macros`` in order; return the text with them cut out."""
    out: list[str] = []
    pos = 0
    for m in _DEFINITION.finditer(text):
        if m.start() < pos:  # inside a definition already read (a \def in a \newcommand's body)
            continue
        parsed = _parse_definition(text, m)
        if parsed is None:
            continue
        macro, end = parsed
        if macro is not None and macro.name in PROTECTED:
            continue  # kept in the text for the document stage
        if macro is not None and not (m["cmd"] == "providecommand" and macro.name in macros):
            macros[macro.name] = macro
        out.append(text[pos:m.start()])
        pos = end
    if not keep_text:
        return ""
    out.append(text[pos:])
    return "".join(out)


def _parse_definition(text: str, m: re.Match) -> tuple[Macro | None, int] | None:
    """(macro or None when it is not one we expand, end of the definition), or None if it cannot be read."""
    cmd, pos = m["cmd"], m.end()
    if cmd == "let":
        return _parse_let(text, pos)
    name, pos = _read_name(text, pos, braced_ok=cmd not in ("def", "gdef", "edef", "xdef"))
    if name is None:
        return None
    if cmd in ("def", "gdef", "edef", "xdef"):
        params = re.match(r"(?:#\d)*", text[pos:]).group()
        pos += len(params)
        if params != "".join(f"#{i}" for i in range(1, len(params) // 2 + 1)) or not text.startswith("{", pos):
            end = _skip_to_group_end(text, pos)  # delimited parameters (\def\x[#1]#2{..}): not expanded
            return (None, end) if end is not None else None
        body, pos = _read_group(text, pos)
        return None if body is None else (_macro(name, len(params) // 2, body), pos)
    if cmd == "DeclareMathOperator":
        body, pos = _read_group(text, _skip_space(text, pos))
        if body is None:
            return None
        return Macro(name, 0, f"\\operatorname{m['star']}{{{body}}}"), pos
    if cmd.startswith("DeclarePairedDelimiter"):
        return _parse_paired_delimiter(text, name, pos, cmd.endswith("X"))
    params, default = 0, None
    pos = _skip_space(text, pos)
    if text.startswith("[", pos):
        count, pos = _read_bracket(text, pos)
        if count is None or not count.strip().isdigit():
            return None
        params = int(count.strip())
        pos = _skip_space(text, pos)
        if text.startswith("[", pos):
            default, pos = _read_bracket(text, pos)
            if default is None:
                return None
    body, pos = _read_group(text, _skip_space(text, pos))
    if body is None:
        return None
    return _macro(name, params, body, default), pos


def _macro(name: str, params: int, body: str, default: str | None = None) -> Macro | None:
    """The macro, or None for one we do not expand (an @ name, a body that programs TeX)."""
    if "@" in name or _PROGRAMMING.search(body):
        return None
    return Macro(name, params, body, default)


def _parse_let(text: str, pos: int) -> tuple[Macro | None, int] | None:
    first = _NAME.match(text, pos)
    if not first:
        return None
    rest = re.match(r"\s*=?\s*\\([A-Za-z@]+|.)", text[first.end():], re.DOTALL)
    if not rest:
        return None
    name, target = first.group(1), rest.group(1)
    end = first.end() + rest.end()
    if "@" in name or "@" in target or name == target:
        return None, end
    return Macro(name, 0, f"\\{target}", alias=True), end


def _parse_paired_delimiter(text: str, name: str, pos: int, x_form: bool) -> tuple[Macro | None, int] | None:
    params = 1
    pos = _skip_space(text, pos)
    if x_form and text.startswith("[", pos):
        count, pos = _read_bracket(text, pos)
        if count is None or not count.strip().isdigit():
            return None
        params = int(count.strip())
    parts = []
    for _ in range(3 if x_form else 2):
        part, pos = _read_group(text, _skip_space(text, pos))
        if part is None:
            return None
        parts.append(part)
    body = parts[2].replace("\\delimsize", "\\middle") if x_form else "#1"
    return _macro(name, params, f"\\left{parts[0]} {body} \\right{parts[1]}"), pos


def _read_name(text: str, pos: int, braced_ok: bool) -> tuple[str | None, int]:
    pos = _skip_space(text, pos)
    if braced_ok and text.startswith("{", pos):
        inner, end = _read_group(text, pos)
        name = _NAME.fullmatch(inner or "") or _NAME.fullmatch((inner or "").strip())
        return (name.group(1), end) if name else (None, pos)
    m = _NAME.match(text, pos)
    return (m.group(1), m.end()) if m else (None, pos)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    return pos


def _read_group(text: str, pos: int) -> tuple[str | None, int]:
    """The inside of the brace group at ``pos`` and the position after it; (None, pos) if there is none."""
    end = group_end(text, pos, "{", "}")
    return (text[pos + 1:end - 1], end) if end is not None else (None, pos)


def _read_bracket(text: str, pos: int) -> tuple[str | None, int]:
    end = group_end(text, pos, "[", "]")
    return (text[pos + 1:end - 1], end) if end is not None else (None, pos)


def _skip_to_group_end(text: str, pos: int) -> int | None:
    brace = text.find("{", pos)
    return group_end(text, brace, "{", "}") if brace >= 0 else None


def _read_argument(text: str, pos: int) -> tuple[str | None, int]:
    """One mandatory argument as TeX reads it: a brace group's inside, a control sequence or one character."""
    while pos < len(text) and (text[pos] in " \t" or text.startswith("\n", pos) and not text.startswith("\n\n", pos)):
        pos += 1  # TeX skips spaces (and one line end, not a blank line) before an argument
    if pos >= len(text) or text[pos] in "}]":
        return None, pos
    if text[pos] == "{":
        return _read_group(text, pos)
    if text[pos] == "\\":
        m = _CONTROL_SEQUENCE.match(text, pos)
        return m.group(), m.end()
    return text[pos], pos + 1


def _substitute(body: str, args: list[str]) -> str:
    return re.sub(r"##|#([1-9])", lambda m: "#" if m.group() == "##" else
                  (args[int(m.group(1)) - 1] if int(m.group(1)) <= len(args) else ""), body)


def _expand(text: str, macros: dict[str, Macro], depth: int, budget: list[int], source: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _CONTROL_SEQUENCE.finditer(text):
        if m.start() < pos:
            continue
        macro = macros.get(m.group(1))
        if macro is None:
            continue
        args: list[str] = []
        end = m.end()
        if macro.params:
            if macro.default is not None:
                probe = _skip_space(text, end)
                if text.startswith("[", probe):
                    optional, end = _read_bracket(text, probe)
                    if optional is None:
                        continue
                    args.append(optional)
                else:
                    args.append(macro.default)
            while len(args) < macro.params:
                arg, end = _read_argument(text, end)
                if arg is None:
                    break
                args.append(arg)
            if len(args) < macro.params:
                continue  # a use we cannot read: left as written
        body = _substitute(macro.body, args)
        if not macro.alias and depth < MAX_EXPANSION_DEPTH:
            body = _expand(body, macros, depth + 1, budget, source)
        if re.search(r"\\[A-Za-z]+$", body) and re.match(r"[A-Za-z]", text[end:end + 1]):
            body += " "  # a body ending in a control word, before a letter: "\alpha" + "x" is not "\alphax"
        budget[0] -= len(body)
        if budget[0] < 0:
            raise ExtractionError(f"{source or 'the source'}: expanding its macros grows the text without end",
                                  "a macro that expands into itself, or a hostile source")
        out.append(text[pos:m.start()])
        out.append(body)
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)
