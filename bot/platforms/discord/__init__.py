"""Discord: the discord.py gateway adapter (interactions in), embeds, and its one messenger (messages out)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Literal

from bot.platforms.base import Inbound, PlatformStartError
from bot.platforms.discord.messenger import DiscordMessenger

READY_TIMEOUT_SECONDS = 60.0


class DiscordPlatform:
    """Discord as the composition root sees it: a messenger, and a gateway client while running."""

    def __init__(
        self,
        token: str,
        api_url: str,
        *,
        guild_ids: tuple[int, ...] = (),
        send_timeout: float = 20.0,
        pool_size: int = 64,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        self._token = token
        self._api_url = api_url.rstrip("/")
        self._guild_ids = guild_ids
        self._guild_ready_timeout = guild_ready_timeout
        self.messenger = DiscordMessenger(self._api_url, token, send_timeout, pool_size)

    @property
    def name(self) -> Literal["discord"]:
        """The name chats of this platform carry in ChatRef.platform."""
        return "discord"

    @contextlib.asynccontextmanager
    async def running(self, inbound: Inbound) -> AsyncIterator[None]:
        """The gateway client connected (commands published) for the duration of the block."""
        # discord.py only where a bot runs: workers and the CLI never import it.
        import discord  # noqa: PLC0415
        from discord.http import Route  # noqa: PLC0415

        from bot.platforms.discord.client import GatewayClient  # noqa: PLC0415
        from handlers.replies import ReplySender  # noqa: PLC0415

        Route.BASE = self._api_url  # every REST call of discord.py goes to DISCORD_API_URL
        replies = ReplySender(self.messenger, inbound.lifecycle, inbound.pacer)
        client = GatewayClient(inbound, replies, self._guild_ids, self._guild_ready_timeout)
        try:
            await client.login(self._token)
        except discord.LoginFailure as exc:
            await client.close()
            raise PlatformStartError("Discord refused DISCORD_BOT_TOKEN; copy the bot's token again") from exc
        connection = asyncio.create_task(client.connect(), name="discord-gateway")
        ready = asyncio.create_task(client.checked.wait())  # connected, and stored chats checked
        try:
            done, _pending = await asyncio.wait(
                {connection, ready}, timeout=READY_TIMEOUT_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            if ready not in done:
                error = connection.exception() if connection in done else None
                raise PlatformStartError(f"Discord's gateway did not become ready ({error or 'timed out'})")
            yield
        finally:
            ready.cancel()
            await client.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connection


__all__ = ["DiscordPlatform"]
