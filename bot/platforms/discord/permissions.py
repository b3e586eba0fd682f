"""Who may manage a channel's digests, and what the bot needs to post there, in Discord's permission terms."""

from __future__ import annotations

import discord

from bot.core.i18n import N_

MANAGERS = N_("members who can manage this channel (Manage Channels)")
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, send_messages_in_threads=True
)
"""What the invite link asks for: see and post in channels and threads, with embeds (cards)."""


def may_manage(permissions: discord.Permissions) -> bool:
    """Whether a member may change a channel's topics and settings: Manage Channels there, or the server's."""
    return permissions.administrator or permissions.manage_guild or permissions.manage_channels


def missing_to_post(permissions: discord.Permissions, *, thread: bool) -> tuple[str, ...]:
    """The permissions the bot lacks to post digests in a channel (or thread), by their names in Discord."""
    needed = (
        ("View Channel", permissions.view_channel),
        ("Send Messages in Threads", permissions.send_messages_in_threads)
        if thread
        else ("Send Messages", permissions.send_messages),
        ("Embed Links", permissions.embed_links),
    )
    return tuple(name for name, granted in needed if not granted)


THREAD_TYPES = frozenset(
    {discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread}
)


def is_thread(channel: object) -> bool:
    """Whether a channel is a thread (posting there needs Send Messages in Threads)."""
    return getattr(channel, "type", None) in THREAD_TYPES
