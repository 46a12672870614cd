"""The author's side: the facts to check before judging, ``check``, the editor, ``publish``.

- :mod:`~pipeline.author.critique_aids`: facts from the paper listed under the critique (links, datasets, limits).
- :mod:`~pipeline.author.check`: is the critique the author's own, and is the draft ready?
- :mod:`~pipeline.author.editor`: open a draft in the author's editor at the critique.
- :mod:`~pipeline.author.publish`: a checked draft into a blog post.
"""
