"""Prompt templates kept as data in ``prompts/``, rendered with Jinja2 StrictUndefined.

Each template's hash goes into the draft's front matter and into the flows'
cache keys, so changing a prompt invalidates what was made with the old one.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import jinja2

from pipeline.errors import ConfigError
from pipeline.hashing import sha256_bytes


def prompts_dir() -> Path:
    """``PAPERDRAFT_PROMPTS_DIR``, else the project's ``prompts/``, else the copy packaged in the wheel."""
    if os.environ.get("PAPERDRAFT_PROMPTS_DIR"):
        return Path(os.environ["PAPERDRAFT_PROMPTS_DIR"])
    package = Path(__file__).resolve().parents[1]  # pipeline/
    for candidate in (package.parent / "prompts", package / "prompts"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("paperdraft's prompts/ folder is missing", hint="reinstall paperdraft, or unset PAPERDRAFT_PROMPTS_DIR")


@lru_cache(maxsize=4)
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(name: str, **variables: object) -> str:
    """Render ``prompts/<name>.j2``. A missing variable raises, loudly."""
    return _environment(str(prompts_dir())).get_template(f"{name}.j2").render(**variables).strip()


def prompt_hashes() -> dict[str, str]:
    """sha256 (first 12 hex digits) of every template, by name."""
    return {
        path.stem: sha256_bytes(path.read_bytes(), 12)
        for path in sorted(prompts_dir().glob("*.j2"))
    }
