"""Benchmark the announcement archive: arXiv requests in a simulated day for 50 subscribed categories.

Chats follow 1-3 of 50 categories and have digest times spread over the day; the scheduler's tick
(every 30 s) and the poller (every 60 s) run on a fake clock through 24 hours, while the fake arXiv
rebuilds its feeds at midnight Eastern. Prints feed requests, how many were 304 Not Modified, API
requests, and the papers each chat received (every paper once).

    python -m bench.archive                 # 50 categories, 500 chats, one weekday
    python -m bench.archive --chats 2000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.app.composition import build_pipeline, build_services
from bot.app.settings import Settings
from bot.core.chat_settings import ChatSettings
from bot.core.models import ChatRef
from bot.core.topics.taxonomy_data import CATEGORIES
from tests.fakes.arxiv_api import FakeArxiv
from tests.support.digest import paper, scheduler_of
from tests.support.fake_platform import FakeMessenger
from tests.support.redis_server import RedisServer

DAY = date(2026, 11, 18)  # a Wednesday
START = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
BOUNDARY = datetime(2026, 11, 19, 5, 0, tzinfo=UTC)  # midnight Eastern


def listing(arxiv: FakeArxiv, day: date, categories: list[str], first: int, per_category: int) -> int:
    """A listing day: `per_category` new papers in each category; returns the next paper number."""
    stamp = f"{day - timedelta(days=1):%Y-%m-%d}T18:00:00Z"
    arxiv.new_day(day)
    number = first
    for category in categories:
        for _ in range(per_category):
            arxiv.announce(category, paper(number, category, published=stamp, updated=stamp))
            number += 1
    return number


async def run(chats: int, categories: int, per_category: int, redis_dir: Path) -> None:
    """Simulate 24 hours and print the figures."""
    rng = random.Random(7)
    followed = sorted(rng.sample(sorted(CATEGORIES), categories))
    redis = RedisServer(redis_dir)
    redis.start()
    try:
        async with FakeArxiv() as arxiv:
            settings = Settings(
                _env_file=None,
                redis_url=redis.url,
                arxiv_api_url=arxiv.api_url,
                arxiv_rss_url=arxiv.rss_url,
                arxiv_request_interval_seconds=0,
            )
            services = build_services(settings)
            messenger = FakeMessenger()
            pipeline = build_pipeline(services, {"cli": messenger}, consumer="bench", pacing=False)
            refs = []
            for i in range(chats):
                chat = ChatRef("cli", i + 1)
                hhmm = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
                await services.chats.ensure_chat(chat, "private", None, ChatSettings("en", hhmm, "UTC"))
                for category in rng.sample(followed, rng.randint(1, 3)):
                    await services.chats.subscribe(chat, category, 25)
                refs.append(chat)
            now = START
            scheduler = scheduler_of(services, pipeline, clock=lambda: now)
            after_first = listing(arxiv, DAY, followed, 1, per_category)
            started = time.perf_counter()
            rebuilt = False
            while now < START + timedelta(days=1):
                if not rebuilt and now >= BOUNDARY:
                    listing(arxiv, DAY + timedelta(days=1), followed, after_first, per_category)
                    rebuilt = True
                if now.second == 0:
                    await scheduler.poll()
                await scheduler.tick()
                now += timedelta(seconds=30)
            seconds = time.perf_counter() - started
            while await pipeline.queue.pending():
                await pipeline.deliverer.drain_once(batch=256, block_ms=50)
            per_chat: dict[ChatRef, list[str]] = {}
            for chat, message in messenger.digests:
                per_chat.setdefault(chat, []).extend(card.arxiv_id for card, _mode in message.items)
            received = sum(len(papers) for papers in per_chat.values())
            twice = sum(len(papers) - len(set(papers)) for papers in per_chat.values())
            await pipeline.aclose()
            await services.aclose()
            feed_requests = len(arxiv.rss_requests)
            api = [r for r in arxiv.requests if r.get("search_query") or r.get("id_list")]
            print(
                f"{categories} categories, {chats} chats (1-3 categories each, digest times across the day)"
            )
            print(f"  simulated 24 h (scheduler tick 30 s, poller 60 s) in {seconds:.1f} s")
            urls = len(set(arxiv.rss_requests))
            print(
                f"  feed requests: {feed_requests} over {urls} feed URLs (20 categories each): "
                f"{arxiv.not_modified} answered 304 Not Modified, {feed_requests - arxiv.not_modified} full"
            )
            print(f"  API requests: {len(api)} (metadata of new papers, 100 a request)")
            messages = len(messenger.digests)
            print(f"  (chat, paper) pairs delivered: {received} in {messages} messages; twice: {twice}")
    finally:
        redis.stop()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--categories", type=int, default=50)
    parser.add_argument("--papers", type=int, default=20, help="new papers per category and listing day")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(run(args.chats, args.categories, args.papers, Path(directory)))


if __name__ == "__main__":
    main()
