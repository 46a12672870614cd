"""Quality harness: how close is a draft to the paper's own abstract, and are its numbers real?

    python benchmarks/quality.py PDF_DIR [--limit N] [--max-pages P] [--model ID] [--save DIR]
    python benchmarks/quality.py --latex LATEX_DIR [--model ID] [--save DIR]   (papers drafted from their source)

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


# --------------------------------------------------------------------------- drafts from the LaTeX source (issue 15)

TREES = {"2310_03240": "2310.03240", "2202_00665": "2202.00665", "1603_07285": "1603.07285",
         "2102_10535": "2102.10535"}
SIDE_BY_SIDE = ("2102_10535", "2102_10535_main.pdf")  # the tree whose authors' PDF is in the corpus beside it


def artefacts(doc) -> dict[str, int]:
    """Extraction artefacts in a Document's body sentences: words glued together where spaces were lost,
    footnotes inside sentences, and equations flattened into text (math symbols outside any $…$)."""
    from pipeline.extract.paragraphs import MATH, TEX_MATH, fragment, split_sentences
    from pipeline.summarize.evidence import GLUED

    mid_footnote = re.compile(r"(?:^|[a-z,;]\s)\d{1,2}[A-Z][a-z]{2,}\s|^[∗†‡]\s?[A-Z]")
    counts = {"sentences": 0, "glued words": 0, "footnotes in sentences": 0, "flattened equations": 0}
    for section in doc.body:
        for _, sentence in split_sentences(section.text):
            if len(sentence.split()) < 4:
                continue
            counts["sentences"] += 1
            counts["glued words"] += bool(GLUED.search(sentence))
            counts["footnotes in sentences"] += bool(mid_footnote.search(sentence))
            outside = TEX_MATH.sub(" ", sentence)
            counts["flattened equations"] += len(MATH.findall(outside)) >= 3 or fragment(outside) == "equation"
    return counts


def quote_lines(sections: dict[str, str]) -> list[str]:
    return [line for text in sections.values() for line in text.splitlines() if line.startswith("> “")]


def parse_seconds(tree: Path, repeats: int = 3) -> float:
    """The median seconds to read a source tree into a Document (flatten, macros, parse, prose, figures)."""
    from pipeline.extract.latex import read_latex_tree

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        read_latex_tree(tree)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def unpack_seconds(eprint: Path) -> float:
    import tempfile

    from pipeline.extract.latex import unpack_eprint

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        unpack_eprint(eprint, Path(folder) / "tree")
        return time.perf_counter() - start


def _without_abstract(doc):
    from dataclasses import replace

    return replace(doc, sections=[s for s in doc.sections if s.kind not in ("abstract", "front")])


def _score_draft(name, doc, abstract, backend, settings, scorer, save):
    """ROUGE of the first BUDGET words of paperdraft's, lead's and extractive's summary; the quotes."""
    from pipeline import core
    from pipeline.extract.paragraphs import TEX_MATH
    from pipeline.records import PaperMeta

    body = _without_abstract(doc)
    start = time.perf_counter()
    meta = PaperMeta(title=doc.title or name)
    summary = core.summarize(meta, core.chunk(body, backend, settings, meta.title), backend, settings)
    seconds = time.perf_counter() - start
    if save:
        save.mkdir(parents=True, exist_ok=True)
        (save / f"{name}.md").write_text("".join(f"## {h}\n\n{t}\n\n" for h, t in summary.sections.items()))
    outputs = {"paperdraft": machine_text(summary.sections), "lead": " ".join(s.text for s in body.body),
               "extractive": extractive(body)}
    scores = {system: scorer.score(abstract, words(text)) for system, text in outputs.items()}
    quotes = quote_lines(summary.sections)
    with_math = sum(bool(TEX_MATH.search(q)) for q in quotes)
    return scores, quotes, with_math, seconds


def latex_main(argv: list[str]) -> None:
    """Drafts from the corpus's LaTeX trees: ROUGE against the source's abstract (the draft made without it),
    the share of quotes that hold an equation, source parsing seconds; 2102.10535 from its source and from
    its authors' PDF side by side, with the extraction artefacts of each."""
    parser = argparse.ArgumentParser(description=latex_main.__doc__)
    parser.add_argument("--latex", type=Path, required=True, help="the corpus's latex/ folder")
    parser.add_argument("--model", default=None)
    parser.add_argument("--save", type=Path, default=None)
    parser.add_argument("--no-model", action="store_true", help="parsing times and artefacts only")
    parser.add_argument("--max-chars", type=int, default=100_000,
                        help="draft no longer body (time; like --max-pages 30 of the PDF harness)")
    parser.add_argument("--only", nargs="*", default=None, help="draft only these (e.g. 2310_03240 '2102_10535 PDF')")
    args = parser.parse_args(argv)
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    from rouge_score import rouge_scorer

    from pipeline.config import load_settings
    from pipeline.extract.latex import read_latex_tree
    from pipeline.extract.latex.pages import match_pages
    from pipeline.extract.pdf import extract_pdf
    from pipeline.summarize.model import load_backend

    print("source parsing, median of 3 (read_latex_tree: flatten, macros, parse, prose, floats)")
    print(f"{'tree':<12}{'parse s':>9}{'unpack s':>10}{'sections':>10}{'figures':>9}{'display eqs':>13}")
    docs = {}
    for folder in TREES:
        tree = args.latex / folder
        seconds = parse_seconds(tree)
        eprints = [p for p in (args.latex / "eprints").glob(f"{TREES[folder]}.*")]
        unpack = f"{unpack_seconds(eprints[0]):.2f}" if eprints else "-"
        latex = read_latex_tree(tree)
        docs[folder] = latex.document
        displays = sum(s.text.count("$$") // 2 for s in latex.document.sections)
        print(f"{folder:<12}{seconds:>9.2f}{unpack:>10}{len(latex.document.sections):>10}{len(latex.figures):>9}"
              f"{displays:>13}")
    tree_name, pdf_name = SIDE_BY_SIDE
    pdf_doc = extract_pdf(args.latex / pdf_name)
    matched, share = match_pages(docs[tree_name], pdf_doc)
    print(f"\n{tree_name}: {share:.0%} of the source's sentences found on the PDF's pages")
    print(f"\nextraction artefacts in the body, {tree_name}: source vs its authors' PDF")
    source_counts, pdf_counts = artefacts(matched), artefacts(pdf_doc)
    for key in source_counts:
        print(f"  {key:<24}{source_counts[key]:>8}{pdf_counts[key]:>8}")
    if args.no_model:
        return
    settings = load_settings(model=args.model)
    backend = load_backend(settings.model, settings.device, settings.cache)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    print(f"\nfirst {BUDGET} words against the source's abstract (drafted without it), model {settings.model}")
    print(f"{'paper':<22}{'system':<12}{'R1':>6}{'R2':>6}{'RLsum':>7}{'quotes':>8}{'with math':>11}{'s':>6}")
    runs = [(folder, docs[folder]) for folder in TREES] + [(f"{tree_name} PDF", pdf_doc)]
    runs[list(TREES).index(tree_name)] = (f"{tree_name} src", matched)
    for name, doc in runs:
        abstract = docs[tree_name if name.startswith(tree_name) else name].section("abstract")
        chars = sum(len(s.text) for s in _without_abstract(doc).body)
        if args.only is not None and name not in args.only:
            continue
        if abstract is None or chars > args.max_chars:
            print(f"{name:<22}skipped: " + ("no abstract in the source" if abstract is None else
                                            f"{chars} characters of body, over --max-chars {args.max_chars}"))
            continue
        scores, quotes, with_math, seconds = _score_draft(name.replace(" ", "_"), doc, abstract.text, backend,
                                                          settings, scorer, args.save)
        for system, score in scores.items():
            extra = f"{len(quotes):>8}{with_math:>11}{seconds:>6.0f}" if system == "paperdraft" else ""
            print(f"{name:<22}{system:<12}{score['rouge1'].fmeasure * 100:>6.1f}"
                  f"{score['rouge2'].fmeasure * 100:>6.1f}{score['rougeLsum'].fmeasure * 100:>7.1f}{extra}", flush=True)


if __name__ == "__main__":
    latex_main(sys.argv[1:]) if "--latex" in sys.argv else main()
