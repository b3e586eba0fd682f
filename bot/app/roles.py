"""Running the bot's roles (`run --role …`) and one delivery round for every chat (`deliver --now`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from bot.app.composition import Services
from bot.core.models import ChatRef
from bot.platforms.telegram.messenger import build_sender
from scheduler.pipeline import Pipeline, build_pipeline
from scheduler.service import DigestScheduler

log = logging.getLogger(__name__)


def telegram_pipeline(services: Services, *, pacing: bool = True) -> Pipeline:
    """The digest pipeline delivering through the Bot API."""
    settings = services.settings
    assert settings.telegram_bot_token is not None
    sender = build_sender(
        settings.telegram_bot_token.get_secret_value(),
        settings.telegram_api_url,
        timeout=settings.telegram_send_timeout_seconds,
        pool_size=settings.delivery_concurrency,
    )
    return build_pipeline(services, sender, pacing=pacing)


def enable_digest_now(services: Services, pipeline: Pipeline) -> None:
    """Let /digest plan on-demand rounds through this process's pipeline."""

    async def digest_now(chat: ChatRef) -> int:
        now = datetime.now(UTC)
        await pipeline.planner.prefetch([chat], now)
        return (await pipeline.planner.plan(chat, now, forced=True)).planned

    services.digest_now = digest_now


async def run_roles(services: Services, role: str, stop: asyncio.Event) -> None:
    """Run one role (or all) until `stop` is set."""
    settings = services.settings
    if settings.metrics_port:
        services.metrics.serve(settings.metrics_port)
        log.info("Metrics on :%d/metrics", settings.metrics_port)
    pipeline = telegram_pipeline(services)
    enable_digest_now(services, pipeline)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(pipeline.aclose)
        if role in {"all", "bot"}:
            from bot.platforms.telegram.adapter import polling  # noqa: PLC0415 - PTB's Application only where it runs

            await stack.enter_async_context(polling(services))
        if role in {"all", "scheduler"}:
            scheduler = DigestScheduler(services, pipeline.planner).start()
            stack.callback(scheduler.shutdown, wait=False)
            log.info("Scheduler ticking every %.0f s", settings.scheduler_tick_seconds)
        if role in {"all", "worker"}:
            worker = asyncio.create_task(pipeline.deliverer.run(stop))
            stack.push_async_callback(_finish, worker)
            log.info("Worker consuming deliveries")
        await stop.wait()


async def _finish(task: asyncio.Task[None]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)


async def deliver_now(services: Services, out: list[str]) -> dict[str, int]:
    """Plan a round for every active chat now, deliver it, and return the counts."""
    pipeline = telegram_pipeline(services)
    now = datetime.now(UTC)
    stored = await services.chats.all_chats()
    states = await services.chats.get_chats(stored)
    chats = [chat for chat, state in zip(stored, states, strict=True) if state and state.receives_digests]
    await pipeline.planner.prefetch(chats, now)
    reports = [await pipeline.planner.plan(chat, now, forced=True) for chat in chats]
    failed_topics = sum(len(r.failed_topics) for r in reports)
    while await pipeline.queue.pending():
        await pipeline.deliverer.drain_once(batch=64, block_ms=200)
    await pipeline.aclose()
    papers = pipeline.deliverer.stats.papers
    counts = {
        "chats": len(chats),
        "planned": sum(r.planned for r in reports),
        "sent": papers["sent"],
        "failed": papers["failed"],
        "uncertain": papers["uncertain"],
        "failed_topics": failed_topics,
    }
    out.append(" ".join(f"{key}={value}" for key, value in counts.items()))
    return counts
