"""Scores: how close each candidate's title and abstract are to the profile (TF-IDF, scikit-learn).

Each profile item is one vector: the weighted sum of its parts' unit TF-IDF vectors (a critique weighs
more than a summary), made unit again. A candidate's score is its best weighted cosine similarity
``max_i w_i * cos(candidate, item_i)``, so a score always has one item that explains it. The vocabulary
and IDF are fitted on the profile and the day's candidates together: a word every candidate has that day
says little. Sparse matrices throughout, so thousands of items and hundreds of candidates take well
under a second (``benchmarks/bench_ranking.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from pipeline.rank.records import ProfileItem
from pipeline.records import PaperMeta


@dataclass(frozen=True)
class Scored:
    score: float
    closest: int  # index of the profile item that gives the score


def candidate_text(meta: PaperMeta) -> str:
    return f"{meta.title}. {meta.title}. {meta.abstract or ''}"  # the title says most: twice


def vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode", ngram_range=(1, 2),
                           min_df=1, max_df=0.9, token_pattern=r"(?u)\b[^\W\d_][\w\-]+\b", dtype=np.float32)


def _item_matrix(items: list[ProfileItem], parts: sparse.csr_matrix) -> sparse.csr_matrix:
    rows, cols, weights = [], [], []
    col = 0
    for i, item in enumerate(items):
        for _, weight in item.parts:
            rows.append(i)
            cols.append(col)
            weights.append(weight)
            col += 1
    combine = sparse.csr_matrix((np.asarray(weights, dtype=np.float32), (rows, cols)), shape=(len(items), col))
    return normalize(combine @ normalize(parts))


def score(items: list[ProfileItem], candidates: list[PaperMeta]) -> list[Scored]:
    """One :class:`Scored` per candidate, in order. The profile must hold at least one item with text."""
    if not candidates or not items:
        return [Scored(0.0, 0) for _ in candidates]
    texts = [text for item in items for text, _ in item.parts]
    cand_texts = [candidate_text(m) for m in candidates]
    vec = vectorizer()
    try:
        vec.fit(texts + cand_texts)
    except ValueError:  # nothing but stop words anywhere: nothing to rank by
        return [Scored(0.0, 0) for _ in candidates]
    profile = _item_matrix(items, vec.transform(texts))
    cands = normalize(vec.transform(cand_texts))
    weights = sparse.diags(np.asarray([it.weight for it in items], dtype=np.float32))
    sims = (cands @ (weights @ profile).T).toarray()
    best = sims.argmax(axis=1)
    return [Scored(float(sims[j, best[j]]), int(best[j])) for j in range(len(candidates))]
