"""The Redis connection (real, or embedded in-process) and the naming of every key."""

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


class Keys:
    """Every Redis key the bot uses, under one configurable prefix (documented in docs/data-model.md)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def paper(self, arxiv_id: str) -> str:
        """JSON metadata of one paper."""
        return f"{self.prefix}paper:{arxiv_id}"

    def summary(self, arxiv_id: str, language: str, model: str, prompt_version: str) -> str:
        """JSON summary of one paper in one language by one model and prompt."""
        return f"{self.prefix}summary:{arxiv_id}:{language}:{model}:{prompt_version}"

    def lock(self, key: str) -> str:
        """A short-lived lock guarding the computation of `key` across processes."""
        return f"{key}:lock"

    def rate(self, action: str, who: str, window: int) -> str:
        """A counter of `action` by `who` in one fixed time window."""
        return f"{self.prefix}rate:{action}:{who}:{window}"
