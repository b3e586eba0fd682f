"""Benchmark the daily digest: N chats x M papers against the local fakes.

Prints LLM calls per (paper, language), messages per chat, messages/s with pacing off (bot overhead)
and on (share of DELIVERY_GLOBAL_RATE reached), and peak RSS. The fake Bot API runs in its own process
so the figures are the bot's own; the fake arXiv and LLM are cheap and run in-process.

    python -m bench.digest                         # 500 chats x 40 papers, both pacing modes
    python -m bench.digest --chats 1000 --rss      # one run, peak RSS only (compare 1,000 vs 10,000)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.app.composition import Pipeline, Services, build_pipeline, build_services
from bot.app.settings import Settings
from bot.core.chat_settings import ChatSettings
from bot.core.models import ChatRef
from bot.platforms.telegram.messenger import build_messenger
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.support.digest import paper
from tests.support.redis_server import RedisServer

TOKEN = FakeTelegram.token
NOW = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)


def start_fake_telegram() -> tuple[subprocess.Popen[bytes], str]:
    """The fake Bot API in a child process; returns it and its base URL."""
    child = subprocess.Popen([sys.executable, "-m", "tests.fakes.serve", "telegram"], stdout=subprocess.PIPE)
    assert child.stdout is not None
    port = int(child.stdout.readline())
    return child, f"http://127.0.0.1:{port}"


def sent_count(base: str) -> int:
    """Messages the fake accepted so far."""
    with urllib.request.urlopen(f"{base}/_fake/stats", timeout=10) as response:
        return int(json.load(response)["sent"])


async def add_chats(services: Services, count: int) -> list[ChatRef]:
    """Private chats following cs.CL, half of them reading in Chinese."""
    chats = []
    for i in range(count):
        chat = ChatRef("telegram", 10_000 + i)
        language = "zh" if i % 2 else "en"
        await services.chats.ensure_chat(
            chat,
            "private",
            None,
            ChatSettings(language=language, time="09:00", timezone="UTC", max_papers=50),
        )
        await services.chats.subscribe(chat, "cs.CL", 25)
        chats.append(chat)
    return chats


async def plan(pipeline: Pipeline, chats: list[ChatRef]) -> tuple[int, int, float]:
    """Plan every chat's round; returns (papers planned, messages, seconds)."""
    started = time.perf_counter()
    await pipeline.planner.prefetch(chats, NOW)
    planned = messages = 0
    for chat in chats:
        report = await pipeline.planner.plan(chat, NOW)
        planned += report.planned
        messages += report.messages
    return planned, messages, time.perf_counter() - started


async def deliver(pipeline: Pipeline) -> tuple[float, float]:
    """Drain the queue; returns (wall seconds, CPU seconds of this process)."""
    started, cpu = time.perf_counter(), time.process_time()
    while await pipeline.queue.pending():
        await pipeline.deliverer.drain_once(batch=256, block_ms=100)
    return time.perf_counter() - started, time.process_time() - cpu


async def run(
    chats: int, papers: int, *, pacing: bool, rate: float, redis_dir: Path, telegram: str, rss_only: bool
) -> None:
    """One full round for `chats` chats."""
    redis = RedisServer(redis_dir)
    redis.start()
    try:
        async with FakeArxiv() as arxiv, FakeOpenAI() as llm:
            for n in range(1, papers + 1):
                arxiv.announce("cs.CL", paper(n))
            settings = Settings(
                _env_file=None,
                telegram_bot_token=TOKEN,
                telegram_api_url=f"{telegram}/bot",
                redis_url=redis.url,
                arxiv_api_url=arxiv.api_url,
                arxiv_rss_url=arxiv.rss_url,
                arxiv_request_interval_seconds=0,
                openai_base_url=llm.base_url,
                openai_api_key=llm.api_key,
                llm_model="fake-model-1",
                llm_max_concurrency=16,
                delivery_global_rate=rate,
                delivery_concurrency=64,
            )
            services = build_services(settings)
            try:
                messenger = build_messenger(TOKEN, settings.telegram_api_url, timeout=30, pool_size=64)
                pipeline = build_pipeline(services, {"telegram": messenger}, consumer="bench", pacing=pacing)
                refs = await add_chats(services, chats)
                before = sent_count(telegram)
                planned, messages, plan_seconds = await plan(pipeline, refs)
                seconds, cpu = await deliver(pipeline)
                sent = sent_count(telegram) - before
                await pipeline.aclose()
            finally:
                await services.aclose()
            figures = Figures(
                chats, papers, pacing, rate, planned, messages, plan_seconds, seconds, cpu, sent, llm.calls
            )
            report(figures, rss_only=rss_only)
    finally:
        redis.stop()


@dataclass
class Figures:
    """What one run measured."""

    chats: int
    papers: int
    pacing: bool
    rate: float
    planned: int
    messages: int
    plan_seconds: float
    seconds: float
    cpu_seconds: float
    sent: int
    llm_calls: int


def report(f: Figures, *, rss_only: bool) -> None:
    """Print the figures of one run."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if rss_only:
        print(f"{f.chats} chats x {f.papers} papers: peak RSS {peak:.1f} MiB")
        return
    languages = 2
    mode = f"pacing on (DELIVERY_GLOBAL_RATE={f.rate:g}/s)" if f.pacing else "pacing off"
    print(f"{f.chats} chats x {f.papers} papers, {mode}")
    print(f"  planned {f.planned} (chat, paper) pairs in {f.messages} messages in {f.plan_seconds:.1f} s")
    print(f"  LLM calls per (paper, language): {f.llm_calls / (f.papers * languages):.2f}")
    print(f"  messages per chat: {f.sent / f.chats:.2f}")
    line = f"  delivered {f.sent} messages in {f.seconds:.1f} s: {f.sent / f.seconds:.0f} msg/s end to end"
    if f.pacing:
        line += f" ({100 * f.sent / f.seconds / f.rate:.0f}% of the configured global rate)"
    else:
        line += f"; bot overhead {f.sent / f.cpu_seconds:.0f} msg per CPU-second of the bot process"
    print(line)
    print(f"  peak RSS {peak:.1f} MiB")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--papers", type=int, default=40)
    parser.add_argument("--rate", type=float, default=25.0, help="DELIVERY_GLOBAL_RATE for the paced run")
    parser.add_argument("--paced-chats", type=int, default=250, help="chats in the paced run (default 250)")
    parser.add_argument("--rss", action="store_true", help="one unpaced run, print peak RSS only")
    args = parser.parse_args()
    child, telegram = start_fake_telegram()
    runs = [(args.chats, args.papers, False, 0.0)]
    if not args.rss:
        runs.append((args.paced_chats, 3, True, args.rate))
    try:
        for chats, papers, pacing, rate in runs:
            with tempfile.TemporaryDirectory() as directory:
                asyncio.run(
                    run(
                        chats,
                        papers,
                        pacing=pacing,
                        rate=rate,
                        redis_dir=Path(directory),
                        telegram=telegram,
                        rss_only=args.rss,
                    )
                )
    finally:
        child.terminate()
        child.wait(timeout=10)


if __name__ == "__main__":
    main()
