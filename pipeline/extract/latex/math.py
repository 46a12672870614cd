"""Math kept as LaTeX source: inline as ``$…$``, display (``equation``, ``align``, ``\\[ \\]``, ``$$``) as
``$$…$$`` on a line of its own, numbered as LaTeX numbers it so ``\\eqref`` reads "(4)".

Labels, ``\\nonumber``, ``\\tag`` and ``\\xspace`` are taken out (a blog's KaTeX or MathJax chokes on some);
``align``-like environments become ``aligned`` (``eqnarray`` an ``array``) so they render inside ``$$``.
Inline math that is only a number ("$95\\%$", "$1\\,080$") becomes that number as text, so the number check
finds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pylatexenc.latexwalker import LatexMacroNode

from pipeline.extract.latex.numbering import Target
from pipeline.extract.latex.walker import (
    argument_source,
    arguments,
    descendants,
    last_argument,
)

# Markers around math while prose is built (private-use characters, never in a paper's text): the text
# cleanup leaves what is inside alone; :func:`finish_math` turns them into $ and $$ at the end.
INLINE_OPEN, INLINE_CLOSE = "\ue010", "\ue011"
DISPLAY_OPEN, DISPLAY_CLOSE = "\ue012", "\ue013"
MATH_SPAN = re.compile("\ue010[^\ue011]*\ue011|\ue012[^\ue013]*\ue013")

ROW_NUMBERED = {"align", "flalign", "alignat", "gather", "eqnarray", "IEEEeqnarray"}  # a number per row
ONE_NUMBER = {"equation", "multline", "dmath"}
MATH_ENVIRONMENTS = {name + star for name in ROW_NUMBERED | ONE_NUMBER | {"displaymath", "math", "split"}
                     for star in ("", "*")}
_WRAPPERS = {"align": "aligned", "flalign": "aligned", "alignat": "alignedat", "gather": "gathered",
             "multline": "gathered", "eqnarray": "array", "IEEEeqnarray": "array", "split": "split"}
_DROP = re.compile(r"\\(?:label|tag\*?)\s*\{[^{}]*\}|\\(?:nonumber|notag|xspace|ensuremath)(?![A-Za-z@])")
_PLAIN_NUMBER = re.compile(r"[-+−]?\d[\d.,]*(?:\\,\d{3})*(?:\\%|%)?")


def tidy_math(source: str) -> str:
    """Math source without labels, tags and the commands renderers lack; whitespace collapsed."""
    return " ".join(_DROP.sub("", source).split())


def inline_math(nodelist) -> str:
    """``$…$`` (as markers) for an inline formula, or the plain number it is."""
    source = tidy_math("".join(n.latex_verbatim() for n in nodelist or [] if n is not None))
    if not source:
        return ""
    if _PLAIN_NUMBER.fullmatch(source):
        return re.sub(r"(\d)\\,(?=\d{3})", r"\1,", source).replace("\\%", "%").replace("−", "-")
    return f"{INLINE_OPEN}{source}{INLINE_CLOSE}"


def display_math(source: str) -> str:
    source = tidy_math(source)
    return f"\n{DISPLAY_OPEN}{source}{DISPLAY_CLOSE}\n" if source else ""


def math_environment(node, next_number: Callable[[], str], label: Callable[[str, Target], None]) -> str:
    """A display environment as ``$$…$$``; each numbered row (or the whole, for ``equation``) takes a
    number, and each ``\\label`` in it names the number of its row."""
    name = node.environmentname
    base = name.rstrip("*")
    numbered = not name.endswith("*") and base in ROW_NUMBERED | ONE_NUMBER
    rows: list[list] = [[]]
    for child in node.nodelist or []:
        if child is not None and child.isNodeType(LatexMacroNode) and child.macroname == "\\":
            rows.append([])
        else:
            rows[-1].append(child)
    number = None
    if numbered and base in ONE_NUMBER:
        number = next_number()
    for row in rows:
        names = [n.macroname for n in descendants(row) if n.isNodeType(LatexMacroNode)]
        if numbered and base in ROW_NUMBERED and "nonumber" not in names and "notag" not in names and any(
                n is not None and n.latex_verbatim().strip() for n in row):
            number = next_number()
        for n in descendants(row):
            if n.isNodeType(LatexMacroNode) and n.macroname == "label":
                label(argument_source(last_argument(n)).strip(), Target("equation", number))
    body = "".join(n.latex_verbatim() for n in node.nodelist or [] if n is not None)
    wrapper = _WRAPPERS.get(base)
    if wrapper == "array":
        body = f"\\begin{{array}}{{rcl}}{body}\\end{{array}}"
    elif wrapper == "alignedat":
        columns = argument_source(arguments(node)[0]) if arguments(node) else "1"
        body = f"\\begin{{alignedat}}{{{columns}}}{body}\\end{{alignedat}}"
    elif wrapper and wrapper != "split" and len(rows) > 1:
        body = f"\\begin{{{wrapper}}}{body}\\end{{{wrapper}}}"
    elif wrapper == "split":
        body = f"\\begin{{split}}{body}\\end{{split}}"
    return display_math(body)


def finish_math(text: str) -> str:
    """The markers as ``$`` and ``$$``."""
    return (text.replace(INLINE_OPEN, "$").replace(INLINE_CLOSE, "$")
            .replace(DISPLAY_OPEN, "$$").replace(DISPLAY_CLOSE, "$$"))

