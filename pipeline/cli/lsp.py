"""``paperdraft lsp``: the language server for drafts, over stdio (:mod:`pipeline.lsp`).

An editor starts it; it is not for a terminal. pygls is imported only when the command runs, so the rest
of the CLI starts as fast as before.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli.console import fail
from pipeline.config import load_settings
from pipeline.errors import PaperdraftError


def lsp(
    stdio: Annotated[bool, typer.Option("--stdio", hidden=True,
                                        help="Accepted and ignored: stdio is the only transport.")] = False,
) -> None:
    """Serve drafts to your editor over stdio: check's findings as you type, the paper's passages on hover.

    ``--stdio`` is what clients built on vscode-languageclient add to the command (``TransportKind.stdio``);
    it changes nothing."""
    try:
        settings = load_settings()
    except PaperdraftError as exc:
        raise fail(exc) from None
    try:
        from pipeline.lsp.server import serve
    except ImportError as exc:
        raise fail(PaperdraftError(f"the language server needs pygls ({exc})",
                                   hint="pip install pygls lsprotocol")) from None
    serve(settings)


def register(app: typer.Typer) -> None:
    app.command("lsp")(lsp)
