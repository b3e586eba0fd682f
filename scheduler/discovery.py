"""Finding the papers a chat's digest may carry: for categories, what the announcement archive holds
after the chat's cursor; for keyword topics, an arXiv API search over the chat's look-back window.

Keyword searches are cached in Redis for a short while, so chats and processes that need the same
search at about the same time share one request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis

from bot.arxiv.client import ArxivClient, ArxivError
from bot.arxiv.papers import PaperService
from bot.core.metrics import Metrics
from bot.core.models import Paper
from bot.core.topics import Topic
from bot.store.keys import Keys
from scheduler.announcements import Announcements, Freshness, categories_of

log = logging.getLogger(__name__)


@dataclass
class Found:
    """Papers per canonical topic; topics whose sources failed (with why) or are not updated yet; and the
    archive cursor the chat has read up to (None when it follows no category)."""

    papers: dict[str, list[Paper]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)
    cursor: int | None = None


class Discovery:
    """Collects papers for topics; failed fetches are counted in the metrics."""

    def __init__(
        self,
        announcements: Announcements,
        arxiv: ArxivClient,
        papers: PaperService,
        *,
        redis: Redis,
        keys: Keys,
        metrics: Metrics,
        cache_seconds: int = 1800,
    ) -> None:
        self.announcements = announcements
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

    async def prefetch(self, topics: Sequence[Topic], now: datetime) -> Freshness:
        """Bring the archive up to date for every category among the topics (one poll for all)."""
        return await self.announcements.ensure_fresh(categories_of(topics), now)

    async def collect(
        self, topics: Sequence[Topic], since: datetime, until: datetime, cursor: int | None = None
    ) -> Found:
        """Papers for each topic: categories from the archive after `cursor`, keywords since `since`."""
        found = Found()
        categories = categories_of(topics)
        if categories:
            freshness = await self.prefetch(topics, until)
            found.failed.update(freshness.failed)
            found.pending = freshness.pending
            read = await self.announcements.read(categories, cursor, until)
            try:
                for category, dated in read.papers.items():
                    ids = [paper_id for paper_id, _day in dated]
                    found.papers[category] = await self._papers.get_many(ids)
                found.cursor = read.cursor
            except ArxivError as exc:  # the cursor stays: this round's reading is repeated next time
                self._metrics.fetch_failures.inc()
                log.warning("Metadata of archived papers could not be read: %s", exc)
                found.failed.update(dict.fromkeys(categories, str(exc)))
                found.cursor = cursor
                for category in categories:
                    found.papers.pop(category, None)
        for topic in topics:
            if topic.kind == "category":
                continue
            try:
                ids = await self._search(topic, since, until)
            except ArxivError as exc:
                self._metrics.fetch_failures.inc()
                log.warning("Search for %s failed: %s", topic.canonical, exc)
                found.failed[topic.canonical] = str(exc)
                continue
            found.papers[topic.canonical] = await self._papers.get_many(ids)
        return found

    async def _search(self, topic: Topic, since: datetime, until: datetime) -> list[str]:
        key = self._keys.found_search(topic.canonical, since)
        raw = await self._fresh(key, until, self._ttl)
        if raw is not None:
            return list(json.loads(raw))
        papers = await self._arxiv.search(topic.api_query, since, until)
        await self._papers.put_many(papers)
        ids = [p.arxiv_id for p in papers]
        await self._remember(key, until, json.dumps(ids), 2 * self._ttl)
        return ids
