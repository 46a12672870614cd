"""A paper's file -> :class:`~pipeline.records.Document`: cleaned text, sections with pages, title, authors.

- :mod:`~pipeline.extract.pdf_reader`: the one way a PDF is opened, within safety limits.
- :mod:`~pipeline.extract.pdf`: a PDF's pages into a Document.
- :mod:`~pipeline.extract.text_file`: a local .txt or .md file into a Document.
- :mod:`~pipeline.extract.page_text`: each page's lines cleaned (ligatures, stamp, headers, page numbers).
- :mod:`~pipeline.extract.sections`: headings found and the text split into sections of a kind.
- :mod:`~pipeline.extract.paragraphs`: a section's lines unwrapped into paragraphs.
- :mod:`~pipeline.extract.front_page`: title and authors from the first page.
"""
