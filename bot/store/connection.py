"""The Redis connection: a real server when REDIS_URL is set, else an embedded in-process store.

The Redis API is the storage contract: every store class speaks it, and the embedded backend is
fakeredis (with Lua), so the same code and the same contract tests run on both.
"""

from __future__ import annotations

import logging

import fakeredis
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)


def connect(redis_url: str | None) -> Redis:
    """A Redis client for `redis_url`, or an embedded in-process store when it is unset."""
    if redis_url:
        # Reconnect through a Redis restart or failover instead of failing the command in hand.
        retry = Retry(ExponentialBackoff(cap=2.0, base=0.05), retries=8)
        return Redis.from_url(
            redis_url,
            decode_responses=True,
            health_check_interval=30,
            retry=retry,
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
    log.warning("REDIS_URL is not set: using an embedded in-process store; nothing will persist")
    client: Redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    return client
