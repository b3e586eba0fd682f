"""/summarize <arxiv id or link>: one summary card on demand."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.arxiv.client import ArxivError, ArxivRejectedError, PaperNotFoundError
from bot.core.arxiv_ids import EXAMPLE_ID, EXAMPLE_URL, InvalidArxivIdError, find_arxiv_id, parse_arxiv_id
from bot.core.i18n import _, fill
from bot.core.models import CardsReply, Reply, TextReply, code
from bot.core.text import shorten
from handlers.context import CommandContext

log = logging.getLogger(__name__)

ECHO_LIMIT = 64


def usage_reply() -> TextReply:
    """How to call /summarize."""
    return TextReply.error(
        *fill(
            _("Send me an arXiv id or link, for example {example} or {link}."),
            example=code(f"/summarize {EXAMPLE_ID}"),
            link=code(f"/summarize {EXAMPLE_URL}"),
        )
    )


def invalid_id_reply(error: InvalidArxivIdError) -> TextReply:
    """Why the text is not an id, with examples that work."""
    shown = shorten(" ".join(error.text.split()), ECHO_LIMIT)
    return TextReply.error(
        *fill(
            _(
                "I couldn't read {text} as an arXiv paper: {reason}. "
                "Try an id like {example}, {old} or a link like {link}."
            ),
            text=code(shown),
            reason=error.reason,
            example=code(EXAMPLE_ID),
            old=code("hep-th/9901001"),
            link=code(EXAMPLE_URL),
        )
    )


def lookup_failure_reply(arxiv_id: str, error: ArxivError) -> TextReply:
    """Three different, clear replies: no such paper, id rejected, arXiv unavailable."""
    if isinstance(error, PaperNotFoundError):
        template = _("arXiv has no paper {id}. Check the number (new ids look like {example}).")
        return TextReply.error(*fill(template, id=code(arxiv_id), example=code(EXAMPLE_ID)))
    if isinstance(error, ArxivRejectedError):
        template = _(
            "arXiv rejected {id} as a malformed id (for example, there is no month 13). "
            "Check it against the paper's page."
        )
        return TextReply.error(*fill(template, id=code(arxiv_id)))
    log.warning("arXiv unavailable for %s: %s", arxiv_id, error)
    template = _("arXiv isn't answering right now, so I can't fetch {id}. Please try again in a few minutes.")
    return TextReply.error(*fill(template, id=code(arxiv_id)))


async def summarize(ctx: CommandContext) -> Reply:
    """Reply with the card for the paper named in the arguments."""
    if not ctx.args.strip():
        return usage_reply()
    try:
        arxiv_id = parse_arxiv_id(ctx.args)
    except InvalidArxivIdError as exc:
        return invalid_id_reply(exc)

    who = ctx.user.key() if ctx.user else ctx.chat.key()
    decision = await ctx.services.summarize_limit.hit(who)
    if not decision.allowed:
        limit = ctx.services.config.summarize_per_minute
        return TextReply.error(
            _(
                "You're asking faster than I can read — at most {limit} papers a minute. "
                "Please try again in {seconds} s."
            ).format(limit=limit, seconds=decision.retry_after)
        )

    try:
        card = await ctx.services.cards.card(arxiv_id.id, await ctx.language())
    except ArxivError as exc:
        return lookup_failure_reply(arxiv_id.id, exc)
    return CardsReply((card,), intro=version_note(arxiv_id.id, arxiv_id.version, card.version))


def version_note(arxiv_id: str, asked: int | None, latest: int) -> TextReply | None:
    """Which version the card is for, when another one was asked for (cards are of the latest version)."""
    if asked is None or asked == latest:
        return None
    if asked > latest:
        template = _("arXiv has no {asked} of {id}; its latest version is {latest}, and this card is for it.")
    else:
        template = _("This card is for the latest version of {id}, {latest} (you asked for {asked}).")
    versions = {"asked": code(f"v{asked}"), "latest": code(f"v{latest}")}
    return TextReply.of(*fill(template, id=code(arxiv_id), **versions))


async def summarize_link(ctx: CommandContext) -> Reply | None:
    """A bare message in a private chat: a card if it is an arXiv id or link, else a hint."""
    try:
        parse_arxiv_id(ctx.args)
    except InvalidArxivIdError:
        template = _(
            "Send me an arXiv link or id (for example {link}) and I'll summarize the paper. "
            "/help lists everything I can do."
        )
        return TextReply.error(*fill(template, link=code(EXAMPLE_URL)))
    return await summarize(ctx)


async def summarize_in_message(ctx: CommandContext) -> Reply:
    """The card of the first arXiv id or link in someone's message (a message's context menu)."""
    found = find_arxiv_id(ctx.args)
    if found is None:
        template = _("I found no arXiv id or link in that message. It needs one like {example} or {link}.")
        return TextReply.error(*fill(template, example=code(EXAMPLE_ID), link=code(EXAMPLE_URL)))
    version = f"v{found.version}" if found.version else ""
    return await summarize(replace(ctx, args=f"{found.id}{version}"))
