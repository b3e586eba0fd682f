"""The offline vector model: hashed word and bigram counts of title and abstract (scikit-learn), no service
and no download. Term weights are sub-linear; the inverse document frequency is applied when ranking,
over the papers being ranked, so that what every candidate of the day shares counts for little.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer

from bot.core.models import Paper
from bot.relevance.vectors import Vector, label, paper_text

LEXICAL_MODEL = "lexical-v1"
FEATURES = 2**20

# Words of scientific prose that say nothing about a paper's subject.
_ACADEMIC = """
    paper propose proposes proposed present presents presented introduce introduces introduced show shows
    shown demonstrate demonstrates result results approach approaches method methods novel new existing
    based using use uses used study studies work works task tasks experiment experiments experimental
    performance state art significantly significant improve improves improved improvement achieve achieves
    outperform outperforms furthermore moreover additionally however including various different
    effective effectiveness efficient framework extensive evaluate evaluation evaluations code available
    github com https http"""
ACADEMIC_STOP_WORDS = frozenset(_ACADEMIC.split())


class LexicalModel:
    """Hashed sub-linear term frequencies of a paper's text (stable: no fitting, no vocabulary)."""

    name = LEXICAL_MODEL
    weighting = "idf"  # rankers apply inverse document frequency over the papers they compare

    def __init__(self) -> None:
        self._vectorizer = HashingVectorizer(
            n_features=FEATURES,
            ngram_range=(1, 2),
            stop_words=sorted(ENGLISH_STOP_WORDS | ACADEMIC_STOP_WORDS),
            token_pattern=r"(?u)\b[^\W\d_][\w\-]+\b",  # noqa: S106 - a regular expression, not a secret
            alternate_sign=False,
            norm=None,
        )

    def vectors(self, papers: Sequence[Paper]) -> list[Vector]:
        """One vector per paper."""
        counts = self._vectorizer.transform([paper_text(p) for p in papers]).tocsr()
        found = []
        for row, paper in enumerate(papers):
            start, end = counts.indptr[row], counts.indptr[row + 1]
            values = 1.0 + np.log(counts.data[start:end].astype(np.float32))
            found.append(Vector(FEATURES, counts.indices[start:end].astype(np.int32), values, label(paper)))
        return found
