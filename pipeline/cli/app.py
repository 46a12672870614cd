"""The ``paperdraft`` app: thin commands over :mod:`pipeline.core` and the author's tools.

Each command group lives in its own module and only translates errors and shows
progress: ``draft`` (:mod:`pipeline.cli.draft`); ``review``, ``check``,
``publish`` and ``list`` (:mod:`pipeline.cli.author`); the flow's ``run`` and
``serve`` (:mod:`pipeline.cli.flows`); ``digest`` (:mod:`pipeline.cli.digest`); the language server,
``lsp`` (:mod:`pipeline.cli.lsp`).
"""

from __future__ import annotations

import typer

from pipeline.cli import author, digest, draft, flows, lsp

app = typer.Typer(
    help="Turn arXiv papers into blog-post drafts with a local model. The critique stays yours.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Turn arXiv papers into blog-post drafts with a local model. The critique stays yours."""


app.command("draft")(draft.draft)
author.register(app)
flows.register(app)
lsp.register(app)
digest.register(app)


def main() -> None:
    app()
