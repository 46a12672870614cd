"""A BibTeX library (a Zotero, JabRef or Google Scholar ``.bib`` export) -> entries of fields.

A small reader of its own: entries ``@type{key, field = {value} | "value" | 2017 | string, ...}``, nested
braces, ``#`` concatenation, and ``@string`` abbreviations; ``@comment`` and ``@preamble`` are skipped, and
so is text between entries (BibTeX's own rule). A malformed entry is a :class:`ConfigError` that names the
file and the line, so the author can fix the export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ConfigError

_NAME = re.compile(r"[A-Za-z0-9_:\-./+']+")
_FIELD_INSIDE = re.compile(r"\n[ \t]*[A-Za-z][\w-]*[ \t]*=[ \t]*[{\"\d]")  # "\n  year = 2017" in a value
_MONTHS = {m: m for m in "jan feb mar apr may jun jul aug sep oct nov dec".split()}


@dataclass
class BibEntry:
    kind: str
    key: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)


class _Reader:
    def __init__(self, text: str, path: str):
        self.text, self.path, self.i = text, path, 0
        self.strings: dict[str, str] = dict(_MONTHS)

    def line(self, at: int | None = None) -> int:
        return self.text.count("\n", 0, self.i if at is None else at) + 1

    def error(self, what: str, at: int | None = None) -> ConfigError:
        return ConfigError(f"{self.path}:{self.line(at)}: {what}",
                           hint="fix the entry, or export the library again (BibTeX or CSL-JSON)")

    def skip_space(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def expect(self, char: str, what: str) -> None:
        self.skip_space()
        if self.i >= len(self.text) or self.text[self.i] != char:
            found = repr(self.text[self.i]) if self.i < len(self.text) else "the end of the file"
            raise self.error(f"expected {what}, found {found}")
        self.i += 1

    def name(self, what: str) -> str:
        self.skip_space()
        m = _NAME.match(self.text, self.i)
        if not m:
            found = repr(self.text[self.i]) if self.i < len(self.text) else "the end of the file"
            raise self.error(f"expected {what}, found {found}")
        self.i = m.end()
        return m.group(0)

    def braced(self, start: int) -> str:
        """The text inside the braces opened at ``self.i - 1``."""
        depth, begin = 1, self.i
        while self.i < len(self.text):
            c = self.text[self.i]
            self.i += 1
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return self.text[begin : self.i - 1]
        raise self.error("a '{' that is never closed", at=start)

    def quoted(self, start: int) -> str:
        depth, begin = 0, self.i
        while self.i < len(self.text):
            c = self.text[self.i]
            self.i += 1
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == '"' and depth == 0:
                return self.text[begin : self.i - 1]
        raise self.error('a \'"\' that is never closed', at=start)

    def value(self) -> str:
        parts = []
        while True:
            self.skip_space()
            start = self.i
            c = self.text[self.i] if self.i < len(self.text) else ""
            if c == "{":
                self.i += 1
                parts.append(self.braced(start))
            elif c == '"':
                self.i += 1
                parts.append(self.quoted(start))
            elif c.isdigit():
                m = re.compile(r"\d+").match(self.text, self.i)
                assert m
                self.i = m.end()
                parts.append(m.group(0))
            else:
                word = self.name("a value: {...}, \"...\", a number or a @string name").lower()
                if word not in self.strings:
                    raise self.error(f"unknown @string name {word!r}", at=start)
                parts.append(self.strings[word])
            self.skip_space()
            if self.i < len(self.text) and self.text[self.i] == "#":
                self.i += 1
                continue
            return "".join(parts)

    def fields(self, close: str) -> dict[str, str]:
        out: dict[str, str] = {}
        swallowed: tuple[int, str] | None = None  # a value that ran over other fields: an unclosed brace
        while True:
            self.skip_space()
            if self.i < len(self.text) and self.text[self.i] == close:
                self.i += 1
                return out
            name = self.name(f"a field name or {close!r}").lower()
            self.expect("=", f"'=' after the field name {name!r}")
            self.skip_space()
            start = self.i
            out[name] = self.value()
            if swallowed is None and _FIELD_INSIDE.search(out[name]):
                swallowed = (start, name)
            self.skip_space()
            if self.i < len(self.text) and self.text[self.i] == ",":
                self.i += 1
            elif self.i >= len(self.text) and swallowed is not None:
                raise self.error(f"the value of {swallowed[1]!r} opens a '{{' that is never closed "
                                 "(it runs over the fields after it)", at=swallowed[0])
            elif self.i >= len(self.text) or self.text[self.i] != close:
                found = repr(self.text[self.i]) if self.i < len(self.text) else "the end of the file"
                raise self.error(f"expected ',' or {close!r} after the field {name!r}, found {found}")

    def entries(self) -> list[BibEntry]:
        found = []
        while (at := self.text.find("@", self.i)) >= 0:
            self.i = at + 1
            line = self.line(at)
            kind = self.name("an entry type after '@'").lower()
            self.skip_space()
            opener = self.text[self.i] if self.i < len(self.text) else ""
            if opener not in ("(", "{"):
                raise self.error(f"expected '{{' after @{kind}")
            close = "}" if opener == "{" else ")"
            self.i += 1
            if kind == "comment":  # BibTeX ignores it to the end of its braces
                if opener == "{":
                    self.braced(at)
                continue
            if kind == "preamble":
                self.value()
                self.expect(close, f"{close!r} to end @preamble")
                continue
            if kind == "string":
                self.strings.update({k: v for k, v in self.fields(close).items()})
                continue
            key = self.name(f"the citation key of @{kind}")
            self.skip_space()
            if self.i < len(self.text) and self.text[self.i] == close:
                self.i += 1
                found.append(BibEntry(kind, key, line))
                continue
            self.expect(",", f"',' after the citation key {key!r}")
            found.append(BibEntry(kind, key, line, self.fields(close)))
        return found


def read_bibtex(path: Path) -> list[BibEntry]:
    """The entries of a ``.bib`` file. Raises ConfigError naming the file and line of a malformed entry."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read library {str(path)!r}: {exc.strerror or type(exc).__name__}") from None
    return _Reader(text.replace("\r\n", "\n"), str(path)).entries()


_COMMAND = re.compile(r"\\[A-Za-z]+\*?|\\.")


def plain(value: str) -> str:
    """A field's value without braces and LaTeX commands: ``{BERT}: Pre-training`` -> ``BERT: Pre-training``."""
    return " ".join(_COMMAND.sub(" ", value).replace("{", "").replace("}", "").replace("~", " ").split())
