"""Parse what the user typed into a :class:`SourceRef`.

Accepted: arXiv ids (``2106.09685``, ``2106.09685v2``, ``arXiv:2106.09685``,
``0704.0001``, ``hep-th/9901001``, ``math.GT/0309136v1``), arXiv abs/pdf/html
URLs on arxiv.org, www.arxiv.org or export.arxiv.org, and existing local
``.pdf``, ``.txt`` or ``.md`` files. Nothing here touches the network.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.errors import InvalidSourceError
from pipeline.records import SourceRef

PDF_SUFFIXES = frozenset({".pdf"})
TEXT_SUFFIXES = frozenset({".txt", ".md"})
ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})

ACCEPTED = (
    "accepted: 2106.09685[v2], arXiv:2106.09685, hep-th/9901001, "
    "https://arxiv.org/abs/2106.09685 (or /pdf/, /html/), or a .pdf/.txt/.md file"
)

# New style (April 2007 on): YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501).
# ASCII only (re.A): "\d" would take fullwidth and other Unicode digits, a look-alike id.
_NEW_ID = re.compile(r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:[vV](?P<version>\d+))?", re.A)
# Old style (to March 2007): archive[.SC]/YYMMNNN; the subject class is not part of the id.
_OLD_ID = re.compile(
    r"(?P<archive>[a-zA-Z]+(?:-[a-zA-Z]+)?)(?:\.(?P<subject>[a-zA-Z]+(?:-[a-zA-Z]+)?))?"
    r"/(?P<num>\d{7})(?:[vV](?P<version>\d+))?",
    re.A,
)
_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)
_URL_KINDS = ("abs", "pdf", "html")


def _invalid(text: str, why: str = "not an arXiv id, arXiv URL or local file") -> InvalidSourceError:
    return InvalidSourceError(f"{why}: {text!r}", hint=ACCEPTED)


def _check_version(text: str, version: str | None) -> int | None:
    if version is None:
        return None
    v = int(version)
    if v < 1:
        raise _invalid(text, "arXiv versions start at v1")
    return v


def parse_arxiv_id(text: str, raw: str | None = None) -> tuple[str, int | None] | None:
    """``(id, version)`` if ``text`` is exactly one arXiv id, else None.

    Raises InvalidSourceError for ids of the right shape but impossible values
    (month 13, a 4-digit number after 2014, v0), so the user hears what is wrong.
    """
    raw = text if raw is None else raw
    m = _NEW_ID.fullmatch(text)
    if m:
        yymm = m["yymm"]
        month = int(yymm[2:])
        if not 1 <= month <= 12:
            raise _invalid(raw, f"arXiv id has no month {yymm[2:]} (YYMM.NNNNN)")
        if yymm < "0704":
            raise _invalid(raw, "new-style arXiv ids start at 0704 (April 2007)")
        digits = 5 if yymm >= "1501" else 4
        if len(m["num"]) != digits:
            raise _invalid(raw, f"arXiv ids from {yymm} have {digits} digits after the dot")
        return f"{yymm}.{m['num']}", _check_version(raw, m["version"])
    m = _OLD_ID.fullmatch(text)
    if m:
        num = m["num"]
        yy, month = int(num[:2]), int(num[2:4])
        if not 1 <= month <= 12 or not (yy >= 91 or yy <= 7):
            raise _invalid(raw, f"old-style arXiv id has no date {num[:4]} (archive/YYMMNNN)")
        return f"{m['archive'].lower()}/{num}", _check_version(raw, m["version"])
    return None


def _parse_url(text: str) -> SourceRef:
    url = text if "://" in text else "https://" + text
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _invalid(text, "not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _invalid(text, f"unsupported URL scheme {parts.scheme!r}")
    host = (parts.hostname or "").lower()
    if host not in ARXIV_HOSTS:
        raise _invalid(text, f"not an arXiv URL (host {host or 'missing'})")
    path = unquote(parts.path).strip("/")
    kind, _, rest = path.partition("/")
    if kind not in _URL_KINDS:
        raise _invalid(text, "arXiv URL is not an abs, pdf or html page")
    if kind == "pdf" and rest.lower().endswith(".pdf"):
        rest = rest[:-4]
    if not rest:
        raise _invalid(text, "arXiv URL has no paper id")
    parsed = parse_arxiv_id(rest, raw=text)
    if parsed is None:
        raise _invalid(text, f"arXiv URL has no valid paper id ({rest!r})")
    return SourceRef(kind="arxiv", raw=text, arxiv_id=parsed[0], version=parsed[1])


def _looks_like_path(text: str) -> bool:
    return (
        "/" in text
        or "\\" in text
        or text.startswith(("~", "."))
        or re.search(r"\.[A-Za-z][A-Za-z0-9]{0,7}$", text) is not None
    )


def _parse_file(text: str, path: Path) -> SourceRef:
    if path.is_dir():
        raise _invalid(text, "is a directory, not a file")
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        kind = "pdf"
    elif suffix in TEXT_SUFFIXES:
        kind = "text"
    else:
        raise InvalidSourceError(
            f"unsupported file type {suffix or '(none)'!r}: {text!r}",
            hint="accepted files: .pdf, .txt, .md",
        )
    return SourceRef(kind=kind, raw=text, path=str(path.resolve()))


def parse_source(text: str) -> SourceRef:
    """Turn user input into a SourceRef, or raise InvalidSourceError naming the input."""
    if not isinstance(text, str):
        raise InvalidSourceError(f"source must be text, got {type(text).__name__}", hint=ACCEPTED)
    stripped = text.strip()
    if not stripped:
        raise _invalid(text, "empty source")

    lowered = stripped.lower()
    if "://" in stripped or lowered.split("/", 1)[0] in ARXIV_HOSTS:
        return _parse_url(stripped)

    candidate = _PREFIX.sub("", stripped)
    had_prefix = candidate != stripped
    parsed = parse_arxiv_id(candidate, raw=stripped)
    if parsed is not None:
        return SourceRef(kind="arxiv", raw=stripped, arxiv_id=parsed[0], version=parsed[1])
    if had_prefix:
        raise _invalid(stripped, "not a valid arXiv id")

    try:
        path = Path(stripped).expanduser()
    except (RuntimeError, ValueError):  # "~user" with no such user (or a NUL in it), or no home directory
        path = Path(stripped)
    try:
        exists = path.exists()
    except OSError as err:  # a name too long for the file system, and the like
        raise InvalidSourceError(f"not a usable file name: {stripped!r} ({err.strerror or err})",
                                 hint=ACCEPTED) from None
    if exists:
        return _parse_file(stripped, path)
    if _looks_like_path(stripped):
        if re.fullmatch(r"[\dvV.]+", stripped):  # "2106.0968", "1234.56789v": a mistyped id
            raise _invalid(stripped, "not a valid arXiv id")
        raise InvalidSourceError(f"no such file: {stripped!r}", hint="check the path; accepted files: .pdf, .txt, .md")
    raise _invalid(stripped)
