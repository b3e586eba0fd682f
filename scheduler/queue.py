"""The durable delivery queue: a Redis Stream with one consumer group shared by every worker.

Entries are acknowledged only after the ledger records the outcome; a worker that dies leaves its
entries pending, and another worker claims them (XAUTOCLAIM) once they have been idle long enough.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.core.delivery import Mode
from bot.core.models import ChatRef
from bot.store.chats import parse_chat_key
from bot.store.keys import Keys

log = logging.getLogger(__name__)

GROUP = "workers"


Item = tuple[str, Mode]
"""A paper id and how it is shown (card, compact row, or link)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One chat's digest round: its messages in order, each a list of papers, sent by one worker."""

    chat: ChatRef
    round_id: str
    messages: tuple[tuple[Item, ...], ...]
    language: str
    header: dict[str, Any] | None = None  # carried by the first message
    more: int = 0  # papers beyond max_papers, announced by message `more_at` before its first link
    more_at: int = -1
    matched: dict[str, list[str]] = field(default_factory=dict)
    because: dict[str, str] = field(default_factory=dict)  # paper → the liked paper that chose it
    id: str = ""

    def fields(self) -> dict[str, str]:
        """Stream entry fields."""
        return {
            "chat": self.chat.key(),
            "round": self.round_id,
            "messages": ";".join(",".join(f"{mode}:{paper}" for paper, mode in m) for m in self.messages),
            "language": self.language,
            "header": json.dumps(self.header) if self.header else "",
            "more": str(self.more),
            "more_at": str(self.more_at),
            "matched": json.dumps(self.matched, ensure_ascii=False),
            "because": json.dumps(self.because, ensure_ascii=False),
        }

    @classmethod
    def from_entry(cls, entry_id: str, data: dict[str, str]) -> Delivery:
        """Decode a stream entry."""
        messages = []
        for message in data.get("messages", "").split(";"):
            items = []
            for item in filter(None, message.split(",")):
                mode, _, paper = item.partition(":")
                items.append((paper, mode))
            if items:
                messages.append(tuple(items))
        return cls(
            chat=parse_chat_key(data["chat"]),
            round_id=data["round"],
            messages=tuple(messages),  # type: ignore[arg-type]
            language=data.get("language", "en"),
            header=json.loads(data["header"]) if data.get("header") else None,
            more=int(data.get("more") or 0),
            more_at=_more_at(data, messages),
            matched=json.loads(data["matched"]) if data.get("matched") else {},
            because=json.loads(data["because"]) if data.get("because") else {},
            id=entry_id,
        )


def first_link_message(messages: Sequence[Sequence[tuple[str, str]]]) -> int:
    """Index of the first message listing a paper as a link (it carries the "N more" line), or -1."""
    return next((n for n, message in enumerate(messages) if any(m == "link" for _, m in message)), -1)


def _more_at(data: dict[str, str], messages: list[tuple[tuple[str, str], ...]]) -> int:
    """Stored since it is decided at planning; entries queued by 0.1 decided it the same way."""
    return int(data["more_at"]) if data.get("more_at") else first_link_message(messages)


class DeliveryQueue:
    """XADD / XREADGROUP / XAUTOCLAIM / XACK on one stream."""

    def __init__(self, redis: Redis, keys: Keys, consumer: str, claim_idle_seconds: float = 60.0) -> None:
        self._redis = redis
        self.key = keys.deliveries()
        self._consumer = consumer
        self._claim_idle_ms = int(claim_idle_seconds * 1000)
        self._claim_cursor = "0-0"
        self._ready = False

    async def ensure_group(self) -> None:
        """Create the stream and consumer group if missing (idempotent)."""
        if self._ready:
            return
        try:
            await self._redis.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._ready = True

    async def put(self, deliveries: Sequence[Delivery]) -> list[str]:
        """Append deliveries; returns their entry ids."""
        await self.ensure_group()
        async with self._redis.pipeline(transaction=False) as pipe:
            for delivery in deliveries:
                pipe.xadd(self.key, delivery.fields())  # type: ignore[arg-type]
            return [str(entry_id) for entry_id in await pipe.execute()]

    async def take(self, count: int, block_ms: int) -> list[Delivery]:
        """Entries left by dead workers first, then new entries (waiting up to block_ms for some)."""
        await self.ensure_group()
        reclaimed = await self._reclaim(count)
        if reclaimed:
            return reclaimed
        reply: Any = await self._redis.xreadgroup(
            GROUP, self._consumer, {self.key: ">"}, count=count, block=block_ms
        )
        out: list[Delivery] = []
        for _stream, entries in reply or []:
            for entry_id, data in entries:
                if data:
                    out.append(Delivery.from_entry(str(entry_id), data))
        return out

    async def _reclaim(self, count: int) -> list[Delivery]:
        reply = await self._redis.xautoclaim(
            self.key,
            GROUP,
            self._consumer,
            min_idle_time=self._claim_idle_ms,
            start_id=self._claim_cursor,
            count=count,
        )
        self._claim_cursor = str(reply[0])
        entries = reply[1]
        out = []
        for entry_id, data in entries:
            if data:  # a deleted entry comes back empty
                out.append(Delivery.from_entry(str(entry_id), data))
            else:
                await self.ack(str(entry_id))
        if out:
            log.info("Claimed %d delivery(ies) left pending by another worker", len(out))
        return out

    async def ack(self, entry_id: str) -> None:
        """Acknowledge and delete an entry (the ledger already records its outcome)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xack(self.key, GROUP, entry_id)
            pipe.xdel(self.key, entry_id)
            await pipe.execute()

    async def pending(self) -> int:
        """Entries not yet acknowledged plus entries not yet read."""
        await self.ensure_group()
        groups = await self._redis.xinfo_groups(self.key)
        for group in groups:
            if group["name"] == GROUP:
                lag = group.get("lag") or 0
                return int(group["pending"]) + int(lag)
        return 0
