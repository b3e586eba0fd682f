"""Paper metadata, cached in Redis in front of the arXiv API."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.arxiv.client import ArxivClient, PaperNotFoundError
from bot.core.codec import dumps, paper_from_json
from bot.core.models import Paper
from bot.core.ports import Cache

PAPER_TTL_SECONDS = 24 * 3600  # a new version can appear; a day-old card is still honest
LOOKUP_CHUNK = 100  # ids per API request (arXiv's page size)


class PaperService:
    """Look up papers by canonical id; concurrent lookups of one id make one arXiv request."""

    def __init__(self, cache: Cache, key: Callable[[str], str], arxiv: ArxivClient) -> None:
        self._cache = cache
        self._key = key
        self._arxiv = arxiv

    async def get(self, arxiv_id: str) -> Paper:
        """The paper's metadata; raises bot.arxiv.client.ArxivError subclasses."""

        async def fetch() -> tuple[str, int]:
            return dumps(await self._arxiv.fetch(arxiv_id)), PAPER_TTL_SECONDS

        return paper_from_json(await self._cache.get_or_compute(self._key(arxiv_id), fetch))

    async def put_many(self, papers: Sequence[Paper]) -> None:
        """Cache papers found elsewhere (feeds, searches) so cards need no further lookup."""
        await self._cache.put_many({self._key(p.arxiv_id): dumps(p) for p in papers}, PAPER_TTL_SECONDS)

    async def get_many(self, arxiv_ids: Sequence[str]) -> list[Paper]:
        """Papers in the given order: cached ones in one round trip, the others looked up 100 a request.

        Raises PaperNotFoundError when arXiv does not know one of them (and other ArxivErrors).
        """
        cached = await self._cache.get_many([self._key(i) for i in arxiv_ids])
        missing = [i for i, raw in zip(arxiv_ids, cached, strict=True) if raw is None]
        fetched: dict[str, Paper] = {}
        for start in range(0, len(missing), LOOKUP_CHUNK):
            for paper in await self._arxiv.fetch_many(missing[start : start + LOOKUP_CHUNK]):
                fetched[paper.arxiv_id] = paper
        if fetched:
            await self.put_many(list(fetched.values()))
        papers = []
        for arxiv_id, raw in zip(arxiv_ids, cached, strict=True):
            if raw is not None:
                papers.append(paper_from_json(raw))
            elif arxiv_id in fetched:
                papers.append(fetched[arxiv_id])
            else:
                raise PaperNotFoundError(arxiv_id)
        return papers
