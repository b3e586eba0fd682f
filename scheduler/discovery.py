"""Finding the papers arXiv announced for a set of topics, fetching each shared source once.

Category topics come from the announcement feeds (new and cross-listed papers only), keyword topics
from the arXiv API over a look-back window. Results are cached in Redis for a short while, so chats
and processes that need the same source at about the same time share one request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis

from bot.arxiv.client import ArxivClient, ArxivError
from bot.arxiv.feed import Announcement, FeedClient
from bot.arxiv.papers import PaperService
from bot.core.metrics import Metrics
from bot.core.models import Paper
from bot.core.topics import Topic
from bot.core.topics.taxonomy import is_archive
from bot.store.keys import Keys

log = logging.getLogger(__name__)

FEED_CHUNK = 20  # categories per feed request
LOOKUP_CHUNK = 100  # ids per metadata request
FAILURE_MEMORY_SECONDS = 300  # a failed feed is not asked again for this long (retries come later)


@dataclass
class Found:
    """Papers per canonical topic, and the topics whose sources could not be fetched (with why)."""

    papers: dict[str, list[Paper]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def in_category(paper: Paper, category: str) -> bool:
    """Whether a paper is listed in a category (or anywhere in an archive)."""
    if is_archive(category):
        return any(c == category or c.startswith(category + ".") for c in paper.categories)
    return category in paper.categories


class Discovery:
    """Collects papers for topics; failed fetches are counted in the metrics."""

    def __init__(
        self,
        feeds: FeedClient,
        arxiv: ArxivClient,
        papers: PaperService,
        *,
        redis: Redis,
        keys: Keys,
        metrics: Metrics,
        cache_seconds: int = 1800,
    ) -> None:
        self._feeds = feeds
        self._arxiv = arxiv
        self._papers = papers
        self._redis = redis
        self._keys = keys
        self._ttl = cache_seconds
        self._metrics = metrics

    async def _fresh(self, key: str, now: datetime, max_age: float) -> str | None:
        """A cached value written less than `max_age` seconds before `now` (by the caller's clock)."""
        raw = await self._redis.get(key)
        if raw is None:
            return None
        stamp, _, value = str(raw).partition("|")
        return value if now.timestamp() - float(stamp) < max_age else None

    async def _remember(self, key: str, now: datetime, value: str, ttl: int) -> None:
        await self._redis.set(key, f"{now.timestamp()}|{value}", ex=ttl)

    async def prefetch(self, topics: Sequence[Topic], now: datetime) -> dict[str, str]:
        """Fetch the feeds of every category topic not cached yet, several categories per request.

        Returns the categories that failed, with the reason.
        """
        categories = sorted({t.canonical for t in topics if t.kind == "category"})
        failed: dict[str, str] = {}
        missing = []
        for category in categories:
            if await self._fresh(self._keys.found_feed(category), now, self._ttl) is not None:
                continue
            recent_failure = await self._fresh(self._keys.found_failed(category), now, FAILURE_MEMORY_SECONDS)
            if recent_failure is not None:  # do not hammer a failing arXiv: wait for the retry
                failed[category] = recent_failure
            else:
                missing.append(category)
        for start in range(0, len(missing), FEED_CHUNK):
            chunk = missing[start : start + FEED_CHUNK]
            try:
                announcements = await self._feeds.fetch(chunk)
            except ArxivError as exc:
                self._metrics.fetch_failures.inc()
                log.warning("Feed fetch for %s failed: %s", "+".join(chunk), exc)
                failed.update(dict.fromkeys(chunk, str(exc)))
                for category in chunk:
                    await self._remember(
                        self._keys.found_failed(category), now, str(exc), 2 * FAILURE_MEMORY_SECONDS
                    )
                continue
            papers = await self._enrich([a.paper for a in announcements if a.is_new])
            await self._store_feed(chunk, announcements, papers, now)
        return failed

    async def _store_feed(
        self, chunk: list[str], announcements: list[Announcement], papers: list[Paper], now: datetime
    ) -> None:
        by_id = {p.arxiv_id: p for p in papers}
        await self._papers.put_many(papers)
        fresh = [a.paper.arxiv_id for a in announcements if a.is_new]
        for category in chunk:
            ids = [pid for pid in fresh if in_category(by_id[pid], category)]
            await self._remember(self._keys.found_feed(category), now, json.dumps(ids), 2 * self._ttl)
        new = sum(a.is_new for a in announcements)
        log.info(
            "Feed %s: %d new or cross-listed, %d replaced", "+".join(chunk), new, len(announcements) - new
        )

    async def _enrich(self, papers: list[Paper]) -> list[Paper]:
        """Full metadata (comments, dates) from the API; the feed's own data if the API fails."""
        full: dict[str, Paper] = {}
        ids = [p.arxiv_id for p in papers]
        for start in range(0, len(ids), LOOKUP_CHUNK):
            try:
                for paper in await self._arxiv.fetch_many(ids[start : start + LOOKUP_CHUNK]):
                    full[paper.arxiv_id] = paper
            except ArxivError as exc:
                log.warning("Metadata lookup failed, using the feed's data: %s", exc)
        return [full.get(p.arxiv_id, p) for p in papers]

    async def collect(self, topics: Sequence[Topic], since: datetime, until: datetime) -> Found:
        """Papers for each topic (categories must have been prefetched this round)."""
        found = Found()
        failed = await self.prefetch(topics, until)
        for topic in topics:
            if topic.canonical in failed:
                found.failed[topic.canonical] = failed[topic.canonical]
                continue
            try:
                ids = await self._ids(topic, since, until)
            except ArxivError as exc:
                self._metrics.fetch_failures.inc()
                log.warning("Search for %s failed: %s", topic.canonical, exc)
                found.failed[topic.canonical] = str(exc)
                continue
            found.papers[topic.canonical] = await self._papers.get_many(ids)
        return found

    async def _ids(self, topic: Topic, since: datetime, until: datetime) -> list[str]:
        if topic.kind == "category":
            raw = await self._fresh(self._keys.found_feed(topic.canonical), until, self._ttl)
            if raw is None:  # expired between prefetch and now: fetch again
                failed = await self.prefetch([topic], until)
                if failed:
                    raise ArxivError(failed[topic.canonical])
                raw = await self._fresh(self._keys.found_feed(topic.canonical), until, self._ttl)
            return list(json.loads(raw or "[]"))
        key = self._keys.found_search(topic.canonical, since)
        raw = await self._fresh(key, until, self._ttl)
        if raw is not None:
            return list(json.loads(raw))
        papers = await self._arxiv.search(topic.api_query, since, until)
        await self._papers.put_many(papers)
        ids = [p.arxiv_id for p in papers]
        await self._remember(key, until, json.dumps(ids), 2 * self._ttl)
        return ids
