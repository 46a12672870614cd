"""Figures and tables on the corpus papers, scored against a ground truth built by eye.

    python benchmarks/bench_figures.py [--corpus ../shared/corpus] [--out /tmp/figures] [--draft-seconds S]

``benchmarks/figure_truth.json`` lists every captioned figure and table of the corpus PDFs (kind, number,
page), as people found them by looking at the rendered pages (its ``method`` says how). This script runs
paperdraft's figure extraction on each PDF and prints, per paper and in all:

- caption recall and precision: a found caption is right when its kind, number and page are the truth's;
- the crops are written under ``--out`` (one folder per paper) to be looked at; whether each crop holds its
  figure is judged by eye, not here;
- seconds per paper for figure extraction, beside raw pypdf ``extract_text`` on the same PDF (the text
  extraction baseline); with ``--draft PDF-NAME``, a whole draft of that paper (default model, no summary
  cache, figures off) timed in the same run, to compare figure extraction with.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.figures.runner import extract_figures  # noqa: E402

TRUTH = ROOT / "benchmarks" / "figure_truth.json"


def pdf_for(corpus: Path, name: str) -> Path:
    for folder in ("pdfs", "latex"):
        if (corpus / folder / name).is_file():
            return corpus / folder / name
    raise SystemExit(f"{name} is not in {corpus}")


def raw_pypdf_seconds(path: Path) -> float:
    import pypdf

    started = time.perf_counter()
    for page in pypdf.PdfReader(path).pages:
        page.extract_text()
    return time.perf_counter() - started


def draft_seconds(pdf: Path) -> float:
    """One draft of ``pdf`` with the default model, the model loaded first (warm), no summary cache, no figures."""
    import tempfile

    from pipeline import core
    from pipeline.config import load_settings
    from pipeline.summarize.model import load_backend

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(drafts_dir=tmp).replace(figures=False)
        backend = load_backend(settings.model, settings.device, settings.cache)
        started = time.perf_counter()
        core.draft_one(str(pdf), settings, backend=backend, use_cache=False)
        return time.perf_counter() - started


def main() -> None:
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, default=Path("/tmp/paperdraft-figures"))
    parser.add_argument("--draft", default=None, help="a PDF of the list to draft (default model), e.g. 1706.03762v5.pdf")
    parser.add_argument("--only", default=None, help="one PDF file name")
    args = parser.parse_args()
    truth = json.loads(TRUTH.read_text())["papers"]
    rows, totals = [], {"tp": 0, "found": 0, "truth": 0, "fig_s": 0.0, "pypdf_s": 0.0}
    misses, extras = [], []
    for name, paper in truth.items():
        if args.only and name != args.only:
            continue
        path = pdf_for(args.corpus, name)
        expected = {(e["kind"], e["number"], e["page"]) for e in paper["entries"]}
        figures = extract_figures(path, args.out / Path(name).stem)
        found = {(f.kind, f.number, f.page) for f in figures.figures}
        tp = len(found & expected)
        misses += [(name, *m) for m in sorted(expected - found)]
        extras += [(name, *x) for x in sorted(found - expected)]
        pypdf_s = raw_pypdf_seconds(path)
        rows.append((name, len(expected), len(found), tp, figures.seconds, pypdf_s,
                     sum(1 for f in figures.figures if f.image), len(figures.failed_pages)))
        for key, value in (("tp", tp), ("found", len(found)), ("truth", len(expected)), ("fig_s", figures.seconds),
                           ("pypdf_s", pypdf_s)):
            totals[key] += value
    print("| paper | truth | found | right | recall | precision | rendered | figures s | raw pypdf s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, n_truth, n_found, tp, fig_s, pypdf_s, rendered, failed in rows:
        recall, precision = tp / max(n_truth, 1), tp / max(n_found, 1)
        print(f"| {name} | {n_truth} | {n_found} | {tp} | {recall:.2f} | {precision:.2f} | {rendered} | "
              f"{fig_s:.2f} | {pypdf_s:.2f} |")
    recall, precision = totals["tp"] / max(totals["truth"], 1), totals["tp"] / max(totals["found"], 1)
    print(f"| **all** | {totals['truth']} | {totals['found']} | {totals['tp']} | **{recall:.3f}** | "
          f"**{precision:.3f}** | | {totals['fig_s']:.1f} | {totals['pypdf_s']:.1f} |")
    n = max(len(rows), 1)
    print(f"\nfigure extraction: {totals['fig_s'] / n:.2f} s per paper; raw pypdf text: {totals['pypdf_s'] / n:.2f} s "
          f"per paper (ratio {totals['fig_s'] / max(totals['pypdf_s'], 1e-9):.2f})")
    if args.draft:
        paper_s = next(r[4] for r in rows if r[0] == args.draft)
        draft_s = draft_seconds(pdf_for(args.corpus, args.draft))
        print(f"{args.draft}: figures {paper_s:.2f} s against a draft of {draft_s:.1f} s without them "
              f"(default model, warm): {100 * paper_s / draft_s:.1f}%")
    for what, items in (("missed", misses), ("not in the truth", extras)):
        if items:
            print(f"\n{what}: " + "; ".join(f"{p} {k} {num} p{page}" for p, k, num, page in items))
    print(f"\ncrops to look at: {args.out}")


if __name__ == "__main__":
    main()
