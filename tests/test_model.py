from pathlib import Path

import pytest

from pipeline.summarize import model as model_mod
from pipeline.errors import ModelError
from pipeline.summarize.model import TransformersBackend, load_backend


def test_tiny_model_loads_through_the_hub_code_path(tiny_backend):
    assert tiny_backend.context_length == 512
    assert tiny_backend.device == "cpu"
    assert tiny_backend.count_tokens("attention model") > 0


def test_generate_returns_one_reply_per_prompt_in_order(tiny_backend):
    prompts = [[{"role": "user", "content": "word " * n}] for n in (1, 30, 5, 12, 2)]
    done = []
    out = tiny_backend.generate(prompts, max_new_tokens=6, on_done=done.append, batch_size=2)
    assert len(out) == 5
    assert all(0 <= g.new_tokens <= 6 for g in out)
    assert sum(done) == 5 and len(done) == 3  # three batches of at most two
    # greedy decoding is deterministic, and batching does not change a prompt's reply
    alone = tiny_backend.generate([prompts[2]], max_new_tokens=6)
    assert alone[0].text == out[2].text


def test_batches_are_bounded_in_prompts_and_padded_tokens(tiny_backend, monkeypatch):
    monkeypatch.setattr(model_mod, "MAX_BATCH_TOKENS", 200)
    texts = ["word " * n for n in (90, 10, 80, 5, 8, 3)]
    batches = tiny_backend._batches(texts, batch_size=3)
    assert sorted(i for b in batches for i in b) == list(range(6))
    lengths = [tiny_backend.count_tokens(t) for t in texts]
    for batch in batches:
        assert len(batch) <= 3
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= 200
    assert batches[0][0] == 0  # longest first


def test_prompt_longer_than_context_is_an_error(tiny_backend):
    with pytest.raises(ModelError, match="exceeds the context"):
        tiny_backend.generate([[{"role": "user", "content": "attention " * 600}]], max_new_tokens=4)


def test_backend_is_loaded_once_per_process(tiny_model_dir: Path):
    first = load_backend(str(tiny_model_dir), "cpu")
    assert load_backend(str(tiny_model_dir), "cpu") is first


def test_missing_local_model_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ModelError, match="no such directory"):
        TransformersBackend(str(tmp_path / "nope"), "cpu")


def test_unknown_hub_model_offline_is_a_clear_error():
    with pytest.raises(ModelError, match="not in the Hugging Face cache, and HF_HUB_OFFLINE is set"):
        TransformersBackend("paperdraft-tests/does-not-exist", "cpu")


@pytest.mark.slow
def test_embedded_default_is_converted_once_and_cached(embedded_models: Path):
    cache = embedded_models.parent
    (folder,) = [p for p in embedded_models.iterdir() if not p.name.startswith(".")]
    assert (folder / "config.json").exists() and list(folder.glob("*.safetensors"))
    assert not list(embedded_models.glob(".converting-*"))
    stamp = (folder / "config.json").stat().st_mtime_ns
    source, name = model_mod.resolve(model_mod.DEFAULT_MODEL, cache)
    assert source == str(folder) and "embedded" in name
    assert (folder / "config.json").stat().st_mtime_ns == stamp  # not converted again


@pytest.mark.slow
def test_embedded_default_generates_through_its_chat_template(default_model_home: Path):
    backend = TransformersBackend(model_mod.DEFAULT_MODEL, "cpu")
    assert backend.context_length == 8192 and "embedded" in backend.name
    (reply,) = backend.generate([[{"role": "user", "content": "Name one colour."}]], max_new_tokens=12)
    assert reply.text and 0 < reply.new_tokens <= 12
