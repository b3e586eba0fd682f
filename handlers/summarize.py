"""/summarize <arxiv id or link>: one summary card on demand."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.arxiv.client import ArxivError, ArxivRejectedError, PaperNotFoundError
from bot.core.arxiv_ids import EXAMPLE_ID, EXAMPLE_URL, InvalidArxivIdError, find_arxiv_id, parse_arxiv_id
from bot.core.models import CardsReply, Reply, TextReply, code
from bot.core.text import shorten
from handlers.context import CommandContext

log = logging.getLogger(__name__)

ECHO_LIMIT = 64


def usage_reply() -> TextReply:
    """How to call /summarize."""
    return TextReply.error(
        "Send me an arXiv id or link, for example ",
        code(f"/summarize {EXAMPLE_ID}"),
        " or ",
        code(f"/summarize {EXAMPLE_URL}"),
        ".",
    )


def invalid_id_reply(error: InvalidArxivIdError) -> TextReply:
    """Why the text is not an id, with examples that work."""
    shown = shorten(" ".join(error.text.split()), ECHO_LIMIT)
    return TextReply.error(
        "I couldn't read ",
        code(shown),
        f" as an arXiv paper: {error.reason}. Try an id like ",
        code(EXAMPLE_ID),
        ", ",
        code("hep-th/9901001"),
        " or a link like ",
        code(EXAMPLE_URL),
        ".",
    )


def lookup_failure_reply(arxiv_id: str, error: ArxivError) -> TextReply:
    """Three different, clear replies: no such paper, id rejected, arXiv unavailable."""
    if isinstance(error, PaperNotFoundError):
        return TextReply.error(
            "arXiv has no paper ",
            code(arxiv_id),
            ". Check the number (new ids look like ",
            code(EXAMPLE_ID),
            ").",
        )
    if isinstance(error, ArxivRejectedError):
        return TextReply.error(
            "arXiv rejected ",
            code(arxiv_id),
            " as a malformed id (for example, there is no month 13). Check it against the paper's page.",
        )
    log.warning("arXiv unavailable for %s: %s", arxiv_id, error)
    return TextReply.error(
        "arXiv isn't answering right now, so I can't fetch ",
        code(arxiv_id),
        ". Please try again in a few minutes.",
    )


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
            f"You're asking faster than I can read — at most {limit} papers a minute. "
            f"Please try again in {decision.retry_after} s."
        )

    try:
        card = await ctx.services.cards.card(arxiv_id.id, await ctx.language())
    except ArxivError as exc:
        return lookup_failure_reply(arxiv_id.id, exc)
    return CardsReply((card,))


async def summarize_link(ctx: CommandContext) -> Reply | None:
    """A bare message in a private chat: a card if it is an arXiv id or link, else a hint."""
    try:
        parse_arxiv_id(ctx.args)
    except InvalidArxivIdError:
        return TextReply.error(
            "Send me an arXiv link or id (for example ",
            code(EXAMPLE_URL),
            ") and I'll summarize the paper. /help lists everything I can do.",
        )
    return await summarize(ctx)


async def summarize_in_message(ctx: CommandContext) -> Reply:
    """The card of the first arXiv id or link in someone's message (a message's context menu)."""
    found = find_arxiv_id(ctx.args)
    if found is None:
        return TextReply.error(
            "I found no arXiv id or link in that message. It needs one like ",
            code(EXAMPLE_ID),
            " or ",
            code(EXAMPLE_URL),
            ".",
        )
    version = f"v{found.version}" if found.version else ""
    return await summarize(replace(ctx, args=f"{found.id}{version}"))
