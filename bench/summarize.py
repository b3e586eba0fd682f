"""Benchmark /summarize through the real bot against the local fakes.

Prints: cached /summarize latency from update to reply (p50/p95), LLM calls made for 50 concurrent
/summarize of one new paper (goal: 1), and peak RSS.

    python -m bench.summarize [--requests 200] [--concurrent 50]

Needs redis-server on PATH (a private one is started on a free port).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bot.app.composition import build_services
from bot.app.settings import Settings
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.support.redis_server import RedisServer
from tests.support.telegram import telegram_bot

GAP_SECONDS = 0.1


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def bench(requests: int, concurrent: int, llm_latency: float) -> None:
    """Run both measurements and print the figures."""
    with tempfile.TemporaryDirectory() as directory:
        redis = RedisServer(Path(directory))
        redis.start()
        try:
            async with FakeTelegram() as tg, FakeArxiv() as arxiv, FakeOpenAI(latency=llm_latency) as llm:
                settings = Settings(
                    _env_file=None,
                    telegram_bot_token=tg.token,
                    telegram_api_url=tg.api_url,
                    redis_url=redis.url,
                    arxiv_api_url=arxiv.api_url,
                    arxiv_request_interval_seconds=0,
                    openai_base_url=llm.base_url,
                    openai_api_key=llm.api_key,
                    llm_model="fake-model-1",
                    summarize_per_minute=1000,
                )
                services = build_services(settings)
                try:
                    async with telegram_bot(services):
                        await measure_cached(tg, requests)
                        await measure_concurrent(tg, llm, concurrent)
                finally:
                    await services.aclose()
        finally:
            redis.stop()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak_kib / 1024:.1f} MiB")


async def measure_cached(tg: FakeTelegram, requests: int) -> None:
    """Latency of /summarize for an already-summarized paper, update posted → reply accepted."""
    await tg.push_text(1, "/summarize 2402.01349")
    await tg.wait_for_messages(1, chat_id=1, within=30)
    latencies = []
    for i in range(requests):
        chat = 10_000 + i
        await asyncio.sleep(GAP_SECONDS)  # users arrive one by one: measure latency, not the rate limiter
        started = time.monotonic()
        await tg.push_text(chat, "/summarize 2402.01349")
        (message,) = await tg.wait_for_messages(1, chat_id=chat, within=30)
        latencies.append((message.at - started) * 1000)
    print(
        f"cached /summarize latency over {requests} requests: "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms"
    )


async def measure_concurrent(tg: FakeTelegram, llm: FakeOpenAI, concurrent: int) -> None:
    """LLM calls made when `concurrent` chats ask for the same new paper at once."""
    before = llm.calls
    chats = [20_000 + i for i in range(concurrent)]
    started = time.monotonic()
    await asyncio.gather(*(tg.push_text(chat, "/summarize 2502.14816") for chat in chats))
    for chat in chats:
        await tg.wait_for_messages(1, chat_id=chat, within=60)
    elapsed = time.monotonic() - started
    cards = sum("Dynamic Low-Rank Sparse Adaptation" in m.visible_text for m in tg.sent if m.chat_id in chats)
    print(
        f"{concurrent} concurrent /summarize of one new paper: {llm.calls - before} LLM call(s), "
        f"{cards} cards delivered in {elapsed:.2f} s"
    )


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="cached requests to time (default 200)")
    parser.add_argument("--concurrent", type=int, default=50, help="concurrent requests (default 50)")
    parser.add_argument("--llm-latency", type=float, default=0.5, help="fake LLM latency in s (default 0.5)")
    args = parser.parse_args()
    asyncio.run(bench(args.requests, args.concurrent, args.llm_latency))


if __name__ == "__main__":
    main()
