"""Find a source tree's main file and flatten it: every reachable ``\\input``, ``\\include``, ``\\subfile`` and
``\\import`` spliced in, recursively, comments stripped first so a commented-out one is never followed.

Targets resolve as LaTeX resolves them, relative to the main file's folder (then the including file's), with
``.tex`` tried first and then the name as written (``\\include`` always adds ``.tex``). A target outside the
tree, missing, binary or already open (a cycle) is listed in ``missing`` and left out. When arXiv's ``.bbl``
sits beside the main file, ``\\bibliography`` is replaced by it, as arXiv's own build does. Local ``.sty``
files the source ``\\usepackage``s are read too (for their macros), not spliced in.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import ExtractionError
from pipeline.extract.latex.records import FlatSource
from pipeline.extract.latex.source_text import (
    inside,
    literal_spans,
    read_tex,
    strip_comments,
)

MAX_INPUT_DEPTH = 16  # \input nesting: TeX itself stops near 15 open files; deeper is a loop or hostile
MAX_FLAT_CHARS = 32 << 20  # the flattened source: a long thesis is ~2 MB; more is an \input bomb
MAX_TREE_FILES = 20_000  # files looked at to find the main one (the archive bounds allow 5,000)

_DOCUMENT_CLASS = re.compile(r"\\document(?:class|style)(?![A-Za-z@])")
_BEGIN_DOCUMENT = re.compile(r"\\begin\s*\{document\}")
_END_DOCUMENT = re.compile(r"\\end\s*\{document\}")
_INCLUSION = re.compile(
    r"\\(?P<cmd>input|include|subfile)(?![A-Za-z@])\s*(?:\{(?P<braced>[^{}]*)\}|(?P<bare>[^\s{}\\%]+))"
    r"|\\(?P<imp>import|subimport|inputfrom|subinputfrom|includefrom|subincludefrom)\*?\s*"
    r"\{(?P<dir>[^{}]*)\}\s*\{(?P<file>[^{}]*)\}")
_BIBLIOGRAPHY = re.compile(r"\\bibliography\s*\{[^{}]*\}")
_PACKAGES = re.compile(r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}")
_END_INPUT = re.compile(r"\\endinput(?![A-Za-z@])")


def find_main_file(root: str | Path) -> str:
    """The tree's main file, relative to ``root``: the one ``.tex`` with ``\\documentclass`` (or the old
    ``\\documentstyle``) outside a comment; of several, the one named after a ``.bbl``, then the one that
    ``\\input``s the others (or most files), then the one nearest the top. Raises ExtractionError if none."""
    root = Path(root)
    texs = _tex_files(root)
    stripped = {rel: strip_comments(read_tex(root / rel)) for rel in texs}
    candidates = [rel for rel, text in stripped.items() if _DOCUMENT_CLASS.search(text)]
    if not candidates:
        raise ExtractionError(f"{root}: no .tex file has \\documentclass or \\documentstyle",
                              "the source may be incomplete; draft from the PDF")
    if len(candidates) == 1:
        return candidates[0]
    included = {target for rel in candidates for target in _targets(root, rel, stripped[rel])}
    bbl_stems = {p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.bbl")}

    def rank(rel: str) -> tuple:
        text = stripped[rel]
        return (
            rel[:-4] in bbl_stems,  # arXiv's .bbl is named after the main file
            rel not in included,  # a standalone piece that the main file \input's is not the main file
            bool(_BEGIN_DOCUMENT.search(text)),
            len(set(_targets(root, rel, text))),  # the one the others are \input into
            -rel.count("/"),
            len(text),
        )

    return max(sorted(candidates), key=rank)


def flatten_tree(root: str | Path, main_file: str | None = None) -> FlatSource:
    """Flatten the tree at ``root`` from its main file (found with :func:`find_main_file` unless given)."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise ExtractionError(f"{root}: the LaTeX source folder does not exist")
    main = main_file or find_main_file(root)
    reader = _Splicer(root, Path(main).parent)
    text = reader.splice(main, depth=0, open_files=())
    text = reader.bibliography(main, text)
    packages = reader.local_packages(text)
    return FlatSource(text=text, root=str(root), main_file=main, included=reader.included,
                      missing=reader.missing, packages=packages)


def _tex_files(root: Path) -> list[str]:
    files = []
    for path in root.rglob("*"):
        if len(files) >= MAX_TREE_FILES:
            raise ExtractionError(f"{root}: more than {MAX_TREE_FILES} files: not a paper's source tree")
        if path.suffix.lower() == ".tex" and path.is_file() and not path.is_symlink():
            files.append(path.relative_to(root).as_posix())
    return sorted(files)


def _targets(root: Path, rel: str, text: str) -> list[str]:
    """The files a (comment-stripped) text includes that exist, relative to ``root``."""
    base = Path(rel).parent
    found = []
    for m in _INCLUSION.finditer(text):
        name, command, folder = _inclusion_name(m)
        path = _resolve(root, base, folder, name, command)
        if isinstance(path, Path):
            found.append(path.relative_to(root).as_posix())
    return found


def _inclusion_name(m: re.Match) -> tuple[str, str, str]:
    """(file name as written, command, folder it is relative to) of one inclusion match."""
    if m["imp"]:
        return m["file"].strip(), m["imp"], m["dir"].strip()
    return (m["braced"] if m["braced"] is not None else m["bare"]).strip().strip('"'), m["cmd"], ""


def _resolve(root: Path, main_dir: Path, folder: str, name: str, command: str,
             including_dir: Path | None = None) -> Path | str:
    """The file an inclusion reads, or why none: ``.tex`` first, then the name as written."""
    if not name:
        return "no file name"
    if name.startswith("/") or re.match(r"[A-Za-z]:[\\/]", name):
        return "an absolute path"
    tries = [name] if name.endswith(".tex") else [name + ".tex", name]
    bases = [main_dir / folder]
    if including_dir is not None and including_dir != main_dir:
        bases.append(including_dir / folder)
    for base in bases:
        for candidate in tries:
            path = (root / base / candidate).resolve()
            if not path.is_relative_to(root):
                return "outside the source tree"
            if path.is_file():
                return path
    return "no such file"


class _Splicer:
    """Reads files and splices inclusions in, remembering what it read and what it could not."""

    def __init__(self, root: Path, main_dir: Path):
        self.root, self.main_dir = root, main_dir
        self.included: list[str] = []
        self.missing: list[str] = []
        self.size = 0

    def splice(self, rel: str, depth: int, open_files: tuple[str, ...]) -> str:
        if depth > MAX_INPUT_DEPTH:
            raise ExtractionError(f"{self.root / rel}: \\input nested more than {MAX_INPUT_DEPTH} deep",
                                  "the source includes itself through a chain, or is hostile")
        text = read_tex(self.root / rel)
        if "\x00" in text[:4096]:
            self.missing.append(f"{rel}: a binary file, not TeX")
            return ""
        text = strip_comments(text)
        end = _END_INPUT.search(text)
        if end:
            text = text[:end.start()]
        if depth and _DOCUMENT_CLASS.search(text):  # a standalone or subfiles piece: only its body counts
            begin, finish = _BEGIN_DOCUMENT.search(text), _END_DOCUMENT.search(text)
            if begin:
                text = text[begin.end():finish.start() if finish and finish.start() > begin.end() else len(text)]
        self.included.append(rel)
        self._grow(len(text), rel)
        spans = literal_spans(text)
        out, pos = [], 0
        for m in _INCLUSION.finditer(text):
            if inside(spans, m.start()):
                continue
            out.append(text[pos:m.start()])
            pos = m.end()
            name, command, folder = _inclusion_name(m)
            # \subimport{dir}{file} is relative to the including file; \import, \input and \subfile to the main's
            relative = command.startswith("sub") and command != "subfile"
            folder_base = Path(rel).parent if relative else self.main_dir
            target = _resolve(self.root, folder_base, folder, name, command, including_dir=Path(rel).parent)
            written = m.group().strip()
            if isinstance(target, str):
                self.missing.append(f"{written}: {target}")
                continue
            target_rel = target.relative_to(self.root).as_posix()
            if target_rel in open_files or target_rel == rel:
                self.missing.append(f"{written}: includes itself (a cycle)")
                continue
            piece = self.splice(target_rel, depth + 1, (*open_files, rel))
            out.append(f"\n{piece}\n" if command == "include" else piece)
        out.append(text[pos:])
        return "".join(out)

    def _grow(self, chars: int, rel: str) -> None:
        self.size += chars
        if self.size > MAX_FLAT_CHARS:
            raise ExtractionError(f"{self.root / rel}: the flattened source passes {MAX_FLAT_CHARS >> 20} M "
                                  f"characters", "it includes the same files over and over, or is hostile")

    def bibliography(self, main: str, text: str) -> str:
        """Splice arXiv's ``.bbl`` (named after the main file) in place of ``\\bibliography{…}``."""
        bbl = self.root / (main[:-4] + ".bbl")
        m = _BIBLIOGRAPHY.search(text)
        if not m or not bbl.is_file():
            return text
        body = strip_comments(read_tex(bbl))
        if "\\begin{thebibliography}" not in body:  # a biblatex .bbl: \entry records, not typeset text
            return text
        self.included.append(bbl.relative_to(self.root).as_posix())
        self._grow(len(body), bbl.name)
        return text[:m.start()] + body + text[m.end():]

    def local_packages(self, text: str) -> dict[str, str]:
        """Name -> comment-stripped text of each ``.sty`` in the tree that the source loads, recursively."""
        found: dict[str, str] = {}
        queue = [text]
        while queue:
            for m in _PACKAGES.finditer(queue.pop()):
                for name in (n.strip() for n in m.group(1).split(",")):
                    path = (self.root / self.main_dir / f"{name}.sty").resolve()
                    if not name or name in found or not path.is_relative_to(self.root) or not path.is_file():
                        continue
                    found[name] = strip_comments(read_tex(path))
                    self._grow(len(found[name]), path.name)
                    queue.append(found[name])
        return found
