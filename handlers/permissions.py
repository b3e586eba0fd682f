"""Who may change a chat: anyone in private chats and channels, only admins in groups."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core.i18n import _, fill
from bot.core.models import TextReply, code
from handlers.context import AdminCheckError, CommandContext

log = logging.getLogger(__name__)


async def refusal(ctx: CommandContext, *, toast: bool = False) -> TextReply | None:
    """None if the sender may change the chat's subscriptions and settings, else a polite refusal.

    In a group the refusal is muted (see TextReply.muted) when this member was refused a moment ago or
    the group has heard enough refusals this minute; `toast`: the answer is private (a button press), so
    it is always shown and counts against nothing.
    """
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
    reply = TextReply.error(
        *fill(template, managers=_(ctx.managers), topics=code("/topics"), settings=code("/settings"))
    )
    if toast or await _may_be_heard(ctx):
        return reply
    return replace(reply, muted=True)


async def _may_be_heard(ctx: CommandContext) -> bool:
    """Whether a refusal in a group is answered: the member's first in the window, within the group's."""
    limits = ctx.services.refusals
    member = f"{ctx.chat.key()}:{ctx.user.key() if ctx.user else 'anonymous'}"
    if not (await limits.member.peek(member)).allowed:
        return False
    if not (await limits.chat.hit(ctx.chat.key())).allowed:
        return False
    await limits.member.hit(member)
    return True
