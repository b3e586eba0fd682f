"""arXiv's daily announcement feeds (`ARXIV_RSS_URL/{categories}`), parsed with feedparser."""

from __future__ import annotations

import asyncio
import calendar
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from bot.arxiv.client import ArxivUnavailableError, Gate, no_gate
from bot.core.arxiv_ids import split_versioned_id
from bot.core.models import Paper

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


class FeedClient:
    """Fetches and parses listing feeds; a failed or unreadable fetch raises ArxivUnavailableError."""

    def __init__(self, rss_url: str, timeout: float, gate: Gate = no_gate) -> None:
        self._rss_url = rss_url
        self._timeout = timeout
        self._gate = gate

    def url(self, categories: Sequence[str]) -> str:
        """The feed URL for a set of categories (`…/rss/cs.CL+cs.LG`)."""
        return f"{self._rss_url}/{'+'.join(sorted(categories))}"

    async def fetch(self, categories: Sequence[str]) -> list[Announcement]:
        """Today's announcements for the categories; an empty list on days without announcements."""
        url = self.url(categories)
        await self._gate()
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=True) as client:
                response = await client.get(url, headers={"User-Agent": "arxiv-digest-bot"})
        except httpx.TimeoutException as exc:
            raise ArxivUnavailableError("the arXiv feed did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise ArxivUnavailableError(f"cannot reach the arXiv feed: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise ArxivUnavailableError(f"the arXiv feed answered HTTP {response.status_code}")
        return await asyncio.to_thread(parse_feed, response.content)


def parse_feed(content: bytes) -> list[Announcement]:
    """Parse an arXiv RSS document; raises ArxivUnavailableError if it is not one."""
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
    return announcements


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
