"""The composition root: builds every service once from Settings and hands each layer just what it uses.

Nothing below bot.app reads Settings: handlers get CommandServices, the digest classes their collaborators
and a DigestConfig, platforms their own few values. Adding a platform is a folder under bot/platforms/ and
one line in `build_platforms`.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

import openai
from redis.asyncio import Redis

from bot.app.settings import Settings
from bot.arxiv.client import ArxivClient, Backoff, Gate
from bot.arxiv.feed import FeedClient
from bot.arxiv.fulltext import FullTextService, HtmlClient
from bot.arxiv.papers import PaperService
from bot.cards.build import CardMaker
from bot.core.delivery import Messenger, Messengers
from bot.core.metrics import Metrics
from bot.core.models import ChatRef, Platform
from bot.platforms.base import ChatPlatform, Inbound
from bot.platforms.discord import DiscordPlatform
from bot.platforms.telegram import TelegramPlatform
from bot.relevance.embeddings import EmbeddingModel
from bot.relevance.lexical import LexicalModel
from bot.relevance.service import VectorService
from bot.store.archive import Archive
from bot.store.budget import TokenBudget
from bot.store.cache import SharedCache
from bot.store.chats import ChatStore
from bot.store.connection import connect
from bot.store.feedback import Feedback
from bot.store.keys import Keys
from bot.store.ledger import Ledger
from bot.store.lifecycle import ChatLifecycle
from bot.store.limits import RateLimiter
from bot.store.pacing import Pacer
from bot.summaries import ExtractiveSummarizer, LlmSummarizer, Summarizer
from bot.summaries.service import SummaryService
from handlers.context import CommandConfig, CommandServices, RefusalLimits
from scheduler.announcements import Announcements
from scheduler.config import DigestConfig, Pacing
from scheduler.discovery import Discovery
from scheduler.queue import DeliveryQueue
from scheduler.relevance import Relevance
from scheduler.rounds import PLANNED_ELSEWHERE, RoundPlanner, RoundState
from scheduler.service import DigestScheduler
from scheduler.worker import Deliverer


@dataclass
class Services:
    """Every shared service, built once; the roles and the CLI hand its parts down."""

    settings: Settings
    redis: Redis
    keys: Keys
    summarizer: Summarizer
    chats: ChatStore
    ledger: Ledger
    lifecycle: ChatLifecycle
    pacer: Pacer
    arxiv: ArxivClient
    feeds: FeedClient
    archive: Archive
    papers: PaperService
    summaries: SummaryService
    cards: CardMaker
    metrics: Metrics
    summarize_limit: RateLimiter
    digest_limit: RateLimiter
    feedback: Feedback
    vectors: VectorService
    embedder: EmbeddingModel | None = None

    async def aclose(self) -> None:
        """Release network resources."""
        await self.redis.aclose()
        if isinstance(self.summarizer, LlmSummarizer):
            await self.summarizer.aclose()
        if self.embedder is not None:
            await self.embedder.aclose()


def build_summarizer(
    settings: Settings,
    budget: TokenBudget | None = None,
    metrics: Metrics | None = None,
    fulltext: FullTextService | None = None,
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
        client,
        settings.llm_model,
        settings.llm_max_concurrency,
        budget=budget,
        metrics=metrics,
        fulltext=fulltext,
        max_input_tokens=settings.llm_max_input_tokens,
        card_timeout=settings.llm_card_timeout_seconds,
    )


def build_embedder(settings: Settings) -> EmbeddingModel | None:
    """Paper vectors from the OpenAI-compatible embeddings endpoint, when EMBEDDING_MODEL is set."""
    if settings.embedding_model is None:
        return None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "unused"
    client = openai.AsyncOpenAI(
        api_key=key,
        base_url=settings.embedding_base_url or settings.openai_base_url,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )
    return EmbeddingModel(client, settings.embedding_model)


def arxiv_lane(pacer: Pacer, name: str, interval: float) -> tuple[Gate, Backoff]:
    """A pacing lane for arXiv requests shared by every process: the gate waits `interval` between
    requests, and a Retry-After from arXiv holds the lane for everyone."""

    async def gate() -> None:
        await pacer.wait(name, interval)

    async def backoff(seconds: float) -> None:
        await pacer.hold(name, seconds)

    return gate, backoff


def build_services(settings: Settings, redis: Redis | None = None) -> Services:
    """Wire every service from settings (a ready Redis client may be passed in, e.g. by tests)."""
    redis = redis if redis is not None else connect(settings.redis_url)
    keys = Keys(settings.redis_key_prefix)
    cache = SharedCache(redis, keys)
    pacer = Pacer(redis, keys)
    interval = settings.arxiv_request_interval_seconds

    arxiv_gate, arxiv_backoff = arxiv_lane(pacer, "arxiv", interval)
    agent = settings.arxiv_user_agent
    arxiv = ArxivClient(
        settings.arxiv_api_url,
        timeout=settings.arxiv_timeout_seconds,
        gate=arxiv_gate,
        user_agent=agent,
        backoff=arxiv_backoff,
    )
    metrics = Metrics()
    budget = TokenBudget(redis, keys, settings.llm_daily_token_budget)
    metrics.llm_budget.set(budget.limit)
    # A lane of its own: fetching full texts never delays the API or the feeds.
    html_gate, html_backoff = arxiv_lane(pacer, "arxiv_html", interval)
    html = HtmlClient(
        settings.arxiv_html_url,
        timeout=settings.arxiv_timeout_seconds,
        gate=html_gate,
        user_agent=agent,
        backoff=html_backoff,
    )
    fulltext = FullTextService(cache, keys.fulltext, html, metrics)
    summarizer = build_summarizer(settings, budget, metrics, fulltext)
    summaries = SummaryService(
        cache, keys.summary, summarizer, ttl_seconds=settings.summary_cache_days * 86400
    )
    papers = PaperService(cache, keys.paper, arxiv)
    chats = ChatStore(redis, keys)
    ledger = Ledger(redis, keys)
    embedder = build_embedder(settings)
    vectors = VectorService(cache, keys.vector, LexicalModel(), embedder, metrics)
    return Services(
        settings=settings,
        redis=redis,
        keys=keys,
        summarizer=summarizer,
        chats=chats,
        ledger=ledger,
        lifecycle=ChatLifecycle(chats, ledger),
        pacer=pacer,
        arxiv=arxiv,
        feeds=FeedClient(
            settings.arxiv_rss_url,
            timeout=settings.arxiv_timeout_seconds,
            gate=arxiv_gate,
            user_agent=agent,
            backoff=arxiv_backoff,
        ),
        archive=Archive(redis, keys),
        papers=papers,
        summaries=summaries,
        cards=CardMaker(papers, summaries),
        metrics=metrics,
        summarize_limit=RateLimiter(redis, keys, "summarize", settings.summarize_per_minute),
        digest_limit=RateLimiter(redis, keys, "digest", settings.digest_per_hour, window=3600),
        feedback=Feedback(redis, keys),
        vectors=vectors,
        embedder=embedder,
    )


# ----- platforms ---------------------------------------------------------------------------------
def build_platforms(settings: Settings) -> list[ChatPlatform]:
    """Every platform whose token is set (one line per platform)."""
    platforms: list[ChatPlatform] = []
    if settings.telegram_bot_token is not None:
        platforms.append(
            TelegramPlatform(
                settings.telegram_bot_token.get_secret_value(),
                settings.telegram_api_url,
                send_timeout=settings.telegram_send_timeout_seconds,
                pool_size=settings.delivery_concurrency,
            )
        )
    if settings.discord_bot_token is not None:
        platforms.append(
            DiscordPlatform(
                settings.discord_bot_token.get_secret_value(),
                settings.discord_api_url,
                guild_ids=settings.discord_guilds,
                send_timeout=settings.discord_send_timeout_seconds,
                pool_size=settings.delivery_concurrency,
            )
        )
    return platforms


def messengers_of(platforms: list[ChatPlatform]) -> dict[Platform, Messenger]:
    """The outbound port of each platform, by name."""
    return {platform.name: platform.messenger for platform in platforms}


# ----- the digest pipeline -----------------------------------------------------------------------
def digest_config(settings: Settings) -> DigestConfig:
    """The digest's configuration values."""
    return DigestConfig(
        lookback_days=settings.lookback_days,
        fetch_retry_minutes=settings.fetch_retry_minutes,
        tick_seconds=settings.scheduler_tick_seconds,
        chat_retention_days=settings.chat_retention_days,
        ledger_retention_days=settings.ledger_retention_days,
        delivery_concurrency=settings.delivery_concurrency,
        claim_idle_seconds=settings.delivery_claim_idle_seconds,
        pacing={
            "telegram": Pacing(
                chat_interval_seconds=settings.delivery_chat_interval_seconds,
                group_interval_seconds=settings.delivery_group_interval_seconds,
                global_rate=settings.delivery_global_rate,
            ),
            "discord": Pacing(
                chat_interval_seconds=settings.discord_channel_interval_seconds,
                global_rate=settings.discord_global_rate,
            ),
        },
    )


def consumer_name() -> str:
    """A name unique to this worker process (host and pid)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def build_announcements(services: Services) -> Announcements:
    """The announcement archive's keeper on top of the services."""
    settings = services.settings
    return Announcements(
        services.feeds,
        services.arxiv,
        services.papers,
        services.archive,
        services.metrics,
        lookback_days=settings.lookback_days,
        poll_minutes=settings.arxiv_poll_minutes,
    )


def build_discovery(services: Services) -> Discovery:
    """Discovery of new papers on top of the services."""
    return Discovery(
        build_announcements(services),
        services.arxiv,
        services.papers,
        redis=services.redis,
        keys=services.keys,
        metrics=services.metrics,
    )


@dataclass
class Pipeline:
    """Everything the scheduler and worker roles need."""

    discovery: Discovery
    queue: DeliveryQueue
    planner: RoundPlanner
    deliverer: Deliverer
    scheduler: DigestScheduler
    messengers: Messengers

    async def aclose(self) -> None:
        """Close the platforms' connections."""
        for messenger in self.messengers.values():
            await messenger.aclose()

    async def digest_now(self, chat: ChatRef) -> int | None:
        """Plan an on-demand round for one chat (/digest); returns how many papers it planned, or None
        when another scheduler or /digest was planning the chat at that moment."""
        now = datetime.now(UTC)
        await self.planner.prefetch([chat], now)
        report = await self.planner.plan(chat, now, forced=True)
        return None if report.skipped == PLANNED_ELSEWHERE else report.planned

    async def restart_digests(self, chat: ChatRef) -> None:
        """After /resume: the chat's digests start from now, with nothing from the pause caught up on."""
        await self.planner.state.restart(
            chat, datetime.now(UTC), await self.discovery.announcements.archive.cursor_now()
        )


def build_pipeline(
    services: Services, messengers: Messengers, *, consumer: str | None = None, pacing: bool = True
) -> Pipeline:
    """The digest pipeline on top of the services, delivering through the given messengers."""
    config = digest_config(services.settings)
    discovery = build_discovery(services)
    queue = DeliveryQueue(
        services.redis,
        services.keys,
        consumer or consumer_name(),
        claim_idle_seconds=config.claim_idle_seconds,
    )
    planner = RoundPlanner(
        chats=services.chats,
        ledger=services.ledger,
        summaries=services.summaries,
        discovery=discovery,
        queue=queue,
        state=RoundState(services.redis, services.keys),
        messengers=messengers,
        metrics=services.metrics,
        config=config,
        relevance=Relevance(services.feedback, services.vectors, services.papers),
    )
    deliverer = Deliverer(
        chats=services.chats,
        ledger=services.ledger,
        papers=services.papers,
        summaries=services.summaries,
        lifecycle=services.lifecycle,
        pacer=services.pacer,
        queue=queue,
        messengers=messengers,
        metrics=services.metrics,
        config=config,
        pacing=pacing,
    )
    scheduler = DigestScheduler(
        chats=services.chats,
        ledger=services.ledger,
        planner=planner,
        announcements=discovery.announcements,
        config=config,
        feedback=services.feedback,
        metrics=services.metrics,
    )
    return Pipeline(discovery, queue, planner, deliverer, scheduler, messengers)


# ----- commands ----------------------------------------------------------------------------------
def command_config(settings: Settings) -> CommandConfig:
    """The values command logic reads."""
    return CommandConfig(
        default_language=settings.default_language,
        digest_time=settings.digest_time,
        digest_timezone=settings.digest_timezone,
        max_topics_per_chat=settings.max_topics_per_chat,
        summarize_per_minute=settings.summarize_per_minute,
        digest_per_hour=settings.digest_per_hour,
    )


REFUSAL_MEMBER_WINDOW = 600  # a member is told "only admins" once in ten minutes
REFUSALS_PER_CHAT_MINUTE = 3  # and a group hears it at most three times a minute, whoever asks


def command_services(services: Services, pipeline: Pipeline) -> CommandServices:
    """What handlers use, complete."""
    return CommandServices(
        config=command_config(services.settings),
        chats=services.chats,
        cards=services.cards,
        summarize_limit=services.summarize_limit,
        digest_limit=services.digest_limit,
        digest_now=pipeline.digest_now,
        restart_digests=pipeline.restart_digests,
        feedback=services.feedback,
        papers=services.papers,
        ledger=services.ledger,
        refusals=RefusalLimits(
            member=RateLimiter(services.redis, services.keys, "refusal", 1, window=REFUSAL_MEMBER_WINDOW),
            chat=RateLimiter(services.redis, services.keys, "refusals", REFUSALS_PER_CHAT_MINUTE),
        ),
    )


def inbound(services: Services, pipeline: Pipeline) -> Inbound:
    """What platform adapters need to answer updates."""
    return Inbound(
        commands=command_services(services, pipeline),
        lifecycle=services.lifecycle,
        pacer=services.pacer,
    )
