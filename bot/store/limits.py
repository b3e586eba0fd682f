"""Per-user request limits in Redis, shared by every bot process."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.store.keys import Keys


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether an action may go ahead, and if not, after how many seconds it may."""

    allowed: bool
    retry_after: int = 0


# KEYS[1] = the actor's log (a sorted set of action times); ARGV = now, window, limit, member, record.
# Drops times older than the window, then either says there is room (recording this action when
# `record` is 1) or says when the oldest leaves.
_HIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  if ARGV[5] == '1' then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
    redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
  end
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))
"""


class RateLimiter:
    """At most `limit` actions in any `window` seconds per actor (a sliding log: unlike fixed windows,
    no burst of twice the limit across a window boundary)."""

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
        self._keys = keys
        self._action = action
        self._limit = limit
        self._window = window
        self._clock = clock
        self._hit = redis.register_script(_HIT)

    async def hit(self, who: str) -> Decision:
        """Count one action by `who` and say whether it is within the limit (a refused one is not counted)."""
        return await self._decide(who, record=True)

    async def peek(self, who: str) -> Decision:
        """Whether an action by `who` would be within the limit now, counting nothing (see `hit`)."""
        return await self._decide(who, record=False)

    async def _decide(self, who: str, *, record: bool) -> Decision:
        now = self._clock()
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        args: list[str | float] = [now, self._window, self._limit, member, "1" if record else "0"]
        wait = float(await self._hit(keys=[self._keys.rate(self._action, who)], args=args))
        if wait <= 0:
            return Decision(allowed=True)
        return Decision(allowed=False, retry_after=max(1, math.ceil(wait)))
