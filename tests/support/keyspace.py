"""A snapshot of every Redis key, to prove that bad input and refused users changed nothing."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis


async def keyspace(redis: Redis) -> dict[str, Any]:
    """Every key with its type-appropriate value, but the rate limits' logs (when someone last asked, or
    was refused, is bookkeeping, not something a command changed)."""
    snapshot: dict[str, Any] = {}
    for key in sorted(str(k) for k in await redis.keys("*") if ":rate:" not in str(k)):
        kind = await redis.type(key)
        if kind == "hash":
            snapshot[key] = await redis.hgetall(key)
        elif kind == "set":
            snapshot[key] = sorted(await redis.smembers(key))
        elif kind == "zset":
            snapshot[key] = await redis.zrange(key, 0, -1, withscores=True)
        elif kind == "stream":
            snapshot[key] = [entry_id for entry_id, _fields in await redis.xrange(key) or []]
        else:
            snapshot[key] = await redis.get(key)
    return snapshot


async def chat_state(redis: Redis) -> dict[str, Any]:
    """The keyspace without the caches of arXiv metadata (looking a paper up is not changing a chat)."""
    return {key: value for key, value in (await keyspace(redis)).items() if ":paper:" not in key}
