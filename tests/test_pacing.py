"""Shared pacing: slots are spaced by the interval across all callers, and holds push them back."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.store.keys import Keys
from bot.store.pacing import Pacer
from tests.support.clock import Clock


async def test_slots_are_spaced_for_every_caller(backend: Redis) -> None:
    clock = Clock()
    workers = [Pacer(backend, Keys("t:"), clock=clock) for _ in range(3)]  # three processes, one Redis
    delays = await asyncio.gather(*(w.reserve("global", 0.04) for w in workers for _ in range(10)))
    assert sorted(round(d, 3) for d in delays) == [round(0.04 * i, 3) for i in range(30)]


async def test_free_slots_are_not_banked(backend: Redis) -> None:
    clock = Clock()
    pacer = Pacer(backend, Keys("t:"), clock=clock)
    assert await pacer.reserve("chat:1", 1.0) == 0
    clock.now += 10  # idle for a while: the next message goes at once, not a burst of ten
    assert await pacer.reserve("chat:1", 1.0) == 0
    assert await pacer.reserve("chat:1", 1.0) == pytest.approx(1.0)


async def test_hold_delays_the_next_slot_and_never_shortens(backend: Redis) -> None:
    clock = Clock()
    pacer = Pacer(backend, Keys("t:"), clock=clock)
    await pacer.hold("chat:1", 5)
    await pacer.hold("chat:1", 2)  # a shorter retry_after does not cut the first one short
    assert await pacer.reserve("chat:1", 1.0) == pytest.approx(5.0)
    assert await pacer.reserve("chat:2", 1.0) == 0


async def test_zero_interval_means_no_pacing(backend: Redis) -> None:
    pacer = Pacer(backend, Keys("t:"))
    assert await pacer.reserve("global", 0) == 0
    assert await backend.keys("t:*") == []


async def test_a_hold_applies_even_without_pacing(backend: Redis) -> None:
    clock = Clock()
    pacer = Pacer(backend, Keys("t:"), clock=clock)
    await pacer.hold("chat:1", 2)  # a 429's retry_after, or a rate budget spent
    assert await pacer.reserve("chat:1", 0) == pytest.approx(2.0)
    clock.now += 2
    assert await pacer.reserve("chat:1", 0) == 0
