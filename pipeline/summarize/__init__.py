"""A Document -> a :class:`~pipeline.records.Summary`, grounded in the paper's own sentences.

- :mod:`~pipeline.summarize.chunk`: the body in chunks that fit the model's context.
- :mod:`~pipeline.summarize.model`: the :class:`Backend` protocol and the transformers backend.
- :mod:`~pipeline.summarize.prompts`: the Jinja2 templates in ``prompts/``.
- :mod:`~pipeline.summarize.evidence`: key sentences, and whether the paper supports a written one.
- :mod:`~pipeline.summarize.blog_sections`: the post's sections and the sentences each is written from.
- :mod:`~pipeline.summarize.summarizer`: map (notes per chunk) and reduce (each section).
"""
