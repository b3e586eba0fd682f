"""Planning one chat's digest round: discover, select, summarize once, record in the ledger, enqueue.

A round is fenced by a Redis lock per chat, so two scheduler processes never plan it twice, and it is
re-runnable: if a planner dies mid-way, the next attempt re-plans the same round idempotently.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from redis.asyncio import Redis

from bot.cards.build import build_card, link_card
from bot.core.chat_settings import ChatSettings
from bot.core.delivery import DigestHeader, Messengers, Mode
from bot.core.failpoints import failpoint
from bot.core.metrics import Metrics
from bot.core.models import Card, ChatRef
from bot.core.ports import SummarySource
from bot.core.timing import local_date
from bot.core.topics import Topic, stored_topic
from bot.store.chats import ChatStore
from bot.store.keys import Keys
from bot.store.ledger import Ledger
from scheduler.config import DigestConfig
from scheduler.discovery import Discovery
from scheduler.planning import Candidate, Plan, fresh_candidates, plan_digest
from scheduler.queue import Delivery, DeliveryQueue, first_link_message
from scheduler.relevance import Ranked, Relevance

log = logging.getLogger(__name__)

LOCK_SECONDS = 600
PLANNED_ELSEWHERE = "another scheduler is planning it"


@dataclass
class RoundReport:
    """What planning one round did (logged, printed by `deliver --now`, exported as metrics)."""

    chat: ChatRef
    round_id: str
    found: int = 0
    planned: int = 0
    messages: int = 0
    failed_topics: dict[str, str] = field(default_factory=dict)
    pending_topics: set[str] = field(default_factory=set)  # arXiv has not rebuilt their feeds yet
    skipped: str = ""


@dataclass(frozen=True, slots=True)
class _Round:
    """The round being planned."""

    chat: ChatRef
    round_id: str
    day: date
    now: datetime
    settings: ChatSettings
    forced: bool


class RoundState:
    """Per-chat round bookkeeping in Redis: the last completed day, last success, retry time, lock."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def _key(self, chat: ChatRef) -> str:
        return self._keys.round(chat)

    async def read(self, chat: ChatRef) -> dict[str, str]:
        """day (ISO date of the last completed round), last_success (Unix time), retry_at (Unix time),
        archive_cursor (how far the chat has read the announcement archive)."""
        (data,) = await self.read_many([chat])
        return data

    async def read_many(self, chats: list[ChatRef]) -> list[dict[str, str]]:
        """The round state of many chats in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for chat in chats:
                pipe.hgetall(self._key(chat))
            replies = await pipe.execute()
        return [{str(k): str(v) for k, v in raw.items()} for raw in replies]

    async def lock(self, chat: ChatRef, round_id: str) -> str | None:
        """Take the chat's planning lock; returns the fencing token, or None if someone holds it."""
        token = f"{round_id}#{secrets.token_hex(6)}"
        ok = await self._redis.set(self._keys.round_lock(chat), token, nx=True, ex=LOCK_SECONDS)
        return token if ok else None

    async def unlock(self, chat: ChatRef, token: str) -> None:
        """Release the lock if it is still ours."""
        key = self._keys.round_lock(chat)
        if await self._redis.get(key) == token:
            await self._redis.delete(key)

    async def complete(self, chat: ChatRef, day: date, at: datetime) -> None:
        """Mark today's round done."""
        await self._redis.hset(
            self._key(chat), mapping={"day": day.isoformat(), "last_success": str(at.timestamp())}
        )
        await self._redis.hdel(self._key(chat), "retry_at")

    async def retry_later(self, chat: ChatRef, at: datetime) -> None:
        """Some sources failed: try the round again at `at`."""
        await self._redis.hset(self._key(chat), "retry_at", str(at.timestamp()))

    async def advance(self, chat: ChatRef, cursor: int) -> None:
        """The chat has read (and planned) the announcement archive up to `cursor`."""
        await self._redis.hset(self._key(chat), "archive_cursor", str(cursor))

    async def restart(self, chat: ChatRef, at: datetime, cursor: int) -> None:
        """Digests resume from `at`: nothing announced or submitted before it is caught up on."""
        await self._redis.hset(
            self._key(chat), mapping={"archive_cursor": str(cursor), "last_success": str(at.timestamp())}
        )


def archive_cursor(rounds: dict[str, str]) -> int | None:
    """The chat's archive cursor, or None before its first round (it then gets the latest listing)."""
    value = rounds.get("archive_cursor", "")
    return int(value) if value.isdigit() else None


class RoundPlanner:
    """Plans rounds for chats and puts their deliveries on the queue."""

    def __init__(
        self,
        *,
        chats: ChatStore,
        ledger: Ledger,
        summaries: SummarySource,
        discovery: Discovery,
        queue: DeliveryQueue,
        state: RoundState,
        messengers: Messengers,
        metrics: Metrics,
        config: DigestConfig,
        relevance: Relevance | None = None,
    ) -> None:
        self._relevance = relevance
        self._chats = chats
        self._ledger = ledger
        self._summaries = summaries
        self._discovery = discovery
        self._queue = queue
        self._messengers = messengers
        self._metrics = metrics
        self._config = config
        self.state = state

    async def plan(self, chat: ChatRef, now: datetime, *, forced: bool = False) -> RoundReport:
        """Plan the chat's round for its current local day (`forced`: a separate, on-demand round)."""
        state = await self._chats.get_chat(chat)
        if state is None or not state.receives_digests:
            return RoundReport(chat, "", skipped="inactive or paused")
        if chat.platform not in self._messengers:
            return RoundReport(chat, "", skipped=f"{chat.platform} is not configured in this process")
        day = local_date(now, state.settings.timezone)
        round_id = f"{chat.key()}@{day.isoformat()}" + (f"#now{int(now.timestamp())}" if forced else "")
        token = await self.state.lock(chat, round_id)
        if token is None:
            return RoundReport(chat, round_id, skipped=PLANNED_ELSEWHERE)
        job = _Round(chat, round_id, day, now, state.settings, forced)
        try:
            return await self._plan_locked(job)
        finally:
            await self.state.unlock(chat, token)

    async def _plan_locked(self, job: _Round) -> RoundReport:
        report = RoundReport(job.chat, job.round_id)
        topics = self._topics(await self._chats.topics(job.chat))
        if not topics:
            report.skipped = "no topics"
            await self._finish(job, report)
            return report
        previous = await self.state.read(job.chat)
        lookback = job.now - timedelta(days=self._config.lookback_days)
        if "last_success" in previous:
            since = max(lookback, datetime.fromtimestamp(float(previous["last_success"]), job.now.tzinfo))
        else:
            since = job.now - timedelta(days=1)
        cursor = archive_cursor(previous)  # where the chat's reading of the archive got to
        found = await self._discovery.collect(topics, since, job.now, cursor)
        report.failed_topics = found.failed
        report.pending_topics = found.pending
        ids = [p.arxiv_id for papers in found.papers.values() for p in papers]
        report.found = len(set(ids))
        self._metrics.papers_found.inc(report.found)
        known = await self._ledger.known(job.chat, ids, job.round_id)
        ranked = await self._rank(job.chat, fresh_candidates(found.papers, known))
        plan = plan_digest(
            found.papers,
            known,
            job.settings.max_papers,
            ranked.scores if ranked else None,
            job.settings.min_score,
        )
        if not plan.empty:
            await self._enqueue(job, plan, ranked, report)
        if found.cursor is not None and found.cursor != cursor:
            await self.state.advance(job.chat, found.cursor)  # planned in the ledger: safe to move on
        await self._finish(job, report)
        return report

    async def prefetch(self, chats: list[ChatRef], now: datetime) -> None:
        """Bring the archive up to date for every category these chats follow, before planning them."""
        topics: dict[str, Topic] = {}
        for chat in chats:
            if chat.platform not in self._messengers:
                continue  # planned by a process that has that platform
            for topic in self._topics(await self._chats.topics(chat)):
                topics[topic.canonical] = topic
        await self._discovery.prefetch(list(topics.values()), now)

    @staticmethod
    def _topics(canonical: list[str]) -> list[Topic]:
        topics = []
        for text in canonical:
            topic = stored_topic(text)
            if topic is None:
                log.warning("Skipping a stored topic that no longer parses: %r", text)
            else:
                topics.append(topic)
        return topics

    async def _rank(self, chat: ChatRef, candidates: list[Candidate]) -> Ranked | None:
        """The chat's profile's scores (None without feedback, or if ranking fails: the default order)."""
        if self._relevance is None:
            return None
        try:
            return await self._relevance.rank(chat, candidates)
        except Exception:  # a ranking problem must not cost the chat its digest
            log.exception("Ranking for %s failed; using the default order", chat.key())
            return None

    async def _enqueue(self, job: _Round, plan: Plan, ranked: Ranked | None, report: RoundReport) -> None:
        chosen, overflow = plan.chosen, plan.overflow
        chat, round_id, day, language = job.chat, job.round_id, job.day, job.settings.language
        mode: Mode = "row" if job.settings.style == "compact" else "card"
        why = ranked.because if ranked else {}
        cards = await asyncio.gather(*(self._card(c, language, why.get(c.paper.arxiv_id)) for c in chosen))
        items: list[tuple[Card, Mode]] = [(card, mode) for card in cards]
        items += [(link_card(c.paper, language), "link") for c in overflow]
        planned = set(await self._ledger.plan(chat, round_id, [(card.arxiv_id, m) for card, m in items]))
        items = [(card, m) for card, m in items if card.arxiv_id in planned]
        report.planned = len(items)
        self._metrics.papers_planned.inc(len(items))
        if not items:
            return
        topics = tuple(dict.fromkeys(t for c in (*chosen, *overflow) for t in c.topics))
        header = DigestHeader(day, len(items), topics, plan.below, language)
        more = sum(1 for _, m in items if m == "link")
        groups = self._messengers[chat.platform].pack(header, items, more)
        messages = tuple(tuple((items[i][0].arxiv_id, items[i][1]) for i in group) for group in groups)
        matched = {c.paper.arxiv_id: list(c.topics) for c in chosen}
        chosen_ids = {c.paper.arxiv_id for c in chosen}
        because = {pid: why for pid, why in (ranked.because if ranked else {}).items() if pid in chosen_ids}
        delivery = Delivery(
            chat,
            round_id,
            messages,
            language,
            header={"day": day.isoformat(), "count": len(items), "topics": list(topics), "below": plan.below},
            more=more,
            more_at=first_link_message(messages),
            matched=matched,
            because=because,
        )
        failpoint("after_plan")
        await self._queue.put([delivery])
        report.messages = len(messages)

    async def _card(self, candidate: Candidate, language: str, because: str | None) -> Card:
        summary = await self._summaries.get(candidate.paper, language)
        return build_card(candidate.paper, summary, candidate.topics, because)

    async def _finish(self, job: _Round, report: RoundReport) -> None:
        if report.failed_topics or report.pending_topics:
            retry = job.now + timedelta(minutes=self._config.fetch_retry_minutes)
            await self.state.retry_later(job.chat, retry)
            log.warning(
                "Round %s: %d topic(s) failed, %d not updated by arXiv yet; retrying at %s",
                report.round_id,
                len(report.failed_topics),
                len(report.pending_topics),
                retry.isoformat(timespec="minutes"),
            )
        elif not job.forced:
            await self.state.complete(job.chat, job.day, job.now)
        log.info(
            "Round %s: found %d, planned %d in %d message(s)%s",
            report.round_id,
            report.found,
            report.planned,
            report.messages,
            f" ({report.skipped})" if report.skipped else "",
        )
