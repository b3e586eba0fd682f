"""Bringing stored data written by earlier releases up to the current schema, once, at start.

Stored data is a public contract: a release that changes what it writes migrates what is there instead
of breaking it. Each step is idempotent, so two processes starting together do no harm.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from bot.store.chats import SCHEMA_VERSION
from bot.store.keys import Keys

log = logging.getLogger(__name__)


class SchemaError(Exception):
    """The stored data was written by a newer release than this one."""


async def _drop_topic_index(redis: Redis, keys: Keys) -> int:
    """Schema 1 → 2: forget the reverse topic → chats index, which nothing reads any more."""
    dropped = 0
    batch: list[str] = []
    async for key in redis.scan_iter(match=keys.legacy_topic_index_pattern(), count=500):
        batch.append(str(key))
        if len(batch) >= 500:
            dropped += int(await redis.unlink(*batch))
            batch.clear()
    if batch:
        dropped += int(await redis.unlink(*batch))
    return dropped


async def migrate(redis: Redis, keys: Keys) -> list[str]:
    """Apply every step the stored data needs; returns what was done (empty when it was current)."""
    stored = await redis.get(keys.schema())
    version = int(stored) if stored is not None else None
    if version is not None and version > int(SCHEMA_VERSION):
        raise SchemaError(
            f"the stored data has schema {version}, newer than this release's {SCHEMA_VERSION}; "
            "run the newer release (or restore a backup)"
        )
    done: list[str] = []
    if version is None and not await redis.exists(keys.chats()):
        await redis.set(keys.schema(), SCHEMA_VERSION, nx=True)  # a new store starts current
        return done
    if version in (None, 1):
        dropped = await _drop_topic_index(redis, keys)
        done.append(f"schema 1 → 2: dropped the reverse topic index ({dropped} key(s))")
        await redis.set(keys.schema(), "2")
    for step in done:
        log.info("Stored data migrated: %s", step)
    return done
