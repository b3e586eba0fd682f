"""Running the bot's roles (`run --role …`) and one delivery round for every chat (`deliver --now`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from bot.app.composition import Services, build_pipeline, inbound, messengers_of
from bot.platforms.base import ChatPlatform

log = logging.getLogger(__name__)


async def run_roles(
    services: Services, platforms: list[ChatPlatform], role: str, stop: asyncio.Event
) -> None:
    """Run one role (or all) until `stop` is set; bots run for every configured platform."""
    settings = services.settings
    if settings.metrics_port:
        services.metrics.serve(settings.metrics_port)
        log.info("Metrics on :%d/metrics", settings.metrics_port)
    pipeline = build_pipeline(services, messengers_of(platforms))
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(pipeline.aclose)
        if role in {"all", "bot"}:
            parts = inbound(services, pipeline)
            for platform in platforms:
                await stack.enter_async_context(platform.running(parts))
        if role in {"all", "scheduler"}:
            scheduler = pipeline.scheduler.start()
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


async def deliver_now(services: Services, platforms: list[ChatPlatform], out: list[str]) -> dict[str, int]:
    """Plan a round for every active chat now, deliver it, and return the counts."""
    pipeline = build_pipeline(services, messengers_of(platforms))
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
