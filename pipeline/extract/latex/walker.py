"""Parse LaTeX into pylatexenc nodes, fast enough for a whole paper, with the argument shapes papers use.

pylatexenc reads plain text one character per token, about 7 µs a character: a 220 KB book-length source
took 1.5 s before any conversion. :class:`FastWalker` hands it each run of plain characters as one token
instead (where no command can start and no argument is being read) and leaves everything else to
pylatexenc; the nodes it builds are the same (``tests/test_latex.py`` checks this on the corpus).

The context adds the macros and environments of papers (natbib, cleveref, hyperref, graphicx, wrapfig,
subcaption, theorems, ICML and IEEE title macros) so their arguments are parsed as arguments, and drops the
"specials" (``~``, ``--``, quotes): the prose stage turns those into characters itself.
"""

from __future__ import annotations

import functools
import re

from pylatexenc import macrospec
from pylatexenc.latexwalker import (
    LatexGroupNode,
    LatexToken,
    LatexWalker,
    LatexWalkerError,
    get_default_latex_context_db,
)

from pipeline.errors import ExtractionError

_S = macrospec.std_macro

# name -> argument spec ("*" a star, "[" an optional argument, "{" a mandatory one)
_MACROS = {
    **dict.fromkeys("cite citep citet citealp citealt citeauthor citeyear citeyearpar citenum Citep Citet Citealp "
                    "Citealt Citeauthor parencite Parencite textcite Textcite autocite Autocite footcite "
                    "smartcite nocite citetext".split(), "*[[{"),
    **dict.fromkeys("ref autoref Autoref cref Cref vref Vref eqref pageref nameref labelcref cpageref "
                    "subref".split(), "*{"),
    **dict.fromkeys("part chapter section subsection subsubsection paragraph subparagraph".split(), "*[{"),
    **dict.fromkeys("label url hypersetup bibliographystyle bibliography pagestyle thispagestyle "
                    "stepcounter refstepcounter thanks email keywords icmlkeywords fbox mbox hbox vbox "
                    "textsuperscript textsubscript underline uline graphicspath affiliation "
                    "icmltitle IEEEauthorblockN IEEEauthorblockA Author orcid".split(), "{"),
    **dict.fromkeys("setlength addtolength setcounter addtocounter href texorpdfstring epigraph "
                    "icmlaffiliation icmlcorrespondingauthor".split(), "{{"),
    "hyperref": "[{", "footnote": "[{", "footnotetext": "[{", "footnotemark": "[", "marginpar": "[{",
    "caption": "*[{", "subcaption": "[{", "captionof": "*{[{", "captionsetup": "[{", "subfloat": "[[{",
    "includegraphics": "*[[{", "title": "[{", "author": "[{", "affil": "[{", "address": "[{",
    "icmlauthor": "{{", "date": "{", "bibitem": "[{", "printbibliography": "[", "addbibresource": "[{",
    "textcolor": "[{{", "color": "[{", "colorbox": "[{{", "resizebox": "*{{{", "scalebox": "{[{",
    "raisebox": "{[[{", "rotatebox": "[{{", "makebox": "[[{", "framebox": "[[{", "parbox": "[[[{{",
    "rule": "[{{", "newtheorem": "*{[{[", "item": "[", "newline": "", "linebreak": "[",
    "vspace": "*{", "hspace": "*{", "addcontentsline": "{{{", "DeclareUnicodeCharacter": "{{",
}
_ENVIRONMENTS = {
    "wrapfigure": "[{[{", "wraptable": "[{[{", "subfigure": "[[[{", "subtable": "[[[{", "minipage": "[[[{",
    "thebibliography": "{", "tabularx": "{[{", "tabular*": "{[{", "multicols": "{", "multicols*": "{",
    "algorithm": "[", "algorithm*": "[", "SCfigure": "[[", "sidewaysfigure": "[", "sidewaystable": "[",
    "adjustbox": "{", "alignat": "{", "alignat*": "{",
}
_MATH_ENVIRONMENTS = ["displaymath", "math", "dmath", "dmath*", "IEEEeqnarray", "IEEEeqnarray*"]

# A run of characters that cannot start a command, a group, math, a comment, an optional argument or a star
# (with no specials, ~ & ^ _ # are characters to pylatexenc too); with the spaces and the one line end before
# it (two line ends are a paragraph break: pylatexenc's). And a control word, with the spaces after it.
_SPACE = r"([ \t]*\n?[ \t]*)"
_PLAIN_RUN = re.compile(_SPACE + r"([^\\{}$%\[\]\s*][^\\{}$%\[\]\n*]*)")
_CONTROL_WORD = re.compile(_SPACE + r"\\([A-Za-z]+)([ \t]*\n?[ \t]*)")
_NOT_PLAIN_WORDS = {"begin", "end"}  # pylatexenc makes environments of these
# Nesting deeper than this is refused before parsing: pylatexenc and the prose stage recurse once or more per
# level, and Python's stack ends near 100 nested floats; the corpus papers nest at most 7 deep.
MAX_NESTING = 40
_NESTING = re.compile(r"\\[\\{}]|\\begin\s*\{[^{}]*\}|\\end\s*\{[^{}]*\}|[{}]")


@functools.lru_cache(maxsize=1)
def latex_context() -> macrospec.LatexContextDb:
    """pylatexenc's default macros and environments, ours first, no specials."""
    db = get_default_latex_context_db().filter_context(keep_which=["macros", "environments"])
    db.add_context_category(
        "paperdraft",
        macros=[_S(name, spec) for name, spec in _MACROS.items()],
        environments=[macrospec.std_environment(name, spec) for name, spec in _ENVIRONMENTS.items()]
        + [macrospec.std_environment(name, None, is_math_mode=True) for name in _MATH_ENVIRONMENTS],
        prepend=True,
    )
    return db


class FastWalker(LatexWalker):
    """A LatexWalker that reads plain text a run at a time (see the module's docstring)."""

    def __init__(self, text: str):
        super().__init__(text, latex_context=latex_context(), tolerant_parsing=True)
        self._one_character = False

    def get_token(self, pos, include_brace_chars=None, environments=True, keep_inline_math=None,
                  parsing_state=None, **kwargs):
        if self._one_character:
            self._one_character = False
        else:
            m = _PLAIN_RUN.match(self.s, pos)
            if m:
                return LatexToken(tok="char", arg=m.group(2), pos=m.start(2), len=m.end() - m.start(2),
                                  pre_space=m.group(1))
            m = _CONTROL_WORD.match(self.s, pos)
            if m and m.group(2) not in _NOT_PLAIN_WORDS and not self.s.startswith("\n", m.end()):
                return LatexToken(tok="macro", arg=m.group(2), pos=m.start() + len(m.group(1)),
                                  len=m.end() - m.start() - len(m.group(1)), pre_space=m.group(1),
                                  post_space=m.group(3))
        return super().get_token(pos, include_brace_chars=include_brace_chars, environments=environments,
                                 parsing_state=parsing_state, **kwargs)

    def get_latex_expression(self, pos, strict_braces=None, parsing_state=None):
        # A macro's undelimited argument is one character ("\frac12"), as in TeX: its first token is never a
        # run (a braced argument's inside is read fast again).
        self._one_character = True
        try:
            return super().get_latex_expression(pos, strict_braces=strict_braces, parsing_state=parsing_state)
        finally:
            self._one_character = False


def nesting_depth(text: str) -> int:
    """How deep brace groups and environments nest in ``text``."""
    depth = deepest = 0
    for m in _NESTING.finditer(text):
        token = m.group()
        if token == "{" or token.startswith("\\begin"):
            depth += 1
            deepest = max(deepest, depth)
        elif token == "}" or token.startswith("\\end"):
            depth -= 1
    return deepest


def parse(text: str, fast: bool = True, source: str = "the LaTeX source") -> list:
    """The nodes of ``text`` (tolerant: a stray brace or an unknown command never raises). Raises
    ExtractionError for text nested deeper than MAX_NESTING, or that pylatexenc fails on all the same."""
    if nesting_depth(text) > MAX_NESTING:
        raise ExtractionError(f"{source}: groups or environments nest more than {MAX_NESTING} deep",
                              "no paper does; the source is broken or hostile: draft from the PDF")
    walker = FastWalker(text) if fast else LatexWalker(text, latex_context=latex_context(), tolerant_parsing=True)
    try:
        nodes, _, _ = walker.get_latex_nodes()
    except (LatexWalkerError, IndexError, KeyError, ValueError, TypeError, AttributeError, RecursionError) as err:
        raise ExtractionError(f"{source}: the LaTeX cannot be parsed ({type(err).__name__}: {err})",
                              "draft from the PDF") from err
    return nodes


def arguments(node) -> list:
    """A macro's or environment's parsed arguments (None for an optional one not given)."""
    argd = getattr(node, "nodeargd", None)
    return list(argd.argnlist) if argd is not None and getattr(argd, "argnlist", None) else []


def argument_source(arg) -> str:
    """An argument's source without its braces or brackets: "{fig:a}" -> "fig:a"."""
    if arg is None:
        return ""
    if arg.isNodeType(LatexGroupNode):
        return "".join(n.latex_verbatim() for n in arg.nodelist if n is not None)
    return arg.latex_verbatim()


def last_argument(node):
    """The last argument given: the text of \\emph{x}, \\textcolor{red}{x}, \\href{url}{x}."""
    given = [a for a in arguments(node) if a is not None]
    return given[-1] if given else None


def is_starred(node) -> bool:
    args = arguments(node)
    return bool(args) and args[0] is not None and args[0].latex_verbatim() == "*"


def descendants(nodes):
    """Every node under ``nodes``, depth first, arguments included."""
    for node in nodes or []:
        if node is None:
            continue
        yield node
        yield from descendants(arguments(node))
        yield from descendants(getattr(node, "nodelist", None))
