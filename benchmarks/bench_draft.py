"""Draft one corpus paper warm, with the measured generation policy against today's always-generate, in one run.

    python benchmarks/bench_draft.py [--paper 1706.03762] [--calibrate 1412.6980] [--model ID] [--figures]

Each arm is a fresh process (so each has its own peak memory) sharing one cache: the converted default
model, the PDFs, and the model's record (:mod:`pipeline.summarize.policy`). Each process loads the model
(timed apart), drafts ``--calibrate`` untimed (the warm-up; it also adds to the model's record), then
drafts ``--paper`` timed, through ``core.draft_one`` (figures off unless ``--figures``: the issue's 33.6 s
had none). Arms, in this order:

* ``always``: ``generation = "always"``, ``weak_sentences = "flag"``: paperdraft before the policy (baseline);
* ``measured``: the defaults (``generation = "measured"``, ``weak_sentences = "drop"``), with the record the
  ``always`` arm left (two drafts, of two papers, per section): warm;
* ``none``: ``--model none``, in a fresh process, no warm-up: import, extraction and all.

Per arm: seconds, generation seconds and generated tokens, sentences quoted, model sentences kept (strong,
weak), tokens and generation seconds per kept model sentence, peak memory (max RSS), torch imported or not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ARMS = {
    "always": {"PAPERDRAFT_GENERATION": "always", "PAPERDRAFT_WEAK_SENTENCES": "flag"},
    "measured": {},
    "none": {"PAPERDRAFT_MODEL": "none"},
}


def arm(paper: str, calibrate: str | None, figures: bool) -> dict:
    """One arm, in this process: warm-up draft of ``calibrate``, then ``paper`` timed."""
    started = time.perf_counter()
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    from pipeline import core
    from pipeline.config import load_settings
    from tests.arxiv_server import ArxivTestServer, corpus_root

    with ArxivTestServer(corpus_root()) as server:
        os.environ.update(PAPERDRAFT_ARXIV_API_URL=server.api_url, PAPERDRAFT_ARXIV_DELAY_SECONDS="0")
        settings = load_settings().replace(figures=figures)
        t = time.perf_counter()
        backend = core.backend_for(settings)
        if settings.model != "none":
            backend.model  # the weights: a warm process has them loaded
        load_s = time.perf_counter() - t
        spent = {"seconds": 0.0, "tokens": 0}
        generate = backend.generate

        def timed(prompts, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                out = generate(prompts, *args, **kwargs)
            finally:
                spent["seconds"] += time.perf_counter() - t0
            spent["tokens"] += sum(g.new_tokens for g in out)
            return out

        backend.generate = timed
        if calibrate:
            core.draft_one(calibrate, settings.replace(drafts_dir=Path(settings.drafts_dir) / "warm-up"),
                           use_cache=False)
        spent.update(seconds=0.0, tokens=0)
        plan = core.generation_plan(settings)
        t = time.perf_counter()
        result = core.draft_one(paper, settings, use_cache=False, force=True)
        draft_s = time.perf_counter() - t
    from pipeline.draftfile.parse import front_and_body

    front, _ = front_and_body(Path(result.path).read_text(encoding="utf-8"))
    counts = front.get("sentences", {})
    return {"draft_s": draft_s, "load_s": load_s, "process_s": time.perf_counter() - started,
            "gen_s": spent["seconds"], "tokens": spent["tokens"], "asked": len(plan),
            "quoted": counts.get("quoted", 0), "written": counts.get("written", 0),
            "weak": counts.get("weakly_supported", 0), "model": front.get("model"),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "torch": "torch" in sys.modules}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paper", default="1706.03762", help="arXiv id of a corpus paper")
    parser.add_argument("--calibrate", default="1412.6980", help="the warm-up paper of each model arm")
    parser.add_argument("--model", default=None)
    parser.add_argument("--figures", action="store_true", help="extract and place figures too")
    parser.add_argument("--arm", choices=list(ARMS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.arm:
        calibrate = None if args.arm == "none" else args.calibrate
        print(json.dumps(arm(args.paper, calibrate, args.figures)))
        return

    from tests.arxiv_server import corpus_root

    if corpus_root() is None:
        raise SystemExit("the shared corpus is absent; set PAPERDRAFT_CORPUS")
    home = Path(tempfile.mkdtemp(prefix="paperdraft-bench-"))
    env = dict(os.environ, PAPERDRAFT_HOME=str(home), HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    if args.model:
        env["PAPERDRAFT_MODEL"] = args.model
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    results = {}
    for name, extra in ARMS.items():
        cmd = [sys.executable, __file__, "--arm", name, "--paper", args.paper, "--calibrate", args.calibrate]
        drafts = {"PAPERDRAFT_DRAFTS_DIR": str(home / f"drafts-{name}")}  # each arm's draft kept, to be read
        out = subprocess.run(cmd + (["--figures"] if args.figures else []), env={**env, **drafts, **extra},
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            raise SystemExit(f"arm {name} failed:\n{out.stderr[-3000:]}")
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"arm {name} done (load average {os.getloadavg()[0]:.2f})", flush=True)

    print(f"the drafts: {home}/drafts-<arm>/")
    print(f"\npaper {args.paper}, warm (model loaded, one draft before), figures {'on' if args.figures else 'off'}")
    head = (f"{'arm':<10}{'draft s':>9}{'gen s':>8}{'tokens':>8}{'asked':>7}{'quoted':>8}{'kept':>6}{'weak':>6}"
            f"{'tok/kept':>10}{'gen s/kept':>11}{'peak MB':>9}{'load s':>8}  torch")
    print(head)
    for name, r in results.items():
        kept = r["written"]
        per = lambda x: f"{x / kept:.1f}" if kept else ("-" if not x else "inf")  # noqa: E731
        print(f"{name:<10}{r['draft_s']:>9.1f}{r['gen_s']:>8.1f}{r['tokens']:>8}{r['asked']:>7}{r['quoted']:>8}"
              f"{kept:>6}{r['weak']:>6}{per(r['tokens']):>10}{per(r['gen_s']):>11}{r['peak_mb']:>9.0f}"
              f"{r['load_s']:>8.1f}  {'yes' if r['torch'] else 'no'}")
    a, m, n = results["always"], results["measured"], results["none"]
    print(f"\nmeasured vs always: {m['draft_s']:.1f} s vs {a['draft_s']:.1f} s = {a['draft_s'] / m['draft_s']:.1f}x "
          f"faster   target < 10 s")
    print(f"model none: {n['draft_s']:.1f} s (whole process, imports included: {n['process_s']:.1f} s)   target < 3 s")
    print(f"peak memory: measured {m['peak_mb']:.0f} MB, always {a['peak_mb']:.0f} MB, none {n['peak_mb']:.0f} MB   "
          f"target < 1229 MB")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
