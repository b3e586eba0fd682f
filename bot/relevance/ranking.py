"""Scoring candidates against a chat's profile, vectorised (numpy, scipy.sparse); pure, no I/O.

A profile is weighted papers: positive for liked and seed papers, negative for disliked ones, each
weight already decayed by age. A candidate's score is its similarity to the nearest positive (weighted)
minus its similarity to the nearest negative, plus a small bonus for each further topic it matched.
Similarities are cosines; the lexical model's vectors are weighed by inverse document frequency over the
candidates first (a `Space` prepares them once for every chat that has the same candidates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from bot.relevance.vectors import Vector

TOPIC_BONUS = 0.05  # per matched topic beyond the first
SIMILAR_ENOUGH = 0.05  # below this, the nearest liked paper did not really decide


@dataclass(frozen=True, slots=True)
class Signal:
    """A paper in a chat's profile: weight > 0 for more like it, < 0 for less (already decayed)."""

    paper_id: str
    weight: float


@dataclass(frozen=True, slots=True)
class Scores:
    """Per candidate: its score, and the liked paper that decided it (None when none did)."""

    score: NDArray[np.float64]
    because: list[str | None]


def matrix(vectors: Sequence[Vector]) -> sparse.csr_matrix:
    """Vectors as the rows of a sparse matrix (all of one model, hence one dimension)."""
    dim = vectors[0].dim if vectors else 1
    indptr = np.zeros(len(vectors) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(v.indices) for v in vectors])
    indices = np.concatenate([v.indices for v in vectors]) if vectors else np.zeros(0, np.int32)
    data = np.concatenate([v.values for v in vectors]) if vectors else np.zeros(0, np.float32)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(vectors), dim), dtype=np.float32)


def normalised(rows: sparse.csr_matrix, weights: NDArray[np.float32] | None = None) -> sparse.csr_matrix:
    """Rows scaled to unit length, after weighing columns (inverse document frequency) if given."""
    if weights is not None:
        rows = rows.multiply(weights.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms).dot(rows).tocsr()


def idf_weights(documents: sparse.csr_matrix) -> NDArray[np.float32]:
    """Inverse document frequency of every column over the rows (smoothed; unseen columns weigh most)."""
    count = documents.shape[0]
    frequency = np.bincount(documents.indices, minlength=documents.shape[1])
    weights: NDArray[np.float32] = (np.log((1 + count) / (1 + frequency)) + 1.0).astype(np.float32)
    return weights


class Space:
    """A day's candidates, weighed and normalised once; each chat's profile is compared against them.

    With the lexical model, inverse document frequency comes from the candidates: what most of the
    day's papers share says little about any of them.
    """

    def __init__(self, candidates: Sequence[Vector], weighting: str) -> None:
        self.size = len(candidates)
        rows = matrix(candidates)
        self._weights = idf_weights(rows) if weighting == "idf" and candidates else None
        self._rows = normalised(rows, self._weights)

    def similarities(self, profile: Sequence[Vector]) -> NDArray[np.float64]:
        """Cosine similarity of every candidate (rows) to every profile paper (columns)."""
        if not self.size or not profile:
            return np.zeros((self.size, len(profile)))
        columns = normalised(matrix(profile), self._weights)
        return np.asarray(self._rows.dot(columns.T).todense(), dtype=np.float64)


def similarities(
    candidates: Sequence[Vector], profile: Sequence[Vector], weighting: str
) -> NDArray[np.float64]:
    """Cosine similarity of every candidate (rows) to every profile paper (columns)."""
    return Space(candidates, weighting).similarities(profile)


def score(sims: NDArray[np.float64], signals: Sequence[Signal], topic_counts: Sequence[int]) -> Scores:
    """Scores from a candidates-by-profile similarity matrix (columns in the order of `signals`)."""
    weights = np.asarray([s.weight for s in signals], dtype=np.float64)
    n = sims.shape[0]
    positive, negative = weights > 0, weights < 0
    liked = sims[:, positive] * weights[positive] if positive.any() else np.zeros((n, 0))
    disliked = sims[:, negative] * -weights[negative] if negative.any() else np.zeros((n, 0))
    best_liked = liked.max(axis=1) if liked.shape[1] else np.zeros(n)
    worst = disliked.max(axis=1) if disliked.shape[1] else np.zeros(n)
    bonus = TOPIC_BONUS * (np.asarray(topic_counts, dtype=np.float64) - 1).clip(min=0)
    total = best_liked - worst + bonus
    liked_ids = [s.paper_id for s in signals if s.weight > 0]
    because: list[str | None] = [None] * n
    if liked.shape[1]:
        nearest = liked.argmax(axis=1)
        for row in range(n):
            if best_liked[row] >= SIMILAR_ENOUGH and best_liked[row] > worst[row]:
                because[row] = liked_ids[int(nearest[row])]
    return Scores(total, because)
