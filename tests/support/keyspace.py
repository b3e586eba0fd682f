"""A snapshot of every Redis key, to prove that bad input and refused users changed nothing."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis


async def keyspace(redis: Redis) -> dict[str, Any]:
    """Every key with its type-appropriate value."""
    snapshot: dict[str, Any] = {}
    for key in sorted(str(k) for k in await redis.keys("*")):
        kind = await redis.type(key)
        if kind == "hash":
            snapshot[key] = await redis.hgetall(key)
        elif kind == "set":
            snapshot[key] = sorted(await redis.smembers(key))
        else:
            snapshot[key] = await redis.get(key)
    return snapshot
