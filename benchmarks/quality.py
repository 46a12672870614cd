"""Quality harness: how close is a draft to the paper's own abstract, and are its numbers real?

    python benchmarks/quality.py PDF_DIR [--limit N] [--max-pages P] [--model ID] [--save DIR]

For each paper: remove the abstract from the text, draft from the body, take
the first 200 words of the draft's machine-written sections (no page cites,
comments or labels) and score them against the real abstract with ROUGE-1,
ROUGE-2 and ROUGE-Lsum (rouge-score). The same 200-word budget applies to every
summarizer, so length can't buy score. Numbers in the summary that the paper
lacks are counted, and how many of those the draft flagged; so are, over whole drafts, the numbers
the paper lacks and whether each is flagged. A second paperdraft row scores the drafts with the weakly
supported (flagged) sentences taken out. ``--save DIR`` writes each paper's machine-written sections.

Two paperdraft rows, measured in the same run on the same papers: ``paperdraft`` is the defaults (the
measured generation policy, weak sentences dropped), ``paperdraft always`` is paperdraft before the policy
(``generation = "always"``, ``weak_sentences = "flag"``). The model's record starts empty in a temporary
cache: the policy learns from the first papers, as a fresh install would. For both, per draft: sentences
quoted, model sentences kept (strong, weak), generated tokens and generation seconds per kept model sentence.

Baselines on the same papers: lead (first 200 words of the body), extractive
(body sentences by TF-IDF centrality with a mild preference for earlier ones,
no model), single prompt (the model given the first 1,500 tokens at once).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET = 200
WEAK_DROPPED = "  weak dropped"  # paperdraft always, weakly supported sentences taken out
ALWAYS = "paperdraft always"  # paperdraft before the generation policy: every section generated, weak flagged


def words(text: str, n: int = BUDGET) -> str:
    return " ".join(text.split()[:n])


def machine_text(sections: dict[str, str]) -> str:
    """The machine-written sections as plain prose: no cites, comments, labels, quote marks or bullets."""
    from pipeline.summarize.evidence import PAGE_CITE

    text = "\n".join(sections.values())
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = PAGE_CITE.sub("", text)
    text = re.sub(r"^>\s*—.*$", "", text, flags=re.M)  # a quote's attribution
    text = re.sub(r"^>\s?", "", text, flags=re.M)
    text = re.sub(r"^\s*- ", "", text, flags=re.M)
    return text.replace("“", "").replace("”", "")


WEAK_FLAG = re.compile(r"\s*<!-- unverified: weakly supported[^<>\n]*-->")


def without_weak(sections: dict[str, str]) -> dict[str, str]:
    """The sections with every weakly supported (flagged) sentence taken out: what the author keeps by default."""
    from pipeline.summarize.evidence import split_sentences

    out = {}
    for heading, text in sections.items():
        pieces = WEAK_FLAG.split(text)
        kept = [" ".join(s for _, s in split_sentences(piece)[:-1]) for piece in pieces[:-1]] + pieces[-1:]
        out[heading] = " ".join(kept)
    return out


def uncited_sentences(sections: dict[str, str]) -> tuple[int, int]:
    """(machine-written sentences and quotes, of which without a page/section cite)."""
    from pipeline.summarize.evidence import PAGE_CITE, split_sentences

    total = uncited = 0
    for text in sections.values():
        text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
        for line in text.splitlines():  # a quote is one line; prose lines hold several sentences
            line = line.strip()
            if re.fullmatch(r"_[^_]+_", line) or re.fullmatch(r">\s*(—.*)?", line):
                continue  # the pipeline's own note ("no limitation stated..."), a quote's attribution or spacer
            if line.startswith(("- ", "> ")):
                pieces = [line]
            else:
                pieces = [sentence for _, sentence in split_sentences(line)]
            for piece in pieces:
                if len(piece.split()) >= 3:
                    total += 1
                    uncited += not PAGE_CITE.search(piece)
    return total, uncited


def unsupported_numbers(drafted: str, paper_numbers: set[str]) -> list[tuple[str, bool]]:
    """(value, flagged right after it) for each number the draft claims that the paper lacks."""
    from pipeline.summarize.evidence import unsupported_number_spans

    flag = re.compile(r"\s*<!-- unverified: [^<>\n]* not found in the paper -->")
    spans = unsupported_number_spans(drafted, paper_numbers)
    return [(value, bool(flag.match(drafted, end))) for _, end, value in spans]


def extractive(doc) -> str:
    """TF-IDF centrality with a mild preference for earlier sentences; picked in reading order."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pipeline.summarize.evidence import is_prose, split_sentences

    sentences = [s for sec in doc.body for _, s in split_sentences(sec.text) if is_prose(s)]
    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(sentences)
    centre = np.asarray(vectors.mean(axis=0)).ravel()
    scores = (vectors @ centre) * (1 - 0.3 * np.arange(len(sentences)) / max(len(sentences), 1))
    chosen, total = [], 0
    for i in np.argsort(-scores):
        chosen.append(i)
        total += len(sentences[i].split())
        if total >= BUDGET:
            break
    return " ".join(sentences[i] for i in sorted(chosen))


def single_prompt(backend, doc, title: str) -> str:
    ids = backend.tokenizer.encode(" ".join(s.text for s in doc.body), add_special_tokens=False)[:1500]
    text = backend.tokenizer.decode(ids)
    prompt = [{"role": "user", "content": f'Summarise the paper "{title}" in one paragraph.\n\n{text}'}]
    return backend.generate([prompt], max_new_tokens=300)[0].text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdf_dir", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="at most this many papers")
    parser.add_argument("--max-pages", type=int, default=30, help="skip longer papers (time)")
    parser.add_argument("--model", default=None)
    parser.add_argument("--save", type=Path, default=None, help="write each paper's machine-written sections here")
    args = parser.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    from rouge_score import rouge_scorer

    from pipeline import core
    from pipeline.config import load_settings
    from pipeline.errors import ExtractionError
    from pipeline.summarize.evidence import numbers
    from pipeline.extract.pdf import extract_pdf
    from pipeline.summarize.model import load_backend
    from pipeline.records import Document, PaperMeta

    settings = load_settings(model=args.model)
    backend = load_backend(settings.model, settings.device, settings.cache)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    systems = ["lead", "extractive", "single prompt", "paperdraft", ALWAYS, WEAK_DROPPED]
    import tempfile

    record_cache = Path(tempfile.mkdtemp(prefix="quality-records-"))  # the model's record starts empty
    arms = {"paperdraft": settings.replace(cache=record_cache),
            ALWAYS: settings.replace(cache=record_cache, generation="always", weak_sentences="flag")}
    spent = {"seconds": 0.0, "tokens": 0}
    generate = backend.generate

    def timed_generate(prompts, *a, **k):
        t0 = time.perf_counter()
        out = generate(prompts, *a, **k)
        spent["seconds"] += time.perf_counter() - t0
        spent["tokens"] += sum(g.new_tokens for g in out)
        return out

    backend.generate = timed_generate
    per_draft: list[tuple[str, str, dict]] = []  # (paper, arm, counts)
    totals = {s: [0.0, 0.0, 0.0] for s in systems}
    invented = {s: [0, 0] for s in systems}  # numbers not in the paper, of which flagged
    whole = [0, 0]  # paperdraft, the whole draft rather than its first 200 words: the same two counts
    whole_always = [0, 0]  # the same for paperdraft always
    weak = sentences = uncited = 0  # paperdraft: weak-support flags; sentences; sentences without a cite
    scored = 0
    for pdf in sorted(args.pdf_dir.glob("*.pdf")):
        if args.limit and scored >= args.limit:
            break
        try:
            doc = extract_pdf(pdf)
        except ExtractionError as exc:
            print(f"skip {pdf.name}: {exc.message}")
            continue
        abstract = doc.section("abstract")
        if abstract is None or doc.page_count > args.max_pages:
            print(f"skip {pdf.name}: {'no abstract heading' if abstract is None else f'{doc.page_count} pages'}")
            continue
        body = Document([s for s in doc.sections if s.kind not in ("abstract", "front")], doc.page_count,
                        doc.source_path, doc.sha256, doc.title, doc.authors)
        paper_numbers = numbers(" ".join(s.text for s in body.sections))
        start = time.perf_counter()
        meta = PaperMeta(title=doc.title or pdf.stem)
        chunks = core.chunk(body, backend, settings, meta.title)
        arm_summaries = {}
        for arm in (ALWAYS, "paperdraft"):  # today's first: the policy learns from what it wrote too
            spent.update(seconds=0.0, tokens=0)
            t0 = time.perf_counter()
            arm_summaries[arm] = core.summarize(meta, chunks, backend, arms[arm])
            s = arm_summaries[arm]
            per_draft.append((pdf.stem, arm, {"s": time.perf_counter() - t0, "gen_s": spent["seconds"],
                                              "tokens": spent["tokens"], "quoted": s.quoted, "kept": s.written,
                                              "strong": s.written - s.weak, "weak": s.weak,
                                              "asked": len(s.attempts)}))
        summary, always = arm_summaries["paperdraft"], arm_summaries[ALWAYS]
        ours = machine_text(summary.sections)
        outputs = {
            "lead": " ".join(s.text for s in body.body),
            "extractive": extractive(body),
            "single prompt": single_prompt(backend, body, meta.title),
            "paperdraft": ours,
            ALWAYS: machine_text(always.sections),
            WEAK_DROPPED: machine_text(without_weak(always.sections)),
        }
        drafted = "\n".join(summary.sections.values())
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{pdf.stem}.md").write_text(
                "".join(f"## {name}\n\n{text}\n\n" for name, text in summary.sections.items()))
        found = unsupported_numbers(drafted, paper_numbers)
        whole[0], whole[1] = whole[0] + len(found), whole[1] + sum(flagged for _, flagged in found)
        flagged_values = {value for value, flagged in found if flagged}
        found_always = unsupported_numbers("\n".join(always.sections.values()), paper_numbers)
        whole_always[0] += len(found_always)
        whole_always[1] += sum(flagged for _, flagged in found_always)
        flagged_always = {value for value, flagged in found_always if flagged}
        weak += len(re.findall(r"<!-- unverified: weakly supported", drafted))
        counted = uncited_sentences(summary.sections)
        sentences, uncited = sentences + counted[0], uncited + counted[1]
        line = [f"{pdf.name[:28]:<28} {time.perf_counter() - start:6.0f}s"]
        for system, text in outputs.items():
            score = scorer.score(abstract.text, words(text))
            for i, key in enumerate(["rouge1", "rouge2", "rougeLsum"]):
                totals[system][i] += score[key].fmeasure * 100
            missing = numbers(words(text)) - paper_numbers
            invented[system][0] += len(missing)
            flagged_here = flagged_values if system == "paperdraft" else flagged_always
            invented[system][1] += len(missing & flagged_here) if system in ("paperdraft", ALWAYS, WEAK_DROPPED) else 0
            line.append(f"{system} R1 {score['rouge1'].fmeasure * 100:4.1f}")
        print("  ".join(line), flush=True)
        arm_r2 = {a: scorer.score(abstract.text, words(outputs[a]))["rouge2"].fmeasure * 100 for a in ("paperdraft", ALWAYS)}
        print(f"{'':<36}ROUGE-2 paperdraft {arm_r2['paperdraft']:.1f}, {ALWAYS} {arm_r2[ALWAYS]:.1f}", flush=True)
        scored += 1
    if not scored:
        raise SystemExit("no paper could be scored")
    print(f"\n{scored} papers, first {BUDGET} words of each summary against the paper's abstract")
    print(f"{'system':<15}{'ROUGE-1':>9}{'ROUGE-2':>9}{'ROUGE-Lsum':>12}{'numbers not in paper':>24}{'flagged':>9}")
    for system in systems:
        r1, r2, rl = (t / scored for t in totals[system])
        print(f"{system:<15}{r1:>9.1f}{r2:>9.1f}{rl:>12.1f}{invented[system][0]:>24}{invented[system][1]:>9}")
    print(f"\npaperdraft, whole drafts: {whole[0]} numbers not in the paper, {whole[1]} of them flagged")
    print(f"{ALWAYS}, whole drafts: {whole_always[0]} numbers not in the paper, {whole_always[1]} of them flagged")
    print(f"paperdraft: {sentences} machine-written sentences and quotes, {uncited} without a page or section "
          f"cite; {weak} flagged as weakly supported")
    print("\nper draft: sentences quoted, model sentences kept (strong, weak), generation per kept model sentence")
    print(f"{'paper':<16}{'arm':<19}{'seconds':>8}{'gen s':>7}{'tokens':>7}{'asked':>6}{'quoted':>7}{'strong':>7}"
          f"{'weak':>5}{'tok/kept':>9}{'gen s/kept':>11}")
    sums: dict[str, dict] = {}
    for paper, arm, c in per_draft:
        add = sums.setdefault(arm, dict.fromkeys(c, 0))
        for key in c:
            add[key] += c[key]
        for label, row in ((paper[:15], c),):
            kept = row["kept"]
            per = (f"{row['tokens'] / kept:>9.0f}{row['gen_s'] / kept:>11.1f}" if kept else
                   f"{'-' if not row['tokens'] else 'inf':>9}{'-' if not row['gen_s'] else 'inf':>11}")
            print(f"{label:<16}{arm:<19}{row['s']:>8.1f}{row['gen_s']:>7.1f}{row['tokens']:>7}{row['asked']:>6}"
                  f"{row['quoted']:>7}{row['strong']:>7}{row['weak']:>5}{per}")
    for arm, c in sums.items():
        kept = c["kept"]
        per = f"{c['tokens'] / kept:>9.0f}{c['gen_s'] / kept:>11.1f}" if kept else f"{'inf' if c['tokens'] else '-':>9}{'':>11}"
        print(f"{'all':<16}{arm:<19}{c['s']:>8.1f}{c['gen_s']:>7.1f}{c['tokens']:>7}{c['asked']:>6}{c['quoted']:>7}"
              f"{c['strong']:>7}{c['weak']:>5}{per}")


if __name__ == "__main__":
    main()
