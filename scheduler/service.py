"""The scheduler role: an APScheduler tick that plans every chat whose digest time has come.

Per-chat jobs would not survive several scheduler processes sharing Redis; a tick that asks "who is
due?" does, together with the per-chat planning lock, and it catches up after downtime by design.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.chat_settings import SettingError
from bot.core.chats import ChatState
from bot.core.metrics import Metrics
from bot.core.models import ChatRef
from bot.core.timing import announcement_date, is_due
from bot.core.topics import stored_topic
from bot.store.chats import ChatStore
from bot.store.feedback import Feedback
from bot.store.ledger import Ledger
from scheduler.announcements import Announcements
from scheduler.config import DigestConfig
from scheduler.rounds import RoundPlanner, RoundReport

log = logging.getLogger(__name__)

PLANNING_CONCURRENCY = 8
SCAN_BATCH = 500  # chats read per round trip when looking for due ones
POLL_TICK_SECONDS = 60  # how often the poller asks whether a feed is due
SUBSCRIBED_CACHE_SECONDS = 600  # how long the list of subscribed categories is reused


def utc_now() -> datetime:
    """The current time, aware."""
    return datetime.now(UTC)


class DigestScheduler:
    """Finds due chats and plans their rounds."""

    def __init__(
        self,
        *,
        chats: ChatStore,
        ledger: Ledger,
        planner: RoundPlanner,
        announcements: Announcements,
        feedback: Feedback,
        config: DigestConfig,
        clock: Callable[[], datetime] = utc_now,
        metrics: Metrics | None = None,
    ) -> None:
        self._feedback = feedback
        self._chats = chats
        self._ledger = ledger
        self._planner = planner
        self._announcements = announcements
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._subscribed: tuple[float, list[str]] = (0.0, [])

    async def due_chats(self, now: datetime) -> list[ChatRef]:
        """Active chats whose digest time has passed today and whose round is not done (or may retry)."""
        due = []
        chats = await self._chats.all_chats()
        for start in range(0, len(chats), SCAN_BATCH):
            batch = chats[start : start + SCAN_BATCH]
            try:
                states = await self._chats.get_chats(batch)
            except (ValueError, KeyError):  # someone's record is broken: read the batch one by one
                states = [await self._state_or_none(chat) for chat in batch]
            rounds_of = await self._planner.state.read_many(batch)
            due += [
                chat
                for chat, state, rounds in zip(batch, states, rounds_of, strict=True)
                if state is not None and self._due_or_skipped(chat, now, state, rounds)
            ]
        return due

    def _due_or_skipped(self, chat: ChatRef, now: datetime, state: ChatState, rounds: dict[str, str]) -> bool:
        """Whether a chat is due; a chat whose stored data cannot be read is skipped, never the tick."""
        try:
            return self._due(now, state, rounds)
        except (SettingError, ValueError, KeyError) as exc:
            self._bad_record(chat, "schedule", exc)
            return False

    async def _state_or_none(self, chat: ChatRef) -> ChatState | None:
        try:
            return await self._chats.get_chat(chat)
        except (ValueError, KeyError) as exc:
            self._bad_record(chat, "schedule", exc)
            return None

    def _bad_record(self, chat: ChatRef, stage: str, exc: BaseException) -> None:
        log.error("Skipping %s: its stored data cannot be used (%s: %s)", chat.key(), stage, exc)
        if self._metrics is not None:
            self._metrics.bad_chat_records.labels(stage).inc()

    @staticmethod
    def _due(now: datetime, state: ChatState, rounds: dict[str, str]) -> bool:
        if not state.receives_digests or now.timestamp() < float(rounds.get("retry_at", 0)):
            return False
        last_day = date.fromisoformat(rounds["day"]) if rounds.get("day") else None
        return is_due(now, state.settings.time, state.settings.timezone, last_day)

    async def tick(self) -> list[RoundReport]:
        """Plan every due chat (a few at a time; shared sources are fetched once)."""
        now = self._clock()
        chats = await self.due_chats(now)
        if not chats:
            return []
        await self._planner.prefetch(chats, now)  # every shared feed once, several categories per request
        slots = asyncio.Semaphore(PLANNING_CONCURRENCY)

        async def one(chat: ChatRef) -> RoundReport:
            async with slots:
                try:
                    return await self._planner.plan(chat, now)
                except (SettingError, ValueError, KeyError) as exc:  # one chat's data, not the others'
                    self._bad_record(chat, "plan", exc)
                    return RoundReport(chat, "", skipped=f"unreadable chat data: {exc}")

        reports = await asyncio.gather(*(one(c) for c in chats))
        log.info(
            "Tick: %d chat(s) due, %d round(s) planned, %d message(s) queued",
            len(chats),
            sum(1 for r in reports if r.planned),
            sum(r.messages for r in reports),
        )
        return list(reports)

    def start(self) -> AsyncIOScheduler:
        """Start ticking every SCHEDULER_TICK_SECONDS (and once right away)."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._safe_tick,
            "interval",
            seconds=self._config.tick_seconds,
            next_run_time=utc_now(),
            max_instances=1,
            coalesce=True,
            id="digest-tick",
        )
        scheduler.add_job(
            self._safe_poll,
            "interval",
            seconds=POLL_TICK_SECONDS,
            next_run_time=utc_now(),
            max_instances=1,
            coalesce=True,
            id="archive-poll",
        )
        scheduler.add_job(self._purge, "interval", hours=24, next_run_time=utc_now(), id="housekeeping")
        scheduler.start()
        return scheduler

    async def _safe_tick(self) -> None:
        try:
            await self.tick()
        except Exception:  # a failing tick must not stop the next one
            log.exception("Scheduler tick failed")

    async def _safe_poll(self) -> None:
        try:
            await self.poll()
        except Exception:  # a failing poll must not stop the next one
            log.exception("Announcement poll failed")

    async def poll(self) -> dict[str, str]:
        """The poller: check the feeds of every subscribed category if due (boundary, interval, gaps)."""
        now = self._clock()
        return await self._announcements.poll_if_due(await self.subscribed_categories(), now)

    async def subscribed_categories(self) -> list[str]:
        """Every category some chat receiving digests follows (re-read every few minutes)."""
        read_at, categories = self._subscribed
        if time.monotonic() - read_at < SUBSCRIBED_CACHE_SECONDS and read_at:
            return categories
        found: set[str] = set()
        chats = await self._chats.all_chats()
        for start in range(0, len(chats), SCAN_BATCH):
            batch = chats[start : start + SCAN_BATCH]
            states = await self._chats.get_chats(batch)
            receiving = [
                chat for chat, state in zip(batch, states, strict=True) if state and state.receives_digests
            ]
            for topics in await self._chats.topics_of(receiving):
                for text in topics:
                    topic = stored_topic(text)
                    if topic is None:
                        continue  # no longer parses; the planner logs it
                    if topic.kind == "category":
                        found.add(topic.canonical)
        self._subscribed = (time.monotonic(), sorted(found))
        return self._subscribed[1]

    async def _purge(self) -> None:
        await self.housekeeping()

    async def housekeeping(self) -> tuple[int, int]:
        """Forget long-inactive chats, old final ledger entries and archived announcements older than
        LOOKBACK_DAYS; returns (chats, entries)."""
        config = self._config
        purged = await self._chats.purge_inactive(config.chat_retention_days * 86400)
        for chat in purged:  # its likes and votes go with it
            await self._feedback.forget(chat)
        pruned = 0
        for chat in await self._chats.all_chats():
            pruned += await self._ledger.prune(chat, config.ledger_retention_days * 86400)
        oldest = announcement_date(self._clock()) - timedelta(days=config.lookback_days + 1)
        archived = await self._announcements.archive.prune(oldest)
        log.info(
            "Housekeeping: forgot %d inactive chat(s), %d old ledger entries, %d archived announcements",
            len(purged),
            pruned,
            archived,
        )
        return len(purged), pruned
