"""Ranking the day's papers: which ranker puts a category's papers first, and how fast 500 candidates rank.

The labelled set is data nobody here wrote: every paper of the shared corpus whose primary category arXiv
recorded (the recorded Atom responses, the OAI-PMH records, and the corpus PDFs with their abstracts read
from their first pages; ``tests/corpus_metadata.py``). For each group with enough papers (condensed
matter; software testing, cs.SE; machine learning, cs.CL/cs.LG/cs.CV/stat.ML), and each of ``--splits``
random splits, a profile is made of ``--profile`` papers of the group (as posts: title and abstract), the
other papers of every group are the candidates, and the group's remaining papers are the relevant ones.
Reported: precision@5 and nDCG@10 (binary relevance), mean over groups and splits, for each ranker; and
the same for an author with two interests (``--profile`` papers of each of two groups; both groups'
other papers relevant), for each pair of groups.

Rankers: ``tfidf-max`` (best weighted cosine to any one item), ``tfidf-top3-mean`` (mean of the best
three), ``tfidf-centroid`` (cosine to the profile's weighted mean), paperdraft's (:mod:`pipeline.rank.score`:
half the first, half the centroid), ``bm25-max`` (bm25s, each item a query, its
scores scaled to its best, best over items; skipped when bm25s is not installed), and ``newest-first``
(what ``run --category`` does today; the labelled set has no one day, so a random order stands in).

Timing: the corpus has 36 labelled papers, too few for 500 candidates, so 500 synthetic candidates are
built from real text (each a title and six sentences drawn from the corpus papers' first pages), ranked
against a profile of 10 and of 1,000 such items; median of 5 runs, each ranker, on this machine.

    python benchmarks/bench_ranking.py [--splits 30] [--profile 3]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402

from pipeline.rank.digest import rank  # noqa: E402
from pipeline.rank.profile import paper_item  # noqa: E402
from pipeline.rank.records import ProfileItem, RankSpec  # noqa: E402
from pipeline.rank.score import candidate_text, score, similarities, vectorizer  # noqa: E402
from pipeline.records import PaperMeta  # noqa: E402

GROUPS = {
    "condensed matter": lambda c: c.startswith("cond-mat"),
    "software testing (cs.SE)": lambda c: c == "cs.SE",
    "machine learning": lambda c: c in {"cs.CL", "cs.LG", "cs.CV", "stat.ML"},
}


def labelled(root: Path) -> list[PaperMeta]:
    from tests.corpus_metadata import atom_papers, oai_papers, pdf_papers

    seen, out = set(), []
    for m in pdf_papers(root) + atom_papers(root) + oai_papers(root):
        if m.arxiv_id not in seen and m.abstract:
            seen.add(m.arxiv_id)
            out.append(m)
    return out


def as_item(m: PaperMeta) -> ProfileItem:
    return paper_item(m, "reading list", None)  # as the profile makes an item of a paper


# --------------------------------------------------------------------------- rankers: scores, higher is better


def tfidf_max(items: list[ProfileItem], cands: list[PaperMeta]) -> list[float]:
    sims = similarities(items, cands)
    return list(sims.max(axis=1))


def paperdraft(items: list[ProfileItem], cands: list[PaperMeta]) -> list[float]:
    return [s.score for s in score(items, cands)]


def tfidf_top3(items: list[ProfileItem], cands: list[PaperMeta]) -> list[float]:
    sims = similarities(items, cands)
    k = min(3, sims.shape[1])
    return list(np.sort(sims, axis=1)[:, -k:].mean(axis=1))


def tfidf_centroid(items: list[ProfileItem], cands: list[PaperMeta]) -> list[float]:
    vec = vectorizer()
    texts = [" ".join(t for t, _ in it.parts) for it in items]
    ctexts = [candidate_text(m) for m in cands]
    vec.fit(texts + ctexts)
    weights = np.asarray([it.weight for it in items])[:, None]
    centroid = normalize(np.asarray((normalize(vec.transform(texts)).multiply(weights)).sum(axis=0)))
    return list(np.asarray(normalize(vec.transform(ctexts)) @ centroid.T).ravel())


def bm25_max(items: list[ProfileItem], cands: list[PaperMeta]) -> list[float]:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([candidate_text(m) for m in cands], stopwords="en", show_progress=False),
                    show_progress=False)
    queries = bm25s.tokenize([" ".join(t for t, _ in it.parts) for it in items], stopwords="en",
                             return_ids=False, show_progress=False)
    best = np.zeros(len(cands))
    for it, q in zip(items, queries):
        s = retriever.get_scores(q)
        if s.max() > 0:
            best = np.maximum(best, it.weight * s / s.max())
    return list(best)


def newest_first(items: list[ProfileItem], cands: list[PaperMeta], rng: random.Random = random.Random(0)) -> list[float]:
    return [rng.random() for _ in cands]


RANKERS = {"tfidf-max": tfidf_max, "tfidf-top3-mean": tfidf_top3, "tfidf-centroid": tfidf_centroid,
           "tfidf half max, half centroid (paperdraft)": paperdraft, "bm25-max (bm25s)": bm25_max,
           "newest-first (random order)": newest_first}


def precision_at(ranked: list[bool], k: int) -> float:
    return sum(ranked[:k]) / k


def ndcg_at(ranked: list[bool], k: int) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, rel in enumerate(ranked[:k]) if rel)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, sum(ranked))))
    return dcg / ideal if ideal else 0.0


def quality(papers: list[PaperMeta], splits: int, k_profile: int, ranker) -> dict[str, float]:
    p5, n10 = [], []
    for name, member in GROUPS.items():
        group = [m for m in papers if member(m.categories[0])]
        for seed in range(splits):
            rng = random.Random(seed)
            profile = rng.sample(group, k_profile)
            cands = [m for m in papers if m not in profile]
            scores = ranker([as_item(m) for m in profile], cands)
            order = sorted(range(len(cands)), key=lambda j: -scores[j])
            ranked = [member(cands[j].categories[0]) for j in order]
            p5.append(precision_at(ranked, 5))
            n10.append(ndcg_at(ranked, 10))
    return {"p@5": statistics.mean(p5), "ndcg@10": statistics.mean(n10)}


def mixed_quality(papers: list[PaperMeta], splits: int, k_profile: int, ranker) -> dict[str, float]:
    """An author with two interests: ``k_profile`` papers of each of two groups; both groups' others are relevant."""
    p5, n10 = [], []
    names = list(GROUPS)
    for a, b in [(x, y) for i, x in enumerate(names) for y in names[i + 1:]]:
        member = lambda c: GROUPS[a](c) or GROUPS[b](c)  # noqa: E731
        for seed in range(splits):
            rng = random.Random(seed)
            profile = rng.sample([m for m in papers if GROUPS[a](m.categories[0])], k_profile) + \
                rng.sample([m for m in papers if GROUPS[b](m.categories[0])], k_profile)
            cands = [m for m in papers if m not in profile]
            scores = ranker([as_item(m) for m in profile], cands)
            ranked = [member(cands[j].categories[0]) for j in sorted(range(len(cands)), key=lambda j: -scores[j])]
            p5.append(precision_at(ranked, 5))
            n10.append(ndcg_at(ranked, 10))
    return {"p@5": statistics.mean(p5), "ndcg@10": statistics.mean(n10)}


def synthetic(papers: list[PaperMeta], root: Path, n: int, seed: int) -> list[PaperMeta]:
    from tests.corpus_metadata import _first_pages_text

    pool = [s for m in papers for s in re.split(r"(?<=[.!?])\s+", m.abstract or "") if len(s) > 40]
    for pdf in sorted((root / "pdfs").glob("*.pdf")):
        pool += [s for s in re.split(r"(?<=[.!?])\s+", _first_pages_text(pdf)) if 40 < len(s) < 400]
    rng = random.Random(seed)
    return [PaperMeta(title=rng.choice(pool)[:150], authors=["A. Author"], arxiv_id=f"2612.{i:05d}", version=1,
                      categories=["cs.LG"], published="2026-12-01", abstract=" ".join(rng.sample(pool, 6)))
            for i in range(n)]


def timing(cands: list[PaperMeta], items: list[ProfileItem], ranker, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        ranker(items, cands)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", type=int, default=30)
    parser.add_argument("--profile", type=int, default=3, help="papers of the group in each profile")
    args = parser.parse_args()
    from tests.arxiv_server import corpus_root

    root = corpus_root()
    if root is None:
        sys.exit("the shared corpus is not here (../shared/corpus or $PAPERDRAFT_CORPUS)")
    import logging

    logging.getLogger("arxiv").setLevel(logging.ERROR)
    papers = labelled(root)
    sizes = {name: sum(member(m.categories[0]) for m in papers) for name, member in GROUPS.items()}
    print(f"labelled set: {len(papers)} papers; groups {sizes}; profile {args.profile} papers; {args.splits} splits")
    rankers = dict(RANKERS)
    try:
        import bm25s  # noqa: F401
    except ImportError:
        print("bm25s not installed: bm25-max skipped (pip install bm25s)")
        rankers.pop("bm25-max (bm25s)")
    cands = synthetic(papers, root, 500, seed=1)
    small = [as_item(m) for m in synthetic(papers, root, 10, seed=2)]
    big = [as_item(m) for m in synthetic(papers, root, 1000, seed=3)]
    print()
    print("| ranker | one interest: precision@5 | nDCG@10 | two interests: precision@5 | nDCG@10 "
          "| 500 candidates, 10-item profile | 500 candidates, 1,000-item profile |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, ranker in rankers.items():
        q = quality(papers, args.splits, args.profile, ranker)
        m = mixed_quality(papers, args.splits, args.profile, ranker)
        t_small, t_big = timing(cands, small, ranker), timing(cands, big, ranker)
        print(f"| {name} | {q['p@5']:.3f} | {q['ndcg@10']:.3f} | {m['p@5']:.3f} | {m['ndcg@10']:.3f} "
              f"| {t_small:.3f} s | {t_big:.3f} s |")
    started = time.perf_counter()
    rank(cands, big, RankSpec(exclude=["quantum"]))
    print(f"\npaperdraft's whole rank() (filters, scoring, the table's records), 500 candidates, 1,000 items: "
          f"{time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main()
