"""Unpack an arXiv e-print into a folder, treating the file as hostile.

arXiv serves an e-print in one of three forms: a gzipped tar (a multi-file submission), a plain gzip of the
one ``.tex`` file (the gzip header keeps its name), or the PDF alone (a submission without source). The
first two are unpacked; for a PDF :func:`unpack_eprint` returns None, and the caller uses the PDF path.

Nothing is written outside ``into``: members with absolute paths or ``..``, links (symbolic and hard),
devices and FIFOs make the whole archive refused before anything is written; the number of members, each
member's size and the unpacked total are bounded. A truncated or damaged gzip is an error that says so.
Every refusal is an :class:`~pipeline.errors.ExtractionError` naming the file and the reason.
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from pipeline.errors import ExtractionError

# arXiv caps a submission at 50 MB; its e-prints hold tens to a few hundred files (2202.00665: 60).
MAX_MEMBERS = 5_000  # more entries than any paper has: a tar bomb by count (each costs an inode and a syscall)
MAX_MEMBER_BYTES = 100 << 20  # one file: twice arXiv's whole-submission cap, so no real figure or .tex is refused
MAX_TOTAL_BYTES = 400 << 20  # all files together: a decompression bomb stops here, long before a disk fills
DEFAULT_TEX_NAME = "main.tex"  # the name for a plain-gzip .tex whose header has no usable file name
READ_BLOCK = 1 << 20  # bytes decompressed at a time while a plain gzip is read

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,200}")  # a gzip header's file name we will write
_FILTER_ERRORS = (tarfile.FilterError,) if hasattr(tarfile, "FilterError") else ()  # the data filter's refusals
_HELP = "get a fresh copy of the e-print, or draft from the PDF"


def unpack_eprint(path: str | Path, into: str | Path) -> Path | None:
    """Unpack the e-print at ``path`` into the folder ``into``; return that folder, or None for a PDF.

    ``into`` is made if missing and must be empty. A gzipped tar is unpacked as it is; a plain gzip of one
    ``.tex`` becomes one file named as the gzip header says (else ``main.tex``); an uncompressed tar or
    ``.tex`` is taken too. A PDF e-print (a paper without source) returns None and writes nothing.
    Raises ExtractionError for anything else, and for an archive that breaks a rule above; then what this
    call wrote is removed again.
    """
    path, into = Path(path), Path(into)
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError as err:
        raise ExtractionError(f"{path}: cannot read the e-print ({err.strerror or err})") from err
    if head.startswith(b"%PDF"):
        return None
    gzipped = head.startswith(b"\x1f\x8b")
    inner = _gunzip_head(path) if gzipped else head
    if inner.startswith(b"%PDF"):
        return None
    made = _prepare(path, into)
    try:
        if _looks_like_tar(inner):
            _unpack_tar(path, into, "r:gz" if gzipped else "r:")
        elif gzipped:
            _unpack_single_tex(path, into, _gzip_file_name(path))
        elif _looks_like_tex(head):
            _copy_single_tex(path, into)
        else:
            raise ExtractionError(f"{path}: not an e-print as arXiv serves them (a gzipped tar, a gzipped "
                                  f".tex or a PDF)", _HELP)
    except BaseException:
        _undo(into, made)
        raise
    return into


def _prepare(path: Path, into: Path) -> bool:
    """Make ``into`` (True if this call made it); refuse one that is a file or already holds files."""
    if into.exists():
        if not into.is_dir() or any(into.iterdir()):
            raise ExtractionError(f"{path}: cannot unpack into {into}: it is not an empty folder")
        return False
    try:
        into.mkdir(parents=True)
    except OSError as err:
        raise ExtractionError(f"{path}: cannot make the folder {into} ({err.strerror or err})") from err
    return True


def _undo(into: Path, made: bool) -> None:
    if made:
        shutil.rmtree(into, ignore_errors=True)
        return
    for child in into.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _gunzip_head(path: Path) -> bytes:
    """The first 512 unpacked bytes of a gzip, enough to tell a tar from a .tex."""
    try:
        with gzip.open(path, "rb") as f:
            return f.read(512)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as err:
        raise ExtractionError(f"{path}: the e-print is a damaged or truncated gzip ({err})", _HELP) from err


def _looks_like_tar(block: bytes) -> bool:
    """A tar header: the POSIX magic, or a valid header checksum (old V7 tars have no magic)."""
    if len(block) < 512:
        return False
    if block[257:262] == b"ustar":
        return True
    try:
        tarfile.TarInfo.frombuf(block[:512], "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


def _looks_like_tex(head: bytes) -> bool:
    text = head.decode("latin-1")
    return "\x00" not in text and bool(re.search(r"\\[A-Za-z]+|^%", text, re.MULTILINE))


def _gzip_file_name(path: Path) -> str | None:
    """The original file name a gzip header keeps (FNAME), or None; parsed by hand, gzip does not expose it."""
    with open(path, "rb") as f:
        header = f.read(10)
        if len(header) < 10 or not header[3] & 0x08:  # FLG.FNAME
            return None
        if header[3] & 0x04:  # FLG.FEXTRA: a 2-byte length, then that many bytes
            extra = f.read(2)
            if len(extra) < 2:
                return None
            f.seek(int.from_bytes(extra, "little"), io.SEEK_CUR)
        name = bytearray()
        while len(name) < 1024 and (byte := f.read(1)) not in (b"", b"\x00"):
            name += byte
    return name.decode("latin-1") or None


def _safe_tex_name(name: str | None) -> str:
    """The header's name when it is a plain file name, with ``.tex`` added if it has no extension."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    if not _SAFE_NAME.fullmatch(base):
        return DEFAULT_TEX_NAME
    return base if "." in base else f"{base}.tex"


def _unpack_single_tex(path: Path, into: Path, name: str | None) -> None:
    target = into / _safe_tex_name(name)
    size = 0
    try:
        with gzip.open(path, "rb") as src, open(target, "wb") as out:
            while block := src.read(READ_BLOCK):
                size += len(block)
                if size > MAX_MEMBER_BYTES:
                    raise ExtractionError(
                        f"{path}: the gzipped file unpacks to more than {MAX_MEMBER_BYTES >> 20} MiB",
                        "it may be a decompression bomb; " + _HELP)
                out.write(block)
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise ExtractionError(f"{path}: the e-print is a damaged or truncated gzip ({err})", _HELP) from err
    except OSError as err:
        raise ExtractionError(f"{path}: cannot write {target} ({err.strerror or err})") from err


def _copy_single_tex(path: Path, into: Path) -> None:
    if path.stat().st_size > MAX_MEMBER_BYTES:
        raise ExtractionError(f"{path}: the .tex file is larger than {MAX_MEMBER_BYTES >> 20} MiB", _HELP)
    shutil.copyfile(path, into / _safe_tex_name(path.name))


def _member_problem(member: tarfile.TarInfo) -> str | None:
    """Why a member may not be unpacked, or None."""
    name = member.name
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not name or "\x00" in name:
        return "a member without a name"
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return f"the member {name!r} has an absolute path"
    if ".." in parts:
        return f"the member {name!r} points outside the archive's folder (..)"
    if member.issym() or member.islnk():
        return f"the member {name!r} is a link (to {member.linkname!r})"
    if not (member.isfile() or member.isdir()):
        return f"the member {name!r} is a device, FIFO or other special file"
    if member.size > MAX_MEMBER_BYTES:
        return f"the member {name!r} is {member.size >> 20} MiB, more than {MAX_MEMBER_BYTES >> 20} MiB"
    return None


def _unpack_tar(path: Path, into: Path, mode: str) -> None:
    """Check every member first (count, names, kinds, sizes); only then unpack, through the data filter too."""
    try:
        with tarfile.open(path, mode) as tar:
            members, total = [], 0
            while (member := tar.next()) is not None:
                if len(members) >= MAX_MEMBERS:
                    raise ExtractionError(f"{path}: the archive has more than {MAX_MEMBERS} members",
                                          "it may be a tar bomb; " + _HELP)
                problem = _member_problem(member)
                if problem:
                    raise ExtractionError(f"{path}: refused: {problem}", "the archive is unsafe; " + _HELP)
                total += member.size
                if total > MAX_TOTAL_BYTES:
                    raise ExtractionError(f"{path}: the archive unpacks to more than {MAX_TOTAL_BYTES >> 20} MiB",
                                          "it may be a decompression bomb; " + _HELP)
                members.append(member)
            if not members:
                raise ExtractionError(f"{path}: the archive is empty", _HELP)
            root = into.resolve()
            for member in members:
                if not (root / member.name).resolve().is_relative_to(root):  # belt and braces over the checks
                    raise ExtractionError(f"{path}: refused: the member {member.name!r} points outside the folder")
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuses the same things once more
                tar.extractall(into, members=members, filter="data")
            else:  # pragma: no cover - older 3.11: the checks above are the whole defence
                tar.extractall(into, members=members)
    except ExtractionError:
        raise
    except _FILTER_ERRORS as err:
        raise ExtractionError(f"{path}: refused: {err}", "the archive is unsafe; " + _HELP) from err
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise ExtractionError(f"{path}: the e-print is a damaged or truncated archive ({err})", _HELP) from err
    except OSError as err:
        raise ExtractionError(f"{path}: cannot unpack into {into} ({err.strerror or err})") from err
