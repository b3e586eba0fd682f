"""Summaries, each written once per (paper, language, model, prompt version) and cached in Redis."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.codec import dumps, summary_from_json
from bot.core.fulltext import TRANSIENT_REASONS
from bot.core.models import Paper, Summary
from bot.core.ports import Cache
from bot.summaries.base import Summarizer

SummaryKey = Callable[[str, str, str, str], str]
"""(paper id, language, model, prompt version) → cache key."""

FALLBACK_TTL_SECONDS = 15 * 60  # retry the model soon after a failure, but not on every request
ABSTRACT_ONLY_TTL_SECONDS = (
    6 * 3600
)  # written from the abstract for a passing reason: a later ask may do better


class SummaryService:
    """The one way to get a summary: from the cache, or from the summarizer exactly once."""

    def __init__(self, cache: Cache, key: SummaryKey, summarizer: Summarizer, ttl_seconds: int) -> None:
        self._cache = cache
        self._key = key
        self._summarizer = summarizer
        self._ttl = ttl_seconds

    def key(self, arxiv_id: str, language: str) -> str:
        """The cache key of a paper's summary in a language."""
        s = self._summarizer
        return self._key(arxiv_id, language, s.model, s.prompt_version)

    async def get(self, paper: Paper, language: str) -> Summary:
        """The paper's summary in `language`; never raises for an LLM failure (falls back)."""

        async def write() -> tuple[str, int]:
            summary = await self._summarizer.summarize(paper, language)
            ttl = self._ttl
            if summary.source_reason in TRANSIENT_REASONS:
                ttl = min(ttl, ABSTRACT_ONLY_TTL_SECONDS)
            if summary.fallback_reason:
                ttl = FALLBACK_TTL_SECONDS
            return dumps(summary), ttl

        return summary_from_json(await self._cache.get_or_compute(self.key(paper.arxiv_id, language), write))

    async def get_many(self, papers: Sequence[Paper], language: str) -> list[Summary]:
        """Summaries of many papers: cached ones in one round trip, the rest written once each."""
        cached = await self._cache.get_many([self.key(p.arxiv_id, language) for p in papers])
        return [
            summary_from_json(raw) if raw is not None else await self.get(paper, language)
            for paper, raw in zip(papers, cached, strict=True)
        ]
