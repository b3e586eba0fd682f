"""Digests to Discord through the one queue, ledger and pacing: rate limits, refusals, nonces, and rounds
that deliver to Telegram and Discord chats together, also when a worker is killed mid-way."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from redis.asyncio import Redis

from bot.app.composition import Pipeline, Services, build_pipeline, build_services
from bot.core.chat_settings import ChatSettings
from bot.core.delivery import DigestHeader, Messenger, Mode
from bot.core.models import Card, ChatKind, ChatRef, Platform
from bot.platforms.discord.messenger import DiscordMessenger
from bot.platforms.telegram.messenger import build_messenger
from tests.conftest import SettingsFactory
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_rules import EMBED_LINKS, SEND_MESSAGES, VIEW_CHANNEL
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.support.digest import NOON, add_chat, audit, check_invariants, drain, paper
from tests.support.env import worker_env
from tests.support.redis_server import RedisServer

GUILD = 870_000_000_000_000_001
FIRST_CHANNEL = 870_000_000_000_000_100
DM = 870_000_000_000_000_900


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD, bot_permissions=VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS)
        for n in range(8):
            fake.add_channel(GUILD, FIRST_CHANNEL + n, f"papers-{n}")
        fake.add_dm(DM, 4242)
        yield fake


@pytest.fixture
async def services(
    digest_settings: SettingsFactory, fake_discord: FakeDiscord, redis: Redis
) -> AsyncIterator[Services]:
    built = build_services(
        digest_settings(
            discord_bot_token=fake_discord.token,
            discord_api_url=fake_discord.api_url,
            llm_timeout_seconds=0.5,
            llm_max_retries=0,
        )
    )
    yield built
    await built.aclose()


async def add_discord_chat(
    services: Services, channel: int, topics: list[str], kind: ChatKind = "group", **settings: object
) -> ChatRef:
    chat = ChatRef("discord", channel)
    defaults = replace(ChatSettings("en", "09:00", "UTC", max_papers=50), **settings)  # type: ignore[arg-type]
    await services.chats.ensure_chat(
        chat, kind, f"#{channel}", defaults, None if kind == "private" else GUILD
    )
    for topic in topics:
        await services.chats.subscribe(chat, topic, 100)
    return chat


def both(
    services: Services,
    fake_tg: FakeTelegram,
    fake_discord: FakeDiscord,
    *,
    pacing: bool = False,
    timeout: float = 1.0,
) -> Pipeline:
    """The pipeline with both messengers, as `run --role worker` builds it with both tokens set."""
    messengers: dict[Platform, Messenger] = {
        "telegram": build_messenger(fake_tg.token, fake_tg.api_url, timeout=timeout),
        "discord": DiscordMessenger(fake_discord.api_url, fake_discord.token, timeout=timeout),
    }
    return build_pipeline(services, messengers, consumer="w1", pacing=pacing)


async def plan_all(pipeline: Pipeline, chats: list[ChatRef]) -> None:
    await pipeline.planner.prefetch(chats, NOON)
    for chat in chats:
        await pipeline.planner.plan(chat, NOON)


async def test_a_round_delivers_to_telegram_and_discord_chats_exactly_once(
    services: Services,
    fake_tg: FakeTelegram,
    fake_discord: FakeDiscord,
    fake_arxiv: FakeArxiv,
    fake_llm: FakeOpenAI,
) -> None:
    for n in range(1, 13):
        fake_arxiv.announce("cs.CL", paper(n))
    chats = [await add_chat(services, fake_tg, 1000 + i, ["cs.CL"], max_papers=8) for i in range(3)]
    chats += [await add_discord_chat(services, FIRST_CHANNEL + i, ["cs.CL"], max_papers=8) for i in range(3)]
    chats.append(
        await add_discord_chat(services, DM, ["cs.CL"], kind="private", style="compact", max_papers=8)
    )
    pipeline = both(services, fake_tg, fake_discord)
    await plan_all(pipeline, chats)
    await drain(pipeline)
    result = await audit(services, fake_tg, chats, fake_discord)
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 7 * 12}
    assert {mode for entry in result.ledger.values() for mode in [entry.mode]} == {"card", "row", "link"}
    assert fake_llm.calls == 8  # one summary per card for all seven chats on both platforms (links: none)
    dm_bodies = [p.body for p in fake_discord.posted if p.channel_id == DM]
    rows = dm_bodies[0]["embeds"][0]["description"].splitlines()
    assert rows[0].startswith("**1.** [Paper number")  # compact: a numbered list
    assert rows[1].startswith("**2.** ")
    await pipeline.aclose()


async def test_a_429_is_waited_out_and_a_global_one_holds_every_channel(
    services: Services, fake_tg: FakeTelegram, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.announce("cs.CL", paper(1))
    chats = [await add_discord_chat(services, FIRST_CHANNEL + i, ["cs.CL"]) for i in range(2)]
    fake_discord.rate_limit_next, fake_discord.retry_after = 1, 0.2
    pipeline = both(services, fake_tg, fake_discord, pacing=True)
    await plan_all(pipeline, chats[:1])
    await drain(pipeline)
    assert pipeline.deliverer.stats.rate_limited == 1
    assert await services.redis.exists(services.keys.pace_hold(f"chat:{chats[0].key()}"))
    fake_discord.rate_limit_next, fake_discord.rate_limit_global = 1, True
    await plan_all(pipeline, chats[1:])
    await drain(pipeline)
    assert await services.redis.exists(services.keys.pace_hold("global:discord"))
    result = await audit(services, None, chats, fake_discord)
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 2}
    await pipeline.aclose()


class OneCardPerMessage(DiscordMessenger):
    """The real messenger, packing one paper per message (so one digest is many messages to one channel)."""

    def pack(self, header: DigestHeader | None, items: list[tuple[Card, Mode]], more: int) -> list[list[int]]:
        return [[index] for index in range(len(items))]


async def test_rate_limit_headers_are_honoured_before_any_429(
    digest_settings: SettingsFactory, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, redis: Redis
) -> None:
    for n in range(1, 5):
        fake_arxiv.announce("cs.CL", paper(n))
    settings = digest_settings(discord_channel_interval_seconds=0, discord_global_rate=0)
    services = build_services(settings)
    chat = await add_discord_chat(services, FIRST_CHANNEL, ["cs.CL"], max_papers=4)
    fake_discord.channel_bucket = (2, 0.6)  # two messages per 0.6 s in a channel
    messenger = OneCardPerMessage(fake_discord.api_url, fake_discord.token, timeout=2)
    pipeline = build_pipeline(services, {"discord": messenger}, consumer="w1", pacing=True)
    await plan_all(pipeline, [chat])
    await drain(pipeline)
    assert len(fake_discord.posted) == 4
    assert fake_discord.rate_limited == 0  # X-RateLimit-Remaining: 0 made the worker wait for the reset
    await pipeline.aclose()
    await services.aclose()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (50013, "the bot lacks permission to post there"),
        (50001, "the bot has no access to the channel"),
        (10003, "the channel no longer exists"),
        (50007, "the user does not accept direct messages from the bot"),
    ],
)
async def test_refusals_deactivate_the_chat_with_the_reason(
    services: Services,
    fake_tg: FakeTelegram,
    fake_discord: FakeDiscord,
    fake_arxiv: FakeArxiv,
    code: int,
    reason: str,
) -> None:
    fake_arxiv.announce("cs.CL", paper(1))
    chat = await add_discord_chat(services, FIRST_CHANNEL, ["cs.CL"])
    fake_discord.refusing[FIRST_CHANNEL] = code
    pipeline = both(services, fake_tg, fake_discord)
    await plan_all(pipeline, [chat])
    await drain(pipeline)
    state = await services.chats.get_chat(chat)
    assert state is not None
    assert not state.active
    assert state.inactive_reason is not None
    assert reason in state.inactive_reason
    assert await services.chats.topics(chat) == ["cs.CL"]  # kept for CHAT_RETENTION_DAYS
    result = await audit(services, None, [chat], fake_discord)
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"failed": 1}
    await pipeline.aclose()


async def test_a_send_that_times_out_after_posting_is_resent_and_deduplicated(
    services: Services, fake_tg: FakeTelegram, fake_discord: FakeDiscord, fake_arxiv: FakeArxiv
) -> None:
    for n in range(1, 4):
        fake_arxiv.announce("cs.CL", paper(n))
    chats = [await add_discord_chat(services, FIRST_CHANNEL + i, ["cs.CL"]) for i in range(3)]
    fake_discord.hang_after_accept_next = 2  # posted, but the answer never comes back in time
    pipeline = both(services, fake_tg, fake_discord, timeout=0.5)
    await plan_all(pipeline, chats)
    await drain(pipeline)
    result = await audit(services, None, chats, fake_discord)
    check_invariants(result, max_uncertain=0)
    assert result.states() == {"sent": 9}  # on Telegram these would be `uncertain`
    assert fake_discord.injected["hang"] == 2
    assert fake_discord.deduplicated == 2  # Discord dropped the resent copies by their nonce
    assert len(fake_discord.posted) == 3
    await pipeline.aclose()


@pytest.mark.parametrize("point", ["after_claim", "after_send", "after_ledger"])
async def test_kill_at_a_failpoint_with_discord_chats_in_the_round(
    services: Services,
    fake_tg: FakeTelegram,
    fake_discord: FakeDiscord,
    fake_arxiv: FakeArxiv,
    redis_server: RedisServer,
    point: str,
) -> None:
    for n in range(1, 3):
        fake_arxiv.announce("cs.CL", paper(n))
    # Discord chats first: the killed worker's first message goes to Discord.
    chats = [await add_discord_chat(services, FIRST_CHANNEL + i, ["cs.CL"]) for i in range(2)]
    chats += [await add_chat(services, fake_tg, 2000 + i, ["cs.CL"]) for i in range(2)]
    pipeline = both(services, fake_tg, fake_discord)
    await plan_all(pipeline, chats)
    env = {
        **worker_env(services.settings, redis_server.url),
        "BOT_FAILPOINT": point,
        "DELIVERY_CONCURRENCY": "1",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--role", "worker", env=env, stderr=asyncio.subprocess.DEVNULL
    )
    assert await asyncio.wait_for(worker.wait(), 60) == -9  # it died at the failpoint
    await asyncio.sleep(0.4)  # longer than the claim idle time: the entry is up for grabs
    await drain(pipeline)  # a fresh worker (this process) takes over
    result = await audit(services, fake_tg, chats, fake_discord)
    in_flight = 2 if point in {"after_claim", "after_send"} else 0  # one message of two papers
    check_invariants(result, max_uncertain=in_flight)
    assert result.states()["uncertain"] == in_flight
    assert len(result.ledger) == 8
    assert result.states()["failed"] == 0
    await pipeline.aclose()
