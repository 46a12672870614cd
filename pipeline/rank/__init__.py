"""Choosing what to read: the day's new papers ranked by the author's own drafts, posts, reading list and library.

:func:`pipeline.rank.digest.make_digest` is the one path; ``paperdraft digest`` and the flow's ranked
selection (:mod:`pipeline.flows.ranked`) both call it.
"""
