"""What a user is told when something failed on our side, in the chat's language where it can be read."""

from __future__ import annotations

import asyncio
import logging

from bot.core.i18n import N_, _, translate, using
from bot.core.languages import SOURCE_LANGUAGE
from bot.core.models import TextReply
from handlers.context import CommandContext

log = logging.getLogger(__name__)

LANGUAGE_LOOKUP_SECONDS = 0.3

SORRY = N_("Sorry — something went wrong on my side. Please try again in a minute.")
UNKNOWN_BUTTON = N_("That button is no longer in use. Run the command again for fresh buttons.")
OUT_OF_DATE = N_("That command menu is out of date; please pick the command again from the list.")


async def chat_language(ctx: CommandContext | None) -> str:
    """The chat's language, or English when even that cannot be read (e.g. Redis is what failed)."""
    if ctx is None:
        return SOURCE_LANGUAGE
    try:  # briefly: an apology must not wait for the store that may be what failed
        return await asyncio.wait_for(ctx.language(), LANGUAGE_LOOKUP_SECONDS)
    except Exception:  # noqa: BLE001 - the failure being reported may be this very lookup's
        log.warning("Could not read the language of %s; answering in English", ctx.chat.key())
        return SOURCE_LANGUAGE


async def sorry(ctx: CommandContext | None) -> TextReply:
    """The apology for a failure of ours, personal where the platform can make it so."""
    with using(await chat_language(ctx)):
        return TextReply.error(_(SORRY))


async def notice(ctx: CommandContext | None, message: str) -> str:
    """A marked message (one of this module's) in the chat's language."""
    return translate(await chat_language(ctx), message)
