"""The references: their entries, and the text each ``\\cite`` prints.

With arXiv's ``.bbl`` spliced in, the entries are its ``\\bibitem``s, in its order (the prose stage reads
them). Without one (a source tree from a repository: arXiv runs no BibTeX), the cited entries are read from
the ``.bib`` files ``\\bibliography`` names and numbered in the order they are first cited. A cite prints
"[3]" or "[3, 7]"; ``\\citet`` "Vaswani et al. [3]"; a key no entry has prints "[key]".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pylatexenc.latexwalker import LatexMacroNode

from pipeline.extract.latex.records import Reference
from pipeline.extract.latex.source_text import read_tex
from pipeline.extract.latex.walker import argument_source, arguments

MAX_AUTHORS_LISTED = 6  # a reference lists this many authors, then "et al."

TEXTUAL = {"citet", "Citet", "textcite", "Textcite"}  # "Vaswani et al. [3]"
AUTHOR_ONLY = {"citeauthor", "Citeauthor"}
YEAR_ONLY = {"citeyear", "citeyearpar"}
_ENTRY = re.compile(r"@(\w+)\s*[{(]\s*([^,\s{}()]+)\s*,")
_FIELD = re.compile(r"\s*,?\s*([A-Za-z][\w-]*)\s*=\s*")
_NATBIB_LABEL = re.compile(r"^(?P<authors>.*?)\s*\((?P<year>[^()]*)\)(?P<full>.*)$", re.DOTALL)


def natbib_label(label: str | None) -> tuple[str | None, str | None]:
    """(authors, year) of a natbib ``\\bibitem[Vaswani et~al.(2017)Vaswani, Shazeer…]`` label."""
    m = _NATBIB_LABEL.match(label or "")
    if not m:
        return None, None
    return (" ".join(m["authors"].replace("~", " ").split()) or None), (m["year"].strip() or None)


def bibitems(nodes, inline: Callable[[list], str]) -> list[Reference]:
    """The entries of a ``thebibliography`` (arXiv's ``.bbl``): each ``\\bibitem[label]{key}`` and the text up
    to the next; ``inline`` turns nodes into text."""
    entries: list[tuple[str, str | None, list]] = []
    for child in nodes or []:
        if child is not None and child.isNodeType(LatexMacroNode) and child.macroname == "bibitem":
            args = arguments(child)
            label = inline([args[0]]) if args and args[0] is not None else None
            entries.append((argument_source(args[-1]).strip() if args else "", label, []))
        elif entries:
            entries[-1][2].append(child)
    out = []
    for key, label, content in entries:
        authors, year = natbib_label(label)
        out.append(Reference(key=key, text=inline(content), authors=authors, year=year))
    return out


def bib_references(root: Path, folder: Path, names: list[str], cited: list[str],
                   to_text: Callable[[str], str]) -> list[Reference]:
    """The cited entries of the ``.bib`` files ``names`` (relative to ``folder``, inside the tree at ``root``),
    in the order first cited; ``to_text`` turns a field's LaTeX ("Sj\\"olund", "{BERT}") into text."""
    entries: dict[str, dict[str, str]] = {}
    root = root.resolve()
    for name in names:
        path = (folder / (name if name.endswith(".bib") else f"{name}.bib")).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            continue
        text = read_tex(path)
        wanted = set(cited) - set(entries)
        for m in _ENTRY.finditer(text):
            if m.group(2) in wanted and m.group(1).lower() not in ("string", "comment", "preamble"):
                entries[m.group(2)] = _fields(text, m.end())
    out = []
    for key in dict.fromkeys(cited):
        if key in entries:
            out.append(_reference(key, entries[key], to_text))
    return out


def _fields(text: str, pos: int) -> dict[str, str]:
    """The fields of the entry whose body starts at ``pos``: name -> raw value, braces taken off."""
    fields: dict[str, str] = {}
    while (m := _FIELD.match(text, pos)) is not None:
        pos = m.end()
        value, pos = _value(text, pos)
        if value is None:
            break
        fields[m.group(1).lower()] = value
    return fields


def _value(text: str, pos: int) -> tuple[str | None, int]:
    if pos >= len(text):
        return None, pos
    if text[pos] in "{\"":
        close = "}" if text[pos] == "{" else '"'
        depth, i = 0, pos
        while i < len(text):
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            if (close == "}" and depth == 0) or (close == '"' and c == '"' and depth == 0 and i > pos):
                return text[pos + 1:i], i + 1
            i += 1
        return None, pos
    m = re.match(r"[^,}\s]+", text[pos:])
    return (m.group(), pos + m.end()) if m else (None, pos)


def _plain(value: str, to_text: Callable[[str], str]) -> str:
    """A field's text: most are plain words, perhaps in protective braces; only the rest need the parser."""
    if re.search(r"[\\$~%]", value):
        return " ".join(to_text(value).split())
    return " ".join(value.replace("{", "").replace("}", "").split())


def _reference(key: str, fields: dict[str, str], to_text: Callable[[str], str]) -> Reference:
    names = [a.strip() for a in re.split(r"\s+and\s+", _plain(fields.get("author", ""), to_text)) if a.strip()]
    people = [_display_name(n) for n in names]
    listed = ", ".join(people[:MAX_AUTHORS_LISTED]) + (" et al." if len(people) > MAX_AUTHORS_LISTED else "")
    venue = fields.get("journal") or fields.get("booktitle") or fields.get("publisher") or fields.get("howpublished")
    year = fields.get("year")
    if venue and venue.strip().lower() in ("none", "-", "n/a"):
        venue = None
    parts = [listed, _plain(fields.get("title", ""), to_text), _plain(venue or "", to_text)]
    text = ". ".join(" ".join(p.split()).rstrip(".") for p in parts if p and p.strip())
    text = f"{text}, {year}." if year else (f"{text}." if text else key)
    return Reference(key=key, text=text, authors=_short_authors(names), year=year)


def _display_name(name: str) -> str:
    """"Vaswani, Ashish" -> "Ashish Vaswani"."""
    if "," in name:
        last, _, first = name.partition(",")
        return f"{first.strip()} {last.strip()}".strip()
    return name


def _surname(name: str) -> str:
    if "," in name:
        return name.split(",")[0].strip()
    return name.split()[-1] if name.split() else name


def _short_authors(names: list[str]) -> str | None:
    if not names:
        return None
    surnames = [_surname(n) for n in names]
    if len(surnames) == 1:
        return surnames[0]
    if len(surnames) == 2:
        return f"{surnames[0]} and {surnames[1]}"
    return f"{surnames[0]} et al."


def render_citation(command: str, keys: list[str], numbers: dict[str, tuple[int, Reference]]) -> str:
    """What one ``\\cite``-like command prints, given each known key's number and entry."""
    keys = [k for k in keys if k]
    if command == "nocite" or not keys:
        return ""
    found = [numbers.get(k) for k in keys]
    marks = [str(f[0]) if f else k for k, f in zip(keys, found)]
    bracket = f"[{', '.join(marks)}]"
    first = found[0][1] if found[0] else None
    if command in AUTHOR_ONLY:
        return (first.authors if first and first.authors else bracket)
    if command in YEAR_ONLY:
        return (first.year if first and first.year else bracket)
    if command in TEXTUAL and first and first.authors:
        return f"{first.authors} {bracket}"
    return bracket
