"""Sending a command's reply through a platform's messenger: retried after a 429, outcomes applied.

Adapters call this after a handler returned; it is the same for every platform, so a 429, a migrated
group or a chat that blocked the bot is handled once, here and in the digest worker, through
bot.store.lifecycle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.core.delivery import Messenger, Moved, Outcome, Retry, Sent
from bot.core.models import ChatRef, Reply, TextReply
from bot.store.lifecycle import ChatLifecycle
from bot.store.pacing import Pacer

log = logging.getLogger(__name__)

REPLY_ATTEMPTS = 4  # the first try and three retries, as python-telegram-bot's rate limiter did
MAX_RETRY_WAIT_SECONDS = 60.0  # a reply later than this is worse than none


class ReplySender:
    """Delivers replies at once (an answer should not queue behind a digest); a 429 is waited out."""

    def __init__(
        self,
        messenger: Messenger,
        lifecycle: ChatLifecycle,
        pacer: Pacer,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._messenger = messenger
        self._lifecycle = lifecycle
        self._pacer = pacer
        self._sleep = sleep

    async def send(self, chat: ChatRef, reply: Reply, reply_to: str | None = None) -> Outcome:
        """Send the reply; returns the final outcome (a migrated group is followed once). A muted reply is
        not sent: these replies are public, and it would only crowd out the ones a group waits for."""
        if isinstance(reply, TextReply) and reply.muted:
            log.debug("Muted reply to %s not sent", chat.key())
            return Sent("")
        moved = False
        outcome: Outcome = Retry(0, "not sent yet")
        for _attempt in range(REPLY_ATTEMPTS):
            outcome = await self._messenger.send_reply(chat, reply, reply_to)
            await self._pacer.hold_after(chat, outcome)  # digest workers for this chat wait it out too
            if isinstance(outcome, Sent):
                return outcome
            if isinstance(outcome, Retry):
                if outcome.after > MAX_RETRY_WAIT_SECONDS:
                    break
                await self._sleep(outcome.after)
                continue
            new = await self._lifecycle.after_send(chat, outcome)
            if isinstance(outcome, Moved) and new is not None and not moved:
                chat, reply_to, moved = new, None, True  # the message to answer stayed in the old chat
                continue
            break
        log.warning("Reply to %s not delivered: %s", chat.key(), outcome)
        return outcome
