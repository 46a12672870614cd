"""Scores: how close each candidate's title and abstract are to the profile (TF-IDF, scikit-learn).

Each profile item is one vector: the weighted sum of its parts' unit TF-IDF vectors (a critique weighs
more than a summary), made unit again. A candidate's score is half its best weighted cosine similarity to
one item, ``max_i w_i * cos(candidate, item_i)``, and half its cosine similarity to the whole profile (the
items' weighted sum): one strong match (the one critique on a topic) still counts in a big library, and
the profile as a whole breaks ties (``benchmarks/bench_ranking.py`` measured the choices). The best item
is the one the table names ("closest to your critique of 1706.03762"). The vocabulary
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
    return f"{meta.title}. {meta.abstract or ''}"


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


def _fit(items: list[ProfileItem], candidates: list[PaperMeta]) -> tuple[sparse.csr_matrix, sparse.csr_matrix] | None:
    """(weighted unit item vectors, unit candidate vectors), or None when there are no words to go by."""
    if not candidates or not items:
        return None
    texts = [text for item in items for text, _ in item.parts]
    cand_texts = [candidate_text(m) for m in candidates]
    vec = vectorizer()
    try:
        vec.fit(texts + cand_texts)
    except ValueError:  # nothing but stop words anywhere: nothing to rank by
        return None
    weights = sparse.diags(np.asarray([it.weight for it in items], dtype=np.float32))
    return weights @ _item_matrix(items, vec.transform(texts)), normalize(vec.transform(cand_texts))


def similarities(items: list[ProfileItem], candidates: list[PaperMeta]) -> np.ndarray:
    """``w_i * cos(candidate_j, item_i)`` for every candidate (rows) and item (columns)."""
    fitted = _fit(items, candidates)
    if fitted is None:
        return np.zeros((len(candidates), len(items)), dtype=np.float32)
    profile, cands = fitted
    return (cands @ profile.T).toarray()


def score(items: list[ProfileItem], candidates: list[PaperMeta]) -> list[Scored]:
    """One :class:`Scored` per candidate, in order: half its best weighted similarity to one item, half its
    similarity to the whole profile (the weighted mean of the items); the item is the best one."""
    fitted = _fit(items, candidates)
    if fitted is None:
        return [Scored(0.0, 0) for _ in candidates]
    profile, cands = fitted
    sims = (cands @ profile.T).toarray()
    centroid = normalize(sparse.csr_matrix(profile.sum(axis=0)))
    whole = (cands @ centroid.T).toarray().ravel()
    best = sims.argmax(axis=1)
    return [Scored(float(0.5 * sims[j, best[j]] + 0.5 * whole[j]), int(best[j])) for j in range(len(candidates))]
