"""A hash of the code each stage runs, for cache keys that cannot go stale.

A persisted result is only as good as the code that made it. So instead of a
version constant that someone must remember to bump, each stage's cache key
includes the sha256 of the source of every module that stage runs (for a
package, every ``.py`` file in it). Any edit to that code makes new keys.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from pipeline.hashing import sha256_bytes

# The modules whose code shapes each stage's output. Shared records and helpers are in each list they touch.
STAGE_MODULES: dict[str, tuple[str, ...]] = {
    "extract": ("pipeline.extract", "pipeline.pdf_bytes", "pipeline.records", "pipeline.hashing"),
    "chunk": ("pipeline.summarize.chunk", "pipeline.core", "pipeline.records"),
    "summary": ("pipeline.summarize", "pipeline.core", "pipeline.records", "pipeline.draftfile.format",
                "pipeline.config"),
}


def module_files(name: str) -> list[Path]:
    """The source files of a module, or of every module in a package (sorted)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ImportError(f"no module {name} to hash")
    if spec.submodule_search_locations:  # a package: all of it
        return sorted(p for folder in spec.submodule_search_locations for p in Path(folder).rglob("*.py"))
    return [Path(spec.origin)]


@lru_cache(maxsize=None)
def code_hash(modules: tuple[str, ...]) -> str:
    """sha256 over the names and contents of the source files of ``modules``."""
    parts = []
    for name in modules:
        for path in module_files(name):
            parts.append(f"{name}:{path.name}:{sha256_bytes(path.read_bytes())}".encode())
    return sha256_bytes(b"\n".join(parts))


def stage_code_hash(stage: str) -> str:
    """The hash of the code that ``stage`` ("extract", "chunk" or "summary") runs."""
    return code_hash(STAGE_MODULES[stage])
