"""Helpers for digest tests: subscribing chats, running rounds and workers, checking delivery invariants."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.app.composition import Pipeline, Services, build_pipeline, digest_config
from bot.core.chat_settings import ChatSettings
from bot.core.models import ChatKind, ChatRef
from bot.platforms.telegram.messenger import build_messenger
from bot.store.ledger import Entry
from scheduler.service import DigestScheduler
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.papers import FakePaper
from tests.fakes.telegram_api import FakeTelegram

ABS_LINK = re.compile(r'href="https://arxiv\.org/abs/([^"]+)"')
DISCORD_ABS_LINK = re.compile(r"https://arxiv\.org/abs/(\d{4}\.\d{4,5})")
NOON = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)


def paper(n: int, category: str = "cs.CL", title: str | None = None, **changes: object) -> FakePaper:
    """A distinct fake paper."""
    base = FakePaper(
        arxiv_id=f"2411.{n:05d}",
        version=1,
        title=title or f"Paper number {n} about {category}",
        authors=("Ada Lovelace", "Alan Turing"),
        abstract=f"We propose method {n}. It improves results by {n}%. Code is available.",
        categories=(category,),
        published="2026-11-18T18:00:00Z",
        updated="2026-11-18T18:00:00Z",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def add_chat(
    services: Services,
    fake: FakeTelegram,
    chat_id: int,
    topics: list[str],
    *,
    kind: ChatKind = "private",
    **settings: object,
) -> ChatRef:
    """A chat known to the fake and subscribed in the store."""
    chat = ChatRef("telegram", chat_id)
    fake.add_chat(
        chat_id, {"private": "private", "group": "supergroup", "channel": "channel"}[kind], f"Chat {chat_id}"
    )
    defaults = ChatSettings(language="en", time="09:00", timezone="UTC", max_papers=50)
    await services.chats.ensure_chat(chat, kind, f"Chat {chat_id}", replace(defaults, **settings))  # type: ignore[arg-type]
    for topic in topics:
        await services.chats.subscribe(chat, topic, 100)
    return chat


def pipeline_for(
    services: Services,
    fake: FakeTelegram,
    *,
    consumer: str = "w1",
    timeout: float = 1.0,
    connector: Callable[[], aiohttp.BaseConnector] | None = None,
) -> Pipeline:
    """The pipeline wired to the fake Bot API."""
    messenger = build_messenger(fake.token, fake.api_url, timeout=timeout, connector=connector)
    return build_pipeline(services, {"telegram": messenger}, consumer=consumer, pacing=False)


def scheduler_of(
    services: Services, pipeline: Pipeline, clock: Callable[[], datetime] = lambda: NOON
) -> DigestScheduler:
    """The scheduler of a pipeline, on a clock of the test's choosing (noon by default)."""
    return DigestScheduler(
        chats=services.chats,
        ledger=services.ledger,
        planner=pipeline.planner,
        announcements=pipeline.discovery.announcements,
        feedback=services.feedback,
        config=digest_config(services.settings),
        clock=clock,
        metrics=services.metrics,
    )


async def drain(pipeline: Pipeline, rounds: int = 200) -> None:
    """Run the worker until the queue is empty."""
    for _ in range(rounds):
        taken = await pipeline.deliverer.drain_once(batch=64, block_ms=50)
        if taken == 0 and await pipeline.queue.pending() == 0:
            return
    raise AssertionError("the queue did not drain")


@dataclass
class Audit:
    """What the fake accepted versus what the ledger says."""

    accepted: Counter[tuple[int, str]]
    ledger: dict[tuple[int, str], Entry]

    def states(self) -> Counter[str]:
        """Ledger entries per state."""
        return Counter(e.state for e in self.ledger.values())


def discord_papers(body: dict[str, Any]) -> set[str]:
    """The papers a Discord message body carries (card titles link to them; lists link in descriptions)."""
    found: set[str] = set()
    for embed in body.get("embeds") or []:
        found.update(DISCORD_ABS_LINK.findall(embed.get("url", "") + " " + embed.get("description", "")))
    return found


async def audit(
    services: Services, fake: FakeTelegram | None, chats: list[ChatRef], discord: FakeDiscord | None = None
) -> Audit:
    """Collect accepted (chat, paper) pairs from the fakes' logs and the ledger of each chat."""
    accepted: Counter[tuple[int, str]] = Counter()
    for message in fake.sent if fake is not None else []:
        for paper_id in set(ABS_LINK.findall(message.text)):
            accepted[(message.chat_id, paper_id)] += 1
    for posted in discord.posted if discord is not None else []:
        for paper_id in discord_papers(posted.body):
            accepted[(posted.channel_id, paper_id)] += 1
    ledger: dict[tuple[int, str], Entry] = {}
    for chat in chats:
        for paper_id, entry in (await services.ledger.entries(chat)).items():
            ledger[(chat.chat_id, paper_id)] = entry
    return Audit(accepted, ledger)


def check_invariants(result: Audit, *, max_uncertain: int) -> None:
    """At most one accepted message per (chat, paper) unless uncertain; every pair final; ledger = log."""
    for pair, count in result.accepted.items():
        entry = result.ledger.get(pair)
        assert entry is not None, f"{pair} was delivered but the ledger does not know it"
        if entry.state != "uncertain":
            assert count == 1, f"{pair} accepted {count} times"
    for pair, entry in result.ledger.items():
        assert entry.state in {"sent", "failed", "uncertain"}, f"{pair} ended {entry.state}"
        if entry.state == "sent":
            assert result.accepted[pair] == 1, (
                f"{pair} is sent in the ledger but the fake accepted it {result.accepted[pair]} times"
            )
        if entry.state == "failed":
            assert result.accepted[pair] == 0, f"{pair} failed in the ledger but the fake accepted it"
    uncertain = result.states()["uncertain"]
    assert uncertain <= max_uncertain, f"{uncertain} uncertain pairs, at most {max_uncertain} expected"
