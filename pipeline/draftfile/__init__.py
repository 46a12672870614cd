"""The draft file: its format, its one parser, rendering, the redraft merge, safe writes, and lookup.

- :mod:`~pipeline.draftfile.format`: every marker and pattern of the format.
- :mod:`~pipeline.draftfile.parse`: the one reader of drafts.
- :mod:`~pipeline.draftfile.render`: a summary into a draft's text.
- :mod:`~pipeline.draftfile.merge`: a redraft that keeps what the author wrote.
- :mod:`~pipeline.draftfile.store`: atomic writes, the folder lock, :func:`write_draft`.
- :mod:`~pipeline.draftfile.lookup`: where a draft goes, and finding drafts by id.
"""
