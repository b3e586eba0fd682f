"""Keeping the announcement archive current: feeds polled around arXiv's announcement times (conditional
requests, one poller at a time across processes), listing days missed while the bot was down recovered
from the API, and every chat's round reading only what is new to it.

A fetch made before an announcement boundary (00:00 Eastern) is never trusted after it: a round that
finds a category last checked before the boundary polls it first. A feed still showing yesterday's
listing shortly after the boundary (arXiv rebuilding late) makes the category "pending": the round
delivers what there is and is retried a little later the same day.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.arxiv.client import ArxivClient, ArxivError
from bot.arxiv.feed import FeedClient, Listing, Validators
from bot.arxiv.papers import PaperService
from bot.core.metrics import Metrics
from bot.core.models import Paper
from bot.core.timing import (
    announcement_boundary,
    announcement_date,
    announcement_days_between,
    eastern_midnight,
)
from bot.core.topics import Topic
from bot.core.topics.taxonomy import is_archive
from bot.store.archive import Archive, DayRecord, Gap, PollState, Read

log = logging.getLogger(__name__)

FEED_CHUNK = 20  # categories per feed request
LOOKUP_CHUNK = 100  # ids per metadata request
BACKFILL_LIMIT = 2000  # papers per back-filled category and gap
RECHECK_SECONDS = 60.0  # a feed behind the calendar is asked again this often
FAILURE_MEMORY_SECONDS = 300.0  # a feed that just failed is not asked again this soon (by anyone)
PENDING_GRACE = timedelta(hours=2)  # after that, a feed still behind is taken as it is
LOCK_SECONDS = 300
LOCK_WAIT_SECONDS = 60.0


def in_category(paper: Paper, category: str) -> bool:
    """Whether a paper is listed in a category (or anywhere in an archive)."""
    if is_archive(category):
        return any(c == category or c.startswith(category + ".") for c in paper.categories)
    return category in paper.categories


@dataclass
class Freshness:
    """Categories whose feed could not be read (with why), and those still showing yesterday's listing."""

    failed: dict[str, str] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)


class Announcements:
    """The archive's keeper: polls, back-fills and reads."""

    def __init__(
        self,
        feeds: FeedClient,
        arxiv: ArxivClient,
        papers: PaperService,
        archive: Archive,
        metrics: Metrics,
        *,
        lookback_days: int,
        poll_minutes: float,
    ) -> None:
        self._feeds = feeds
        self._arxiv = arxiv
        self._papers = papers
        self.archive = archive
        self._metrics = metrics
        self._lookback = timedelta(days=lookback_days)
        self._interval = poll_minutes * 60

    # ----- deciding ------------------------------------------------------------------------------
    @staticmethod
    def behind(state: PollState, now: datetime) -> bool:
        """Whether a feed still shows an older listing than arXiv's calendar says (within the grace)."""
        if state.day is None or state.day >= announcement_date(now):
            return False
        return now - announcement_boundary(now) < PENDING_GRACE

    @staticmethod
    def failing(state: PollState, now: datetime) -> bool:
        """Whether the category's last poll failed a moment ago (arXiv is not asked again yet)."""
        return state.failed_at > state.checked and now.timestamp() - state.failed_at < FAILURE_MEMORY_SECONDS

    def needs_poll(self, state: PollState, now: datetime, *, periodic: bool = False) -> bool:
        """Never trust a check made before the last boundary; re-ask a feed behind the calendar."""
        if self.failing(state, now):
            return False
        checked = state.checked
        if checked < announcement_boundary(now).timestamp():
            return True
        if self.behind(state, now) and now.timestamp() - checked >= RECHECK_SECONDS:
            return True
        return periodic and now.timestamp() - checked >= self._interval

    # ----- what rounds ask -----------------------------------------------------------------------
    async def ensure_fresh(self, categories: Sequence[str], now: datetime) -> Freshness:
        """Poll the categories whose archive may be out of date; say which failed or are pending."""
        wanted = sorted(set(categories))
        states = await self.archive.poll_states(wanted)
        due = [c for c in wanted if self.needs_poll(states[c], now)]
        failed = await self.poll(due, now) if due else {}
        if due:
            states = await self.archive.poll_states(wanted)
        for category in wanted:  # failed a moment ago, here or in another process: still failed
            if category not in failed and self.failing(states[category], now):
                failed[category] = states[category].failure
        pending = {c for c in wanted if c not in failed and self.behind(states[c], now)}
        return Freshness(failed, pending)

    async def read(self, categories: Sequence[str], cursor: int | None, now: datetime) -> Read:
        """What the archive holds for a chat's categories after its cursor (at most LOOKBACK_DAYS old)."""
        not_before = announcement_date(now - self._lookback)
        return await self.archive.read(sorted(set(categories)), cursor, not_before)

    async def poll_if_due(self, categories: Sequence[str], now: datetime) -> dict[str, str]:
        """The poller's tick: categories not checked since the boundary or for POLL minutes (each poll
        also retries the back-fills still pending, so a failing API is asked at most that often)."""
        wanted = sorted(set(categories))
        states = await self.archive.poll_states(wanted)
        due = [c for c in wanted if self.needs_poll(states[c], now, periodic=True)]
        return await self.poll(due, now) if due else {}

    # ----- polling -------------------------------------------------------------------------------
    async def poll(self, categories: Sequence[str], now: datetime) -> dict[str, str]:
        """Fetch the categories' feeds (one poller at a time across processes); returns failures."""
        failed: dict[str, str] = {}

        async def work() -> None:
            failed.update(await self._poll(categories, now))
            await self._backfill_gaps(now)

        await self._one_at_a_time(work)
        return failed

    async def _one_at_a_time(self, work: Callable[[], Awaitable[None]]) -> None:
        token = await self.archive.lock(LOCK_SECONDS)
        if token is None:  # another process is polling: wait for it, then use what it archived
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while await self.archive.locked() and time.monotonic() < deadline:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.2)
            return
        try:
            await work()
        finally:
            await self.archive.unlock(token)

    async def _poll(self, categories: Sequence[str], now: datetime) -> dict[str, str]:
        failed: dict[str, str] = {}
        states = await self.archive.poll_states(categories)
        for start in range(0, len(categories), FEED_CHUNK):
            chunk = list(categories[start : start + FEED_CHUNK])
            url = self._feeds.url(chunk)
            known = await self.archive.validators(url)
            validators = Validators(known.get("etag"), known.get("last_modified")) if known else None
            try:
                listing = await self._feeds.fetch(chunk, validators)
            except ArxivError as exc:
                self._metrics.polls.labels("failed").inc()
                self._metrics.fetch_failures.inc()
                log.warning("Feed %s failed: %s", "+".join(chunk), exc)
                failed.update(dict.fromkeys(chunk, str(exc)))
                await self._remember_failure(chunk, states, now, str(exc))
                continue
            if listing is None:
                self._metrics.polls.labels("not_modified").inc()
                await self.archive.set_polled({c: PollState(now.timestamp(), states[c].day) for c in chunk})
                continue
            self._metrics.polls.labels("fetched").inc()
            await self._archive_listing(chunk, listing, states, now)
            await self.archive.set_validators(url, listing.validators.etag, listing.validators.last_modified)
        return failed

    async def _remember_failure(
        self, chunk: list[str], states: dict[str, PollState], now: datetime, reason: str
    ) -> None:
        """Remember the failure (nobody asks again for a few minutes); for a category never read yet, also
        since when it is wanted, so that its first successful read back-fills the days it missed."""
        failed = {}
        for category in chunk:
            state = states[category]
            wanted = state.wanted or (announcement_date(now) if state.day is None else None)
            failed[category] = PollState(state.checked, state.day, wanted, now.timestamp(), reason)
        await self.archive.set_polled(failed)

    async def _archive_listing(
        self, chunk: list[str], listing: Listing, states: dict[str, PollState], now: datetime
    ) -> None:
        new = [a for a in listing.announcements if a.is_new]
        papers = await self._enrich([a.paper for a in new])
        await self._papers.put_many(papers)
        kinds = {a.paper.arxiv_id: a.announce_type for a in new}
        polled = {}
        for category in chunk:
            mine = [p for p in papers if in_category(p, category)]
            previous = states[category].day
            if listing.day is not None:
                added = await self.archive.record(category, [p.arxiv_id for p in mine], listing.day, "feed")
                self._metrics.archived.labels("feed").inc(added)
                submitted = [p.published.timestamp() for p in mine if kinds[p.arxiv_id] == "new"]
                record = DayRecord(
                    "feed", len(mine), min(submitted, default=None), max(submitted, default=None)
                )
                await self.archive.set_day(category, listing.day, record)
                wanted = states[category].wanted
                after = previous or (wanted - timedelta(days=1) if wanted else None)
                if after is not None and listing.day > after:
                    missed = announcement_days_between(after, listing.day)
                    if missed:
                        log.warning("Archive of %s missed listing days %s; back-filling", category, missed)
                        await self.archive.add_gap(category, Gap(after, listing.day, tuple(missed)))
            polled[category] = PollState(now.timestamp(), listing.day or previous)
        await self.archive.set_polled(polled)
        log.info(
            "Feed %s (%s): %d new or cross-listed, %d replaced",
            "+".join(chunk),
            listing.day,
            len(new),
            len(listing.announcements) - len(new),
        )

    async def _enrich(self, papers: list[Paper]) -> list[Paper]:
        """Full metadata (comments, v1 dates) from the API; the feed's own data if the API fails."""
        full: dict[str, Paper] = {}
        ids = [p.arxiv_id for p in papers]
        for start in range(0, len(ids), LOOKUP_CHUNK):
            try:
                for paper in await self._arxiv.fetch_many(ids[start : start + LOOKUP_CHUNK]):
                    full[paper.arxiv_id] = paper
            except ArxivError as exc:
                log.warning("Metadata lookup failed, using the feed's data: %s", exc)
        return [full.get(p.arxiv_id, p) for p in papers]

    # ----- back-filling ------------------------------------------------------------------------
    async def _backfill_gaps(self, now: datetime) -> None:
        for category, gap in (await self.archive.gaps()).items():
            await self._backfill(category, gap, now)

    async def _backfill(self, category: str, gap: Gap, now: datetime) -> None:
        """Recover a gap's papers: version-1 submissions between the listings around it (no replacements)."""
        days = await self.archive.days(category)
        before, after = days.get(gap.after), days.get(gap.before)
        since = datetime.fromtimestamp(before.last, now.tzinfo) if before and before.last else None
        until = datetime.fromtimestamp(after.first, now.tzinfo) if after and after.first else None
        since = max(since or eastern_midnight(gap.after) - timedelta(days=1), now - self._lookback)
        until = until or eastern_midnight(gap.before)
        if since >= until:
            await self.archive.clear_gap(category)
            return
        try:
            found = await self._arxiv.search(
                Topic("category", category).api_query, since, until, BACKFILL_LIMIT
            )
        except ArxivError as exc:
            self._metrics.fetch_failures.inc()
            log.warning("Back-filling %s %s failed (kept for the next poll): %s", category, gap.days, exc)
            return
        fresh = [p for p in found if since <= p.published <= until and in_category(p, category)]
        await self._papers.put_many(fresh)
        added = await self.archive.record(category, [p.arxiv_id for p in fresh], gap.before, "backfill")
        for day in gap.days:
            await self.archive.set_day(category, day, DayRecord("backfill", added))
        self._metrics.archived.labels("backfill").inc(added)
        self._metrics.backfilled_days.inc(len(gap.days))
        await self.archive.clear_gap(category)
        log.info("Back-filled %s for %s: %d paper(s) from the API", category, gap.days, added)


def categories_of(topics: Sequence[Topic]) -> list[str]:
    """The category topics among a chat's topics."""
    return sorted({t.canonical for t in topics if t.kind == "category"})
