"""Delivering queued digests: claim in the ledger, pace, send, record the outcome, then acknowledge.

Workers are idempotent: a delivery taken over from a dead worker re-sends only papers still planned;
papers that were in flight when it died become `uncertain` and are never sent blindly again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from bot.arxiv.papers import PaperService
from bot.cards.build import build_card, link_card
from bot.core.chats import ChatState
from bot.core.delivery import (
    DigestHeader,
    DigestMessage,
    Failed,
    Messengers,
    Mode,
    Moved,
    Refused,
    Retry,
    Sent,
    Uncertain,
)
from bot.core.failpoints import failpoint
from bot.core.metrics import Metrics
from bot.core.models import Card, ChatRef
from bot.store.chats import ChatStore
from bot.store.ledger import Ledger
from bot.store.lifecycle import ChatLifecycle
from bot.store.pacing import Pacer, chat_pace, group_pace, platform_pace
from bot.summaries.service import SummaryService
from scheduler.config import DigestConfig
from scheduler.queue import Delivery, DeliveryQueue, Item

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
CARD_CACHE_SECONDS = 300.0
CARD_CACHE_SIZE = 4096


@dataclass
class DeliveryStats:
    """Counters of what workers did (for reports, metrics and benchmarks)."""

    messages: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    papers: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rate_limited: int = 0


class Deliverer:
    """Takes deliveries off the queue and sends them."""

    def __init__(
        self,
        *,
        chats: ChatStore,
        ledger: Ledger,
        papers: PaperService,
        summaries: SummaryService,
        lifecycle: ChatLifecycle,
        pacer: Pacer,
        queue: DeliveryQueue,
        messengers: Messengers,
        metrics: Metrics,
        config: DigestConfig,
        pacing: bool = True,
    ) -> None:
        self._chats = chats
        self._ledger = ledger
        self._papers = papers
        self._summaries = summaries
        self._lifecycle = lifecycle
        self._pacer = pacer
        self._queue = queue
        self._messengers = messengers
        self._metrics = metrics
        self._config = config
        self._pacing = pacing
        self.stats = DeliveryStats()
        self._card_cache: dict[tuple[str, str, Mode, tuple[str, ...], str], tuple[float, Card]] = {}

    async def run(self, stop: asyncio.Event, batch: int = 64, block_ms: int = 1000) -> None:
        """Work until `stop` is set."""
        while not stop.is_set():
            await self.drain_once(batch, block_ms)

    async def drain_once(self, batch: int = 64, block_ms: int = 1000) -> int:
        """Take one batch and deliver it, chats in parallel (bounded); returns how many were taken."""
        deliveries = await self._queue.take(batch, block_ms)
        slots = asyncio.Semaphore(self._config.delivery_concurrency)

        async def one(delivery: Delivery) -> None:
            async with slots:
                try:
                    await self.deliver(delivery)
                except Exception:  # the entry stays pending and is retried; never lose the loop
                    log.exception("Delivery %s for %s failed unexpectedly", delivery.id, delivery.chat.key())

        await asyncio.gather(*(one(d) for d in deliveries))
        return len(deliveries)

    async def deliver(self, delivery: Delivery) -> None:
        """Send every message of one delivery in order; acknowledge when all outcomes are recorded."""
        if delivery.chat.platform not in self._messengers:
            log.warning(
                "Delivery %s is for %s, which this worker cannot reach", delivery.id, delivery.chat.key()
            )
            return  # left pending for a worker that has that platform
        chat, state = await self._chats.resolve(delivery.chat)  # follows a group → supergroup move
        for index, items in enumerate(delivery.messages):
            result = await self._message(chat, state, delivery, index, items)
            if result is None:
                return  # left pending: retried later by this or another worker
            if result != chat:
                chat, state = result, await self._chats.get_chat(result)
        await self._queue.ack(delivery.id)

    async def _message(
        self, chat: ChatRef, state: ChatState | None, delivery: Delivery, index: int, items: tuple[Item, ...]
    ) -> ChatRef | None:
        papers = [paper for paper, _ in items]
        if state is None or not state.active:
            reason = (
                "the chat is gone" if state is None else f"the chat is inactive ({state.inactive_reason})"
            )
            await self._finish(chat, papers, "failed", reason=reason)
            return chat
        claimed, ambiguous = await self._ledger.claim(chat, f"{delivery.id}/{index}", papers)
        if ambiguous:
            await self._finish(chat, ambiguous, "uncertain", reason="a worker stopped while sending")
        if not claimed:
            return chat
        failpoint("after_claim")
        message = await self._compose(delivery, index, [(p, m) for p, m in items if p in claimed])
        return await self._send(chat, claimed, message, group=state.kind != "private")

    async def _send(
        self, chat: ChatRef, claimed: list[str], message: DigestMessage, *, group: bool
    ) -> ChatRef | None:
        moved = False
        messenger = self._messengers[chat.platform]
        for _attempt in range(MAX_ATTEMPTS):
            await self._pace(chat, group=group)
            outcome = await messenger.send_digest(chat, message)
            failpoint("after_send")
            await self._pacer.hold_after(chat, outcome)  # a 429 or a spent rate budget, for every worker
            if isinstance(outcome, Sent):
                await self._finish(chat, claimed, "sent", message_id=outcome.message_id)
                failpoint("after_ledger")
                return chat
            if isinstance(outcome, Retry):
                if outcome.rate_limited:
                    self.stats.rate_limited += 1
                    self._metrics.rate_limited.inc()
                if outcome.rate_limited and self._pacing:
                    continue  # the chat's next pacing slot comes after the hold
                await asyncio.sleep(outcome.after)
                continue
            if isinstance(outcome, Moved) and not moved:
                chat = await self._lifecycle.after_send(chat, outcome) or chat
                moved = True
                continue
            if isinstance(outcome, Uncertain):
                await self._finish(chat, claimed, "uncertain", reason=outcome.reason)
            elif isinstance(outcome, Refused):
                await self._finish(
                    chat, claimed, "failed", reason=f"the chat refuses the bot: {outcome.reason}"
                )
                await self._lifecycle.after_send(chat, outcome)
            else:
                reason = outcome.reason if isinstance(outcome, Failed) else "moved twice"
                await self._finish(chat, claimed, "failed", reason=reason)
            return chat
        await self._ledger.finish(chat, claimed, "planned")  # not accepted: retry the delivery later
        log.warning("Giving up on %s for now after %d attempts; it stays queued", chat.key(), MAX_ATTEMPTS)
        return None

    async def _finish(
        self, chat: ChatRef, papers: list[str], state: str, *, message_id: str = "", reason: str = ""
    ) -> None:
        moved = await self._ledger.finish(chat, papers, state, message_id=message_id, reason=reason)  # type: ignore[arg-type]
        self.stats.messages[state] += 1
        self.stats.papers[state] += moved
        self._metrics.messages.labels(state).inc()
        if state != "sent":
            log.warning("Delivery to %s: %d paper(s) %s (%s)", chat.key(), moved, state, reason)

    async def _pace(self, chat: ChatRef, *, group: bool) -> None:
        if not self._pacing:
            return  # benchmarks measure the bot's own overhead; a 429 still waits its retry_after
        pacing, pacer = self._config.pacing_of(chat.platform), self._pacer
        delays = [await pacer.reserve(chat_pace(chat), pacing.chat_interval_seconds)]
        if group:
            delays.append(await pacer.reserve(group_pace(chat), pacing.group_interval_seconds))
        if pacing.global_rate > 0:
            delays.append(await pacer.reserve(platform_pace(chat.platform), 1 / pacing.global_rate))
        if max(delays) > 0:
            await asyncio.sleep(max(delays))

    async def _cards(self, delivery: Delivery, items: list[Item]) -> list[tuple[Card, Mode]]:
        """Cards for the items, from a short-lived in-process cache first (a digest's papers repeat)."""
        now = time.monotonic()
        keys = [
            (
                paper_id,
                delivery.language,
                mode,
                tuple(delivery.matched.get(paper_id, ())),
                delivery.because.get(paper_id, ""),
            )
            for paper_id, mode in items
        ]
        missing = [key for key in keys if key not in self._card_cache or self._card_cache[key][0] < now]
        if missing:
            papers = await self._papers.get_many([key[0] for key in missing])
            summarized = [p for p, key in zip(papers, missing, strict=True) if key[2] != "link"]
            summaries = iter(await self._summaries.get_many(summarized, delivery.language))
            for paper, key in zip(papers, missing, strict=True):
                card = (
                    link_card(paper, key[1])
                    if key[2] == "link"
                    else build_card(paper, next(summaries), key[3], key[4] or None)
                )
                self._card_cache[key] = (now + CARD_CACHE_SECONDS, card)
            while len(self._card_cache) > CARD_CACHE_SIZE:
                self._card_cache.pop(next(iter(self._card_cache)))
        return [(self._card_cache[key][1], key[2]) for key in keys]

    async def _compose(self, delivery: Delivery, index: int, items: list[Item]) -> DigestMessage:
        cards = await self._cards(delivery, items)
        header = None
        if index == 0 and delivery.header:
            h = delivery.header
            header = DigestHeader(
                date.fromisoformat(h["day"]),
                int(h["count"]),
                tuple(h["topics"]),
                int(h.get("below", 0)),
                delivery.language,
            )
        more = delivery.more if index == delivery.more_at else 0  # decided at planning
        offset = sum(len(message) for message in delivery.messages[:index])
        return DigestMessage(tuple(cards), header, more, offset, delivery.language)
