"""`python -m bot run` as operators start it: every platform whose token is set, in one process."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator

import pytest

from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_rules import EMBED_LINKS, SEND_MESSAGES, VIEW_CHANNEL
from tests.fakes.telegram_api import FakeTelegram
from tests.support.discord import reply_text
from tests.support.env import subprocess_env
from tests.support.redis_server import RedisServer
from tests.support.telegram import ask

GUILD, CHANNEL, USER = 860_000_000_000_000_001, 860_000_000_000_000_002, 1001


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD, bot_permissions=VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS)
        fake.add_channel(GUILD, CHANNEL)
        yield fake


async def start(**env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--role",
        "bot",
        env=subprocess_env(LOG_LEVEL="DEBUG", **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_run_starts_discord_alone_and_telegram_beside_it(
    fake_discord: FakeDiscord, fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, redis_server: RedisServer
) -> None:
    env = {
        "REDIS_URL": redis_server.url,
        "ARXIV_API_URL": fake_arxiv.api_url,
        "DISCORD_BOT_TOKEN": fake_discord.token,
        "DISCORD_API_URL": fake_discord.api_url,
    }
    alone = await start(**env)
    await fake_discord.wait_for(lambda: fake_discord.connected, within=30)
    interaction = await fake_discord.slash("help", CHANNEL, 5)
    assert "/summarize" in await reply_text(fake_discord, interaction)
    code, log = await stop(alone)
    assert code == 0
    assert fake_discord.token not in log  # secrets never reach the log, even at DEBUG ...
    assert interaction.token not in log  # ... nor an interaction's (it lets one answer as the bot)
    assert "Discord bot" in log

    both = await start(**env, TELEGRAM_BOT_TOKEN=fake_tg.token, TELEGRAM_API_URL=fake_tg.api_url)
    await fake_discord.wait_for(lambda: fake_discord.identifies == 2 and fake_discord.connected, within=30)
    assert "/summarize" in await reply_text(fake_discord, await fake_discord.slash("help", CHANNEL, 5))
    assert "/summarize 2402.01349" in await ask(fake_tg, "/help", USER)
    code, log = await stop(both)
    assert code == 0
    assert fake_tg.token not in log
    assert fake_discord.unanswered() == []


async def test_a_refused_discord_token_is_explained(fake_discord: FakeDiscord) -> None:
    process = await start(DISCORD_BOT_TOKEN="not-the-token", DISCORD_API_URL=fake_discord.api_url)
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "Discord refused DISCORD_BOT_TOKEN" in err.decode()
