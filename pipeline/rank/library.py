"""The author's library, exported from Zotero or any reference manager: ``.bib`` or CSL-JSON -> profile items.

Each entry gives its title, abstract and keywords; its year (or full date) is its age. A file that is not
a library is a :class:`ConfigError` naming the file (and the line, where there is one).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.rank.bibtex import plain, read_bibtex
from pipeline.rank.records import ProfileItem

_ARXIV = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


def _ref(key: str, eprint: str | None) -> str:
    m = _ARXIV.fullmatch((eprint or "").strip())
    return m.group(1) if m else key


def _bib_items(path: Path) -> list[ProfileItem]:
    items = []
    for entry in read_bibtex(path):
        f = {k: plain(v) for k, v in entry.fields.items()}
        title = f.get("title", "")
        text = " ".join(f.get(k, "") for k in ("abstract", "keywords")).strip()
        if not (title or text):
            continue
        year = _YEAR.search(f.get("date", "") or f.get("year", ""))
        items.append(ProfileItem("library", _ref(entry.key, f.get("eprint")), title, [(f"{title}. {text}", 1.0)],
                                 date=f"{year.group(1)}-07-01" if year else None))
    return items


def _csl_date(issued: Any) -> str | None:
    parts = issued.get("date-parts") if isinstance(issued, dict) else None
    if not parts or not isinstance(parts, list) or not parts[0] or not isinstance(parts[0], list):
        return None
    try:
        y, m, d = (list(map(int, parts[0])) + [7, 1])[:3]
    except (TypeError, ValueError):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}" if 1000 <= y <= 2999 and 1 <= m <= 12 and 1 <= d <= 31 else None


def _csl_items(path: Path) -> list[ProfileItem]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not valid CSL-JSON: {exc.msg}",
                          hint="export the library again as CSL JSON (or BibTeX)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read library {str(path)!r}: {type(exc).__name__}") from None
    if not isinstance(data, list):
        raise ConfigError(f"{path}: CSL-JSON is a list of items, this is a {type(data).__name__}",
                          hint="export the library again as CSL JSON (or BibTeX)")
    items = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ConfigError(f"{path}: item {number} is not an object", hint="export the library again")
        title = str(item.get("title") or "")
        keywords = item.get("keyword") or ""
        text = " ".join([str(item.get("abstract") or ""), str(keywords)]).strip()
        if not (title or text):
            continue
        ref = _ref(str(item.get("id") or f"item {number}"), str(item.get("number") or item.get("archive_location") or ""))
        items.append(ProfileItem("library", ref, title, [(f"{title}. {text}", 1.0)], date=_csl_date(item.get("issued"))))
    return items


def library_items(path: str | Path) -> list[ProfileItem]:
    """Profile items from a ``.bib`` file or a CSL-JSON file (``.json``)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"no such library file: {str(path)!r}", hint="a .bib or CSL-JSON (.json) export")
    if p.suffix.lower() == ".json":
        return _csl_items(p)
    return _bib_items(p)
