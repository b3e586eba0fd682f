"""Rate pacing shared by every process through Redis: at most one event per interval per key.

Each call reserves the next free slot atomically (one Lua call) and sleeps until it; so N workers on
N machines together never exceed the rate, and nobody spins.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from bot.core.delivery import Outcome, Retry, Sent
from bot.core.models import ChatRef, Platform
from bot.store.keys import Keys

# KEYS[1] = slot key; ARGV = now_ms, interval_ms, not_before_ms. Returns the reserved slot (ms).
_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local not_before = tonumber(ARGV[3])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, free, not_before)
redis.call('SET', KEYS[1], slot + interval, 'PX', interval + math.max(0, slot - now) + 1000)
return slot
"""

# KEYS[1] = hold key; ARGV = until_ms. Extends a hold (e.g. Telegram's retry_after) and never shortens it.
_HOLD = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ms = tonumber(ARGV[1])
if until_ms > current then
  redis.call('SET', KEYS[1], until_ms, 'PX', until_ms - tonumber(ARGV[2]) + 1000)
end
return math.max(current, until_ms)
"""


def chat_pace(chat: ChatRef) -> str:
    """The pacing key of one chat (every message to it, digests and replies alike)."""
    return f"chat:{chat.key()}"


def group_pace(chat: ChatRef) -> str:
    """The extra pacing key of a group or channel (platforms that limit groups more than private chats)."""
    return f"group:{chat.key()}"


def platform_pace(platform: Platform) -> str:
    """The pacing key every message to a platform shares (its global rate)."""
    return f"global:{platform}"


def hold_for(chat: ChatRef, outcome: Outcome) -> tuple[str, float] | None:
    """Which pacing key an outcome asks to hold, and for how long: a 429 (of the chat or the whole
    platform), or an accepted message whose rate-limit headers said the chat's budget is spent."""
    if isinstance(outcome, Retry) and outcome.rate_limited:
        return (platform_pace(chat.platform) if outcome.scope == "global" else chat_pace(chat)), outcome.after
    if isinstance(outcome, Sent) and outcome.pause > 0:
        return chat_pace(chat), outcome.pause
    return None


class Pacer:
    """Reserves slots on named Redis keys; `interval <= 0` disables pacing for that call."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._sleep = sleep
        self._reserve = redis.register_script(_RESERVE)
        self._hold = redis.register_script(_HOLD)

    async def reserve(self, name: str, interval: float) -> float:
        """Reserve the next slot of `name` (respecting any hold on it); returns seconds to wait.

        With `interval <= 0` nothing is reserved, but a hold (a 429, a spent rate budget) still applies.
        """
        now_ms = int(self._clock() * 1000)
        held = await self._redis.get(self._keys.pace_hold(name))
        not_before = int(held) if held is not None else 0
        if interval <= 0:
            return max(0.0, (not_before - now_ms) / 1000)
        slot = int(
            await self._reserve(keys=[self._keys.pace(name)], args=[now_ms, int(interval * 1000), not_before])
        )
        return max(0.0, (slot - now_ms) / 1000)

    async def wait(self, name: str, interval: float) -> None:
        """Sleep until this caller's slot of `name` comes."""
        delay = await self.reserve(name, interval)
        if delay > 0:
            await self._sleep(delay)

    async def hold_after(self, chat: ChatRef, outcome: Outcome) -> None:
        """Apply what a send's outcome says about pacing (see `hold_for`) for every process."""
        found = hold_for(chat, outcome)
        if found is not None:
            await self.hold(*found)

    async def hold(self, name: str, seconds: float) -> None:
        """Block `name` for `seconds` from now (e.g. after a 429 with retry_after)."""
        now_ms = int(self._clock() * 1000)
        await self._hold(keys=[self._keys.pace_hold(name)], args=[now_ms + int(seconds * 1000), now_ms])
