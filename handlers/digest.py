"""/digest: this chat's digest now, regardless of its time."""

from __future__ import annotations

from bot.core.i18n import _, fill, ngettext
from bot.core.models import TextReply, code
from handlers.context import CommandContext
from handlers.permissions import refusal


async def _on_the_way(ctx: CommandContext) -> TextReply | None:
    """That a digest is already on its way, when papers planned for the chat are not delivered yet."""
    waiting = await ctx.services.ledger.on_the_way(ctx.chat)
    if not waiting:
        return None
    template = ngettext(
        "🗞 A digest is already on its way here with {count} paper; it arrives shortly.",
        "🗞 A digest is already on its way here with {count} papers; they arrive shortly.",
        waiting,
    )
    return TextReply.of(template.format(count=waiting))


async def _obstacle(ctx: CommandContext) -> TextReply | None:
    """Why a digest cannot be made now, if anything stands in the way."""
    if (refused := await refusal(ctx)) is not None:
        return refused
    if not await ctx.services.chats.topics(ctx.chat):
        template = _("This chat follows no topics yet. Start with {example}.")
        return TextReply.error(*fill(template, example=code("/subscribe cs.CL")))
    state = await ctx.state()
    if state is not None and not state.active:
        return TextReply.error(_("I can't post here right now, so I can't send a digest."))
    if (waiting := await _on_the_way(ctx)) is not None:  # before the limit: asking again is free
        return waiting
    decision = await ctx.services.digest_limit.peek(ctx.chat.key())
    if not decision.allowed:
        limit, minutes = ctx.services.config.digest_per_hour, decision.retry_after // 60 + 1
        return TextReply.error(
            _("That's {limit} digests this hour already; please try again in {minutes} min.").format(
                limit=limit, minutes=minutes
            )
        )
    return None


async def digest(ctx: CommandContext) -> TextReply:
    """Plan a round for this chat at once; the workers deliver it like a scheduled one."""
    if (obstacle := await _obstacle(ctx)) is not None:
        return obstacle
    planned = await ctx.services.digest_now(ctx.chat)
    if planned is None:  # someone's /digest (or the daily round) is being planned this very moment
        return TextReply.of(_("🗞 A digest for this chat is being prepared right now; it arrives shortly."))
    if planned == 0 and (waiting := await _on_the_way(ctx)) is not None:
        return waiting  # planned by a /digest that was a moment quicker: that one counts, not this
    await ctx.services.digest_limit.hit(ctx.chat.key())  # only rounds this request planned count
    if planned == 0:
        return TextReply.of(
            _(
                "Nothing new since your last digest: every paper arXiv announced for your topics "
                "is already here."
            ),
            personal=True,
        )
    template = ngettext("🗞 {count} new paper is on the way.", "🗞 {count} new papers are on the way.", planned)
    return TextReply.of(template.format(count=planned))
