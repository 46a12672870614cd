"""An arXiv e-print (LaTeX source) -> the same :class:`~pipeline.records.Document` the PDF path makes, plus
the source's figures: the authors' own sentences, their sections, their math as ``$…$``/``$$…$$``.

Use: ``folder = unpack_eprint(eprint, into)`` (None for a PDF-only e-print), then
``read_latex_tree(folder)`` -> :class:`LatexDocument` (``.document``, ``.figures``). Both raise
:class:`~pipeline.errors.ExtractionError` with the file and the reason; the caller falls back to the PDF.

- :mod:`.archive`: an e-print file -> a folder of files, safely (links, ``..``, bombs refused).
- :mod:`.source_text`: one file read (UTF-8, else latin-1) and its comments stripped, ``\\%`` kept.
- :mod:`.flatten`: the main file found and every ``\\input``/``\\include``/``\\subfile`` spliced in.
- :mod:`.macros`: the source's own simple macros expanded.
- :mod:`.walker`: LaTeX -> pylatexenc nodes, fast.
- :mod:`.prose`: nodes -> prose blocks (:mod:`.commands` the command tables, :mod:`.text_cleanup`).
- :mod:`.math`: math kept as LaTeX, display environments as ``$$…$$``, numbered.
- :mod:`.floats`: figures and tables: files, captions, labels.
- :mod:`.numbering`: LaTeX's numbers for headings, floats, equations; what a ``\\ref`` prints.
- :mod:`.bibliography`: the entries (``.bbl`` or ``.bib``) and what a ``\\cite`` prints.
- :mod:`.front`: title and authors, also from a hand-made title page.
- :mod:`.document`: all of it -> a LatexDocument (sections with kinds, no pages).
- :mod:`.records`: the dataclasses passed between them.
"""

from pipeline.extract.latex.archive import unpack_eprint
from pipeline.extract.latex.document import document_from_source, read_latex_tree
from pipeline.extract.latex.flatten import find_main_file, flatten_tree
from pipeline.extract.latex.records import FlatSource, LatexDocument, SourceFigure

__all__ = ["FlatSource", "LatexDocument", "SourceFigure", "document_from_source", "find_main_file",
           "flatten_tree", "read_latex_tree", "unpack_eprint"]
