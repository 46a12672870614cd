"""A paper's figures and tables: found in the PDF, cropped to PNGs, cached, and the key ones chosen.

A stage of its own (its cache key is the PDF's content and this package's code), so a change here never
makes a summary stale. Use: ``extract_figures(pdf, folder)`` (:mod:`.runner`) -> :class:`~pipeline.records.FigureSet`;
:mod:`.cache` keeps it per PDF; :mod:`.choice` places the key figures under blog headings. The PDF is read
in a process of its own, under time and memory limits, so a hostile page costs its own figures only.

- :mod:`.page_layout`: one page as text lines and graphics (pypdfium2).
- :mod:`.captions`: "Figure 3:", "Table 2." at the start of a line, and the caption's lines.
- :mod:`.regions`: where a caption's figure or table is: its column, up to the body text.
- :mod:`.locate`: the paper whole: each caption once, the paper's table style.
- :mod:`.render`: a region rendered to a PNG, its white margins trimmed.
- :mod:`.worker`: the reading process; :mod:`.runner`: starts it, watches it, restarts it past a bad page.
- :mod:`.cache`: the figures of a PDF, extracted once per content and code.
- :mod:`.choice`: the method figure and the results table, from captions and mentions in the text.
"""

from pipeline.figures.runner import extract_figures

__all__ = ["extract_figures"]
