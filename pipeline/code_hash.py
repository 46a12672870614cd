"""A hash of the code each stage runs, for cache keys that cannot go stale.

A persisted result is only as good as the code that made it. So instead of a
version constant that someone must remember to bump, each stage's cache key
includes the sha256 of the source of every module that stage runs (for a
package, every ``.py`` file in it), and the versions of the libraries whose
output it keeps (pypdf's text, the splitter's chunks, the model's words). Any
edit to that code, or an upgrade of those libraries, makes new keys.
``tests/test_code_hash.py`` checks that every ``pipeline`` module a stage
imports is in its list.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from functools import lru_cache
from pathlib import Path

from pipeline.hashing import sha256_bytes, sha256_text

# The modules whose code shapes each stage's output: what the stage's task runs (pipeline.core's extract,
# chunk and summarize) and every pipeline module that imports. The chunk stage runs the summarizer too: the
# chunk size is what fits beside the notes prompt (core.chunk_tokens -> summarizer.note_overhead).
# A package's __init__ that holds only a docstring (pipeline, pipeline.draftfile) shapes nothing and is left out.
STAGE_MODULES: dict[str, tuple[str, ...]] = {
    "extract": ("pipeline.extract", "pipeline.core", "pipeline.pdf_bytes", "pipeline.records", "pipeline.hashing",
                "pipeline.errors"),
    "chunk": ("pipeline.summarize", "pipeline.core", "pipeline.records", "pipeline.draftfile.format",
              "pipeline.config", "pipeline.errors", "pipeline.hashing", "pipeline.extract.paragraphs"),
    "figures": ("pipeline.extract", "pipeline.figures", "pipeline.records", "pipeline.errors",
                "pipeline.pdf_bytes", "pipeline.hashing",
                "pipeline.code_hash", "pipeline.config", "pipeline.core", "pipeline.cache_files",
                "pipeline.limited_child"),
    "summary": ("pipeline.summarize", "pipeline.core", "pipeline.records", "pipeline.draftfile.format",
                "pipeline.config", "pipeline.errors", "pipeline.hashing", "pipeline.extract.paragraphs",
                "pipeline.summary_cache", "pipeline.cache_files",
                "pipeline.code_hash"),  # the model's identity: its record's key
}

# The installed libraries whose output a stage keeps, by distribution name.
STAGE_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "extract": ("pypdf", "pylatexenc"),
    "figures": ("pypdfium2", "pillow", "pylatexenc"),
    "chunk": ("langchain-text-splitters", "transformers"),
    "summary": ("transformers", "scikit-learn"),
}


def _sources(name: str) -> list[tuple[str, Path]]:
    """(name within the module, path) of each source file of a module, or of every module in a package."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ImportError(f"no module {name} to hash")
    if spec.submodule_search_locations:  # a package: all of it
        return sorted((p.relative_to(folder).as_posix(), p)
                      for folder in spec.submodule_search_locations for p in Path(folder).rglob("*.py"))
    return [(Path(spec.origin).name, Path(spec.origin))]


def module_files(name: str) -> list[Path]:
    """The source files of a module, or of every module in a package (sorted)."""
    return [path for _, path in _sources(name)]


@lru_cache(maxsize=None)
def code_hash(modules: tuple[str, ...]) -> str:
    """sha256 over the names and contents of the source files of ``modules``.

    A file is named within its module (``summarize/chunk.py`` is ``chunk.py`` of ``pipeline.summarize``),
    not by its path on this machine: workers that share a result store share keys.
    """
    parts = []
    for name in modules:
        for relative, path in _sources(name):
            parts.append(f"{name}:{relative}:{sha256_bytes(path.read_bytes())}".encode())
    return sha256_bytes(b"\n".join(parts))


@lru_cache(maxsize=None)
def distribution_versions(names: tuple[str, ...]) -> tuple[str, ...]:
    """``name==version`` of each installed distribution (``name==?`` when it is not installed)."""
    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    return tuple(f"{name}=={version(name)}" for name in names)


def stage_code_hash(stage: str) -> str:
    """The hash of the code that ``stage`` ("extract", "chunk" or "summary") runs, and of its libraries' versions."""
    versions = "\n".join(distribution_versions(STAGE_DISTRIBUTIONS.get(stage, ())))
    return sha256_bytes(f"{code_hash(STAGE_MODULES[stage])}\n{versions}".encode())


# A stage's output depends on the code of the stages before it too: a chunk of a Document that newer
# extraction code would make differently is stale, though the PDF is the same.
UPSTREAM: dict[str, tuple[str, ...]] = {
    "extract": ("extract",), "figures": ("figures",), "chunk": ("extract", "chunk"), "summary": ("extract", "chunk", "summary"),
}


def stage_key(stage: str, *parts: object) -> str:
    """A cache key for ``stage``'s output from ``parts`` (its inputs) and the code of it and its upstream stages.

    The one key function of the flows' persisted results (:mod:`pipeline.flows.cache_keys`) and of the CLI's
    summary cache (:mod:`pipeline.summary_cache`).
    """
    code = [stage_code_hash(s) for s in UPSTREAM[stage]]
    return sha256_text("\x1f".join(str(p) for p in (stage, *code, *parts)), 32)
