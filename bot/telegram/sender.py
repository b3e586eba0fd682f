"""Sending digest messages through the Bot API, and classifying each outcome for the ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.ledger import Mode
from bot.models import Card, ChatRef
from bot.render.telegram_digest import pack_items, render_digest
from bot.sending import DigestHeader, DigestMessage, Failed, Moved, Outcome, Refused, Retry, Sent, Uncertain

# httpx errors raised before a single byte of the request left: resending cannot duplicate anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def build_bot(token: str, base_url: str, timeout: float, pool_size: int = 64, **httpx_kwargs: Any) -> Bot:
    """A Bot for delivery: no PTB rate limiter (delivery paces itself) and bounded timeouts."""
    request = HTTPXRequest(
        connection_pool_size=pool_size,
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
        httpx_kwargs=httpx_kwargs or None,
    )
    return Bot(token, base_url=base_url, request=request)


def classify(error: TelegramError) -> Outcome:  # noqa: PLR0911 - one answer per kind of error
    """What a Bot API error means for the ledger."""
    if isinstance(error, RetryAfter):
        after = error.retry_after
        seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
        return Retry(after=seconds, reason="rate limited by Telegram", rate_limited=True)
    if isinstance(error, ChatMigrated):
        return Moved(error.new_chat_id)
    if isinstance(error, Forbidden):
        return Refused(error.message)
    if isinstance(error, BadRequest):
        return Failed(error.message)
    if isinstance(error, NetworkError):  # TimedOut is a NetworkError too
        cause = error.__cause__
        if isinstance(cause, _NOT_SENT):
            return Retry(after=1.0, reason=f"connection failed before sending ({type(cause).__name__})")
        if cause is None and not isinstance(error, TimedOut):
            return Retry(after=2.0, reason=f"Telegram server error: {error.message}")  # an HTTP 5xx answer
        return Uncertain(f"no answer after sending ({type(cause).__name__ if cause else 'timeout'})")
    return Failed(error.message)


class TelegramSender:
    """The Sender for Telegram chats."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    def pack(self, header: DigestHeader | None, items: list[tuple[Card, Mode]], more: int) -> list[list[int]]:
        """Messages of at most 4096 visible characters."""
        return pack_items(header, items, more)

    async def send(self, chat: ChatRef, message: DigestMessage) -> Outcome:
        """Send the message (rarely in parts); a failure after a part was accepted is uncertain."""
        first: str | None = None
        for text in render_digest(message):
            try:
                sent = await self._bot.send_message(
                    chat_id=chat.chat_id,
                    text=text,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            except TelegramError as exc:
                outcome = classify(exc)
                if first is not None and not isinstance(outcome, Uncertain):
                    return Uncertain(f"only part of the message was sent ({outcome})")
                return outcome
            first = first or str(sent.message_id)
        return Sent(first or "")
