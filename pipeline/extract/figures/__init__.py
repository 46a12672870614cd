"""A PDF's figures and tables -> :class:`~pipeline.records.FigureSet`: captions, pages, regions, PNG crops.

Use: ``extract_figures(pdf, folder)`` (:mod:`.runner`). The PDF is read in a process of its own, under
time and memory limits, so a hostile page costs its own figures only.

- :mod:`.page_layout`: one page as text lines and graphics (pypdfium2).
- :mod:`.captions`: "Figure 3:", "Table 2." at the start of a line, and the caption's lines.
- :mod:`.regions`: where a caption's figure or table is: its column, up to the body text.
- :mod:`.locate`: the paper whole: each caption once, the paper's table style.
- :mod:`.render`: a region rendered to a PNG, its white margins trimmed.
- :mod:`.worker`: the reading process; :mod:`.runner`: starts it, watches it, restarts it past a bad page.
"""

from pipeline.extract.figures.runner import extract_figures

__all__ = ["extract_figures"]
