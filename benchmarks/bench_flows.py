"""The Prefect flow against calling ``core.draft_one`` in a loop, on the same corpus papers.

    python benchmarks/bench_flows.py [--model ID] [--papers 1803.10963 1111.2011v2 ...] [--delay 3.0]
    python benchmarks/bench_flows.py --policies [--model ID] [--papers ...] [--delay 3.0]

``--policies``: the flow over the papers with the generation policy against today's always-generate, in one
script: each arm a fresh process with its own cache and Prefect storage (the converted model shared), the
model loaded before the flow (timed apart). Arms: ``always`` (``generation = "always"``,
``weak_sentences = "flag"``: paperdraft before the policy), ``measured cold`` (the defaults, the model's record
empty: it learns from the first papers), ``measured warm`` (the defaults, with the record the cold arm left,
or without a cold arm the always arm: the next day's run). ``--arms`` picks some of them.

Both arms run in this process with the model loaded once, against a local replay of
arXiv (tests/arxiv_server.py) with arXiv's politeness delay (``--delay``, default 3 s:
every request waits its turn at the gate, as against the real arXiv), each arm with an
empty PDF cache and drafts folder. Reported: the temporary Prefect server's start-up
(timed apart, with a no-op flow), each arm's wall time, the time spent fetching (metadata
and PDF, gate waits included) and in the model (chunk + summarise), and how much of the
fetching overlapped model work in the flow.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PAPERS = ["1803.10963", "1111.2011v2", "1706.03762", "1412.6980", "1810.04805"]


class Intervals:
    """(start, end) per kind of work, from any thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans: dict[str, list[tuple[float, float]]] = {}

    def wrap(self, module, name: str, kind: str) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                with self.lock:
                    self.spans.setdefault(kind, []).append((start, time.perf_counter()))

        setattr(module, name, timed)

    def total(self, kind: str) -> float:
        return sum(b - a for a, b in _union(self.spans.get(kind, [])))

    def overlap(self, a: str, b: str) -> float:
        return sum(
            max(0.0, min(e1, e2) - max(s1, s2))
            for s1, e1 in _union(self.spans.get(a, []))
            for s2, e2 in _union(self.spans.get(b, []))
        )

    def clear(self) -> None:
        with self.lock:
            self.spans.clear()


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


POLICY_ARMS = {"always": {"PAPERDRAFT_GENERATION": "always", "PAPERDRAFT_WEAK_SENTENCES": "flag"},
               "measured cold": {}, "measured warm": {}}


def policy_arm(papers: list[str]) -> dict:
    """One arm of ``--policies``, in this process (its environment set by :func:`policies`)."""
    import json
    import resource

    from tests.arxiv_server import ArxivTestServer

    from pipeline import config
    from pipeline.cli.console import quiet_libraries as _quiet_libraries
    from pipeline.summarize.model import load_backend

    _quiet_libraries()
    with ArxivTestServer() as server:
        os.environ["PAPERDRAFT_ARXIV_API_URL"] = server.api_url
        settings = config.load_settings()
        t = time.perf_counter()
        backend = load_backend(settings.model, settings.device, settings.cache)
        backend.model  # the weights
        load_s = time.perf_counter() - t
        spent = {"seconds": 0.0, "tokens": 0}
        generate = backend.generate

        def timed(prompts, *a, **k):
            t0 = time.perf_counter()
            out = generate(prompts, *a, **k)
            spent["seconds"] += time.perf_counter() - t0
            spent["tokens"] += sum(g.new_tokens for g in out)
            return out

        backend.generate = timed
        from prefect import flow

        @flow
        def noop() -> int:
            return 0

        t = time.perf_counter()
        noop()
        startup_s = time.perf_counter() - t
        from pipeline.flows.flow import draft_papers

        t = time.perf_counter()
        rows = draft_papers(ids=list(papers))
        flow_s = time.perf_counter() - t
    assert all(r["status"] == "written" for r in rows), rows
    print(json.dumps({"flow_s": flow_s, "load_s": load_s, "startup_s": startup_s, "gen_s": spent["seconds"],
                      "tokens": spent["tokens"], "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "paper_s": [r.get("seconds") for r in rows]}))
    return {}


def policies(args: argparse.Namespace) -> None:
    """The flow, with the generation policy and without, each arm in a fresh process; one table."""
    import json
    import shutil
    import subprocess

    work = Path(tempfile.mkdtemp(prefix="bench-flows-policies-"))
    models = work / "models"  # the converted default model, shared by the arms
    models.mkdir()
    results = {}
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs", flush=True)
    for name in args.arms:
        extra = POLICY_ARMS[name]
        home = work / name.replace(" ", "-")
        (home / "cache").mkdir(parents=True)
        (home / "cache" / "models").symlink_to(models)
        if name == "measured warm":
            before = work / ("measured-cold" if "measured cold" in results else "always")
            shutil.copytree(before / "cache" / "model_records", home / "cache" / "model_records")
        env = dict(os.environ, PAPERDRAFT_HOME=str(home), PREFECT_HOME=str(home / "prefect"),
                   PREFECT_LOCAL_STORAGE_PATH=str(home / "prefect" / "storage"), PREFECT_LOGGING_LEVEL="WARNING",
                   PREFECT_SERVER_ANALYTICS_ENABLED="false", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT),
                   PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300",  # a loaded machine starts it slowly
                   PAPERDRAFT_ARXIV_DELAY_SECONDS=str(args.delay), PAPERDRAFT_DRAFTS_DIR=str(home / "drafts"), **extra)
        if args.model:
            env["PAPERDRAFT_MODEL"] = args.model
        out = subprocess.run([sys.executable, __file__, "--policy-arm", "--papers", *args.papers], env=env,
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            raise SystemExit(f"arm {name} failed:\n{out.stderr[-3000:]}")
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"arm {name} done (load average {os.getloadavg()[0]:.2f})", flush=True)
    print(f"\n{len(args.papers)} papers ({' '.join(args.papers)}), arXiv delay {args.delay:g} s")
    print(f"{'arm':<15}{'flow s':>8}{'gen s':>8}{'tokens':>8}{'peak MB':>9}{'load s':>8}{'server s':>9}  seconds per paper")
    for name, r in results.items():
        print(f"{name:<15}{r['flow_s']:>8.1f}{r['gen_s']:>8.1f}{r['tokens']:>8}{r['peak_mb']:>9.0f}{r['load_s']:>8.1f}"
              f"{r['startup_s']:>9.1f}  {' '.join(f'{x:.0f}' for x in r['paper_s'])}")
    base = results["always"]["flow_s"] if "always" in results else 0.0
    for name in [a for a in ("measured cold", "measured warm") if a in results and "always" in results]:
        print(f"{name} vs always: {base / results[name]['flow_s']:.1f}x faster   target >= 3x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model id or folder (default: the default model)")
    parser.add_argument("--papers", nargs="+", default=DEFAULT_PAPERS)
    parser.add_argument("--delay", type=float, default=3.0, help="seconds between arXiv requests (arXiv asks 3)")
    parser.add_argument("--policies", action="store_true", help="the generation policy against always-generate")
    parser.add_argument("--arms", nargs="+", choices=list(POLICY_ARMS), default=list(POLICY_ARMS),
                        help="with --policies: the arms to run, in this order")
    parser.add_argument("--policy-arm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.policy_arm:
        policy_arm(args.papers)
        return
    if args.policies:
        policies(args)
        return

    work = Path(tempfile.mkdtemp(prefix="bench-flows-"))
    os.environ.update(
        PAPERDRAFT_HOME=str(work / "home"),
        PREFECT_HOME=str(work / "prefect"),
        PREFECT_LOCAL_STORAGE_PATH=str(work / "prefect" / "storage"),
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        HF_HUB_OFFLINE="1",
        PAPERDRAFT_ARXIV_DELAY_SECONDS=str(args.delay),
    )
    # the default model's converted copy, if the user's cache has it, saves its first conversion
    from tests.arxiv_server import ArxivTestServer

    from pipeline import config, core, fetch
    from pipeline.cli.console import quiet_libraries as _quiet_libraries
    from pipeline.summarize.model import load_backend

    _quiet_libraries()
    rows: list[tuple[str, str]] = []
    with ArxivTestServer() as server:
        os.environ["PAPERDRAFT_ARXIV_API_URL"] = server.api_url
        settings = config.load_settings(model=args.model)
        t = time.perf_counter()
        backend = load_backend(settings.model, settings.device, settings.cache)
        rows.append(("model load (once, before both arms)", f"{time.perf_counter() - t:.1f} s"))

        spans = Intervals()
        spans.wrap(fetch, "fetch_metadata", "fetch")
        spans.wrap(fetch, "download_pdf", "fetch")
        spans.wrap(core, "chunk", "model")
        spans.wrap(core, "summarize", "model")

        # warm-up, untimed: the first generations of a process are slower (allocator, kernel caches),
        # which would otherwise count against whichever arm runs first
        warm = config.load_settings(model=args.model, drafts_dir=work / "drafts-warm").replace(cache=work / "cache-warm")
        core.draft_one(args.papers[0], warm, backend=backend)
        spans.clear()

        # arm 1: core.draft_one in a loop (its fetch goes through the wrapped pipeline.fetch functions)
        direct = config.load_settings(model=args.model, drafts_dir=work / "drafts-direct").replace(cache=work / "cache-direct")
        fetch.GATE.reset()
        t = time.perf_counter()
        for paper in args.papers:
            core.draft_one(paper, direct, backend=backend)
        direct_s = time.perf_counter() - t
        direct_fetch, direct_model = spans.total("fetch"), spans.total("model")
        spans.clear()

        # the temporary server, apart: a no-op flow starts it
        from prefect import flow

        @flow
        def noop() -> int:
            return 0

        t = time.perf_counter()
        noop()
        startup_s = time.perf_counter() - t

        # arm 2: the flow (load_backend's cache hands it the same model); the direct arm's PDFs went elsewhere
        from pipeline.flows.flow import draft_papers

        fetch.GATE.reset()
        t = time.perf_counter()
        flow_settings_model = args.model
        result = draft_papers(ids=list(args.papers), drafts_dir=str(work / "drafts-flow"), model=flow_settings_model)
        flow_s = time.perf_counter() - t
        assert all(r["status"] == "written" for r in result), result
        flow_fetch, flow_model = spans.total("fetch"), spans.total("model")
        overlapped = spans.overlap("fetch", "model")

    n = len(args.papers)
    rows += [
        ("papers", f"{n}: {' '.join(args.papers)}"),
        ("arXiv delay between requests", f"{args.delay:g} s"),
        ("direct: core.draft_one loop", f"{direct_s:.1f} s (fetch {direct_fetch:.1f} s, model {direct_model:.1f} s, fetch overlapped 0)"),
        ("temporary Prefect server start-up (no-op flow)", f"{startup_s:.1f} s"),
        ("flow: draft_papers, server already up", f"{flow_s:.1f} s (fetch {flow_fetch:.1f} s, model {flow_model:.1f} s)"),
        ("fetch time overlapped with model time", f"{overlapped:.1f} s of {flow_fetch:.1f} s ({100 * overlapped / max(flow_fetch, 1e-9):.0f} %)"),
        ("flow vs direct", f"{flow_s - direct_s:+.1f} s ({100 * (flow_s - direct_s) / direct_s:+.1f} %); with start-up {flow_s + startup_s - direct_s:+.1f} s"),
        ("flow overhead outside fetch and model", f"{flow_s - flow_model - (flow_fetch - overlapped):.1f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
