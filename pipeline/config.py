"""Settings: defaults < config file (TOML) < environment < CLI flags.

One home folder holds the cache and the config. ``PAPERDRAFT_HOME`` sets it;
without it, the platform's user cache and config directories are used.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from pipeline.errors import ConfigError

APP = "paperdraft"
DEFAULT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
DEFAULT_ARXIV_API_URL = "https://export.arxiv.org/api/query"


def cache_dir() -> Path:
    home = os.environ.get("PAPERDRAFT_HOME")
    return Path(home) / "cache" if home else Path(platformdirs.user_cache_dir(APP))


def config_path() -> Path:
    home = os.environ.get("PAPERDRAFT_HOME")
    base = Path(home) if home else Path(platformdirs.user_config_dir(APP))
    return base / "config.toml"


@dataclass(frozen=True)
class Settings:
    """Everything that can be configured. Field names are the config-file keys."""

    drafts_dir: Path = Path("drafts")
    model: str = DEFAULT_MODEL
    device: str = "auto"  # auto | cpu | cuda | mps
    arxiv_api_url: str = DEFAULT_ARXIV_API_URL
    arxiv_delay_seconds: float = 3.0  # arXiv asks for one request every 3 s
    arxiv_retries: int = 4
    arxiv_timeout_seconds: float = 30.0
    batch_size: int = 8  # map prompts generated together
    chunk_tokens: int = 0  # 0: sized from the model's context
    key_sentences: int = 4  # sentences per chunk the model takes notes from; 0: the whole chunk
    note_tokens: int = 48  # new tokens per chunk note
    section_tokens: int = 110  # new tokens per blog section
    critique_min_words: int = 80
    schedule_cron: str = "0 7 * * *"  # `paperdraft serve`
    flow_retries: int = 3  # flows: retries of a paper's metadata and PDF tasks
    flow_retry_delays: str = "3,10,30"  # seconds before each retry ("3,10,30", or a list in the config file)
    arxiv_rate_limit: str = "arxiv"  # flows: the Prefect global rate limit all workers share, when the server has it
    cache: Path = field(default_factory=cache_dir)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def retry_delays(self) -> list[float]:
        """``flow_retry_delays`` as seconds (raises ConfigError for a bad value)."""
        try:
            delays = [float(x) for x in self.flow_retry_delays.split(",") if x.strip()]
        except ValueError:
            raise ConfigError(
                f"flow_retry_delays must be seconds separated by commas, got {self.flow_retry_delays!r}",
                hint='e.g. "3,10,30"',
            ) from None
        if any(d < 0 for d in delays):
            raise ConfigError(f"flow_retry_delays cannot be negative, got {self.flow_retry_delays!r}")
        return delays or [0.0]


# Environment variables that override the file; each maps to a field.
ENV = {
    "PAPERDRAFT_MODEL": "model",
    "PAPERDRAFT_DRAFTS_DIR": "drafts_dir",
    "PAPERDRAFT_DEVICE": "device",
    "PAPERDRAFT_ARXIV_API_URL": "arxiv_api_url",
    "PAPERDRAFT_ARXIV_DELAY_SECONDS": "arxiv_delay_seconds",
    "PAPERDRAFT_ARXIV_RETRIES": "arxiv_retries",
    "PAPERDRAFT_ARXIV_TIMEOUT_SECONDS": "arxiv_timeout_seconds",
    "PAPERDRAFT_BATCH_SIZE": "batch_size",
    "PAPERDRAFT_CRITIQUE_MIN_WORDS": "critique_min_words",
    "PAPERDRAFT_FLOW_RETRIES": "flow_retries",
    "PAPERDRAFT_FLOW_RETRY_DELAYS": "flow_retry_delays",
    "PAPERDRAFT_ARXIV_RATE_LIMIT": "arxiv_rate_limit",
}


def _coerce(name: str, value: Any, origin: str) -> Any:
    types = {f.name: f.type for f in dataclasses.fields(Settings)}
    if name not in types or name == "cache":
        raise ConfigError(f"{origin}: unknown setting '{name}'", hint=f"known: {', '.join(sorted(k for k in types if k != 'cache'))}")
    kind = types[name]
    try:
        if kind == "Path":
            return Path(os.path.expanduser(str(value)))
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if isinstance(value, (list, tuple)):  # a list in the config file, e.g. flow_retry_delays = [3, 10, 30]
            return ",".join(str(v) for v in value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: '{name}' must be {kind}, got {value!r}") from None


def load_settings(**flags: Any) -> Settings:
    """Build settings from defaults, the config file, the environment, then ``flags`` (None = not given)."""
    values: dict[str, Any] = {}
    path = config_path()
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        for key, value in data.items():
            values[key] = _coerce(key, value, str(path))
    for var, name in ENV.items():
        if os.environ.get(var):
            values[name] = _coerce(name, os.environ[var], var)
    for name, value in flags.items():
        if value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    return Settings(**values)
