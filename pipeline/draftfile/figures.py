"""Figures in a draft: the picture and its quoted caption under a section, the others listed for the author.

An embedded figure is two lines, the picture and its caption as the paper prints it, with its page::

    ![Figure 1](attention-is-all-you-need.assets/figure-1.png)
    *Figure 1 (p. 3): “The Transformer - model architecture.”*

The pictures sit beside the draft in ``<draft name>.assets/``. Every figure's picture is copied there, so the
author can swap one in from the list in the critique notes (a comment: it never reaches the post).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from pipeline.records import Figure, FigureSet

ASSETS_SUFFIX = ".assets"
# An embedded figure's picture line, as written here or by the author: ![alt](<folder>.assets/<file>.png)
IMAGE_LINE = re.compile(r"^!\[(?P<alt>[^\]\n]*)\]\((?P<path>[^)\s]+\.assets/(?P<file>[A-Za-z0-9._-]+\.png))\)[ \t]*$",
                        re.M)
CAPTION_CHARS = 600  # a caption longer than this is cut, with an ellipsis, in the draft


def assets_folder(draft: Path) -> Path:
    return draft.with_name(draft.stem + ASSETS_SUFFIX)


def _caption_text(figure: Figure, inert) -> str:
    text = figure.caption
    label = re.match(r"^(Figure|Table) [^\s:.|]+[:.|—–]?\s*", text)
    body = text[label.end():] if label else text
    body = " ".join(body.split())
    if len(body) > CAPTION_CHARS:
        body = body[:CAPTION_CHARS].rsplit(" ", 1)[0] + " …"
    return inert(body.replace("*", "\\*").replace("_", "\\_"))


def figure_block(figure: Figure, folder: str, inert) -> str:
    """The picture and its quoted caption, with its page; ``inert`` makes the paper's text safe."""
    page = f" (p. {figure.page})" if figure.page else ""  # no page: a LaTeX source drafted without its PDF
    return (f"![{figure.label}]({folder}/{figure.image})\n"
            f"*{figure.label}{page}: “{_caption_text(figure, inert)}”*")


def figure_notes(others: list[Figure], failed: list[tuple[int, str]], folder: str, inert) -> str | None:
    """The comment under the critique's guide: the figures not embedded, one line each (a picture line to copy
    into a section), and the pages whose figures could not be read."""
    lines = []
    for f in others:
        caption = " ".join(_caption_text(f, inert).split()[:14])
        where = f"p. {f.page}: " if f.page else ""
        if f.image:
            lines.append(f"  - {where}![{f.label}]({folder}/{f.image}) {caption}")
        else:
            lines.append(f"  - {where}{f.label} (no picture: {f.problem or 'not rendered'}) {caption}")
    for page, why in failed:
        where = f"page {page}" if page else "the PDF"
        lines.append(f"  - the figures of {where} could not be read: {why}")
    if not lines:
        return None
    text = "\n".join(lines).replace("--", "- -")
    return ("<!-- The paper's other figures and tables (found by paperdraft). To show one, copy its picture line "
            "into a section,\n  with its caption; to drop a figure from a section, delete its two lines.\n"
            f"{text}\n-->")


def copy_pictures(figures: FigureSet, folder: Path) -> None:
    """Every rendered picture of ``figures`` into ``folder`` (made if missing); a missing source is skipped."""
    if not figures.folder:
        return
    source = Path(figures.folder)
    folder.mkdir(parents=True, exist_ok=True)
    for f in figures.figures:
        if f.image and (source / f.image).is_file():
            target = folder / f.image
            if not target.is_file() or target.stat().st_size != (source / f.image).stat().st_size:
                shutil.copyfile(source / f.image, target)


def pictures_in(text: str) -> list[tuple[str, str]]:
    """(path as written, file name) of each embedded picture line in a draft's text."""
    return [(m["path"], m["file"]) for m in IMAGE_LINE.finditer(text)]
