"""Benchmark the daily digest: N chats x M papers against the local fakes, on Telegram, Discord or both.

Prints LLM calls per (paper, language), messages per chat (and embeds per message on Discord), messages/s
with pacing off (bot overhead) and on (share of the configured global rate reached, and 429s received),
and peak RSS. The fake Bot API and the fake Discord run in their own processes so the figures are the
bot's own; the fake arXiv and LLM are cheap and run in-process.

    python -m bench.digest                          # Telegram: 500 chats x 40 papers, both pacing modes
    python -m bench.digest --platform discord       # the same on Discord (paced within Discord's limits)
    python -m bench.digest --platform both          # half the chats on each, sharing papers
    python -m bench.digest --chats 1000 --rss       # one run, peak RSS only (compare 1,000 vs 10,000)
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
from typing import Any

from bot.app.composition import Pipeline, Services, build_pipeline, build_services
from bot.app.settings import Settings
from bot.core.chat_settings import ChatSettings
from bot.core.delivery import Messenger
from bot.core.models import ChatKind, ChatRef, Platform
from bot.platforms.discord.messenger import DiscordMessenger
from bot.platforms.telegram.messenger import build_messenger
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.support.digest import paper
from tests.support.redis_server import RedisServer

TELEGRAM_TOKEN = FakeTelegram.token
DISCORD_TOKEN = FakeDiscord.token
NOW = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
DISCORD_CHANNELS = 870_000_000_000_000_000


@dataclass
class Fake:
    """A fake in a child process."""

    process: subprocess.Popen[bytes]
    base: str

    def stats(self) -> dict[str, int]:
        """The fake's counters (messages accepted, embeds, 429s sent)."""
        with urllib.request.urlopen(f"{self.base}/_fake/stats", timeout=10) as response:
            return {key: int(value) for key, value in json.load(response).items()}

    def stop(self) -> None:
        """Terminate the child."""
        self.process.terminate()
        self.process.wait(timeout=10)


def start_fake(*args: str) -> Fake:
    """A fake (`telegram`, `discord [--unlimited]`) in a child process."""
    child = subprocess.Popen([sys.executable, "-m", "tests.fakes.serve", *args], stdout=subprocess.PIPE)
    assert child.stdout is not None
    port = int(child.stdout.readline())
    return Fake(child, f"http://127.0.0.1:{port}")


def platforms_of(choice: str) -> tuple[Platform, ...]:
    """The platforms a run's chats are on."""
    if choice == "both":
        return ("telegram", "discord")
    return ("discord",) if choice == "discord" else ("telegram",)


async def add_chats(services: Services, count: int, platforms: tuple[Platform, ...]) -> list[ChatRef]:
    """Chats following cs.CL, spread over the platforms, half of them reading in Chinese."""
    chats = []
    for i in range(count):
        platform = platforms[i % len(platforms)]
        chat_id = DISCORD_CHANNELS + i if platform == "discord" else 10_000 + i
        kind: ChatKind = "group" if platform == "discord" else "private"  # Discord: server channels
        chat = ChatRef(platform, chat_id)
        language = "zh" if (i // len(platforms)) % 2 else "en"
        await services.chats.ensure_chat(
            chat, kind, None, ChatSettings(language=language, time="09:00", timezone="UTC", max_papers=50)
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


@dataclass
class Run:
    """What one run is asked to do."""

    chats: int
    papers: int
    pacing: bool
    rate: float
    platforms: tuple[Platform, ...]


@dataclass
class Figures:
    """What one run measured."""

    run: Run
    planned: int
    messages: int
    plan_seconds: float
    seconds: float
    cpu_seconds: float
    sent: int
    discord_sent: int
    embeds: int
    rate_limited: int
    llm_calls: int


async def run(job: Run, *, redis_dir: Path, fakes: dict[Platform, Fake], rss_only: bool) -> None:
    """One full round for `job.chats` chats."""
    redis = RedisServer(redis_dir)
    redis.start()
    try:
        async with FakeArxiv() as arxiv, FakeOpenAI() as llm:
            for n in range(1, job.papers + 1):
                arxiv.announce("cs.CL", paper(n))
            values: dict[str, Any] = {
                "telegram_bot_token": TELEGRAM_TOKEN,
                "discord_bot_token": DISCORD_TOKEN,
                "redis_url": redis.url,
                "arxiv_api_url": arxiv.api_url,
                "arxiv_rss_url": arxiv.rss_url,
                "arxiv_request_interval_seconds": 0,
                "openai_base_url": llm.base_url,
                "openai_api_key": llm.api_key,
                "llm_model": "fake-model-1",
                "llm_max_concurrency": 16,
                "delivery_global_rate": job.rate,
                "discord_global_rate": min(job.rate, 50),
                "delivery_concurrency": 64,
            }
            if "telegram" in fakes:
                values["telegram_api_url"] = f"{fakes['telegram'].base}/bot"
            if "discord" in fakes:
                values["discord_api_url"] = f"{fakes['discord'].base}/api/v10"
            settings = Settings(_env_file=None, **values)
            services = build_services(settings)
            try:
                messengers: dict[Platform, Messenger] = {}
                if "telegram" in job.platforms:
                    messengers["telegram"] = build_messenger(
                        TELEGRAM_TOKEN, settings.telegram_api_url, timeout=30, pool_size=64
                    )
                if "discord" in job.platforms:
                    messengers["discord"] = DiscordMessenger(
                        settings.discord_api_url, DISCORD_TOKEN, timeout=30, pool_size=64
                    )
                pipeline = build_pipeline(services, messengers, consumer="bench", pacing=job.pacing)
                refs = await add_chats(services, job.chats, job.platforms)
                before = {name: fake.stats() for name, fake in fakes.items()}
                planned, messages, plan_seconds = await plan(pipeline, refs)
                seconds, cpu = await deliver(pipeline)
                after = {name: fake.stats() for name, fake in fakes.items()}
                await pipeline.aclose()
            finally:
                await services.aclose()

            def delta(key: str, platform: Platform | None = None) -> int:
                names = [platform] if platform else list(fakes)
                return sum(after[n].get(key, 0) - before[n].get(key, 0) for n in names if n in fakes)

            figures = Figures(
                job,
                planned,
                messages,
                plan_seconds,
                seconds,
                cpu,
                delta("sent"),
                delta("sent", "discord"),
                delta("embeds", "discord"),
                delta("rate_limited", "discord"),
                llm.calls,
            )
            report(figures, rss_only=rss_only)
    finally:
        redis.stop()


def report(f: Figures, *, rss_only: bool) -> None:
    """Print the figures of one run."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    job = f.run
    where = " + ".join(job.platforms)
    if rss_only:
        print(f"{where}: {job.chats} chats x {job.papers} papers: peak RSS {peak:.1f} MiB")
        return
    languages = 2
    mode = f"pacing on (global rate {job.rate:g}/s)" if job.pacing else "pacing off"
    print(f"{where}: {job.chats} chats x {job.papers} papers, {mode}")
    print(f"  planned {f.planned} (chat, paper) pairs in {f.messages} messages in {f.plan_seconds:.1f} s")
    print(f"  LLM calls per (paper, language): {f.llm_calls / (job.papers * languages):.2f}")
    print(f"  messages per chat: {f.sent / job.chats:.2f}")
    if f.discord_sent:
        per = f.embeds / f.discord_sent
        print(f"  Discord: {f.discord_sent} messages, {per:.2f} embeds each; 429s received: {f.rate_limited}")
    line = f"  delivered {f.sent} messages in {f.seconds:.1f} s: {f.sent / f.seconds:.0f} msg/s end to end"
    if job.pacing:  # each platform has its own global rate
        configured = sum(min(job.rate, 50) if p == "discord" else job.rate for p in job.platforms)
        line += f" ({100 * f.sent / f.seconds / configured:.0f}% of the configured {configured:g}/s)"
    else:
        line += f"; bot overhead {f.sent / f.cpu_seconds:.0f} msg per CPU-second of the bot process"
    print(line)
    print(f"  peak RSS {peak:.1f} MiB")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--platform", choices=("telegram", "discord", "both"), default="telegram")
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--papers", type=int, default=40)
    parser.add_argument(
        "--rate", type=float, default=None, help="global rate of the paced run (25, Discord 45)"
    )
    parser.add_argument("--paced-chats", type=int, default=250, help="chats in the paced run (default 250)")
    parser.add_argument("--rss", action="store_true", help="one unpaced run, print peak RSS only")
    args = parser.parse_args()
    platforms = platforms_of(args.platform)
    rate = args.rate or (45.0 if platforms == ("discord",) else 25.0)
    runs = [(Run(args.chats, args.papers, pacing=False, rate=0.0, platforms=platforms), True)]
    if not args.rss:
        runs.append((Run(args.paced_chats, 3, pacing=True, rate=rate, platforms=platforms), False))
    for job, unlimited in runs:
        fakes: dict[Platform, Fake] = {}
        if "telegram" in platforms:
            fakes["telegram"] = start_fake("telegram")
        if "discord" in platforms:  # the paced run meets Discord's real limits: 5 per 5 s a channel, 50/s
            fakes["discord"] = start_fake("discord", *(["--unlimited"] if unlimited else []))
        try:
            with tempfile.TemporaryDirectory() as directory:
                asyncio.run(run(job, redis_dir=Path(directory), fakes=fakes, rss_only=args.rss))
        finally:
            for fake in fakes.values():
                fake.stop()


if __name__ == "__main__":
    main()
