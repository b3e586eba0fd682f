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

    @property
    def limit(self) -> int:
        """Tokens allowed per UTC day (0: no limit)."""
        return self._limit

    async def spend(self, tokens: int) -> int:
        """Record tokens used today, also without a limit (the day's spend is a metric); returns the day's
        total so far across every process (the counter expires two days later)."""
        key = self._key()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, max(0, tokens))
            pipe.expire(key, 2 * 86400)
            total, _ = await pipe.execute()
        return int(total)
