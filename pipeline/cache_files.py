"""One way to keep a cache file: written to a temp file beside it, then renamed, so a reader never sees half a
file. :func:`whole_file` is that for any bytes (the downloads); :func:`keep_json` for a record, where a cache
only ever saves time: a file that cannot be written costs a warning, never the work."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Iterator

log = logging.getLogger("pipeline.cache")


@contextlib.contextmanager
def whole_file(path: Path) -> Iterator[BinaryIO]:
    """A file to write ``path`` through: a temp file in its folder, renamed onto ``path`` (readable by all, as
    files are) when the block ends, and removed when it raises. ``path`` is never seen half written."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(out.fileno(), 0o644)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def keep_json(path: Path, record: Any, what: str) -> Path | None:
    """Write ``record`` as JSON to ``path``, whole or not at all; the path, or None (and a warning naming
    ``what``) when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with whole_file(path) as out:
            out.write(json.dumps(record, ensure_ascii=False).encode("utf-8"))
    except OSError as exc:
        log.warning("could not keep %s in the cache (%s): %s", what, path, exc.strerror or exc)
        return None
    return path
