"""Who may change a chat: anyone in private chats and channels, only admins in groups."""

from __future__ import annotations

import logging

from bot.core.i18n import _, fill
from bot.core.models import TextReply, code
from handlers.context import AdminCheckError, CommandContext

log = logging.getLogger(__name__)


async def refusal(ctx: CommandContext) -> TextReply | None:
    """None if the sender may change the chat's subscriptions and settings, else a polite refusal."""
    if ctx.chat_kind != "group":
        return None  # private: the user's own chat; channel: only its admins can post there
    try:
        allowed = await ctx.is_admin()
    except AdminCheckError:
        log.warning("Admin check failed in %s; refusing the change", ctx.chat.key())
        return TextReply.error(
            _(
                "I couldn't check whether you're an admin of this group, so I changed nothing. "
                "Please try again in a minute."
            )
        )
    if allowed:
        return None
    template = _(
        "Only {managers} can change its topics and settings. Anyone can look: {topics} and {settings}."
    )
    return TextReply.error(
        *fill(template, managers=_(ctx.managers), topics=code("/topics"), settings=code("/settings"))
    )
