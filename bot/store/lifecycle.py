"""A chat's life cycle, platform-neutral: the bot removed, re-added, or the chat given a new id.

Adapters call these for the platform's own events (kicked, blocked, migrated); every sender (the digest
worker, the command reply path) hands its outcomes to `after_send`, the one place that decides what a
`Moved` or `Refused` outcome does to stored state.
"""

from __future__ import annotations

import logging

from bot.core.delivery import Moved, Outcome, Refused
from bot.core.models import ChatRef, Platform
from bot.store.chats import ChatStore
from bot.store.ledger import Ledger

log = logging.getLogger(__name__)


class ChatLifecycle:
    """Changes to a chat's standing, applied atomically in the chat store and the ledger."""

    def __init__(self, chats: ChatStore, ledger: Ledger) -> None:
        self._chats = chats
        self._ledger = ledger

    async def removed(self, chat: ChatRef, reason: str) -> None:
        """Stop delivering to a chat that blocked or removed the bot; keep its topics for a while."""
        if await self._chats.set_active(chat, active=False, reason=reason):
            log.info("Chat %s deactivated (%s); its topics are kept", chat.key(), reason)

    async def restored(self, chat: ChatRef) -> None:
        """The bot can post in the chat again: deliver to it as before."""
        if await self._chats.set_active(chat, active=True):
            log.info("Chat %s reactivated", chat.key())

    async def migrated(self, old: ChatRef, new: ChatRef) -> None:
        """A group became a supergroup with a new id: move its state once."""
        if await self._chats.migrate(old, new):
            log.info("Chat %s migrated to %s", old.key(), new.key())
        await self._ledger.move(old, new)  # idempotent: also completes a move a crash interrupted

    async def after_send(self, chat: ChatRef, outcome: Outcome) -> ChatRef | None:
        """Apply what a send's outcome says about the chat; returns the chat's new id after a move."""
        if isinstance(outcome, Moved):
            new = ChatRef(chat.platform, outcome.new_chat_id)
            await self.migrated(chat, new)
            return new
        if isinstance(outcome, Refused):
            log.info("Chat %s refuses messages: %s", chat.key(), outcome.reason)
            await self.removed(chat, f"forbidden: {outcome.reason}")
        return None

    async def server_removed(self, chat_platform: Platform, server_id: int, reason: str) -> list[ChatRef]:
        """The bot left a server (a Discord guild): stop delivering to its chats, keep their topics."""
        chats = await self._chats.chats_in_server(chat_platform, server_id)
        for chat in chats:
            await self.removed(chat, reason)
        return chats
