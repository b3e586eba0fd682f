"""A daily budget of language-model tokens, shared by every process (LLM_DAILY_TOKEN_BUDGET)."""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from bot.store.keys import Keys


class TokenBudget:
    """Counts tokens per UTC day; `limit` 0 means unlimited."""

    def __init__(self, redis: Redis, keys: Keys, limit: int, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._keys = keys
        self._limit = limit
        self._clock = clock

    def _key(self) -> str:
        return self._keys.llm_tokens(time.strftime("%Y%m%d", time.gmtime(self._clock())))

    async def exhausted(self) -> bool:
        """True once today's tokens reached the limit."""
        if self._limit <= 0:
            return False
        used = await self._redis.get(self._key())
        return int(used or 0) >= self._limit

    async def remaining(self) -> int | None:
        """Tokens left today (None: no limit)."""
        if self._limit <= 0:
            return None
        used = await self._redis.get(self._key())
        return max(0, self._limit - int(used or 0))

    async def spend(self, tokens: int) -> None:
        """Record tokens used against a limit (the counter expires two days later)."""
        if self._limit <= 0 or tokens <= 0:
            return
        key = self._key()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, tokens)
            pipe.expire(key, 2 * 86400)
            await pipe.execute()
