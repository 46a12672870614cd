"""An e-print unpacked once per content: ``<folder>/<sha256 of the e-print>/``, made whole or not at all.

The archive is unpacked (:func:`~pipeline.extract.latex.archive.unpack_eprint`) into a temporary folder
beside its final place, which is then renamed into place; a folder left half-made by a crash never
counts. A PDF e-print (a paper without source) is remembered as such in an empty marker file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from pipeline.errors import ExtractionError
from pipeline.extract.latex.archive import unpack_eprint
from pipeline.hashing import sha256_file

PDF_ONLY = ".pdf-only"  # the marker beside the folders: this e-print is a PDF


def unpacked_source(eprint: Path, folder: Path) -> Path | None:
    """The unpacked tree of ``eprint`` under ``folder``, or None for a PDF e-print. Raises ExtractionError."""
    key = sha256_file(eprint)[:32]
    target, marker = folder / key, folder / (key + PDF_ONLY)
    if marker.is_file():
        return None
    if target.is_dir():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=folder, prefix=f".{key}."))
    except OSError as err:
        raise ExtractionError(f"{eprint}: cannot make a folder to unpack it in {folder} ({err.strerror or err})")
    try:
        tree = unpack_eprint(eprint, work / "tree")
        if tree is None:
            marker.touch()
            return None
        try:
            os.replace(tree, target)
        except OSError:  # another process put it there first: theirs is the same content
            if not target.is_dir():
                raise
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)
