"""Settings: defaults < config file (TOML) < environment < CLI flags.

One home folder holds the cache and the config. ``PAPERDRAFT_HOME`` sets it;
without it, the platform's user cache and config directories are used.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from pipeline.errors import ConfigError

APP = "paperdraft"
DEFAULT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
NO_MODEL = "none"  # `--model none`: the paper's own sentences alone, no model loaded (nor torch imported)
GENERATION = ("measured", "always")  # ask a model for a section only where its sentences pass the checks; or always
TEXT_SOURCES = ("auto", "latex", "pdf")  # the LaTeX source when it parses, else the PDF; or either one
WEAK_SENTENCES = ("drop", "flag")  # a model's weakly supported sentences: left out, or kept with a flag
DEFAULT_ARXIV_API_URL = "https://export.arxiv.org/api/query"
DEFAULT_ARXIV_OAI_URL = "https://oaipmh.arxiv.org/oai"  # OAI-PMH: a paper's licence (metadataPrefix=arXiv)


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
    model: str = DEFAULT_MODEL  # a Hub id, a local model folder, or "none"
    generation: str = "measured"  # measured | always: see pipeline.summarize.policy
    weak_sentences: str = "drop"  # drop | flag: a model sentence the paper only partly supports
    device: str = "auto"  # auto | cpu | cuda | mps
    arxiv_api_url: str = DEFAULT_ARXIV_API_URL
    arxiv_oai_url: str = DEFAULT_ARXIV_OAI_URL
    figures: bool = True  # put the paper's key figures in the draft (rendered from the PDF)
    text_source: str = "auto"  # auto: the LaTeX source when it parses, else the PDF | latex | pdf
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
    "PAPERDRAFT_GENERATION": "generation",
    "PAPERDRAFT_WEAK_SENTENCES": "weak_sentences",
    "PAPERDRAFT_ARXIV_API_URL": "arxiv_api_url",
    "PAPERDRAFT_ARXIV_OAI_URL": "arxiv_oai_url",
    "PAPERDRAFT_FIGURES": "figures",
    "PAPERDRAFT_TEXT_SOURCE": "text_source",
    "PAPERDRAFT_ARXIV_DELAY_SECONDS": "arxiv_delay_seconds",
    "PAPERDRAFT_ARXIV_RETRIES": "arxiv_retries",
    "PAPERDRAFT_ARXIV_TIMEOUT_SECONDS": "arxiv_timeout_seconds",
    "PAPERDRAFT_BATCH_SIZE": "batch_size",
    "PAPERDRAFT_CRITIQUE_MIN_WORDS": "critique_min_words",
    "PAPERDRAFT_FLOW_RETRIES": "flow_retries",
    "PAPERDRAFT_FLOW_RETRY_DELAYS": "flow_retry_delays",
    "PAPERDRAFT_ARXIV_RATE_LIMIT": "arxiv_rate_limit",
}


# The smallest value each number may take; what a smaller one would mean is nonsense (a batch of no prompts).
MINIMUM = {"batch_size": 1, "note_tokens": 1, "section_tokens": 1, "chunk_tokens": 0, "key_sentences": 0,
           "critique_min_words": 0, "arxiv_retries": 0, "flow_retries": 0, "arxiv_delay_seconds": 0.0}
POSITIVE = {"arxiv_timeout_seconds"}  # zero would mean "give up at once"
DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


def _coerce(name: str, value: Any, origin: str) -> Any:
    """``value`` as the type of setting ``name``, within its range; a ConfigError naming ``origin`` otherwise."""
    types = {f.name: f.type for f in dataclasses.fields(Settings)}
    if name not in types or name == "cache":
        raise ConfigError(f"{origin}: unknown setting '{name}'", hint=f"known: {', '.join(sorted(k for k in types if k != 'cache'))}")
    kind = types[name]

    def bad(why: str) -> ConfigError:
        return ConfigError(f"{origin}: '{name}' {why}, got {value!r}")

    if kind == "bool":
        return _yes_no(value, bad)
    if isinstance(value, bool) or isinstance(value, (dict, list, tuple)) and name != "flow_retry_delays":
        raise bad(f"must be {'a whole number' if kind == 'int' else 'a number' if kind == 'float' else 'text'}")
    if kind == "Path":
        if not str(value).strip():
            raise bad("must name a folder")
        return Path(os.path.expanduser(str(value)))
    if kind in ("int", "float"):
        try:
            number = float(value) if kind == "float" else _whole(value)
        except (TypeError, ValueError):
            raise bad(f"must be {'a whole number' if kind == 'int' else 'a number'}") from None
        if name in MINIMUM and number < MINIMUM[name]:
            raise bad(f"must be at least {MINIMUM[name]}")
        if name in POSITIVE and number <= 0:
            raise bad("must be more than 0")
        return number
    if isinstance(value, (list, tuple)):  # flow_retry_delays = [3, 10, 30] in the config file
        return ",".join(str(v) for v in value)
    text = str(value)
    if name == "device" and not DEVICE.fullmatch(text.strip()):
        raise bad("must be auto, cpu, cuda, cuda:N or mps")
    choices = {"generation": GENERATION, "weak_sentences": WEAK_SENTENCES, "text_source": TEXT_SOURCES}.get(name)
    if choices:
        if text.strip().lower() not in choices:
            raise bad(f"must be {', '.join(choices[:-1])} or {choices[-1]}")
        return text.strip().lower()
    if name in ("model", "arxiv_api_url", "arxiv_oai_url", "schedule_cron") and not text.strip():
        raise bad("must not be empty")
    return text.strip() if name == "device" else text


YES, NO = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _yes_no(value: Any, bad) -> bool:
    """A switch: true or false in the config file; true/false, yes/no, on/off or 1/0 in the environment."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if text in YES or text in NO:
        return text in YES
    raise bad("must be true or false")


def _whole(value: Any) -> int:
    """An int from an int, or from text or a float that is a whole number ("8", 8.0); "8.9" and 8.9 are refused."""
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    return int(str(value).strip())


def load_settings(**flags: Any) -> Settings:
    """Build settings from defaults, the config file, the environment, then ``flags`` (None = not given)."""
    values: dict[str, Any] = {}
    path = config_path()
    if path.exists() or path.is_symlink():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:  # a folder, a dangling link, no permission
            raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}",
                              hint="it must be a TOML file; move whatever is there aside") from None
        for key, value in data.items():
            values[key] = _coerce(key, value, str(path))
    for var, name in ENV.items():
        if os.environ.get(var):
            values[name] = _coerce(name, os.environ[var], var)
    for name, value in flags.items():
        if value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    return Settings(**values)
