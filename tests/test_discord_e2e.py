"""End to end on Discord: the real discord.py client against the fake Discord REST API and gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.app.composition import Services, build_services
from bot.core.models import ChatRef
from tests.conftest import SettingsFactory
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_rules import EMBED_LINKS, SEND_MESSAGES, VIEW_CHANNEL
from tests.support.discord import discord_bot, reply_text

GUILD = 880_000_000_000_000_001
CHANNEL = 880_000_000_000_000_101
DM_CHANNEL = 880_000_000_000_000_201
MEMBER, ADMIN, DM_USER = 10_000_000_000_000_001, 10_000_000_000_000_002, 10_000_000_000_000_003
MANAGER_ROLE = GUILD + 7


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        guild = fake.add_guild(GUILD, bot_permissions=VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS)
        guild.roles[MANAGER_ROLE] = 1 << 4  # Manage Channels
        guild.members[ADMIN] = [MANAGER_ROLE]
        guild.members[MEMBER] = []
        fake.add_channel(GUILD, CHANNEL, "papers")
        fake.add_dm(DM_CHANNEL, DM_USER)
        yield fake
        assert fake.unanswered() == [], "an interaction was left unanswered"


@pytest.fixture
async def services(
    llm_settings: SettingsFactory, fake_discord: FakeDiscord, redis: Redis
) -> AsyncIterator[Services]:
    built = build_services(
        llm_settings(discord_bot_token=fake_discord.token, discord_api_url=fake_discord.api_url)
    )
    yield built
    await built.aclose()


@pytest.fixture
async def running(services: Services, fake_discord: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    async with discord_bot(services, fake_discord):
        yield fake_discord


async def test_commands_are_published_and_help_answers(running: FakeDiscord) -> None:
    names = sorted(c["name"] for c in running.commands[None])
    assert names == sorted(
        [
            "summarize",
            "subscribe",
            "unsubscribe",
            "topics",
            "settings",
            "digest",
            "pause",
            "resume",
            "help",
            "Summarize arXiv link",
        ]
    )
    interaction = await running.slash("help", CHANNEL, MEMBER)
    text = await reply_text(running, interaction)
    assert "/summarize 2402.01349" in text
    assert interaction.ephemeral


async def test_subscribe_in_a_channel_needs_manage_channels(running: FakeDiscord, services: Services) -> None:
    refused = await running.slash("subscribe", CHANNEL, MEMBER, {"topic": "cs.CL"})
    assert "Only members who can manage this channel" in await reply_text(running, refused)
    assert refused.ephemeral
    assert await services.chats.get_chat(ChatRef("discord", CHANNEL)) is None
    allowed = await running.slash("subscribe", CHANNEL, ADMIN, {"topic": "cs.CL"})
    assert "Subscribed to cs.CL" in await reply_text(running, allowed)
    assert not allowed.ephemeral
    state = await services.chats.get_chat(ChatRef("discord", CHANNEL))
    assert state is not None
    assert (state.kind, state.server_id, state.title) == ("group", GUILD, "#papers (Research)")
