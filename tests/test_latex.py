"""LaTeX source -> Document: the four real source trees of the corpus (skipped when absent) and small trees
built here for each rule: comments, flattening, macros, sections, math, references, figures."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from pylatexenc.latexwalker import LatexWalker

from pipeline.errors import ExtractionError
from pipeline.extract.latex import read_latex_tree, unpack_eprint
from pipeline.extract.latex.flatten import MAX_INPUT_DEPTH, find_main_file, flatten_tree
from pipeline.extract.latex.macros import expand_user_macros
from pipeline.extract.latex.source_text import (
    group_end,
    literal_spans,
    read_tex,
    strip_comments,
)
from pipeline.extract.latex.walker import descendants, parse
from tests.conftest import corpus_file

TREES = {"2310_03240": "main.tex", "2202_00665": "amor.tex", "1603_07285": "conv_arithmetic.tex",
         "2102_10535": "main.tex"}
INPUT = re.compile(r"\\(input|include|subfile)(?![A-Za-z])\s*(?:\{([^{}]*)\}|([^\s{}\\%]+))")
HEADING = re.compile(r"\\(chapter|section|subsection|subsubsection)\*?\s*(?:\[[^\]]*\])?\s*(?=\{)")


def tree(name: str) -> Path:
    return corpus_file(f"latex/{name}")


@functools.cache
def _read(name: str):
    return read_latex_tree(tree(name))


@functools.cache
def _flat(name: str):
    return flatten_tree(tree(name))


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def _prose(doc) -> list[str]:
    """Every piece of text outside math: section texts and titles, captions."""
    texts = [s.text for s in doc.document.sections] + [s.title for s in doc.document.sections]
    texts += [f.caption or "" for f in doc.figures] + [c for f in doc.figures for c in f.subcaptions]
    return [re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", t, flags=re.DOTALL) for t in texts]


def _uncommented(line: str) -> str:
    """A raw line up to its first unescaped % (an independent reading of TeX's rule)."""
    m = re.search(r"(?<!\\)(?:\\\\)*%", line)
    return line[:m.start()] if m else line


# --- comments and reading ---------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("9 \\% of it % gone", "9 \\% of it "),
    ("foo%gone\nbar", "foobar"),  # a comment takes its line end: TeX joins the lines
    ("one\n% gone\n\ntwo", "one\n\n\ntwo"),  # ... but a blank line after it still ends the paragraph
    ("end\\\\% gone\nnext", "end\\\\next"),  # \\ is a line break, so this % starts a comment
    ("\\verb|50%| % gone", "\\verb|50%| "),
    ("\\begin{lstlisting}\nx = a % b\n\\end{lstlisting}% gone", "\\begin{lstlisting}\nx = a % b\n\\end{lstlisting}"),
    ("\\url{http://a.org/x%20y} % gone", "\\url{http://a.org/x%20y} "),
    ("a \\begin{comment}hidden\\end{comment}b", "a b"),
    ("a \\iffalse hidden \\ifx\\x\\y nested \\fi still hidden \\fi b", "a  b"),
    ("\\iff x \\iffalse gone \\ifbool{x}{y}{z} \\fi{\\bf y}", "\\iff x {\\bf y}"),
])
def test_comments_are_stripped_and_escaped_percent_signs_kept(source, expected):
    assert strip_comments(source) == expected


def test_a_latin_1_file_is_read_and_a_bom_dropped(tmp_path):
    (tmp_path / "a.tex").write_bytes("Caf\xe9 na\xefve\r\n".encode("latin-1"))
    (tmp_path / "b.tex").write_bytes("\ufeffCafé\n".encode("utf-8"))
    assert read_tex(tmp_path / "a.tex") == "Café naïve\n"
    assert read_tex(tmp_path / "b.tex") == "Café\n"


def test_a_non_utf_8_tree_reads_through(tmp_path):
    _write(tmp_path, {"main.tex": "\\documentclass{article}\\begin{document}\\section{Intro}\\input{b}\\end{document}",
                      "b.tex": "Se\xf1or M\xfcller's caf\xe9.".encode("latin-1")})
    doc = read_latex_tree(tmp_path)
    assert doc.document.sections[0].text == "Señor Müller's café."


# --- the main file and flattening -------------------------------------------------------------------------

@pytest.mark.parametrize("name", TREES)
def test_the_main_file_is_found(name):
    assert find_main_file(tree(name)) == TREES[name]


def _reachable(root: Path, main: str) -> list[str]:
    """The .tex files reachable from ``main`` by \\input/\\include/\\subfile outside comments: found here with
    a plain regex over the raw lines, so flatten's own reading is not used to check itself."""
    seen, queue = [], [main]
    while queue:
        rel = queue.pop(0)
        if rel in seen:
            continue
        seen.append(rel)
        text = "\n".join(_uncommented(line) for line in (root / rel).read_text(errors="replace").splitlines())
        for m in INPUT.finditer(text):
            name = (m.group(2) or m.group(3)).strip()
            for candidate in (name if name.endswith(".tex") else name + ".tex", name):
                if (root / candidate).is_file():
                    queue.append(candidate)
                    break
    return seen


@pytest.mark.parametrize("name", TREES)
def test_every_reachable_tex_file_is_flattened_in_and_no_dead_one(name):
    flat = _flat(name)
    assert sorted(flat.included) == sorted(_reachable(tree(name), TREES[name]))
    assert flat.missing == []
    if name == "2310_03240":
        assert "apppendix_experiments.tex" in flat.included  # the misspelt, real file name
        assert "mhr_univ_approx.tex" not in flat.included  # its \input is commented out
        assert "math_commands.tex" not in flat.included  # nothing includes it
        assert len(flat.included) == 17
        assert list(flat.packages) == ["mymathstyle"]  # the macros in a local .sty
    if name == "2202_00665":
        assert "chapters/3-main-table.tex" in flat.included  # \input nested in an \include'd chapter


@pytest.mark.parametrize("name", TREES)
def test_no_comment_survives_flattening_and_every_escaped_percent_does(name):
    flat = _flat(name)
    spans = literal_spans(flat.text)
    for m in re.finditer(r"(?<!\\)(?:\\\\)*%", flat.text):
        assert any(a <= m.start() < b for a, b in spans), flat.text[max(0, m.start() - 60):m.start() + 20]
    root = tree(name)
    kept = sum(_uncommented(line).count("\\%") for rel in flat.included
               for line in (root / rel).read_text(errors="replace").splitlines())
    assert flat.text.count("\\%") == kept
    assert "%region" not in flat.text and "\\title{Relational" not in flat.text


def test_inclusion_forms_relative_to_the_main_file(tmp_path):
    _write(tmp_path, {
        "paper/main.tex": "\\documentclass{article}\n\\begin{document}\n\\input intro\n\\input{sec/method}\n"
                          "\\include{chap}\n\\subfile{sub.tex}\n%\\input{dead}\n"
                          "\\begin{verbatim}\\input{in-verbatim}\\end{verbatim}\n\\input{nowhere}\n"
                          "\\input{../../outside}\n\\end{document}\n",
        "paper/intro.tex": "INTRO\n", "paper/sec/method.tex": "METHOD \\input{sec/deeper}\n",
        "paper/sec/deeper.tex": "DEEPER\n", "paper/chap.tex": "CHAP\n", "paper/dead.tex": "DEAD\n",
        "paper/sub.tex": "\\documentclass[main]{subfiles}\n\\begin{document}\nSUB\n\\end{document}\n",
        "outside.tex": "OUTSIDE\n",
    })
    flat = flatten_tree(tmp_path)
    assert flat.main_file == "paper/main.tex"
    for word in ("INTRO", "METHOD", "DEEPER", "CHAP", "SUB"):
        assert word in flat.text
    assert "DEAD" not in flat.text and "OUTSIDE" not in flat.text and "subfiles" not in flat.text
    assert "\\input{in-verbatim}" in flat.text
    assert flat.included == ["paper/main.tex", "paper/intro.tex", "paper/sec/method.tex", "paper/sec/deeper.tex",
                             "paper/chap.tex", "paper/sub.tex"]
    assert flat.missing == ["\\input{nowhere}: no such file", "\\input{../../outside}: outside the source tree"]


def test_of_several_documentclass_files_the_one_inputting_the_others_or_named_by_the_bbl_is_main(tmp_path):
    standalone = "\\documentclass{standalone}\\begin{document}FIG\\end{document}"
    _write(tmp_path / "a", {"fig.tex": standalone,
                            "zmain.tex": "\\documentclass{article}\\begin{document}\\input{fig}\\end{document}"})
    assert find_main_file(tmp_path / "a") == "zmain.tex"
    assert "FIG" in flatten_tree(tmp_path / "a").text and "standalone" not in flatten_tree(tmp_path / "a").text
    _write(tmp_path / "b", {"long.tex": "\\documentclass{article}\\begin{document}" + "x " * 500 + "\\end{document}",
                            "paper.tex": "\\documentclass{article}\\begin{document}y\\end{document}",
                            "paper.bbl": "\\begin{thebibliography}{1}\\end{thebibliography}"})
    assert find_main_file(tmp_path / "b") == "paper.tex"
    _write(tmp_path / "c", {"notes.tex": "% \\documentclass{article}\nno class here"})
    with pytest.raises(ExtractionError, match="no .tex file has"):
        find_main_file(tmp_path / "c")


def test_an_inclusion_cycle_is_left_out_and_deep_nesting_is_refused(tmp_path):
    _write(tmp_path / "cycle", {"main.tex": "\\documentclass{article}\\begin{document}\\input{a}\\end{document}",
                                "a.tex": "A \\input{b}", "b.tex": "B \\input{a}"})
    flat = flatten_tree(tmp_path / "cycle")
    assert "A B" in flat.text and flat.missing == ["\\input{a}: includes itself (a cycle)"]
    chain = {f"f{i}.tex": f"\\input{{f{i + 1}}}" for i in range(MAX_INPUT_DEPTH + 2)}
    _write(tmp_path / "deep", {"main.tex": "\\documentclass{article}\\begin{document}\\input{f0}\\end{document}",
                               **chain, f"f{MAX_INPUT_DEPTH + 2}.tex": "end"})
    with pytest.raises(ExtractionError, match="nested more than"):
        flatten_tree(tmp_path / "deep")


def test_arxivs_bbl_replaces_bibliography_and_numbers_the_cites(tmp_path):
    _write(tmp_path, {
        "ms.tex": "\\documentclass{article}\\usepackage{natbib}\\begin{document}\\section{Intro}"
                  "As \\citet{vaswani} showed \\citep{vaswani,bert}, and \\cite{nobody}.\n"
                  "\\bibliographystyle{plainnat}\\bibliography{refs}\\end{document}",
        "ms.bbl": "\\begin{thebibliography}{2}\n\\bibitem[Vaswani et~al.(2017)]{vaswani} A.~Vaswani. Attention.\n"
                  "\\newblock NeurIPS, 2017.\n\\bibitem[Devlin et~al.(2019)]{bert} J.~Devlin. {BERT}.\n"
                  "\\end{thebibliography}\n",
    })
    doc = read_latex_tree(tmp_path)
    assert "ms.bbl" in doc.included
    intro, refs = doc.document.sections
    assert intro.text == "As Vaswani et al. [1] showed [1, 2], and [nobody]."
    assert refs.kind == "references" and refs.text == "[1] A. Vaswani. Attention. NeurIPS, 2017.\n\n[2] J. Devlin. BERT."
    assert doc.unresolved == ["\\cite{nobody}"]


# --- macros -----------------------------------------------------------------------------------------------

def test_simple_user_macros_are_expanded_and_their_definitions_removed():
    source = ("\\newcommand{\\R}{\\mathbb{R}}\\def\\ceil#1{\\lceil #1\\rceil}\\let\\phi\\varphi"
              "\\newcommand{\\kl}[2][p]{D(#1\\|#2)}\\DeclareMathOperator*{\\argmin}{arg\\,min}"
              "\\newcommand{\\ie}{\\emph{i.e.}\\xspace}\n"
              "$\\R \\ceil{x} \\phi \\argmin \\kl{q} \\kl[r]{s}$ \\ie so")
    assert expand_user_macros(source) == ("\n$\\mathbb{R} \\lceil x\\rceil \\varphi \\operatorname*{arg\\,min} "
                                          "D(p\\|q) D(r\\|s)$ \\emph{i.e.}\\xspace so")


def test_macros_that_program_tex_or_rename_structure_are_left_alone():
    source = ("\\def\\section{\\@ifstar\\a\\b}\\def\\x#1.{no}\\newcommand{\\y}{\\ifx a b\\fi}"
              "\\renewcommand{\\abstractname}{Thanks}\\section{S} \\x1. \\y")
    out = expand_user_macros(source)
    assert "\\section{S}" in out and "\\renewcommand{\\abstractname}{Thanks}" in out
    assert "\\x1." in out and "\\y" in out


def test_a_let_alias_does_not_loop_through_a_redefinition():
    source = ("\\let\\oldepigraph\\epigraph\\renewcommand\\epigraph[2]{\\oldepigraph{\\textit{#1}}{#2}}"
              "\\epigraph{A}{B}")
    assert expand_user_macros(source) == "\\epigraph{\\textit{A}}{B}"


def test_a_recursive_macro_stops_and_a_macro_bomb_is_refused():
    assert expand_user_macros("\\newcommand{\\x}{x\\x}\\x").count("x") == 14  # depth bound, then left as is
    bomb = "\\def\\a{xxxxxxxxxx}" + "".join(f"\\def\\{c}{{\\{p}\\{p}\\{p}\\{p}}}" for p, c in zip("abcdefgh", "bcdefghi"))
    with pytest.raises(ExtractionError, match="grows the text"):
        expand_user_macros(bomb + "\\i" * 50)


# --- the document from each corpus tree -------------------------------------------------------------------

EXPECTED = {
    "2310_03240": (("Relational Convolutional Networks: A framework for learning representations of "
                    "hierarchical relations"), ["Awni Altabaa", "John Lafferty"]),
    "2202_00665": ("Tutorial on amortized optimization", ["Brandon Amos"]),
    "1603_07285": ("A guide to convolution arithmetic for deep learning", ["Vincent Dumoulin", "Francesco Visin"]),
    "2102_10535": ("Automatic Code Generation using Pre-Trained Language Models",
                   ["Luis Perez", "Lizi Ottens", "Sudharshan Viswanathan"]),
}


@pytest.mark.parametrize("name", TREES)
def test_title_and_authors_also_from_a_hand_made_title_page(name):
    doc = _read(name).document
    assert (doc.title, doc.authors) == EXPECTED[name]
    assert doc.page_count == 0 and all(s.page_starts == [(0, 0)] for s in doc.sections)


def _words(title: str) -> list[str]:
    """A title's words without math, cites, commands or punctuation, for comparing source with output."""
    title = re.sub(r"\$[^$]*\$|\\cite[a-z]*\{[^{}]*\}|\[[^\]]*\]|\\[A-Za-z]+|[{}]", " ", title)
    return re.findall(r"[A-Za-z0-9]+", title.lower())


@pytest.mark.parametrize("name", TREES)
def test_the_section_titles_are_the_ones_in_the_source(name):
    flat = _flat(name)
    body = flat.text[flat.text.find("\\begin{document}"):]
    source = []
    for m in HEADING.finditer(body):
        end = group_end(body, m.end(), "{", "}")
        source.append(_words(body[m.end() + 1:end - 1]))
    doc = _read(name)
    outline = [_words(re.sub(r"^[A-Z0-9.]+ ", "", t)) for t in doc.outline if t != "References"]
    assert len(outline) == len(source)
    for ours, theirs in zip(outline, source):  # a \citet in a title adds its authors' names: "by Kingma [20]"
        assert ours[:len(theirs)] == theirs and (len(ours) == len(theirs) or "by" in theirs)
    titles = set(doc.outline) | {"Front matter", "Abstract", "References", "Appendix"}
    for section in doc.document.sections:
        assert section.kind == "abstract" or section.title in titles or name == "1603_07285"


@pytest.mark.parametrize("name", TREES)
def test_no_latex_command_or_comment_survives_in_the_prose(name):
    for text in _prose(_read(name)):
        assert not re.search(r"\\[A-Za-z]|[{}]", text), text[:300]
        assert not re.search(r"(?<![\d\s])%|%(?=\S)(?!\s|$|[),.;])", text), text[:300]  # only "9%", "9 %"
        assert "\ue000" not in text and "\ue003" not in text and "??" not in text


@pytest.mark.parametrize("name", TREES)
def test_every_escaped_percent_number_survives_as_a_number(name):
    flat = _flat(name)
    prose = " ".join(_prose(_read(name)))
    outside_tables = re.sub(r"\\begin\{tabular\}.*?\\end\{tabular\}", "", flat.text, flags=re.DOTALL)
    numbers = re.findall(r"(\d[\d.,]*)\s*\\%", outside_tables[outside_tables.find("\\begin{document}"):])
    assert numbers or name in ("2202_00665", "1603_07285")
    for number in numbers:
        assert re.search(rf"(?<![\d.]){re.escape(number)} ?%", prose), number


@pytest.mark.parametrize("name", TREES)
def test_display_equations_are_double_dollar_math_a_parser_accepts(name):
    texts = [s.text for s in _read(name).document.sections]
    displays = [m for t in texts for m in re.findall(r"\$\$(.*?)\$\$", t, flags=re.DOTALL)]
    assert displays
    for math in displays:
        LatexWalker(math, tolerant_parsing=False).get_latex_nodes()  # raises on unbalanced or broken math
        assert "\\label" not in math and "\\nonumber" not in math
    for text in texts:
        for paragraph in text.split("\n\n"):
            assert paragraph.count("$") % 2 == 0, paragraph[:300]


def test_equations_are_numbered_and_referenced_as_latex_numbers_them():
    doc = _read("2202_00665")  # a book: equation (1.1), sections 2.3.1, chapters
    intro = next(s for s in doc.document.sections if s.title == "1 Introduction").text
    assert intro.startswith("This tutorial studies") and "Eq. (1.1)" in intro and "§2.3.1" in intro
    assert "$$y^\\star(x) \\in \\operatorname*{arg\\,min}_y f(y; x),$$" in intro  # \argmin from the preamble


@pytest.mark.parametrize("name, kinds", [
    ("2310_03240", {"front", "abstract", "introduction", "related_work", "method", "experiments", "discussion",
                    "references", "appendix"}),
    ("2202_00665", {"front", "abstract", "introduction", "method", "discussion", "limitations", "related_work",
                    "acknowledgements", "references"}),
    ("1603_07285", {"front", "acknowledgements", "introduction", "method", "references"}),
    ("2102_10535", {"abstract", "introduction", "background", "method", "results", "conclusion", "body",
                    "references", "appendix"}),
])
def test_sections_have_kinds_abstract_references_and_appendix_marked(name, kinds):
    sections = _read(name).document.sections
    assert {s.kind for s in sections} == kinds
    kinds_in_order = [s.kind for s in sections]
    if "appendix" in kinds:  # \appendix (2310) or headings after the bibliography (2102): all appendix
        after = kinds_in_order[kinds_in_order.index("references") + 1:]
        assert after and set(after) == {"appendix"}
    assert kinds_in_order.count("abstract") <= 1


def test_the_abstract_is_the_authors_and_renamed_abstracts_keep_their_names():
    assert _read("2310_03240").document.section("abstract").text.startswith("A maturing area of research")
    assert _read("2202_00665").document.section("abstract").text.startswith("Optimization is a ubiquitous")
    renamed = [(s.title, s.kind) for s in _read("1603_07285").document.sections][:4]
    assert renamed[1:] == [("Acknowledgements", "acknowledgements"), ("Feedback", "front"),
                           ("Source code and animations", "front")]


def test_cites_refs_and_footnotes_read_as_text():
    doc = _read("2102_10535").document
    abstract = doc.section("abstract").text
    assert "natural language processing [1] [2] have led" in abstract
    assert abstract.endswith("available on GitHub.\n\nSee shared repository located at "
                             "https://github.com/kandluis/code-gen.")  # the footnote, after its paragraph
    method = next(s for s in doc.sections if s.title == "3.1 CodeSearchNet Models").text
    assert method.startswith("Figure 4 explains") and "See Section 4." in method
    refs = doc.section("references").text.split("\n\n")
    assert refs[8].startswith("[9] Ashish Vaswani") and "Attention Is All You Need" in refs[8]
    relational = _read("2310_03240").document
    related = next(s for s in relational.sections if s.kind == "related_work").text
    assert "Shanahan et al. [1] proposes the PrediNet" in related  # \citet, numbered from the .bib


def test_figures_are_found_with_their_files_captions_and_labels():
    doc = _read("2310_03240")
    figures = [f for f in doc.figures if f.kind == "figure"]
    assert len(figures) == 8  # 5 figure + 3 wrapfigure
    assert sum(len(f.files) for f in figures) == 11 and all(not f.missing for f in figures)
    assert all(f.caption and f.number for f in figures)
    ood = next(f for f in figures if f.label == "fig:ood_generalization")
    assert ood.number == "5" and ood.files == ["figs/experiments/hexos_acc.pdf", "figs/experiments/stripes_acc.pdf"]
    assert ood.subcaptions == ["OoD generalization on Hexos objects", "OoD generalization on Stripes objects"]
    assert "bootstrap 95% confidence interval" in ood.caption
    assert next(f for f in figures if f.label == "fig:set_example").files == ["figs/set_example.png"]  # no extension
    tables = [f for f in doc.figures if f.kind == "table"]
    assert [t.number for t in tables] == ["1", "2", "3", "4"] and "associated with Figure 5" in tables[2].caption


@pytest.mark.parametrize("name", TREES)
def test_every_includegraphics_file_is_found_on_disk(name):
    doc, root = _read(name), tree(name)
    flat = _flat(name)
    body = flat.text[flat.text.find("\\begin{document}"):]
    named = re.findall(r"\\includegraphics\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}", body)
    found = [f for fig in doc.figures for f in fig.files]
    assert len(found) == len(named) and not [m for fig in doc.figures for m in fig.missing]
    assert all((root / f).is_file() for f in found)


def test_a_figure_without_a_caption_is_still_listed():
    figure = next(f for f in _read("2102_10535").figures if f.label == "fig:char-rnn-arch")
    assert figure.caption is None and figure.number is None and figure.files == ["figures/char-rnn.png"]


def test_the_fast_walker_builds_the_same_nodes_as_pylatexenc():
    def shape(nodes):
        return [(type(n).__name__, getattr(n, "macroname", None) or getattr(n, "environmentname", None), n.pos, n.len)
                for n in descendants(nodes)]

    for name in TREES:
        text = _flat(name).text
        assert shape(parse(text)) == shape(parse(text, fast=False)), name


def test_an_e_print_reads_as_its_tree_does(tmp_path):
    folder = unpack_eprint(corpus_file("latex/eprints/2310.03240.tar.gz"), tmp_path / "src")
    doc = read_latex_tree(folder)
    assert doc.document.title == EXPECTED["2310_03240"][0]
    assert [s.title for s in doc.document.sections] == [s.title for s in _read("2310_03240").document.sections]


# --- small trees: one rule each ---------------------------------------------------------------------------

def _doc(tmp_path: Path, body: str, preamble: str = "", cls: str = "article"):
    _write(tmp_path, {"main.tex": f"\\documentclass{{{cls}}}\n{preamble}\n\\begin{{document}}\n{body}\n\\end{{document}}\n"})
    return read_latex_tree(tmp_path)


def test_prose_rules_on_a_small_paper(tmp_path):
    doc = _doc(tmp_path, r"""
\title{A Test\thanks{Funded.}} \author{Ann Lee \and Bo Chen} \maketitle
\begin{abstract}We show 9\% gains.\end{abstract}
\section{Method}\label{sec:m}
We use \emph{this}\footnote{A note with $x$.} model, see \cref{tab:t} and \eqref{eq:e}~\S\ref{sec:m}.
\begin{equation}\label{eq:e} a = b \end{equation}
\begin{itemize}\item First \textbf{point} \item Second\end{itemize}
\begin{table}\caption{Results.}\label{tab:t}\begin{tabular}{c}1\\\end{tabular}\end{table}
\paragraph{Run-in} text follows, at $95\%$ and $1\,080$ runs.
\appendix
\section{Proofs}
\begin{theorem}[Main] It holds.\end{theorem}
""", preamble=r"\newtheorem{theorem}{Theorem}")
    d = doc.document
    assert (d.title, d.authors) == ("A Test", ["Ann Lee", "Bo Chen"])
    assert [(s.title, s.kind) for s in d.sections] == [("Abstract", "abstract"), ("1 Method", "method"),
                                                       ("A Proofs", "appendix")]
    assert d.sections[0].text == "We show 9% gains."
    assert d.sections[1].text == ("We use this model, see Table 1 and (1) §1.\n$$a = b$$\n\nA note with $x$.\n\n"
                                  "- First point\n- Second\n\n"
                                  "Run-in. text follows, at 95% and 1,080 runs.")
    assert d.sections[2].text == "Theorem 1 (Main). It holds."
    assert doc.figures[0].kind == "table" and doc.figures[0].caption == "Results."


def test_align_rows_are_numbered_and_wrapped_to_render(tmp_path):
    doc = _doc(tmp_path, r"""\section{S}
\begin{align} a &= b \label{r1} \\ c &= d \nonumber \\ e &= f \label{r3} \end{align}
See \eqref{r1} and \eqref{r3}.""")
    text = doc.document.sections[0].text
    assert text == ("$$\\begin{aligned} a &= b \\\\ c &= d \\\\ e &= f \\end{aligned}$$\n"
                    "See (1) and (2).")


def test_chapters_number_sections_and_floats_within_them(tmp_path):
    doc = _doc(tmp_path, r"""\chapter{One}\section{A}\begin{figure}\includegraphics{x}\caption{F}\label{f}\end{figure}
Text \autoref{f}.\chapter{Two}\section{B}\label{b}See \autoref{b} and \ref{b}.""", cls="book")
    assert doc.outline == ["1 One", "1.1 A", "2 Two", "2.1 B"]
    assert doc.figures[0].number == "1.1" and doc.figures[0].missing == ["x"]
    assert [s.text for s in doc.document.sections] == ["Text Figure 1.1.", "See §2.1 and 2.1."]


# --- hostile or broken sources ----------------------------------------------------------------------------

def test_deep_nesting_is_refused_with_a_clear_error(tmp_path):
    for i, body in enumerate(["{" * 5000, "\\emph{" * 3000, "\\begin{itemize}" * 3000]):
        with pytest.raises(ExtractionError, match="nest more than"):
            _doc(tmp_path / str(i), body)


def test_broken_latex_never_raises_anything_but_extraction_error(tmp_path):
    import random

    pieces = ["\\section{", "}", "{", "$", "$$", "\\cite{a}", "\\ref{b}", "\\label{b}", "\\begin{figure}",
              "\\end{figure}", "\\begin{itemize}", "\\item", "\\end{itemize}", "text ", "\n\n", "\\footnote{",
              "\\emph{", "%", "\\%", "\\\\", "[", "]", "\\begin{align}", "\\end{align}", "&", "~", "\\appendix",
              "\\caption{", "\\newcommand{\\x}{", "\\x", "#1", "\\verb", "\\href{x}", "\\begin{abstract}",
              "\\bibitem", "\\begin{thebibliography}", "\\includegraphics{../../x}", "\\input{/etc/passwd}"]
    rng = random.Random(15)
    for i in range(150):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 60)))
        try:
            _doc(tmp_path / str(i), body)
        except ExtractionError:
            pass
