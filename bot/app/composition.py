"""The composition root: builds every service once from Settings and hands them down."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import openai
from redis.asyncio import Redis

from bot.app.settings import Settings
from bot.arxiv.client import ArxivClient
from bot.arxiv.feed import FeedClient
from bot.arxiv.papers import PaperService
from bot.cards.build import CardMaker
from bot.core.metrics import Metrics
from bot.core.models import ChatRef
from bot.store.budget import TokenBudget
from bot.store.cache import SharedCache
from bot.store.chats import ChatStore, RedisChatStore
from bot.store.connection import Keys, connect
from bot.store.ledger import Ledger
from bot.store.limits import RateLimiter
from bot.store.pacing import Pacer
from bot.summaries import ExtractiveSummarizer, LlmSummarizer, Summarizer
from bot.summaries.service import SummaryService


@dataclass
class Services:
    """Everything handlers and adapters need, built in one place."""

    settings: Settings
    redis: Redis
    keys: Keys
    summarizer: Summarizer
    cards: CardMaker
    summarize_limit: RateLimiter
    chats: ChatStore
    papers: PaperService
    summaries: SummaryService
    ledger: Ledger
    pacer: Pacer
    arxiv: ArxivClient
    feeds: FeedClient
    metrics: Metrics
    digest_limit: RateLimiter
    digest_now: Callable[[ChatRef], Awaitable[int]] | None = None
    """Plans an on-demand round for a chat and returns the papers planned (set where a pipeline runs)."""

    async def aclose(self) -> None:
        """Release network resources."""
        await self.redis.aclose()
        if isinstance(self.summarizer, LlmSummarizer):
            await self.summarizer.aclose()


def build_summarizer(
    settings: Settings, budget: TokenBudget | None = None, metrics: Metrics | None = None
) -> Summarizer:
    """An LLM summarizer when an endpoint is configured, else the extractive one."""
    if not settings.llm_configured:
        return ExtractiveSummarizer()
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "unused"
    client = openai.AsyncOpenAI(
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )
    return LlmSummarizer(
        client, settings.llm_model, settings.llm_max_concurrency, budget=budget, metrics=metrics
    )


def build_services(settings: Settings, redis: Redis | None = None) -> Services:
    """Wire every service from settings (a ready Redis client may be passed in, e.g. by tests)."""
    redis = redis if redis is not None else connect(settings.redis_url)
    keys = Keys(settings.redis_key_prefix)
    cache = SharedCache(redis, keys)
    pacer = Pacer(redis, keys.prefix)
    interval = settings.arxiv_request_interval_seconds

    async def arxiv_gate() -> None:
        await pacer.wait("arxiv", interval)

    arxiv = ArxivClient(settings.arxiv_api_url, timeout=settings.arxiv_timeout_seconds, gate=arxiv_gate)
    metrics = Metrics()
    budget = TokenBudget(redis, keys.prefix, settings.llm_daily_token_budget)
    summarizer = build_summarizer(settings, budget, metrics)
    summaries = SummaryService(cache, keys, summarizer, ttl_seconds=settings.summary_cache_days * 86400)
    papers = PaperService(cache, keys, arxiv)
    return Services(
        settings=settings,
        redis=redis,
        keys=keys,
        summarizer=summarizer,
        cards=CardMaker(papers, summaries),
        summarize_limit=RateLimiter(redis, keys, "summarize", settings.summarize_per_minute),
        chats=RedisChatStore(redis, settings.redis_key_prefix),
        papers=papers,
        summaries=summaries,
        ledger=Ledger(redis, keys.prefix),
        pacer=pacer,
        arxiv=arxiv,
        feeds=FeedClient(settings.arxiv_rss_url, timeout=settings.arxiv_timeout_seconds, gate=arxiv_gate),
        metrics=metrics,
        digest_limit=RateLimiter(redis, keys, "digest", settings.digest_per_hour, window=3600),
    )
