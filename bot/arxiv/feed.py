"""arXiv's daily announcement feeds (`ARXIV_RSS_URL/{categories}`), parsed with feedparser.

A feed is one listing: the channel's `pubDate` is its announcement date (arXiv rebuilds the feeds at
midnight Eastern, empty on weekends and holidays). Fetches are conditional (`If-None-Match`,
`If-Modified-Since`) when the previous answer carried validators, so an unchanged feed costs a 304.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import feedparser
import httpx

from bot.arxiv.client import (
    DEFAULT_USER_AGENT,
    ArxivUnavailableError,
    Backoff,
    Gate,
    honour_retry_after,
    no_backoff,
    no_gate,
)
from bot.core.arxiv_ids import split_versioned_id
from bot.core.models import Paper
from bot.core.timing import ARXIV_ZONE, local_date

log = logging.getLogger(__name__)

NEW_TYPES = frozenset({"new", "cross"})
"""Announce types of papers that are new to a listing; replacements (`replace`, `replace-cross`) are not."""

_ABSTRACT = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*Abstract:\s*", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Announcement:
    """One feed item: a paper and how it was announced today."""

    paper: Paper
    announce_type: str

    @property
    def is_new(self) -> bool:
        """True for papers new to the listing (not replacements)."""
        return self.announce_type in NEW_TYPES


@dataclass(frozen=True, slots=True)
class Validators:
    """What a feed's last answer said to ask it next time (`ETag`, `Last-Modified`)."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The conditional request headers these validators make."""
        found = {}
        if self.etag:
            found["If-None-Match"] = self.etag
        if self.last_modified:
            found["If-Modified-Since"] = self.last_modified
        return found


@dataclass(frozen=True, slots=True)
class Listing:
    """One fetched feed: its announcement date (None if the feed has none), items and validators."""

    day: date | None
    announcements: list[Announcement] = field(default_factory=list)
    validators: Validators = Validators()


NOT_MODIFIED = None
"""What `FeedClient.fetch` returns when the feed has not changed since the validators given."""


class FeedClient:
    """Fetches and parses listing feeds; a failed or unreadable fetch raises ArxivUnavailableError."""

    def __init__(
        self,
        rss_url: str,
        timeout: float,
        gate: Gate = no_gate,
        user_agent: str = DEFAULT_USER_AGENT,
        backoff: Backoff = no_backoff,
    ) -> None:
        self._rss_url = rss_url
        self._timeout = timeout
        self._gate = gate
        self._user_agent = user_agent
        self._backoff = backoff

    def url(self, categories: Sequence[str]) -> str:
        """The feed URL for a set of categories (`…/rss/cs.CL+cs.LG`)."""
        return f"{self._rss_url}/{'+'.join(sorted(categories))}"

    async def fetch(self, categories: Sequence[str], validators: Validators | None = None) -> Listing | None:
        """The categories' current listing, or NOT_MODIFIED (None) when `validators` still hold."""
        url = self.url(categories)
        headers = {"User-Agent": self._user_agent, **(validators.headers() if validators else {})}
        await self._gate()
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=True) as client:
                response = await client.get(url, headers=headers)
        except httpx.TimeoutException as exc:
            raise ArxivUnavailableError("the arXiv feed did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise ArxivUnavailableError(f"cannot reach the arXiv feed: {type(exc).__name__}") from exc
        if response.status_code == 304 and validators is not None:
            return NOT_MODIFIED
        if response.status_code != 200:
            wait = await honour_retry_after(response.status_code, response.headers, self._backoff)
            raise ArxivUnavailableError(f"the arXiv feed answered HTTP {response.status_code}", wait)
        day, announcements = await asyncio.to_thread(parse_feed, response.content)
        fresh = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
        return Listing(day, announcements, fresh)


def parse_feed(content: bytes) -> tuple[date | None, list[Announcement]]:
    """Parse an arXiv RSS document into its announcement date and items; raises ArxivUnavailableError
    if it is not one."""
    parsed: Any = feedparser.parse(content)
    channel = parsed.get("feed", {})
    if not channel.get("title") or parsed.get("version", "") == "":
        raise ArxivUnavailableError("the arXiv feed sent something that is not an RSS feed")
    announcements = []
    for entry in parsed.get("entries", []):
        try:
            announcements.append(_announcement(entry))
        except (KeyError, ValueError) as exc:
            log.warning("Skipping an unreadable feed item: %s", exc)
    return _listing_day(channel), announcements


def _listing_day(channel: Any) -> date | None:
    """The channel's pubDate as the Eastern date it names (arXiv writes it as 00:00 -0500)."""
    published = channel.get("published_parsed")
    if published is None:
        return None
    return local_date(datetime.fromtimestamp(calendar.timegm(published), UTC), ARXIV_ZONE)


def _announcement(entry: Any) -> Announcement:
    guid = str(entry.get("id") or entry["link"])
    versioned = guid.rsplit(":", 1)[-1] if guid.startswith("oai:") else guid.rstrip("/").split("/abs/")[-1]
    arxiv_id, version = split_versioned_id(versioned)
    announced = _when(entry)
    categories = tuple(tag["term"] for tag in entry.get("tags", []) if tag.get("term"))
    authors = tuple(a.strip() for a in str(entry.get("author", "")).split(",") if a.strip())
    abstract = _ABSTRACT.sub("", str(entry.get("summary", "")))
    return Announcement(
        paper=Paper(
            arxiv_id=arxiv_id,
            version=version,
            title=" ".join(str(entry["title"]).split()),
            authors=authors,
            abstract=" ".join(abstract.split()),
            categories=categories,
            primary_category=categories[0] if categories else "",
            published=announced,
            updated=announced,
        ),
        announce_type=str(entry.get("arxiv_announce_type", "new")).strip().lower(),
    )


def _when(entry: Any) -> datetime:
    parsed = entry.get("published_parsed")
    if parsed is None:
        return datetime.now(UTC)
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
