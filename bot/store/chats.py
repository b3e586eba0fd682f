"""Chats, their settings and subscriptions on Redis.

Every change is atomic (WATCH/MULTI), and all subscription keys share one hash tag so the same
transactions work on Redis Cluster. The data model is documented in docs/data-model.md.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from bot.core.chat_settings import ChatSettings, min_score_value
from bot.core.chats import ChatState
from bot.core.models import ChatKind, ChatRef, Platform
from bot.store.keys import Keys

SCHEMA_VERSION = "2"  # bot.store.migrations brings older data here
TOMBSTONE_SECONDS = 30 * 86400  # how long a migrated chat's old id remembers where it went

T = TypeVar("T")


class SubscribeResult(enum.Enum):
    """What /subscribe did."""

    ADDED = "added"
    ALREADY = "already"
    LIMIT = "limit"


class ChatStore:
    """Chats, settings and subscriptions on Redis (or the embedded Redis-compatible store)."""

    def __init__(self, redis: Redis, keys: Keys, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock

    # ----- helpers -----------------------------------------------------------------------------
    async def _atomic(self, watch: list[str], body: Callable[[Pipeline], Awaitable[T]]) -> T:
        """Run `body` (reads, then pipe.multi() and queued writes) until no watched key changed."""
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(*watch)
                    result = await body(pipe)
                    await pipe.execute()
                except WatchError:
                    continue
                else:
                    return result

    @staticmethod
    def _state(chat: ChatRef, data: dict[str, str]) -> ChatState:
        settings = ChatSettings(
            language=data["language"],
            time=data["time"],
            timezone=data["timezone"],
            max_papers=int(data["max_papers"]),
            style="compact" if data.get("style") == "compact" else "cards",
            paused=data.get("paused") == "1",
            min_score=min_score_value(data.get("min_score")),
        )
        kind = data.get("kind", "private")
        return ChatState(
            chat=chat,
            kind=kind if kind in {"private", "group", "channel"} else "private",  # type: ignore[arg-type]
            title=data.get("title") or None,
            settings=settings,
            active=data.get("active", "1") == "1",
            inactive_reason=data.get("inactive_reason") or None,
            inactive_since=float(data["inactive_since"]) if data.get("inactive_since") else None,
            server_id=int(data["server"]) if data.get("server", "").isdigit() else None,
        )

    async def _read(self, chat: ChatRef) -> dict[str, str]:
        data = await _hgetall(self._redis, self._keys.chat(chat))
        return data if "language" in data else {}

    # ----- operations --------------------------------------------------------------------------
    async def get_chat(self, chat: ChatRef) -> ChatState | None:
        """The chat's state, or None if the bot never stored it."""
        data = await self._read(chat)
        return self._state(chat, data) if data else None

    async def get_chats(self, chats: Sequence[ChatRef]) -> list[ChatState | None]:
        """Many chats' states in one round trip (None for unknown chats)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for chat in chats:
                pipe.hgetall(self._keys.chat(chat))
            replies = await pipe.execute()
        states: list[ChatState | None] = []
        for chat, raw in zip(chats, replies, strict=True):
            data = {str(k): str(v) for k, v in raw.items()}
            states.append(self._state(chat, data) if "language" in data else None)
        return states

    async def ensure_chat(
        self,
        chat: ChatRef,
        kind: ChatKind,
        title: str | None,
        defaults: ChatSettings,
        server_id: int | None = None,
    ) -> ChatState:
        """The chat's state, created from `defaults` if it is new (title and server kept current)."""
        key = self._keys.chat(chat)
        fields = {
            "kind": kind,
            "language": defaults.language,
            "time": defaults.time,
            "timezone": defaults.timezone,
            "max_papers": str(defaults.max_papers),
            "style": defaults.style,
            "paused": "1" if defaults.paused else "0",
            "active": "1",
            "created_at": str(self._clock()),
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            for name, value in fields.items():
                pipe.hsetnx(key, name, value)
            if title:
                pipe.hset(key, "title", title)
            if server_id is not None:
                pipe.hset(key, "server", str(server_id))
            pipe.sadd(self._keys.chats(), chat.key())
            pipe.setnx(self._keys.schema(), SCHEMA_VERSION)
            await pipe.execute()
        state = await self.get_chat(chat)
        assert state is not None
        return state

    async def set_setting(self, chat: ChatRef, key: str, value: str) -> ChatState:
        """Store one canonical setting value (the chat must exist)."""
        if not await self._read(chat):
            raise KeyError(f"unknown chat {chat.key()}")
        await self._redis.hset(self._keys.chat(chat), key, value)
        state = await self.get_chat(chat)
        assert state is not None
        return state

    async def subscribe(self, chat: ChatRef, topic: str, limit: int) -> SubscribeResult:
        """Add a canonical topic unless present or the chat is at `limit` topics."""
        mine = self._keys.chat_topics(chat)

        async def body(pipe: Pipeline) -> SubscribeResult:
            present = await pipe.sismember(mine, topic)
            count = await pipe.scard(mine)
            pipe.multi()  # type: ignore[no-untyped-call]
            if present:
                return SubscribeResult.ALREADY
            if count >= limit:
                return SubscribeResult.LIMIT
            pipe.sadd(mine, topic)
            return SubscribeResult.ADDED

        return await self._atomic([mine], body)

    async def unsubscribe(self, chat: ChatRef, topic: str) -> bool:
        """Remove a topic; False if the chat did not follow it."""
        return bool(await self._redis.srem(self._keys.chat_topics(chat), topic))

    async def unsubscribe_all(self, chat: ChatRef) -> list[str]:
        """Remove every topic; returns what was removed."""
        mine = self._keys.chat_topics(chat)

        async def body(pipe: Pipeline) -> list[str]:
            topics = sorted(await _smembers(pipe, mine))
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.delete(mine)
            return topics

        return await self._atomic([mine], body)

    async def topics(self, chat: ChatRef) -> list[str]:
        """The chat's topics, sorted."""
        return sorted(await _smembers(self._redis, self._keys.chat_topics(chat)))

    async def topics_of(self, chats: Sequence[ChatRef]) -> list[list[str]]:
        """Many chats' topics (each sorted) in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for chat in chats:
                pipe.smembers(self._keys.chat_topics(chat))
            replies = await pipe.execute()
        return [sorted(str(t) for t in reply) for reply in replies]

    async def all_chats(self) -> list[ChatRef]:
        """Every stored chat."""
        members = await _smembers(self._redis, self._keys.chats())
        return sorted((parse_chat_key(m) for m in members), key=lambda c: (c.platform, c.chat_id))

    async def chats_in_server(self, platform: Platform, server_id: int) -> list[ChatRef]:
        """Every stored chat of a server (a Discord guild), read in one round trip; rare, so no index."""
        chats = [chat for chat in await self.all_chats() if chat.platform == platform]
        states = await self.get_chats(chats)
        return [
            chat for chat, state in zip(chats, states, strict=True) if state and state.server_id == server_id
        ]

    async def resolve(self, chat: ChatRef) -> tuple[ChatRef, ChatState | None]:
        """The chat's current id (itself, or where a migration moved it: one hop) and its state."""
        data = await _hgetall(self._redis, self._keys.chat(chat))
        if "migrated_to" in data and "language" not in data:
            chat = parse_chat_key(data["migrated_to"])
            data = await _hgetall(self._redis, self._keys.chat(chat))
        return chat, (self._state(chat, data) if "language" in data else None)

    async def set_active(self, chat: ChatRef, *, active: bool, reason: str | None = None) -> bool:
        """Mark whether the bot can post in the chat; True if that changed."""
        key = self._keys.chat(chat)

        async def body(pipe: Pipeline) -> bool:
            data = await _hgetall(pipe, key)
            pipe.multi()  # type: ignore[no-untyped-call]
            if "language" not in data or (data.get("active", "1") == "1") == active:
                return False
            if active:
                pipe.hset(key, "active", "1")
                pipe.hdel(key, "inactive_reason", "inactive_since")
            else:
                pipe.hset(
                    key,
                    mapping={
                        "active": "0",
                        "inactive_reason": reason or "unknown",
                        "inactive_since": str(self._clock()),
                    },
                )
            return True

        return await self._atomic([key], body)

    async def migrate(self, old: ChatRef, new: ChatRef) -> bool:
        """Move a chat's state to a new id (group → supergroup) exactly once; True if this call did it."""
        old_key, old_topics = self._keys.chat(old), self._keys.chat_topics(old)
        new_key, new_topics = self._keys.chat(new), self._keys.chat_topics(new)

        async def body(pipe: Pipeline) -> bool:
            data = await _hgetall(pipe, old_key)
            topics = await _smembers(pipe, old_topics)
            pipe.multi()  # type: ignore[no-untyped-call]
            if "language" not in data:
                return False  # unknown, or already migrated (a tombstone has no settings)
            for name, value in data.items():
                pipe.hsetnx(new_key, name, value)  # a state the new id already has wins
            for topic in topics:
                pipe.sadd(new_topics, topic)
            pipe.delete(old_topics, old_key)
            pipe.hset(old_key, "migrated_to", new.key())
            pipe.expire(old_key, TOMBSTONE_SECONDS)
            pipe.srem(self._keys.chats(), old.key())
            pipe.sadd(self._keys.chats(), new.key())
            return True

        return await self._atomic([old_key, old_topics, new_key, new_topics], body)

    async def purge_inactive(self, older_than: float, now: float | None = None) -> list[ChatRef]:
        """Delete chats inactive for more than `older_than` seconds; returns them."""
        cutoff = (self._clock() if now is None else now) - older_than
        purged = []
        for chat in await self.all_chats():
            state = await self.get_chat(chat)
            if state is None or state.active or state.inactive_since is None or state.inactive_since > cutoff:
                continue
            key = self._keys.chat(chat)

            async def body(pipe: Pipeline, chat: ChatRef = chat, key: str = key) -> bool:
                data = await _hgetall(pipe, key)
                pipe.multi()  # type: ignore[no-untyped-call]
                if data.get("active", "1") == "1":
                    return False  # re-added meanwhile
                pipe.delete(key, self._keys.chat_topics(chat))
                pipe.srem(self._keys.chats(), chat.key())
                return True

            if await self._atomic([key, self._keys.chat_topics(chat)], body):
                purged.append(chat)
        return purged


async def _hgetall(client: Redis | Pipeline, key: str) -> dict[str, str]:
    """HGETALL with decoded types (redis-py types replies loosely)."""
    data = await client.hgetall(key)
    return {str(k): str(v) for k, v in data.items()}


async def _smembers(client: Redis | Pipeline, key: str) -> set[str]:
    """SMEMBERS with decoded types."""
    return {str(m) for m in await client.smembers(key)}


def parse_chat_key(text: str) -> ChatRef:
    """Inverse of ChatRef.key()."""
    platform, _, chat_id = text.partition(":")
    if platform not in {"telegram", "discord", "cli"}:
        raise ValueError(f"bad chat key {text!r}")
    return ChatRef(platform, int(chat_id))  # type: ignore[arg-type]
