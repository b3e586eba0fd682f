"""Per-user limits: a sliding window, so no burst of twice the limit across a window boundary."""

from __future__ import annotations

import asyncio

import fakeredis
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from bot.store.keys import Keys
from bot.store.limits import RateLimiter
from tests.support.clock import Clock


async def test_the_limit_holds_across_a_window_boundary(backend: Redis) -> None:
    clock = Clock(now=1_000_059.0)  # one second before a fixed 60 s window would have reset
    limiter = RateLimiter(backend, Keys("t:"), "summarize", 3, clock=clock)
    allowed = []
    for _ in range(3):
        allowed.append((await limiter.hit("u")).allowed)
        clock.advance(0.4)
    assert allowed == [True, True, True]
    clock.now = 1_000_061.0  # a fixed window would have started counting again at 1_000_060
    refused = await limiter.hit("u")
    assert not refused.allowed
    assert refused.retry_after == 58  # when the first of the three leaves the last minute
    clock.advance(58)
    assert (await limiter.hit("u")).allowed
    assert not (await limiter.hit("u")).allowed  # the other two are still within the minute


async def test_refusals_are_not_counted_and_actors_are_separate(backend: Redis) -> None:
    clock = Clock()
    limiter = RateLimiter(backend, Keys("t:"), "digest", 1, window=3600, clock=clock)
    assert (await limiter.hit("chat:1")).allowed
    for _ in range(5):  # asking again and again does not push the next allowed time back
        assert (await limiter.hit("chat:1")).retry_after == 3600
    assert (await limiter.hit("chat:2")).allowed
    clock.advance(3600)
    assert (await limiter.hit("chat:1")).allowed


async def test_concurrent_hits_never_exceed_the_limit(redis: Redis) -> None:
    limiter = RateLimiter(redis, Keys("t:"), "summarize", 5)
    decisions = await asyncio.gather(*(limiter.hit("u") for _ in range(40)))
    assert sum(d.allowed for d in decisions) == 5


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=30, allow_nan=False), min_size=1, max_size=40))
def test_no_window_of_sixty_seconds_ever_holds_more_than_the_limit(gaps: list[float]) -> None:
    # On the embedded backend with its own loop: hypothesis cannot take the async fixtures.
    async def run() -> list[float]:
        backend: Redis = fakeredis.FakeAsyncRedis(decode_responses=True)
        clock = Clock()
        limiter = RateLimiter(backend, Keys("t:"), "summarize", 4, clock=clock)
        allowed = []
        for gap in gaps:
            clock.advance(gap)
            if (await limiter.hit("u")).allowed:
                allowed.append(clock.now)
        await backend.aclose()
        return allowed

    allowed = asyncio.run(run())
    for index, start in enumerate(allowed):
        assert len([t for t in allowed[index:] if t < start + 60]) <= 4
