"""Draft one corpus paper and time each stage, against baselines measured in the same run.

    python benchmarks/bench_draft.py [--paper 1706.03762] [--model ID] [--baseline-prompts N]

Stages: fetch (from a local replay of arXiv, so the network is not measured),
extract, chunk, model load (cold: first conversion of the embedded model in a
fresh cache, in a subprocess; warm: from the converted cache), map, reduce,
write. Baselines: raw pypdf ``extract_text`` on the same PDF, and a plain
``model.generate`` (one prompt at a time, same greedy settings) on the same map
prompts. Also reports peak memory (max RSS) of the drafting process.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class Clock:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    def __call__(self, name: str):
        clock = self

        class _Timer:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                clock.times[name] = clock.times.get(name, 0.0) + time.perf_counter() - self.start

        return _Timer()


def cold_load_seconds(model: str) -> float:
    """Time the first load of ``model`` in a fresh process: for the default, its conversion into the cache."""
    code = (
        "import time,sys; t=time.perf_counter(); from pipeline.model import TransformersBackend; "
        f"TransformersBackend({model!r}); print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return float(out.stdout.strip().splitlines()[-1])


def plain_generate(backend, prompts, max_new_tokens: int) -> tuple[int, float]:
    """The baseline: ``model.generate`` one prompt at a time, greedy, no batching."""
    import torch

    tokens, start = 0, time.perf_counter()
    for messages in prompts:
        enc = backend.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(backend.device)
        with torch.inference_mode():
            out = backend.model.generate(
                **enc, max_new_tokens=max_new_tokens, do_sample=False, repetition_penalty=1.15,
                pad_token_id=backend.tokenizer.pad_token_id,
            )
        tokens += out.shape[1] - enc["input_ids"].shape[1]
    return tokens, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paper", default="1706.03762", help="arXiv id of a corpus paper")
    parser.add_argument("--model", default=None)
    parser.add_argument("--baseline-prompts", type=int, default=0, help="map prompts for the plain baseline (0: all)")
    args = parser.parse_args()

    from tests.arxiv_server import ArxivTestServer, corpus_root

    if corpus_root() is None:
        raise SystemExit("the shared corpus is absent; set PAPERDRAFT_CORPUS")
    home = Path(tempfile.mkdtemp(prefix="paperdraft-bench-"))
    os.environ["PAPERDRAFT_HOME"] = str(home)  # a fresh cache: the cold load below fills it

    clock = Clock()
    with clock("import"):
        import pypdf
        import torch  # noqa: F401  (imported here so "model load" times the load alone)
        import transformers  # noqa: F401

        from pipeline import core
        from pipeline.config import load_settings
        from pipeline.draftfile.store import write_draft
        from pipeline.summarize.model import TransformersBackend
        from pipeline.records import Summary
        from pipeline.summarize.prompts import prompt_hashes
        from pipeline.sources import parse_source
        from pipeline.summarize.summarizer import Summarizer

    cold = cold_load_seconds(args.model or load_settings().model)
    with ArxivTestServer(corpus_root()) as server:
        os.environ.update(PAPERDRAFT_ARXIV_API_URL=server.api_url, PAPERDRAFT_ARXIV_DELAY_SECONDS="0")
        settings = load_settings(model=args.model, drafts_dir=home / "drafts")
        with clock("fetch"):
            ref = parse_source(args.paper)
            meta, pdf = core.fetch(ref, settings)

    with clock("extract (raw pypdf)"):
        raw = "".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages)
    with clock("extract"):
        doc = core.extract(pdf, "pdf")
    with clock("model load (warm)"):
        backend = TransformersBackend(settings.model, settings.device, settings.cache)
    with clock("chunk"):
        chunks = core.chunk(doc, backend, settings, meta.title)
    summarizer = Summarizer(
        backend, settings.note_tokens, settings.section_tokens, settings.batch_size, settings.key_sentences
    )
    with clock("map"):
        notes = summarizer.map(meta, chunks)
    map_tokens = summarizer.generated
    with clock("reduce"):
        sections = summarizer.reduce(meta, chunks, notes)
    with clock("write"):
        summary = Summary(notes, sections, backend.name, prompt_hashes(), summarizer.generated)
        result = write_draft(meta, summary, ref.raw, settings.drafts_dir)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    prompts = summarizer.map_prompts(meta, chunks)
    if args.baseline_prompts:
        prompts = prompts[: args.baseline_prompts]
    base_tokens, base_seconds = plain_generate(backend, prompts, settings.note_tokens)
    if args.baseline_prompts:  # time our batched map on the same subset, for a fair ratio
        sub = Summarizer(
            backend, settings.note_tokens, settings.section_tokens, settings.batch_size, settings.key_sentences
        )
        start = time.perf_counter()
        sub.map(meta, chunks[: args.baseline_prompts])
        ours_tps = sub.generated / (time.perf_counter() - start)
    else:
        ours_tps = map_tokens / clock.times["map"]

    t = clock.times
    drafting = ["fetch", "extract", "chunk", "map", "reduce", "write"]
    total = sum(t[s] for s in drafting)
    overhead = sum(t[s] for s in ("fetch", "extract", "chunk", "write"))
    print(f"paper: {meta.versioned_id} ({doc.page_count} pages, {len(raw)} chars raw), model: {backend.name}")
    print(f"draft: {result.path}")
    print(f"{'stage':<22}{'seconds':>9}")
    for name in ["import"] + drafting[:2] + ["extract (raw pypdf)", "model load (warm)"] + drafting[2:]:
        print(f"{name:<22}{t[name]:>9.2f}")
    print(f"{'model load (cold)':<22}{cold:>9.2f}   (fresh process and cache, conversion included)")
    print(f"chunks: {len(chunks)} (max {max(c.n_tokens for c in chunks)} tokens), generated tokens: {summarizer.generated}")
    print(f"drafted in (warm, model loaded): {total:.1f} s   target < 60 s for ~15 pages")
    print(f"overhead outside generation: {overhead:.2f} s = {overhead / total:.1%} of total   target < 10%")
    print(f"extract vs raw pypdf: {t['extract'] / t['extract (raw pypdf)']:.2f}x the time")
    print(
        f"map tokens/s: {ours_tps:.1f} batched (batch {settings.batch_size}) vs {base_tokens / base_seconds:.1f} "
        f"plain model.generate on the same {len(prompts)} prompts = {ours_tps / (base_tokens / base_seconds):.2f}x"
    )
    print(f"peak memory (max RSS, before the baseline): {peak_mb:.0f} MB   target < 1536 MB")


if __name__ == "__main__":
    main()
