"""Running the real Discord adapter (discord.py) against the fake Discord; talking to it as users would."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.app.composition import Pipeline, Services, build_pipeline, inbound
from bot.platforms.discord import DiscordPlatform
from tests.fakes.discord_api import FakeDiscord, Interaction


@contextlib.asynccontextmanager
async def discord_bot(
    services: Services,
    fake: FakeDiscord,
    *,
    pipeline: Pipeline | None = None,
    guild_ids: tuple[int, ...] = (),
) -> AsyncIterator[DiscordPlatform]:
    """The bot connected to the fake's gateway, commands published, `/digest` planned through `pipeline`."""
    platform = DiscordPlatform(
        fake.token, fake.api_url, guild_ids=guild_ids, send_timeout=2.0, guild_ready_timeout=0.05
    )
    own = pipeline is None
    pipeline = pipeline or build_pipeline(
        services, {"discord": platform.messenger}, consumer="test", pacing=False
    )
    try:
        async with platform.running(inbound(services, pipeline)):
            yield platform
    finally:
        await platform.messenger.aclose()
        if own:
            await pipeline.aclose()


async def answered(fake: FakeDiscord, interaction: Interaction, within: float = 10.0) -> Interaction:
    """The interaction once the bot's answer is visible."""
    await fake.wait_for(lambda: interaction.answered, within)
    return interaction


async def reply_text(fake: FakeDiscord, interaction: Interaction) -> str:
    """The text of the bot's (first) visible answer to an interaction."""
    await answered(fake, interaction)
    texts = interaction.texts()
    assert texts, "the interaction was answered with nothing visible"
    return texts[0]
