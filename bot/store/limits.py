"""Per-user request limits in Redis, shared by every bot process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.store.keys import Keys


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether an action may go ahead, and if not, after how many seconds it may."""

    allowed: bool
    retry_after: int = 0


class RateLimiter:
    """At most `limit` actions per `window` seconds per actor, in fixed windows."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        action: str,
        limit: int,
        *,
        window: int = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._action = action
        self._limit = limit
        self._window = window
        self._clock = clock

    async def hit(self, who: str) -> Decision:
        """Count one action by `who` and say whether it is within the limit."""
        now = self._clock()
        window = int(now // self._window)
        key = self._keys.rate(self._action, who, window)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self._window * 2)
            count, _ = await pipe.execute()
        if int(count) <= self._limit:
            return Decision(allowed=True)
        return Decision(allowed=False, retry_after=max(1, int((window + 1) * self._window - now) + 1))
