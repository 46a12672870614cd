"""``paperdraft lsp``: a language server for drafts, so an author sees ``check`` in the editor as they type.

- :mod:`~pipeline.lsp.positions`: the parser's offsets and line:col, and LSP's lines and UTF-16 characters.
- :mod:`~pipeline.lsp.diagnostics`: ``check``'s findings as diagnostics (the same code; no rule of its own).
- :mod:`~pipeline.lsp.paper`: a draft's paper as drafting cached it: its ranked sentences, its PDF or URL.
- :mod:`~pipeline.lsp.evidence`: what a cite, a quote or an ``unverified`` flag rests on, for the hover.
- :mod:`~pipeline.lsp.actions`: code actions: "I checked this claim", open the paper at the page, the critique.
- :mod:`~pipeline.lsp.symbols`: the outline: one symbol per section.
- :mod:`~pipeline.lsp.server`: the pygls wiring, debounce and stdio.

The server never writes a draft: every edit it offers goes to the editor as a workspace edit.
pygls is imported only here, never when the CLI starts.
"""
