"""Discord's guild and channel events, applied to stored chats through the neutral ChatLifecycle.

The bot removed from a server, a channel or thread deleted, or the bot's permissions in a channel lost
(a channel's overwrites or a role changed) make the chat inactive with the reason, its topics kept; the
bot added back to a server, or its permissions restored, make it active again. At every (re)connect the
whole picture is checked once, so changes made while the bot was offline are applied too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import discord

from bot.core.chats import ChatState
from bot.core.models import ChatRef
from bot.platforms.discord.permissions import is_thread, missing_to_post
from bot.store.chats import ChatStore
from bot.store.lifecycle import ChatLifecycle

log = logging.getLogger(__name__)

REMOVED = "the bot was removed from the server"
DELETED = "the channel was deleted"


def _chat(channel_id: int) -> ChatRef:
    return ChatRef("discord", channel_id)


class ChannelWatch:
    """Keeps stored Discord chats' `active` flag in step with what the gateway says.

    discord.py runs each event's handler as its own task; a lock applies them one at a time, in the order
    they arrived, so a check begun for GUILD_CREATE cannot undo the GUILD_DELETE that followed it.
    """

    def __init__(self, chats: ChatStore, lifecycle: ChatLifecycle) -> None:
        self._chats = chats
        self._lifecycle = lifecycle
        self._in_order = asyncio.Lock()

    async def server_removed(self, guild_id: int) -> None:
        """GUILD_DELETE (not an outage): every chat of the server stops receiving digests."""
        async with self._in_order:
            chats = await self._lifecycle.server_removed("discord", guild_id, REMOVED)
        log.info("Removed from Discord server %s: %d chat(s) inactive, topics kept", guild_id, len(chats))

    async def channel_deleted(self, channel_id: int) -> None:
        """CHANNEL_DELETE or THREAD_DELETE."""
        async with self._in_order:
            await self._lifecycle.removed(_chat(channel_id), DELETED)

    async def guild_changed(self, guild: discord.Guild) -> None:
        """GUILD_CREATE, a role's permissions or a channel's overwrites changed: check the guild's chats."""
        async with self._in_order:
            chats = await self._chats.chats_in_server("discord", guild.id)
            await self._check(guild, chats)

    async def everything(self, guilds: Iterable[discord.Guild]) -> None:
        """After READY: check every stored Discord chat against the guilds the bot is in (one scan)."""
        async with self._in_order:
            await self._everything(guilds)

    async def _everything(self, guilds: Iterable[discord.Guild]) -> None:
        stored = [chat for chat in await self._chats.all_chats() if chat.platform == "discord"]
        states = await self._chats.get_chats(stored)
        by_guild: dict[int, list[ChatRef]] = {}
        for chat, state in zip(stored, states, strict=True):
            if state is not None and state.server_id is not None:
                by_guild.setdefault(state.server_id, []).append(chat)
        present = {guild.id: guild for guild in guilds}
        for guild_id, chats in by_guild.items():
            guild = present.get(guild_id)
            if guild is None:
                for chat in chats:
                    await self._lifecycle.removed(chat, REMOVED)
            elif not guild.unavailable:
                await self._check(guild, chats)

    async def _check(self, guild: discord.Guild, chats: list[ChatRef]) -> None:
        states = await self._chats.get_chats(chats)
        for chat, state in zip(chats, states, strict=True):
            if state is not None:
                await self._check_one(guild, chat, state)

    async def _check_one(self, guild: discord.Guild, chat: ChatRef, state: ChatState) -> None:
        channel = guild.get_channel_or_thread(chat.chat_id)
        me = guild.me
        if channel is None or me is None:
            return  # an archived thread is not in the cache; a send will tell if it is gone
        missing = missing_to_post(channel.permissions_for(me), thread=is_thread(channel))
        if missing:
            if state.active:
                await self._lifecycle.removed(chat, f"the bot lacks {', '.join(missing)} there")
        elif not state.active:
            await self._lifecycle.restored(chat)
