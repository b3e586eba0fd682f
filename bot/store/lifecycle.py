"""Platform-neutral reactions to a chat's life: the bot removed, re-added, or the chat given a new id."""

from __future__ import annotations

import logging

from bot.app.composition import Services
from bot.core.models import ChatRef

log = logging.getLogger(__name__)


async def bot_removed(services: Services, chat: ChatRef, reason: str) -> None:
    """Stop delivering to a chat that blocked or removed the bot; keep its topics for a while."""
    if await services.chats.set_active(chat, active=False, reason=reason):
        log.info("Chat %s deactivated (%s); its topics are kept", chat.key(), reason)


async def bot_restored(services: Services, chat: ChatRef) -> None:
    """The bot can post in the chat again: deliver to it as before."""
    if await services.chats.set_active(chat, active=True):
        log.info("Chat %s reactivated", chat.key())


async def chat_migrated(services: Services, old: ChatRef, new: ChatRef) -> None:
    """A group became a supergroup with a new id: move its state once."""
    if await services.chats.migrate(old, new):
        log.info("Chat %s migrated to %s", old.key(), new.key())
    await services.ledger.move(old, new)  # idempotent: also completes a move a crash interrupted
