"""One way to keep a cache file: JSON written to a temp file beside it, then renamed, so a reader never sees
half a file. A cache only ever saves time: a file that cannot be written costs a warning, never the work."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger("pipeline.cache")


def keep_json(path: Path, record: Any, what: str) -> Path | None:
    """Write ``record`` as JSON to ``path``, whole or not at all; the path, or None (and a warning naming
    ``what``) when it cannot be written."""
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        tmp = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        log.warning("could not keep %s in the cache (%s): %s", what, path, exc.strerror or exc)
        return None
    return path
