"""A simple ``tabular`` as a Markdown table, so the numbers of a table typeset in LaTeX are in the text.

Simple means: no ``\\multicolumn``, ``\\multirow`` or nested tabular, and every row with as many cells as the
first (the header). Rules (``\\hline``, booktabs) are dropped; each cell is written as prose is (math kept
as LaTeX). Anything else gives None, and the table is known by its caption alone.
"""

from __future__ import annotations

from pylatexenc.latexwalker import LatexCharsNode, LatexEnvironmentNode, LatexMacroNode

from pipeline.extract.latex.text_cleanup import clean_text, typographic

TABULARS = {"tabular", "tabular*", "tabularx", "tabulary", "longtable"}
RULES = {"hline", "toprule", "midrule", "bottomrule", "cline", "cmidrule", "addlinespace", "rowcolor",
         "specialrule", "morecmidrules", "arrayrulecolor", "centering", "small", "footnotesize", "scriptsize"}
NOT_SIMPLE = {"multicolumn", "multirow", "makecell", "diagbox"}
MAX_ROWS = 60  # a longer table is data, not something a blog post quotes


def _rows(nodes, inline) -> list[list[str]] | None:
    """The rows' cells as text; None when the table is not simple."""
    rows: list[list[str]] = [[""]]
    for node in nodes or []:
        if node is None:
            continue
        if node.isNodeType(LatexMacroNode) and node.macroname == "\\":
            rows.append([""])
        elif node.isNodeType(LatexMacroNode) and node.macroname in RULES:
            continue
        elif node.isNodeType(LatexMacroNode) and node.macroname in NOT_SIMPLE or (
                node.isNodeType(LatexEnvironmentNode) and node.environmentname in TABULARS):
            return None
        elif node.isNodeType(LatexCharsNode):
            first, *more = typographic(node.chars).split("&")
            rows[-1][-1] += first
            rows[-1].extend(more)
        else:
            rows[-1][-1] += inline([node])
    cells = [[" ".join(clean_text(c).split()).replace("|", "\\|") for c in row] for row in rows]
    return [row for row in cells if any(row)]


def markdown_table(node, inline) -> str | None:
    """The tabular ``node`` as Markdown, or None when it is not simple; ``inline`` writes nodes as prose."""
    rows = _rows(node.nodelist, inline)
    if rows is None or len(rows) < 2 or len(rows) > MAX_ROWS or len({len(r) for r in rows}) != 1 or len(rows[0]) < 2:
        return None
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)
