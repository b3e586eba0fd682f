"""Vectors for papers, each computed once per model and cached; the embeddings model when one is
configured and answering, else the offline lexical model (a ranking never mixes the two)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core.metrics import Metrics
from bot.core.models import Paper
from bot.core.ports import Cache
from bot.relevance.embeddings import EmbeddingError, EmbeddingModel
from bot.relevance.lexical import LexicalModel
from bot.relevance.vectors import Vector

log = logging.getLogger(__name__)

VECTOR_TTL_SECONDS = 90 * 86400  # liked papers stay in profiles for weeks; their vectors need not change

Loader = Callable[[Sequence[str]], Awaitable[list[Paper]]]
"""Papers by id, for vectors not cached yet (the paper cache, then the arXiv API)."""

Compute = Callable[[Sequence[Paper]], Awaitable[list[Vector]]]


@dataclass(frozen=True, slots=True)
class Vectors:
    """Vectors of some papers in one model (`weighting`: how a ranker must weigh their components)."""

    model: str
    weighting: str
    by_paper: dict[str, Vector]


class VectorService:
    """Paper id → vector, through the shared cache; an embeddings failure falls back to the lexical model."""

    def __init__(
        self,
        cache: Cache,
        key: Callable[[str, str], str],
        lexical: LexicalModel,
        embedder: EmbeddingModel | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._cache = cache
        self._key = key
        self._lexical = lexical
        self._embedder = embedder
        self._metrics = metrics
        self._computing = asyncio.Lock()  # planners running side by side compute a paper's vector once

    async def vectors(
        self, papers: Sequence[Paper], others: Sequence[str] = (), load: Loader | None = None
    ) -> Vectors:
        """Vectors of `papers` and of the papers with ids `others` (loaded only if not cached), one model."""
        if self._embedder is not None:
            try:
                found = await self._cached(
                    self._embedder.name, papers, others, load, self._embedder.vectors_async
                )
            except EmbeddingError as exc:
                log.warning("Embeddings unavailable, ranking with the lexical model: %s", exc)
                if self._metrics is not None:
                    self._metrics.embedding_fallbacks.inc()
            else:
                return Vectors(self._embedder.name, self._embedder.weighting, found)

        async def lexical(batch: Sequence[Paper]) -> list[Vector]:
            return self._lexical.vectors(batch)

        found = await self._cached(self._lexical.name, papers, others, load, lexical)
        return Vectors(self._lexical.name, self._lexical.weighting, found)

    async def _cached(
        self,
        model: str,
        papers: Sequence[Paper],
        others: Sequence[str],
        load: Loader | None,
        compute: Compute,
    ) -> dict[str, Vector]:
        given = {p.arxiv_id: p for p in papers}
        ids = list(dict.fromkeys([*given, *others]))
        async with self._computing:
            cached = await self._cache.get_many([self._key(model, i) for i in ids])
            found = {i: Vector.from_json(raw) for i, raw in zip(ids, cached, strict=True) if raw}
            unknown = [i for i in ids if i not in found and i not in given]
            loaded = await load(unknown) if unknown and load is not None else []
            missing = [given[i] for i in ids if i not in found and i in given] + loaded
            if missing:
                fresh = await compute(missing)
                if self._metrics is not None:
                    self._metrics.vectors.labels(model).inc(len(missing))
                computed = dict(zip((p.arxiv_id for p in missing), fresh, strict=True))
                await self._cache.put_many(
                    {self._key(model, pid): v.to_json() for pid, v in computed.items()}, VECTOR_TTL_SECONDS
                )
                found.update(computed)
            return found
