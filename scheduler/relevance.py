"""Ranking a chat's candidates by what it likes: its seed papers and its members' votes (decayed), compared
with each candidate through paper vectors computed once per paper. A chat without feedback keeps the
default order."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.arxiv.client import ArxivError
from bot.arxiv.papers import PaperService
from bot.core.models import ChatRef, Paper
from bot.relevance.ranking import Signal, Space, score
from bot.relevance.service import VectorService
from bot.relevance.vectors import Vector
from bot.store.feedback import Feedback
from scheduler.planning import Candidate

log = logging.getLogger(__name__)

SPACES_KEPT = 16  # candidate sets kept prepared (chats following the same categories share one)


@dataclass(frozen=True, slots=True)
class Ranked:
    """Scores of a chat's candidates, and for those its profile decided, the liked paper behind it."""

    scores: dict[str, float] = field(default_factory=dict)
    because: dict[str, str] = field(default_factory=dict)


class Relevance:
    """Scores candidates for a chat from its feedback."""

    def __init__(self, feedback: Feedback, vectors: VectorService, papers: PaperService) -> None:
        self._feedback = feedback
        self._vectors = vectors
        self._papers = papers
        self._spaces: dict[tuple[str, tuple[str, ...]], Space] = {}

    async def rank(self, chat: ChatRef, candidates: Sequence[Candidate]) -> Ranked | None:
        """The candidates' scores, or None when the chat gave no feedback (its order stays as it was)."""
        (preferences,) = await self._feedback.preferences([chat])
        if not preferences or not candidates:
            return None
        signals = [Signal(p.paper_id, p.weight) for p in preferences]
        vectors = await self._vectors.vectors(
            [c.paper for c in candidates], [s.paper_id for s in signals], self._load
        )
        signals = [s for s in signals if s.paper_id in vectors.by_paper]  # a paper arXiv no longer knows
        if not signals:
            return None
        space = self._space(
            vectors.model,
            vectors.weighting,
            [vectors.by_paper[c.paper.arxiv_id] for c in candidates],
            candidates,
        )
        sims = space.similarities([vectors.by_paper[s.paper_id] for s in signals])
        scored = score(sims, signals, [len(c.topics) for c in candidates])
        because = {
            c.paper.arxiv_id: vectors.by_paper[liked].label
            for c, liked in zip(candidates, scored.because, strict=True)
            if liked is not None and liked != c.paper.arxiv_id
        }
        scores = {c.paper.arxiv_id: float(s) for c, s in zip(candidates, scored.score, strict=True)}
        return Ranked(scores, because)

    def _space(
        self, model: str, weighting: str, vectors: list[Vector], candidates: Sequence[Candidate]
    ) -> Space:
        """The candidates prepared for comparison, shared by every chat with the same candidates today."""
        key = (model, tuple(c.paper.arxiv_id for c in candidates))
        space = self._spaces.pop(key, None) or Space(vectors, weighting)
        self._spaces[key] = space  # most recently used last
        while len(self._spaces) > SPACES_KEPT:
            self._spaces.pop(next(iter(self._spaces)))
        return space

    async def _load(self, ids: Sequence[str]) -> list[Paper]:
        """Profile papers without cached vectors: from the paper cache or arXiv, 100 a request; when that
        fails (one unknown paper fails the batch), one by one, ranking without the ones that fail."""
        try:
            return await self._papers.get_many(ids)
        except ArxivError:
            pass
        found = []
        for paper_id in ids:
            try:
                found.append(await self._papers.get(paper_id))
            except ArxivError as exc:
                log.warning("A profile paper could not be read (%s); ranking without it", exc)
        return found
