"""A read-through Redis cache whose concurrent misses share one computation.

Within a process, callers asking for the same key await one task. Across processes, a short-lived
Redis lock elects one computer; the others poll the cache until the value appears or the lock
expires (the computer died), in which case one of them takes over.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import WatchError

from bot.core.ports import Compute
from bot.store.keys import Keys


class SharedCache:
    """Get a value from Redis, or compute it exactly once among all concurrent callers."""

    def __init__(self, redis: Redis, keys: Keys, lock_seconds: float = 300.0, poll_seconds: float = 0.05):
        self._redis = redis
        self._keys = keys
        self._lock_ms = int(lock_seconds * 1000)
        self._poll = poll_seconds
        self._inflight: dict[str, asyncio.Task[str]] = {}

    async def get(self, key: str) -> str | None:
        """The cached value, if any."""
        value = await self._redis.get(key)
        return None if value is None else str(value)

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        """Cached values for many keys in one round trip (None where missing)."""
        if not keys:
            return []
        values = await self._redis.mget(list(keys))
        return [None if v is None else str(v) for v in values]

    async def put_many(self, values: dict[str, str], ttl: int) -> None:
        """Store values computed elsewhere."""
        if not values:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, value in values.items():
                pipe.set(key, value, ex=ttl)
            await pipe.execute()

    async def get_or_compute(self, key: str, compute: Compute) -> str:
        """The cached value, or the result of one shared call of `compute`."""
        cached = await self.get(key)
        if cached is not None:
            return cached
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._compute_once(key, compute))
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        # Shielded so one impatient caller cannot cancel the work others are waiting for.
        return await asyncio.shield(task)

    async def _compute_once(self, key: str, compute: Compute) -> str:
        lock_key = self._keys.lock(key)
        token = secrets.token_hex(8)
        while True:
            if await self._redis.set(lock_key, token, nx=True, px=self._lock_ms):
                try:
                    cached = await self.get(key)
                    if cached is not None:
                        return cached
                    value, ttl = await compute()
                    await self._redis.set(key, value, ex=ttl)
                    return value
                finally:
                    await self._release(lock_key, token)
            cached = await self.get(key)
            if cached is not None:
                return cached
            await asyncio.sleep(self._poll)

    async def _release(self, lock_key: str, token: str) -> None:
        """Delete the lock only if it is still ours (it may have expired and been taken over)."""
        deadline = time.monotonic() + 5
        async with self._redis.pipeline(transaction=True) as pipe:
            while time.monotonic() < deadline:
                try:
                    await pipe.watch(lock_key)
                    if await pipe.get(lock_key) != token:
                        await pipe.unwatch()  # type: ignore[no-untyped-call]
                        return
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.delete(lock_key)
                    await pipe.execute()
                except WatchError:
                    continue
                else:
                    return
