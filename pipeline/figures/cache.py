"""A paper's figures, extracted once per PDF content and code: ``<cache>/figures/<key>/`` (pictures and an index).

The key is :func:`pipeline.code_hash.stage_key` of the "figures" stage over the PDF's sha256, so a change to
the figure code makes new pictures. An index that cannot be read, or a picture it names that is gone, means
the figures are extracted again. A cache that cannot be written costs a warning and a temporary folder.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from pipeline.cache_files import keep_json
from pipeline.code_hash import stage_key
from pipeline.config import Settings
from pipeline.figures import extract_figures
from pipeline.hashing import sha256_file
from pipeline.records import Figure, FigureSet

log = logging.getLogger(__name__)

FOLDER = "figures"
INDEX = "figures.json"


def figures_key(pdf_sha256: str) -> str:
    return stage_key("figures", pdf_sha256)


def _load(folder: Path) -> FigureSet | None:
    try:
        data = json.loads((folder / INDEX).read_text(encoding="utf-8"))
        figures = [Figure(**{**f, "box": tuple(f["box"]), "pixels": tuple(f["pixels"]) if f.get("pixels") else None})
                   for f in data["figures"]]
        failed = [(int(p), str(w)) for p, w in data.get("failed_pages", [])]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if any(f.image and not (folder / f.image).is_file() for f in figures):
        return None
    return FigureSet(figures=figures, folder=str(folder), failed_pages=failed, seconds=float(data.get("seconds", 0)))


def load_or_extract(pdf: Path, settings: Settings, pdf_sha256: str | None = None) -> tuple[FigureSet, bool]:
    """The figures of ``pdf`` and whether they came from the cache."""
    return load_or_make(figures_key(pdf_sha256 or sha256_file(pdf)), settings, lambda folder: extract_figures(pdf, folder))


def load_or_make(key: str, settings: Settings, make: Callable[[Path], FigureSet]) -> tuple[FigureSet, bool]:
    """The figures cached under ``key``, else ``make(folder)``'s (its pictures written into ``folder``),
    kept there; and whether they came from the cache. The LaTeX source's figures are cached this way too."""
    folder = Path(settings.cache) / FOLDER / key
    cached = _load(folder)
    if cached is not None:
        return cached, True
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("could not keep the figures in the cache (%s): %s", folder, exc.strerror or exc)
        folder = Path(tempfile.mkdtemp(prefix="paperdraft-figures-"))
    figures = make(folder)
    index = {"figures": [asdict(f) for f in figures.figures], "failed_pages": figures.failed_pages,
             "seconds": figures.seconds}
    keep_json(folder / INDEX, index, "the figure index")
    return figures, False
