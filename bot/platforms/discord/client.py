"""The discord.py gateway client: REST base and gateway address from configuration, the command tree, and
the events the bot reacts to. It only translates; what an event means is decided in handlers/ and
bot.store.lifecycle (through InteractionRunner and ChannelWatch).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.core.models import ChatRef
from bot.platforms.base import Inbound
from bot.platforms.discord.commands import CatalogTranslator, build_tree
from bot.platforms.discord.interactions import InteractionRunner
from bot.platforms.discord.watch import ChannelWatch
from handlers import PRIVATE_TEXT
from handlers.failures import sorry
from handlers.replies import ReplySender

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Guild, channel and role events, and direct messages; no privileged intent is needed."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.dm_messages = True
    return chosen


class GatewayClient(discord.Client):
    """discord.py's Client for the digest bot."""

    def __init__(
        self,
        inbound: Inbound,
        replies: ReplySender,
        guild_ids: tuple[int, ...],
        guild_ready_timeout: float = 2.0,
    ) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # the bot has no voice
        super().__init__(
            intents=intents(),
            max_messages=None,  # no message cache: the bot never reads history
            chunk_guilds_at_startup=False,
            guild_ready_timeout=guild_ready_timeout,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self._guild_ids = guild_ids
        self._replies = replies
        self.runner = InteractionRunner(inbound)
        self.watch = ChannelWatch(inbound.commands.chats, inbound.lifecycle)
        self.tree = build_tree(self, self.runner)
        self.checked = asyncio.Event()  # set once stored chats were checked against the guilds after READY

    # ----- start-up ------------------------------------------------------------------------------
    async def setup_hook(self) -> None:
        """Publish the command menu (in every catalog language): to DISCORD_GUILD_IDS at once, or globally."""
        await self.tree.set_translator(CatalogTranslator())
        if not self._guild_ids:
            synced = await self.tree.sync()
            log.info("Discord: %d commands published globally", len(synced))
            return
        for guild_id in self._guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.Forbidden:
                log.error(  # noqa: TRY400 - an operator's mistake, not a crash: say what to fix
                    "Discord: cannot publish commands in server %s: the bot is not in it, or was invited "
                    "without the applications.commands scope (see README, 'Discord')",
                    guild_id,
                )
                continue
            log.info("Discord: %d commands published in server %s", len(synced), guild_id)

    async def connect(self, *, reconnect: bool = True) -> None:
        """Connect to the gateway Discord's REST API names (`GET /gateway/bot`), never a fixed host."""
        _shards, url, _limits = await self.http.get_bot_gateway()
        # discord.py falls back to this address at start and after a session is invalidated.
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        await super().connect(reconnect=reconnect)

    # ----- events --------------------------------------------------------------------------------
    async def on_ready(self) -> None:
        """Connected with every guild known: check every stored chat once."""
        log.info("Discord bot %s is connected to %d server(s)", self.user, len(self.guilds))
        await self.watch.everything(self.guilds)
        self.checked.set()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Added to a server (again): its chats may receive digests again."""
        await self.watch.guild_changed(guild)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A server is back after an outage (at start, on_ready checks everything at once)."""
        if self.checked.is_set():
            await self.watch.guild_changed(guild)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked from a server, or the server deleted."""
        await self.watch.server_removed(guild.id)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A channel was deleted."""
        await self.watch.channel_deleted(channel.id)

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A thread was deleted (cached or not)."""
        await self.watch.channel_deleted(payload.thread_id)

    async def on_guild_channel_update(
        self, _before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        """A channel's permission overwrites may have changed."""
        await self.watch.guild_changed(after.guild)

    async def on_guild_role_update(self, _before: discord.Role, after: discord.Role) -> None:
        """A role's permissions may have changed."""
        await self.watch.guild_changed(after.guild)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Button presses (commands and suggestions go through the command tree)."""
        if interaction.type is discord.InteractionType.component:
            await self.runner.press(interaction)

    async def on_message(self, message: discord.Message) -> None:
        """A direct message: an arXiv link gets its card, anything else a hint (as in private chats)."""
        if message.guild is not None or message.author.bot or not message.content:
            return
        chat = ChatRef("discord", message.channel.id)
        with contextlib.suppress(discord.HTTPException):  # "typing…" is a courtesy, never a failure
            await message.channel.typing()
        ctx = self.runner.context_for_message(message)
        try:
            reply = await PRIVATE_TEXT.handler(ctx)
        except Exception:
            log.exception("A direct message failed in %s", chat.key())
            reply = await sorry(ctx)
        if reply is not None:
            await self._replies.send(chat, reply, reply_to=str(message.id))
