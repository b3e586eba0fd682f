"""/digest: this chat's digest now, regardless of its time."""

from __future__ import annotations

from bot.core.models import TextReply, code
from handlers.context import CommandContext
from handlers.permissions import refusal


async def _obstacle(ctx: CommandContext) -> TextReply | None:
    """Why a digest cannot be made now, if anything stands in the way."""
    if (refused := await refusal(ctx)) is not None:
        return refused
    if not await ctx.services.chats.topics(ctx.chat):
        return TextReply.error("This chat follows no topics yet. Start with ", code("/subscribe cs.CL"), ".")
    state = await ctx.state()
    if state is not None and not state.active:
        return TextReply.error("I can't post here right now, so I can't send a digest.")
    decision = await ctx.services.digest_limit.hit(ctx.chat.key())
    if not decision.allowed:
        limit, minutes = ctx.services.config.digest_per_hour, decision.retry_after // 60 + 1
        return TextReply.error(
            f"That's {limit} digests this hour already; please try again in {minutes} min."
        )
    return None


async def digest(ctx: CommandContext) -> TextReply:
    """Plan a round for this chat at once; the workers deliver it like a scheduled one."""
    if (obstacle := await _obstacle(ctx)) is not None:
        return obstacle
    planned = await ctx.services.digest_now(ctx.chat)
    if planned == 0:
        return TextReply.of(
            "Nothing new since your last digest: every paper arXiv announced for your topics "
            "is already here.",
            personal=True,
        )
    noun = "paper is" if planned == 1 else "papers are"
    return TextReply.of(f"🗞 {planned} new {noun} on the way.")
