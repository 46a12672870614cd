"""The author's side of the CLI: ``review``, ``check``, ``publish`` and ``list``.

``pipeline.cli`` calls :func:`register` to add these commands to its app. Machine
output (findings, JSON) goes to stdout; summaries and errors go to stderr.
Exit status: 0 when no draft has errors, 1 when one has (or publishing was
refused), 2 for configuration problems such as no editor at all.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.author.check import Finding, check_draft, check_file, critique_words, has_errors
from pipeline.cli.console import err, fail, out
from pipeline.config import Settings, load_settings
from pipeline.draftfile.lookup import list_drafts, resolve_draft
from pipeline.draftfile.parse import read_draft
from pipeline.errors import NoEditorError, NotReadyError, PaperdraftError

DraftsDir = Annotated[Optional[Path], typer.Option(help="Where the drafts are (default: the configured folder).")]


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class PostFormat(str, Enum):
    jekyll = "jekyll"
    hugo = "hugo"
    quarto = "quarto"
    plain = "plain"


def _settings(drafts_dir: Path | None) -> Settings:
    try:
        return load_settings(drafts_dir=drafts_dir)
    except PaperdraftError as exc:
        raise fail(exc) from None


def _resolve(name: str, settings: Settings) -> Path:
    try:
        return resolve_draft(name, settings.drafts_dir)
    except PaperdraftError as exc:
        raise fail(exc) from None


def _tally(findings: list[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def review(
    draft: Annotated[str, typer.Argument(help="The draft: a path, or the paper's arXiv id.")],
    drafts_dir: DraftsDir = None,
) -> None:
    """Open DRAFT in your editor at the critique, then check it."""
    from pipeline.author.editor import critique_line, open_in_editor

    settings = _settings(drafts_dir)
    path = _resolve(draft, settings)
    try:
        argv, status = open_in_editor(path, warn=lambda m: err.print(f"warning: {m}", highlight=False, markup=False))
    except NoEditorError as exc:
        typer.echo(f"{path}:{critique_line(path)}: write your critique here")
        raise fail(exc) from None
    if status != 0:
        err.print(f"warning: the editor ({Path(argv[0]).name}) exited with status {status}", highlight=False)
    findings = check_file(path, settings.critique_min_words)
    for finding in findings:
        typer.echo(str(finding))
    if has_errors(findings):
        err.print(f"{path}: {_tally(findings)}; not ready to publish", highlight=False)
        raise typer.Exit(1)
    words = critique_words(read_draft(path))
    typer.echo(f"{path}: ready to publish ({words} words of critique): paperdraft publish {path} --to BLOG_DIR")


def check(
    drafts: Annotated[Optional[list[str]], typer.Argument(help="Drafts (paths or arXiv ids); default: all.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="text: path:line:col lines; json: a list.")] = (
        OutputFormat.text
    ),
    drafts_dir: DraftsDir = None,
) -> None:
    """Check drafts: your critique is written, long enough, your own; the front matter is sound."""

    settings = _settings(drafts_dir)
    paths = [_resolve(d, settings) for d in drafts] if drafts else list_drafts(settings.drafts_dir)
    findings = [f for path in paths for f in check_file(path, settings.critique_min_words)]
    if format is OutputFormat.json:
        typer.echo(json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            typer.echo(str(finding))
        if not paths:
            err.print(f"no drafts in {settings.drafts_dir}", highlight=False)
        else:
            err.print(f"{_tally(findings)} in {len(paths)} draft{'s' * (len(paths) != 1)}", highlight=False)
    raise typer.Exit(1 if has_errors(findings) else 0)


def publish(
    draft: Annotated[str, typer.Argument(help="The draft: a path, or the paper's arXiv id.")],
    to: Annotated[Path, typer.Option("--to", metavar="BLOG_DIR",
                                     help="The blog's posts folder, e.g. site/_posts or content/posts.")],
    format: Annotated[PostFormat, typer.Option("--format", help="The site generator.")] = PostFormat.jekyll,
    name: Annotated[Optional[str], typer.Option(
        "--name", metavar="SLUG", help="The post's name in its file name (YYYY-MM-DD-SLUG.md) instead of the "
                                       "title's, e.g. when another paper's post has that name.")] = None,
    with_figures: Annotated[bool, typer.Option(
        "--with-figures", help="Copy the paper's figures into the post even though its licence does not allow it "
                               "(the post says you take responsibility).")] = False,
    drafts_dir: DraftsDir = None,
) -> None:
    """Publish DRAFT as a post in the blog folder given with --to, once its critique passes check.

    A draft can go to several blogs, each post kept up to date on its own; the share text goes beside the draft.
    """
    from pipeline.author.publish import publish as publish_draft

    settings = _settings(drafts_dir)
    path = _resolve(draft, settings)
    try:
        result = publish_draft(path, to, format.value, settings, name=name, with_figures=with_figures)
    except NotReadyError as exc:
        for finding in exc.findings:
            err.print(str(finding), highlight=False, markup=False)
        raise fail(exc) from None
    except PaperdraftError as exc:
        raise fail(exc) from None
    out.print(f"{result.status}: {result.post}", highlight=False, markup=False)
    out.print(f"share text ({result.share}):\n{result.share_text}", highlight=False, markup=False)
    if result.figures:
        out.print(result.figures, highlight=False, markup=False)
    if result.left:
        err.print(f"note: the earlier post {result.left} is still in the blog; delete it if this one replaces it",
                  highlight=False, markup=False)
    if result.emails:
        out.print(f"e-mail addresses on the paper's first page: {', '.join(result.emails)}", highlight=False)


def _row(path: Path, settings: Settings) -> dict:
    try:
        doc = read_draft(path)
    except (OSError, UnicodeDecodeError):
        findings, front, words = check_file(path, settings.critique_min_words), {}, 0
    else:
        findings, front, words = check_draft(doc, settings.critique_min_words), doc.front or {}, critique_words(doc)
    errors = sum(f.severity == "error" for f in findings)
    status = front.get("status")  # as the front matter says; readiness is apart: no check errors
    return {"path": str(path), "title": front.get("title"), "arxiv_id": front.get("arxiv_id"),
            "status": str(status) if status else None, "ready": not errors, "critique_words": words,
            "errors": errors, "warnings": len(findings) - errors}


def list_command(
    drafts_dir: DraftsDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
) -> None:
    """List drafts: status (the front matter's: draft or published), ready to publish, critique words, findings."""
    from rich.table import Table
    from rich.text import Text


    settings = _settings(drafts_dir)
    rows = [_row(p, settings) for p in list_drafts(settings.drafts_dir)]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        err.print(f"no drafts in {settings.drafts_dir}", highlight=False)
        return
    table = Table("Title", "arXiv id", "Status", "Ready", "Words", "Findings")
    for row in rows:
        findings = f"{row['errors']} err, {row['warnings']} warn" if row["errors"] or row["warnings"] else "-"
        cells = [row["title"] or Path(row["path"]).name, row["arxiv_id"] or "-", row["status"] or "-",
                 "yes" if row["ready"] else "no", str(row["critique_words"]), findings]
        table.add_row(*(Text(str(c)) for c in cells))  # Text: a title's [brackets] are not markup
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add review, check, publish and list to the ``paperdraft`` app."""
    app.command("review")(review)
    app.command("check")(check)
    app.command("publish")(publish)
    app.command("list")(list_command)
